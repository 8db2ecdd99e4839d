import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { Role, SERVICES, TOPICS } from '@complaints/contracts';
import {
  collectTopic,
  dropPlatformData,
  eventually,
  quietKafka,
  RunningPlatform,
  startPlatform,
  TEST_DATABASE_URL,
  uniqueTestId,
} from '@complaints/testing';
import { caseWork } from './case-work';

jest.setTimeout(180_000);

interface ArchivedEvent {
  seq: number;
  eventId: string;
  type: string;
  producer: string;
  occurredAt: string;
  correlationId: string;
  causationId: string | null;
  payload: Record<string, unknown>;
}

const PERSONAL = { name: '测试人甲乙', phone: '13912340000', idNumber: '110105194912310021', email: 'jia.yi@example.com' };
const CARD = '6222021234567890123';
/** What the investigator writes into the decision for the customer's letter: it names their numbers, and cannot be masked. */
const EXPLAINED = { account: '6217000010009876543', callBack: '13700005555' };

describe('one complaint through all six services (real processes, Kafka and Postgres)', () => {
  let platform: RunningPlatform;
  let pg: Client;

  beforeAll(async () => {
    platform = await startPlatform(uniqueTestId());
    pg = new Client({ connectionString: TEST_DATABASE_URL });
    await pg.connect();
  });

  afterAll(async () => {
    await platform?.stop();
    if (pg) {
      if (platform) await dropPlatformData(pg, platform);
      await pg.end();
    }
  });

  /** Authorization header of a token from the platform's issuer. */
  const as = async (role: Role, channel?: string) => ({
    authorization: `Bearer ${await platform.issuer.token(role, { channel, subject: channel ? `${channel}-adapter` : `${role}-7`, ...(role === 'approver' ? { approvalLimitMinor: 5_000_000 } : {}) })}`,
  });

  const json = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: text ? JSON.parse(text) : null };
  };

  const complaint = (overrides: Record<string, unknown> = {}) => ({
    channel: 'web',
    complainant: { ...PERSONAL },
    description: `我是${PERSONAL.name}，我的信用卡被重复扣年费，卡号 ${CARD}，联系电话 ${PERSONAL.phone}，邮箱 ${PERSONAL.email}。`,
    productHint: '信用卡',
    amountInDispute: { amountMinor: 30000, currency: 'CNY' },
    preferredReplyChannel: 'sms',
    ...overrides,
  });

  /** Every retrieval from the archive states its purpose (docs/archive.md, "Retrievals"). */
  const RETRIEVAL = { 'x-retrieval-purpose': 'complaint-handling', 'x-retrieval-reference': 'E2E-JOURNEY' };
  const archiveOf = async (complaintId: string): Promise<ArchivedEvent[]> =>
    (await json('GET', platform.url('compliance-archive', `/v1/archive/complaints/${complaintId}`), undefined, { ...(await as('compliance-officer')), ...RETRIEVAL })).body.events;

  const file = async (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    json('POST', platform.url('intake', '/v1/complaints'), body, { ...(await as('channel-adapter', String(body.channel ?? 'web'))), ...headers });

  /**
   * The investigator's part, as the case work issue has it: assigned from the directory by
   * workload, findings recorded, the decision proposed (and approved when four eyes are needed).
   */
  const answerCase = async (caseId: string, department: string, resolution: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const work = caseWork(platform);
    await work.staff([{ staffId: 'investigator-7', department }]);
    const current = await work.readCase(caseId);
    if (current.status === 'awaiting-assignment') {
      const assigned = await json('POST', platform.url('investigation', `/v1/cases/${caseId}/assignment`), {}, { ...(await as('approver')), ...headers });
      expect(assigned.body.assignedTo).toBe('investigator-7');
    }
    const findings = await json('PUT', platform.url('investigation', `/v1/cases/${caseId}/findings`), {
      facts: ['年费在同一账期被收取两次'], liability: 'bank', rootCause: { code: 'system', detail: '计费批处理重复执行' },
    }, { ...(await as('investigator')), ...headers });
    expect(findings.status).toBe(200);
    const proposed = await json('POST', platform.url('investigation', `/v1/cases/${caseId}/resolution`), resolution, { ...(await as('investigator')), ...headers });
    if (proposed.body?.status === 'awaiting-approval') {
      const approver = { authorization: `Bearer ${await platform.issuer.token('approver', { subject: 'approver-8', approvalLimitMinor: 10_000_000 })}` };
      expect((await json('POST', platform.url('investigation', `/v1/cases/${caseId}/resolution/decision`), { decision: 'approve' }, { ...approver, ...headers })).status).toBe(200);
    }
    return proposed;
  };

  const complaintCount = async () =>
    Number((await pg.query(`SELECT count(*) AS n FROM "${platform.schemas.intake}".complaints`)).rows[0].n);

  it('answers ready, live, metrics and OpenAPI on every service', async () => {
    for (const service of SERVICES) {
      expect((await json('GET', platform.url(service, '/health/live'))).status).toBe(200);
      const ready = await json('GET', platform.url(service, '/health/ready'));
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toMatchObject({ database: { status: 'up' }, kafka: { status: 'up' } });
      const metrics = await fetch(platform.url(service, '/metrics'));
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      const exposed = await metrics.text();
      expect(exposed).toContain(`process_cpu_user_seconds_total{service="${service}"}`);
      expect(exposed).toMatch(new RegExp(`^outbox_pending_rows\\{service="${service}"\\} \\d+$`, 'm'));
      const docs = await json('GET', platform.url(service, '/docs-json'));
      expect(docs.body.openapi).toMatch(/^3\./);
      expect(Object.keys(docs.body.paths).some((p) => p.startsWith('/v1/'))).toBe(true);
    }
  });

  it('carries a complaint from intake to a sealed archive record, every event in order', async () => {
    const correlationId = `e2e-${platform.id}`;
    const filed = await file(complaint(), { 'x-correlation-id': correlationId });
    expect(filed.status).toBe(201);
    expect(filed.headers.get('x-correlation-id')).toBe(correlationId);
    expect(filed.body.ticketNumber).toMatch(/^CMP-\d{8}-\d{8}-\d$/);
    expect(new Date(filed.body.responseDueBy).getTime()).toBeGreaterThan(Date.now() + 14 * 86_400_000);
    const { complaintId, ticketNumber } = filed.body;

    const opened = await eventually(async () => {
      const events = await archiveOf(complaintId);
      return events.find((e) => e.type === 'case.opened');
    }, { what: 'the case to open' });

    const resolved = await answerCase(opened.payload.caseId, opened.payload.department, {
      outcome: 'upheld',
      explanation: '年费系系统重复收取，予以退还。',
      actions: ['correction', 'refund'],
      remedy: { type: 'fee-refund', amount: { amountMinor: 30000, currency: 'CNY' } },
    }, { 'x-correlation-id': correlationId });
    expect(resolved.status).toBe(201);
    const again = await json('POST', platform.url('investigation', `/v1/cases/${opened.payload.caseId}/resolution`), {
      outcome: 'not-upheld', explanation: 'x', actions: ['explanation'],
    }, await as('investigator'));
    expect(again.status).toBe(409);
    expect(again.type).toContain('application/problem+json');
    expect(again.body.allowed).toEqual(['log-contact', 'add-note', 'contest', 'close', 'reopen']);

    // CNY 300.00 is above what a decision alone may grant: an approver approves it, then it is paid through core banking.
    const remedy = await eventually(async () => {
      const listed = await json('GET', platform.url('compensation', `/v1/remedies?complaintId=${complaintId}`), undefined, await as('approver'));
      return listed.body?.[0]?.status === 'proposed' ? listed.body[0] : null;
    }, { what: 'the proposed remedy' });
    expect(remedy).toMatchObject({ route: 'single', amount: { amountMinor: 30000, currency: 'CNY' } });
    const approved = await json('POST', platform.url('compensation', `/v1/remedies/${remedy.remedyId}/approvals`), undefined, { ...(await as('approver')), 'x-correlation-id': correlationId });
    expect(approved.body).toMatchObject({ status: 'approved' });

    const record = await eventually(async () => {
      const all = await archiveOf(complaintId);
      const told = all.some((e) => e.type === 'notification.sent' && e.payload.kind === 'remedy-paid');
      return all.some((e) => e.type === 'dossier.sealed') && all.some((e) => e.type === 'remedy.paid') && told ? all : null;
    }, { what: 'the sealed record, the payout and the notice of it' });
    // Each read of the record by a compliance officer is itself on the record; the journey is the rest.
    const reads = record.filter((e) => e.type === 'staff.action-recorded' && e.payload.action === 'archive.record-viewed');
    expect(reads.length).toBeGreaterThan(0);
    expect(new Set(reads.map((e) => e.payload.actor))).toEqual(new Set(['compliance-officer-7']));
    expect(new Set(reads.map((e) => JSON.stringify(e.payload.detail)))).toEqual(new Set([JSON.stringify({ purpose: 'complaint-handling', reference: 'E2E-JOURNEY' })]));
    const events = record.filter((e) => !reads.includes(e));

    expect(new Set(events.map((e) => e.producer))).toEqual(new Set(SERVICES));
    const position = (type: string, kind?: string) =>
      events.findIndex((e) => e.type === type && (kind === undefined || e.payload.kind === kind));
    expect(position('complaint.received')).toBe(0);
    expect(position('complaint.triaged')).toBeLessThan(position('case.opened'));
    expect(position('case.opened')).toBeLessThan(position('case.assigned'));
    expect(position('case.findings-recorded')).toBeLessThan(position('case.response-issued'));
    expect(position('case.response-issued')).toBeLessThan(position('remedy.proposed'));
    expect(position('remedy.proposed')).toBeLessThan(position('remedy.approved'));
    expect(position('remedy.approved')).toBeLessThan(position('remedy.paid'));
    expect(position('remedy.paid')).toBeLessThan(position('notification.sent', 'remedy-paid'));
    expect(position('notification.sent', 'acknowledgement')).toBeLessThan(position('notification.sent', 'final-response'));
    expect(position('notification.sent', 'final-response')).toBeLessThan(position('dossier.sealed'));
    const times = events.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // One correlation id from the HTTP request through Kafka to the last event; causation links each step.
    expect(new Set(events.map((e) => e.correlationId))).toEqual(new Set([correlationId]));
    const received = events[position('complaint.received')];
    expect(events[position('complaint.triaged')].causationId).toBe(received.eventId);
    expect(events.filter((e) => e.type === 'notification.sent').map((e) => e.payload.kind)).toEqual(['acknowledgement', 'final-response', 'remedy-paid']);
    // The investigator's decision is on the record under the verified token subject.
    expect(events[position('case.response-issued')].payload.decidedBy).toBe('investigator-7');
    const staffAction = await eventually(async () => (await archiveOf(complaintId)).find((e) => e.type === 'staff.action-recorded' && e.payload.action === 'case.resolution-proposed'), { what: 'the staff action' });
    expect(staffAction.payload).toMatchObject({ actor: 'investigator-7', roles: ['investigator'], service: 'investigation', outcome: 'succeeded' });

    // The channel asks on the customer's behalf, with the last four digits of their phone.
    const status = await json('GET', platform.url('intake', `/v1/complaints/${ticketNumber}`), undefined, {
      ...(await as('channel-adapter', 'web')),
      'x-proof-of-identity': PERSONAL.phone.slice(-4),
    });
    expect(status.body).toMatchObject({ ticketNumber, status: 'replied', statusLabel: { 'zh-CN': '已答复' } });
    expect(status.body.timeline.map((t: { event: string }) => t.event)).toEqual(['complaint.received', 'complaint.triaged', 'case.opened', 'case.response-issued']);
    // Customer-safe: fixed wording only, no department, no staff.
    expect(JSON.stringify(status.body.timeline)).not.toMatch(/investigator|card-centre|operations|staff/);
    const integrity = await json('GET', platform.url('compliance-archive', '/v1/archive/integrity'), undefined, await as('auditor'));
    expect(integrity.body).toMatchObject({ intact: true });

    // The sealed dossier, read by an auditor who says why: its hash is the one the archive sealed last
    // (events of the complaint that arrive after its closure, a payout or a receipt, are sealed again).
    const dossier = await eventually(async () => {
      const read = await json('GET', platform.url('compliance-archive', `/v1/archive/complaints/${complaintId}/dossier`), undefined, {
        ...(await as('auditor')),
        'x-retrieval-purpose': 'internal-audit',
      });
      return read.status === 200 && read.body.dossierHashCovers?.matchesSeal ? read : null;
    }, { what: 'a dossier its latest seal covers' });
    const seals = (await archiveOf(complaintId)).filter((e) => e.type === 'dossier.sealed');
    expect(seals.map((e) => e.payload.dossierHash)).toContain(dossier.body.sealed.dossierHash);
    expect(dossier.body).toMatchObject({
      format: 'complaints-dossier@1',
      ticketNumber,
      dossierHash: dossier.body.sealed.dossierHash,
      dossierHashCovers: { matchesSeal: true, notCovered: [] },
      integrity: { chainIntact: true },
    });
    expect(dossier.body.decisions).toEqual([expect.objectContaining({ outcome: 'upheld', explanation: '年费系系统重复收取，予以退还。' })]);
    const pdf = await fetch(platform.url('compliance-archive', `/v1/archive/complaints/${complaintId}/dossier.pdf`), {
      headers: { ...(await as('compliance-officer')), 'x-retrieval-purpose': 'regulator-request', 'x-retrieval-reference': 'NFRA-2026-001' },
    });
    expect({ status: pdf.status, type: pdf.headers.get('content-type') }).toEqual({ status: 200, type: 'application/pdf' });
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('gives a channel retry the original ticket instead of a second complaint', async () => {
    const key = `retry-${platform.id}`;
    const first = await file(complaint({ channel: 'hotline' }), { 'idempotency-key': key });
    const before = await complaintCount();
    const second = await file(complaint({ channel: 'hotline' }), { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await complaintCount()).toBe(before);
  });

  it('answers hostile input with problem+json and writes nothing', async () => {
    const before = await complaintCount();
    const web = await as('channel-adapter', 'web');
    const malformed = await json('POST', platform.url('intake', '/v1/complaints'), '{"channel": "web",', web);
    expect(malformed.status).toBe(400);
    expect(malformed.type).toContain('application/problem+json');
    expect(malformed.body).toMatchObject({ type: expect.stringMatching(/malformed-json$/), status: 400 });

    const huge = await json('POST', platform.url('intake', '/v1/complaints'), complaint({ description: '长'.repeat(300_000) }), web);
    expect(huge.status).toBe(413);
    expect(huge.type).toContain('application/problem+json');
    expect(huge.body).toMatchObject({ type: expect.stringMatching(/payload-too-large$/), status: 413 });

    const wrongTypes = await json('POST', platform.url('intake', '/v1/complaints'), {
      channel: 'fax',
      complainant: { name: 42 },
      description: '',
      preferredReplyChannel: 'sms',
      amountInDispute: { amountMinor: 12.5, currency: 'cny' },
      isAdmin: true,
    }, web);
    expect(wrongTypes.status).toBe(400);
    const paths = wrongTypes.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['channel', 'complainant.name', 'description', 'amountInDispute.amountMinor', 'amountInDispute.currency', 'isAdmin']),
    );
    const badTicket = await json('GET', platform.url('intake', '/v1/complaints/CMP-20260101-00000001-9'), undefined, web);
    expect(badTicket.status).toBe(400);
    expect(await complaintCount()).toBe(before);
  });

  it('keeps personal data out of Kafka, the logs and every table in clear, and masks it for roles that do not need it', async () => {
    const correlationId = `pii-${platform.id}`;
    // A customer number of its own: the same person's earlier complaints above would make this one a repeat, merged with no clock of its own to extend.
    const filed = await file(complaint({ channel: 'email', complainant: { ...PERSONAL, customerId: `PII-${platform.id}` } }), { 'x-correlation-id': correlationId });
    expect(filed.status).toBe(201);
    const { complaintId } = filed.body;
    const opened = await eventually(async () => (await archiveOf(complaintId)).find((e) => e.type === 'case.opened'), { what: 'the case' });
    // Staff write about the customer by name while they work the case: a task for another department, and more time asked and approved.
    const caseId = opened.payload.caseId as string;
    const work = caseWork(platform);
    await work.staff([{ staffId: 'investigator-7', department: opened.payload.department as string }]);
    if ((await work.readCase(caseId)).status === 'awaiting-assignment') {
      expect((await json('POST', platform.url('investigation', `/v1/cases/${caseId}/assignment`), {}, await as('approver'))).body.assignedTo).toBe('investigator-7');
    }
    expect((await work.readCase(caseId)).assignedTo).toBe('investigator-7');
    const dueBy = new Date(Date.now() + 3 * 86_400_000).toISOString();
    expect((await json('POST', platform.url('investigation', `/v1/cases/${caseId}/tasks`), { department: 'card-centre', request: `请核实${PERSONAL.name}的年费扣款记录`, dueBy }, await as('investigator'))).status).toBe(201);
    const asked = await json('POST', platform.url('investigation', `/v1/cases/${caseId}/extensions`), { toPeriod: 'complex', reason: `${PERSONAL.name}的扣款需调取批处理日志` }, await as('investigator'));
    expect(asked.status).toBe(201);
    // The approver's reason is the one the customer is told.
    const extensionReason = `${PERSONAL.name}的扣款需卡中心调取两个账期的批处理日志`;
    const approved = await json('POST', platform.url('investigation', `/v1/cases/${caseId}/extensions/${asked.body.id}/decision`), { decision: 'approve', reason: extensionReason }, await as('approver'));
    expect(approved.status).toBe(200);
    // The customer is told why, in the words staff wrote: sealed by investigation, relayed by triage, opened by notification.
    const notice = await eventually(async () => {
      const sent = await json('GET', platform.url('notification', `/v1/notifications?complaintId=${complaintId}`), undefined, await as('investigator'));
      return (sent.body as { kind: string; body: string }[]).find((m) => m.kind === 'extension') ?? null;
    }, { what: 'the extension notice', timeoutMs: 60_000 });
    expect(notice.body).toContain(extensionReason);
    await answerCase(caseId, opened.payload.department, {
      outcome: 'partially-upheld',
      explanation: `您尾号 ${EXPLAINED.account} 的账户被多收的部分费用予以退还，我行已致电 ${EXPLAINED.callBack} 告知。`,
      actions: ['apology'],
      remedy: { type: 'goodwill', amount: { amountMinor: 5000, currency: 'CNY' } },
    });

    // Staff view: in clear for the investigator, masked for a triage officer, both on the record.
    const clear = await json('GET', platform.url('intake', `/v1/staff/complaints/${complaintId}`), undefined, await as('investigator'));
    expect(clear.body).toMatchObject({ personalData: 'clear', complainant: { name: PERSONAL.name, phone: PERSONAL.phone } });
    expect(clear.body.description).toContain(CARD);
    const masked = await json('GET', platform.url('intake', `/v1/staff/complaints/${complaintId}`), undefined, await as('triage-officer'));
    expect(masked.body.personalData).toBe('masked');
    expect(masked.body.complainant.phone).toBe('*******0000');
    for (const value of [...Object.values(PERSONAL), CARD]) expect(JSON.stringify(masked.body)).not.toContain(value);
    const views = await eventually(async () => {
      const all = (await archiveOf(complaintId)).filter((e) => e.type === 'staff.action-recorded' && e.payload.action === 'complaint.viewed');
      return all.length === 2 ? all : null;
    }, { what: 'both views on the record' });
    expect(views.map((v) => v.payload.detail.personalData).sort()).toEqual(['clear', 'masked']);
    await eventually(async () => (await archiveOf(complaintId)).some((e) => e.type === 'dossier.sealed'), { what: 'the sealed record' });
    // The letter carries the decision as written: notification opened what travelled sealed.
    const letters = await json('GET', platform.url('notification', `/v1/notifications?complaintId=${complaintId}`), undefined, await as('investigator'));
    const letter = (letters.body as { kind: string; body: string }[]).find((m) => m.kind === 'final-response');
    expect(letter?.body).toContain(`您尾号 ${EXPLAINED.account} 的账户被多收的部分费用予以退还，我行已致电 ${EXPLAINED.callBack} 告知。`);

    // At rest: no table of any service holds a value in clear.
    let tablesHoldingTheTicket = 0;
    for (const [service, schema] of Object.entries(platform.schemas)) {
      const tables = await pg.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`, [schema]);
      for (const { table_name } of tables.rows) {
        const dump = (await pg.query(`SELECT coalesce(string_agg(t::text, E'\\n'), '') AS rows FROM "${schema}"."${table_name}" t`)).rows[0].rows as string;
        // The outbox holds event bytes: read them as text too.
        const bytes = table_name === 'outbox' ? (await pg.query(`SELECT coalesce(string_agg(convert_from(value, 'UTF8'), E'\\n'), '') AS v FROM "${schema}".outbox`)).rows[0].v : '';
        if ((dump + bytes).includes(filed.body.ticketNumber)) tablesHoldingTheTicket += 1;
        for (const value of [...Object.values(PERSONAL), CARD]) {
          expect({ service, table: table_name, leaks: (dump + bytes).includes(value) ? value : null }).toEqual({ service, table: table_name, leaks: null });
        }
        // The decision quotes the customer: sealed in the case, on the way and in the archive alike.
        for (const value of Object.values(EXPLAINED)) {
          expect({ service, table: table_name, leaks: (dump + bytes).includes(value) ? value : null }).toEqual({ service, table: table_name, leaks: null });
        }
      }
    }

    // The dump reads real rows: the complaint is in intake's, triage's, investigation's and the archive's tables and outboxes.
    expect(tablesHoldingTheTicket).toBeGreaterThanOrEqual(6);

    // On the wire: every topic, keys, values and headers.
    const kafka = quietKafka(`pii-check-${platform.id}`);
    const topics = [...Object.values(TOPICS), ...SERVICES.map((s) => `${s}.dlq`)];
    let records = 0;
    for (const base of topics) {
      const topic = await collectTopic(kafka, `${platform.topicPrefix}${base}`);
      try {
        if (base === TOPICS.intake || base === TOPICS.staffActions) await eventually(() => topic.messages.length >= 1, { what: `records on ${base}` });
        records += topic.messages.length;
        const raw = topic.messages.map((m) => `${m.key}\n${m.value?.toString() ?? ''}\n${JSON.stringify(m.headers)}`).join('\n');
        for (const value of [...Object.values(PERSONAL), CARD, ...Object.values(EXPLAINED)]) expect({ topic: base, leaks: raw.includes(value) ? value : null }).toEqual({ topic: base, leaks: null });
      } finally {
        await topic.stop();
      }
    }
    expect(records).toBeGreaterThanOrEqual(8);

    const logs = Object.fromEntries(
      SERVICES.map((s) => [s, fs.readFileSync(path.join(platform.logDir, `${s}.log`), 'utf8')]),
    );
    for (const [service, text] of Object.entries(logs)) {
      for (const value of [...Object.values(PERSONAL), CARD, ...Object.values(EXPLAINED)]) expect({ service, leaks: text.includes(value) ? value : null }).toEqual({ service, leaks: null });
    }
    for (const s of ['intake', 'triage', 'investigation', 'notification', 'compliance-archive'] as const) {
      const lines = logs[s].split('\n').filter((l) => l.includes(correlationId));
      expect({ service: s, linesWithCorrelationId: lines.length > 0 }).toEqual({ service: s, linesWithCorrelationId: true });
      expect(() => JSON.parse(lines[0])).not.toThrow();
    }
  });

  it('ends the procedure when the customer withdraws: the case stops and the record is sealed', async () => {
    const filed = await file(complaint({ channel: 'mobile-app' }));
    const { complaintId, ticketNumber } = filed.body;
    const opened = await eventually(async () => (await archiveOf(complaintId)).find((e) => e.type === 'case.opened'), { what: 'the case' });
    const withdrawn = await json('POST', platform.url('intake', `/v1/complaints/${ticketNumber}/withdrawal`), { reason: '已与网点协商解决' }, {
      ...(await as('channel-adapter', 'mobile-app')),
      'x-proof-of-identity': PERSONAL.phone.slice(-4),
    });
    expect(withdrawn.status).toBe(201);
    const investigator = await as('investigator');
    const stopped = await eventually(async () => {
      const found = await json('GET', platform.url('investigation', `/v1/cases/${opened.payload.caseId}`), undefined, investigator);
      return found.body.status === 'withdrawn' ? found.body : null;
    }, { what: 'the case to stop' });
    expect(stopped.withdrawnAt).toEqual(expect.any(String));
    const late = await json('POST', platform.url('investigation', `/v1/cases/${opened.payload.caseId}/resolution`), { outcome: 'upheld', explanation: 'x', actions: ['explanation'] }, investigator);
    expect(late.status).toBe(409);
    const record = await eventually(async () => {
      const all = await archiveOf(complaintId);
      return all.some((e) => e.type === 'dossier.sealed') ? all : null;
    }, { what: 'the sealed record' });
    expect(record.map((e) => e.type)).toEqual(expect.arrayContaining(['complaint.received', 'case.opened', 'complaint.withdrawn', 'dossier.sealed']));
  });

  it("binds an earlier complaint to the earlier deadline of a regulator's referral merged into it, and intake and investigation show that date", async () => {
    // Customer Z complained in the app; the regulator then refers Z's complaint on the same matter, due sooner than the regime allows.
    const complainant = { name: '赵女士', phone: '13700002468' };
    const first = await file({ channel: 'mobile-app', complainant, description: '我上周五通过手机银行向他行转账五万元，至今没有到账，客服说是对方银行接口故障，请尽快处理', preferredReplyChannel: 'sms' });
    expect(first.status).toBe(201);
    const opened = await eventually(async () => (await archiveOf(first.body.complaintId)).find((e) => e.type === 'case.opened'), { what: 'the case of the first complaint' });
    const deadline = new Date(Date.now() + 3 * 86_400_000).toISOString();
    expect(Date.parse(first.body.responseDueBy)).toBeGreaterThan(Date.parse(deadline));

    const referred = await file({
      channel: 'regulator',
      complainant,
      description: '上周五手机银行跨行转账五万元一直没到账，客服说对方银行接口故障，到现在还没处理',
      preferredReplyChannel: 'sms',
      regulatorReferral: { body: 'nfra', caseNumber: `NFRA-E2E-${Date.now()}`, deadline },
    });
    expect(referred.status).toBe(201);

    const proof = { ...(await as('channel-adapter', 'mobile-app')), 'x-proof-of-identity': complainant.phone.slice(-4) };
    const told = await eventually(async () => {
      const status = await json('GET', platform.url('intake', `/v1/complaints/${first.body.ticketNumber}`), undefined, proof);
      return status.body?.responseDueBy === deadline ? status.body : null;
    }, { what: "the first complaint's status to show the regulator's deadline" });
    expect(told.timeline.map((t: { event: string }) => t.event)).toContain('deadline.clock-changed');
    const investigator = await as('investigator');
    const kase = await eventually(async () => {
      const found = await json('GET', platform.url('investigation', `/v1/cases/${opened.payload.caseId}`), undefined, investigator);
      return found.body?.responseDueBy === deadline ? found.body : null;
    }, { what: "the case to be due by the regulator's deadline" });
    expect(kase.ticketNumber).toBe(first.body.ticketNumber);
  });

  it('stops every service cleanly on SIGTERM', async () => {
    const codes = await platform.stop();
    expect(codes).toEqual(Object.fromEntries(SERVICES.map((s) => [s, 0])));
  });
});
