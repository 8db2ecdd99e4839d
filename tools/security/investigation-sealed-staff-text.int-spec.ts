import { randomBytes, randomUUID } from 'node:crypto';
import { Producer } from 'kafkajs';
import { Events } from '@complaints/contracts';
import { maskDigitRuns } from '@complaints/domain';
import { FieldCipher } from '@complaints/platform';
import { eventually, quietKafka } from '@complaints/testing';
import { investigationClient, triagedEnvelope } from './investigation-client';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

/** The service seals with these keys; the test opens what it sealed. */
const PII = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}`, PII_PSEUDONYM_KEY: randomBytes(32).toString('base64') };
const keys = FieldCipher.fromEnv(PII);

/** The tables that keep why staff acted, and improvement actions: no row of them may hold the customer in clear. */
const STAFF_TEXT_TABLES = ['case_transitions', 'case_declared_interests', 'case_extension_requests', 'improvement_actions'];

/**
 * The reasons staff give and the text of improvement actions, written through the API the way
 * handlers write them: the customer's name and numbers are in none of their rows in clear, nor in
 * any event published (the text travels sealed, v2 of each event), the
 * investigator reads them as written and an auditor with their digit runs masked, as before.
 */
describe('investigation: staff reasons and improvement text rest sealed', () => {
  let investigation: ServiceUnderTest;
  let producer: Producer;

  beforeAll(async () => {
    investigation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'investigation')!, {
      ...PII,
      // The test asks for what it needs: no reminder watch running beside it.
      TASK_CHECK_INTERVAL_MS: '0',
    });
    producer = quietKafka('sealed-staff-text-int').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await investigation?.stop();
  });

  const { tag, token, sql, call } = investigationClient(() => investigation);

  /** Sends complaint.triaged for a new complaint routed to `department` and waits for its case. */
  const openCase = async (department: string) => {
    const complaintId = randomUUID();
    await producer.send({
      topic: `${investigation.topicPrefix}${Events.ComplaintTriaged.topic}`,
      messages: [{ key: complaintId, value: JSON.stringify(triagedEnvelope(complaintId, { department }, 'sealed-staff-text')) }],
    });
    const bearer = await token('investigator');
    return eventually(async () => (await call<{ id: string; status: string; assignedTo: string | null }[]>('GET', `/v1/cases?complaintId=${complaintId}`, bearer)).body[0], {
      what: `the case of ${complaintId} to open`,
    });
  };

  const putInvestigator = async (staffId: string, department: string) => {
    const res = await call('PUT', '/v1/investigators', await token('administrator', { subject: 'admin-1' }), { staffId, department, skills: ['C03'], lineManager: null, capacity: 5, active: true });
    expect(res.status).toBe(200);
  };

  const assignedCase = async () => {
    const department = `d-${tag()}`;
    const investigator = `inv-${tag()}`;
    await putInvestigator(investigator, department);
    const opened = await openCase(department);
    expect(opened).toMatchObject({ status: 'investigating', assignedTo: investigator });
    return { caseId: opened.id, department, investigator };
  };

  const step = async (bearer: string, method: string, route: string, body: unknown, status = 200) => {
    const res = await call(method, route, bearer, body);
    expect({ route, status: res.status, body: res.body }).toMatchObject({ route, status });
    return res.body;
  };

  /** Rows of the staff text tables that hold `text` anywhere, in any column. */
  const rowsHolding = async (text: string) => {
    const found: string[] = [];
    for (const table of STAFF_TEXT_TABLES) {
      const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} t WHERE position($1 in t::text) > 0`, [text]);
      if (n) found.push(`${table}: ${n}`);
    }
    return found;
  };

  type CaseText = {
    transitions: { action: string; reason: string | null }[];
    declaredInterests: { staffId: string; reason: string }[];
    extensions: { reason: string; decisionReason: string | null }[];
  };
  type ActionText = { measure: string; effectivenessNote: string | null };

  it('reasonsOnTransitionsExtensionsAndDeclaredInterests_andImprovementMeasuresAndNotes_areSealedAtRestAndOnTheWire_wholeToTheInvestigator_andMaskedToAnAuditor', async () => {
    const name = '李秀英';
    const phone = '13811112222';
    const card = '6222023333444455556';
    const said = {
      interest: `客户${name}是我的邻居，电话 ${phone}`,
      extension: `需调取${name}卡号 ${card} 在对方银行的日志`,
      extensionDecision: `对方银行回函需要时间，已电话告知${name} ${phone}`,
      closure: `${name}来电 ${phone} 表示接受处理结果`,
      reopening: `${name}提供新的流水，卡号 ${card}`,
      escalation: `${name}的卡 ${card} 涉及多家分行`,
      measure: `回拨客户${name} ${phone} 后复盘话术`,
      note: `已联系${name}，卡号 ${card} 的扣款已更正`,
      rejection: `${name}的损失金额与卡号 ${card} 的流水不符`,
      reassignment: `${name}要求换人处理，来电 ${phone}`,
      review: `${name}不认可处理结果，来电 ${phone} 要求核查`,
      task: `请核实${name}卡号 ${card} 的扣款`,
      taskResult: `${name}的卡 ${card} 重复扣款已确认`,
    };

    // One case is declared an interest in, extended, answered, closed, reopened and escalated.
    const { caseId, investigator } = await assignedCase();
    const handler = await token('investigator', { subject: investigator });
    const colleague = `inv-${tag()}`;
    const supervisor = await token('approver', { subject: `sup-${tag()}`, department: 'complaint-review' });
    await step(await token('investigator', { subject: colleague }), 'POST', `/v1/cases/${caseId}/declared-interest`, { reason: said.interest }, 201);
    const extension = (await step(handler, 'POST', `/v1/cases/${caseId}/extensions`, { toPeriod: 'complex', reason: said.extension }, 201)) as { id: string };
    await step(supervisor, 'POST', `/v1/cases/${caseId}/extensions/${extension.id}/decision`, { decision: 'approve', reason: said.extensionDecision });
    const task = (await step(handler, 'POST', `/v1/cases/${caseId}/tasks`, { department: 'operations', request: said.task, dueBy: new Date(Date.now() + 86_400_000).toISOString() }, 201)) as { id: string };
    await step(handler, 'POST', `/v1/cases/${caseId}/tasks/${task.id}/result`, { result: said.taskResult });
    await step(handler, 'PUT', `/v1/cases/${caseId}/findings`, { facts: ['11月20日跨行转账被重复扣款'], liability: 'bank', rootCause: { code: 'system', detail: '清算接口超时' } });
    await step(handler, 'POST', `/v1/cases/${caseId}/resolution`, { outcome: 'upheld', explanation: '经核实系统故障导致重复扣款，已更正。', actions: ['explanation', 'correction'] }, 201);
    await step(handler, 'POST', `/v1/cases/${caseId}/closure`, { reason: said.closure });
    await step(supervisor, 'POST', `/v1/cases/${caseId}/reopening`, { reason: said.reopening });
    await step(supervisor, 'POST', `/v1/cases/${caseId}/escalation`, { reason: said.escalation });
    const raised = (await step(handler, 'POST', '/v1/improvement-actions', { sourceCaseId: caseId, department: `dept-${tag()}`, measure: said.measure, dueBy: new Date(Date.now() + 30 * 86_400_000).toISOString() }, 201)) as { id: string };
    await step(handler, 'POST', `/v1/improvement-actions/${raised.id}/status`, { status: 'in-progress', note: said.note });

    // Another is handed to a colleague, has a proposal sent back, and is contested by the customer.
    const other = await assignedCase();
    const successor = `inv-${tag()}`;
    await putInvestigator(successor, other.department);
    await step(await token('triage-officer', { subject: 'triage-officer-1' }), 'POST', `/v1/cases/${other.caseId}/assignment`, { investigator: successor, reason: said.reassignment });
    const second = await token('investigator', { subject: successor });
    await step(second, 'PUT', `/v1/cases/${other.caseId}/findings`, { facts: ['转账延误'], liability: 'bank', rootCause: { code: 'system', detail: '清算接口超时' } });
    const compensation = { outcome: 'upheld', explanation: '转账延误造成直接损失，予以赔偿。', actions: ['explanation', 'compensation'], remedy: { type: 'loss-reimbursement', amount: { amountMinor: 500_000, currency: 'CNY' } } };
    expect(await step(second, 'POST', `/v1/cases/${other.caseId}/resolution`, compensation, 201)).toMatchObject({ status: 'awaiting-approval' });
    await step(supervisor, 'POST', `/v1/cases/${other.caseId}/resolution/decision`, { decision: 'reject', reason: said.rejection });
    await step(second, 'POST', `/v1/cases/${other.caseId}/resolution`, { outcome: 'upheld', explanation: '经核实系统故障导致延误，已致歉。', actions: ['explanation', 'apology'] }, 201);
    await step(await token('triage-officer', { subject: 'triage-officer-1' }), 'POST', `/v1/cases/${other.caseId}/review`, { reason: said.review });

    // On the wire: every event published carries the staff's words sealed, whole, and the name in none of them in clear.
    const published = await sql<{ type: string; version: number; payload: Record<string, unknown> }>(
      `SELECT headers->>'event-type' AS type, (convert_from(value, 'UTF8')::jsonb->>'version')::int AS version, convert_from(value, 'UTF8')::jsonb->'payload' AS payload FROM outbox ORDER BY seq`,
    );
    for (const secret of [name, phone, card]) expect({ secret, events: published.filter((e) => JSON.stringify(e.payload).includes(secret)).map((e) => e.type) }).toEqual({ secret, events: [] });
    const wordsOn = (type: string, field: string) => published.filter((e) => e.type === type && typeof e.payload[field] === 'string').map((e) => ({ version: e.version, text: keys.decrypt(e.payload[field] as string) }));
    expect(wordsOn(Events.CaseExtensionRequested.type, 'reason')).toEqual([{ version: 2, text: said.extension }]);
    expect(wordsOn(Events.CaseExtensionDecided.type, 'reason')).toEqual([{ version: 2, text: said.extensionDecision }]);
    expect(wordsOn(Events.CaseClosed.type, 'reason')).toEqual([{ version: 2, text: said.closure }]);
    expect(wordsOn(Events.CaseReopened.type, 'reason')).toEqual([{ version: 2, text: said.reopening }]);
    expect(wordsOn(Events.CaseEscalated.type, 'reason')).toEqual([{ version: 2, text: said.escalation }]);
    expect(wordsOn(Events.CaseResolutionDecided.type, 'reason')).toEqual([{ version: 2, text: said.rejection }]);
    expect(wordsOn(Events.CaseReviewRequested.type, 'reason')).toEqual([{ version: 2, text: said.review }]);
    expect(wordsOn(Events.ImprovementActionRaised.type, 'measure')).toEqual([{ version: 2, text: said.measure }]);
    expect(wordsOn(Events.ImprovementActionUpdated.type, 'note')).toEqual([{ version: 2, text: said.note }]);
    expect(wordsOn(Events.CaseTaskRequested.type, 'request')).toEqual([{ version: 2, text: said.task }]);
    expect(wordsOn(Events.CaseTaskCompleted.type, 'result')).toEqual([{ version: 2, text: said.taskResult }]);

    // At rest: no row of these tables holds the customer's name or numbers, and each text is in its sealed column only.
    for (const secret of [name, phone, card]) expect({ secret, rows: await rowsHolding(secret) }).toEqual({ secret, rows: [] });
    const opened = (sealed: string | null) => (sealed === null ? null : keys.decrypt(sealed));
    const transitions = await sql<{ case_id: string; action: string; reason: string | null; reason_sealed: string | null }>(
      `SELECT case_id, action, reason, reason_sealed FROM case_transitions WHERE case_id = ANY($1) ORDER BY id`,
      [[caseId, other.caseId]],
    );
    expect(transitions.filter((t) => t.reason !== null)).toEqual([]);
    expect(transitions.filter((t) => t.reason_sealed !== null).every((t) => t.reason_sealed!.startsWith('v2:t1:'))).toBe(true);
    const sealedReasons = transitions.map((t) => [t.action, opened(t.reason_sealed)]);
    for (const reason of [said.closure, said.reopening, said.escalation, said.reassignment, said.rejection, said.review]) expect(sealedReasons.map(([, r]) => r)).toContain(reason);
    const [interest] = await sql<{ reason: string | null; reason_sealed: string }>(`SELECT reason, reason_sealed FROM case_declared_interests WHERE case_id = $1`, [caseId]);
    expect({ reason: interest.reason, sealed: opened(interest.reason_sealed) }).toEqual({ reason: null, sealed: said.interest });
    const [extensionRow] = await sql<{ reason: string | null; reason_sealed: string; decision_reason: string | null; decision_reason_sealed: string }>(
      `SELECT reason, reason_sealed, decision_reason, decision_reason_sealed FROM case_extension_requests WHERE id = $1`,
      [extension.id],
    );
    expect({ ...extensionRow, reason_sealed: opened(extensionRow.reason_sealed), decision_reason_sealed: opened(extensionRow.decision_reason_sealed) }).toEqual({
      reason: null,
      reason_sealed: said.extension,
      decision_reason: null,
      decision_reason_sealed: said.extensionDecision,
    });
    const [action] = await sql<{ measure: string | null; measure_sealed: string; effectiveness_note: string | null; effectiveness_note_sealed: string }>(
      `SELECT measure, measure_sealed, effectiveness_note, effectiveness_note_sealed FROM improvement_actions WHERE id = $1`,
      [raised.id],
    );
    expect({ ...action, measure_sealed: opened(action.measure_sealed), effectiveness_note_sealed: opened(action.effectiveness_note_sealed) }).toEqual({
      measure: null,
      measure_sealed: said.measure,
      effectiveness_note: null,
      effectiveness_note_sealed: said.note,
    });

    // The investigator reads every text as written.
    const whole = (await step(handler, 'GET', `/v1/cases/${caseId}`, undefined)) as CaseText;
    expect(whole.transitions.map((t) => [t.action, t.reason])).toEqual([
      ['assign', 'workload and skill'],
      ['record-findings', null],
      ['propose-resolution', null],
      ['close', said.closure],
      ['reopen', said.reopening],
      ['escalate', said.escalation],
    ]);
    expect(whole.declaredInterests).toEqual([expect.objectContaining({ staffId: colleague, reason: said.interest })]);
    expect(whole.extensions).toEqual([expect.objectContaining({ reason: said.extension, decisionReason: said.extensionDecision })]);
    expect(JSON.stringify(whole)).not.toMatch(/_sealed|v2:t1:/);
    const handedOver = (await step(second, 'GET', `/v1/cases/${other.caseId}`, undefined)) as CaseText;
    expect(handedOver.transitions.map((t) => t.reason)).toEqual(['workload and skill', said.reassignment, null, null, said.rejection, null, said.review]);
    const measured = (await step(handler, 'GET', `/v1/improvement-actions/${raised.id}`, undefined)) as ActionText;
    expect(measured).toMatchObject({ measure: said.measure, effectivenessNote: said.note });
    expect(JSON.stringify(measured)).not.toMatch(/_sealed|v2:t1:/);

    // An auditor reads them with digit runs masked, as before they were sealed.
    const auditor = await token('auditor', { subject: 'auditor-1' });
    const masked = (await step(auditor, 'GET', `/v1/cases/${caseId}`, undefined)) as CaseText;
    expect(masked.transitions.map((t) => t.reason)).toEqual(['workload and skill', null, null, maskDigitRuns(said.closure), maskDigitRuns(said.reopening), maskDigitRuns(said.escalation)]);
    expect(masked.declaredInterests.map((i) => i.reason)).toEqual([maskDigitRuns(said.interest)]);
    expect(masked.extensions.map((x) => [x.reason, x.decisionReason])).toEqual([[maskDigitRuns(said.extension), maskDigitRuns(said.extensionDecision)]]);
    const maskedAction = (await step(auditor, 'GET', `/v1/improvement-actions/${raised.id}`, undefined)) as ActionText;
    expect(maskedAction).toMatchObject({ measure: maskDigitRuns(said.measure), effectivenessNote: maskDigitRuns(said.note) });
    expect(JSON.stringify([masked, maskedAction])).not.toMatch(new RegExp(`${phone}|${card}`));
  });
});
