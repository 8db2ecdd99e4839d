import { randomBytes, randomUUID } from 'node:crypto';
import { TOPICS } from '@complaints/contracts';
import { formatTicketNumber } from '@complaints/domain';
import { kafkaMessage } from '../archive-verify/archive-fixtures';
import { FieldCipher } from '@complaints/platform';
import { IdentityProofHousekeeping, PURGE_BATCH } from '../../apps/intake/src/complaints/identity-proof-housekeeping';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

/** The service's personal-data keys, known to the test so it can open what travels sealed. */
const KEYS = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}`, PII_PSEUDONYM_KEY: randomBytes(32).toString('base64') };

const intake = ALL_SERVICES.find((d) => d.name === 'intake')!;
const PHONE = '13700005678';

/** "Where is my complaint?", and adding to, amending and withdrawing it, against the real database. */
describe('customer self-service on intake', () => {
  let service: ServiceUnderTest;
  let hotline: string;

  const call = async (method: string, path: string, auth: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${service.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: auth, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, type: (res.headers.get('content-type') ?? '').split(';')[0], body: text ? JSON.parse(text) : null };
  };
  const file = async (customerId: string) => {
    const res = await call('POST', '/v1/complaints', `Bearer ${await service.issuer.token('channel-adapter', { channel: 'hotline' })}`, {
      channel: 'hotline',
      complainant: { customerId, name: '郑十', phone: PHONE, idNumber: '11010519800101123X' },
      description: '我是郑十，ATM吞卡后三天未处理。',
      preferredReplyChannel: 'sms',
    });
    expect(res.status).toBe(201);
    return res.body as { complaintId: string; ticketNumber: string };
  };
  const events = async (complaintId: string) =>
    (await service.pg.query(`SELECT convert_from(value, 'UTF8') AS v FROM "${service.schema}".outbox ORDER BY seq`)).rows
      .map((r) => JSON.parse(r.v))
      .filter((e) => e.complaintId === complaintId);

  beforeAll(async () => {
    service = await startInProcess(intake, KEYS);
    hotline = `Bearer ${await service.issuer.token('channel-adapter', { channel: 'hotline' })}`;
  });
  afterAll(() => service?.stop());

  it('shows the status and a customer-safe timeline to whoever proves to be the complainant', async () => {
    const { ticketNumber } = await file('C-901');
    const view = await call('GET', `/v1/complaints/${ticketNumber}`, hotline, undefined, { 'x-proof-of-identity': '5678' });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ ticketNumber, status: 'pending', statusLabel: { 'zh-CN': '待处理', en: 'Pending' } });
    expect(view.body.timeline).toEqual([{ at: expect.any(String), event: 'complaint.received', label: { 'zh-CN': '我们已收到您的投诉', en: 'We received your complaint' } }]);
    // The last four of the ID number prove it too, X included.
    expect((await call('GET', `/v1/complaints/${ticketNumber}`, hotline, undefined, { 'x-proof-of-identity': '123x' })).status).toBe(200);
    // Wrong or missing proof answers like an unknown ticket.
    const wrong = await call('GET', `/v1/complaints/${ticketNumber}`, hotline, undefined, { 'x-proof-of-identity': '0000' });
    expect(wrong.status).toBe(404);
    expect((await call('GET', `/v1/complaints/${ticketNumber}`, hotline)).status).toBe(404);
    // The logged-in customer who filed it needs no proof; another customer gets nothing.
    expect((await call('GET', `/v1/complaints/${ticketNumber}`, `Bearer ${await service.issuer.token('customer', { subject: 'C-901' })}`)).status).toBe(200);
    expect((await call('GET', `/v1/complaints/${ticketNumber}`, `Bearer ${await service.issuer.token('customer', { subject: 'C-902' })}`)).status).toBe(404);
    // Staff read without proof, and may not change it.
    const staff = `Bearer ${await service.issuer.token('investigator')}`;
    expect((await call('GET', `/v1/complaints/${ticketNumber}`, staff)).status).toBe(200);
    expect((await call('POST', `/v1/complaints/${ticketNumber}/withdrawal`, staff, {})).status).toBe(403);
    // Without a proof, a channel cannot withdraw someone's complaint.
    expect((await call('POST', `/v1/complaints/${ticketNumber}/withdrawal`, hotline, {})).status).toBe(404);
  });

  it('still shows a logged-in customer the complaints filed under the references issued before references named their kind, and no one else’s', async () => {
    const cipher = FieldCipher.fromEnv(KEYS);
    const asCustomer = async (subject: string) => `Bearer ${await service.issuer.token('customer', { subject })}`;
    const legacy = async (ticketNumber: string, value: string) =>
      service.pg.query(`UPDATE "${service.schema}".complaints SET customer_ref = $2 WHERE ticket_number = $1`, [ticketNumber, cipher.pseudonym('cust', value)]);
    const own = await file('C-931');
    await legacy(own.ticketNumber, 'C-931');
    expect((await call('GET', `/v1/complaints/${own.ticketNumber}`, await asCustomer('C-931'))).status).toBe(200);
    // Under the old scheme a complaint filed with a phone number only shared its reference with a
    // customer whose customer id is that number: that customer does not own it.
    const byPhone = await call('POST', '/v1/complaints', hotline, { channel: 'hotline', complainant: { name: '钱九', phone: '13700009999' }, description: 'ATM吞卡。', preferredReplyChannel: 'sms' });
    expect(byPhone.status).toBe(201);
    await legacy(byPhone.body.ticketNumber, '13700009999');
    expect((await call('GET', `/v1/complaints/${byPhone.body.ticketNumber}`, await asCustomer('13700009999'))).status).toBe(404);
  });

  it("follows the other services' events: the status only moves forward, whatever order they arrive in, and an unknown complaint is refused", async () => {
    const { complaintId, ticketNumber } = await file('C-907');
    let offset = 0;
    const deliver = (topic: string, type: string, payload: Record<string, unknown>, about = complaintId) =>
      service.running.transport.handleRecord(`${service.topicPrefix}${topic}`, 0, kafkaMessage({
        eventId: randomUUID(), type, version: 1, occurredAt: new Date().toISOString(), complaintId: about,
        correlationId: `tracker-${ticketNumber}`, causationId: null, producer: type.startsWith('case.') ? 'investigation' : 'triage', payload,
      }, offset++));
    const status = async () => (await service.pg.query(`SELECT status FROM "${service.schema}".complaints WHERE id = $1`, [complaintId])).rows[0].status;
    const due = new Date(Date.now() + 15 * 86_400_000).toISOString();
    const caseId = randomUUID();
    // The case is opened before intake hears that the complaint was triaged: the later status stays.
    expect(await deliver(TOPICS.investigation, 'case.opened', { caseId, ticketNumber, department: 'card-centre', severity: 'medium', responseDueBy: due })).toBe('handled');
    expect(await status()).toBe('under-investigation');
    expect(await deliver(TOPICS.triage, 'complaint.triaged', {
      ticketNumber, category: 'C01', severity: 'medium', department: 'card-centre', routingRule: 'model', reasons: ['model'], regime: 'cn-cbirc',
      responseDueBy: due, taxonomy: 'cn-jrt0169', product: { code: 'B01', title: 'B01' }, cause: { code: 'C01', title: 'C01' }, channelCode: 'A01',
    })).toBe('handled');
    expect(await status()).toBe('under-investigation');
    expect(await deliver(TOPICS.investigation, 'case.closed', { caseId, reason: 'resolved with the customer', closedBy: 'investigator-0001' })).toBe('handled');
    expect(await status()).toBe('closed');
    const view = await call('GET', `/v1/complaints/${ticketNumber}`, hotline, undefined, { 'x-proof-of-identity': '5678' });
    expect(view.body.timeline.map((t: { event: string }) => t.event)).toEqual(['complaint.received', 'case.opened', 'complaint.triaged', 'case.closed']);
    // An event about a complaint intake never took is a fault upstream: retried, then dead-lettered, never recorded.
    const stranger = randomUUID();
    expect(await deliver(TOPICS.investigation, 'case.opened', { caseId: randomUUID(), ticketNumber: 'CMP-UNKNOWN', department: 'card-centre', severity: 'low', responseDueBy: due }, stranger)).toBe('dead-lettered');
    expect((await service.pg.query(`SELECT count(*)::int AS n FROM "${service.schema}".customer_timeline WHERE complaint_id = $1`, [stranger])).rows[0].n).toBe(0);
  });

  it('takes the answer from either version of case.response-issued: v1 (explanation in clear) still arrives during an upgrade, v2 seals it', async () => {
    const explanation = '经核查，年费系重复扣收，已退还。';
    for (const [version, sealed] of [[1, explanation], [2, FieldCipher.fromEnv(KEYS).encrypt(explanation)]] as const) {
      const { complaintId, ticketNumber } = await file(`C-91${version}`);
      const envelope = {
        eventId: randomUUID(), type: 'case.response-issued', version, occurredAt: new Date().toISOString(), complaintId, correlationId: `tracker-${ticketNumber}`, causationId: null, producer: 'investigation',
        payload: {
          caseId: randomUUID(), ticketNumber, reviewRound: 0, outcome: 'upheld', explanation: sealed, liability: 'bank', rootCause: 'system', actions: ['correction'], remedy: null,
          decidedBy: 'investigator-0001', approvedBy: null, issuedAt: new Date().toISOString(), rights: { reviewBy: null, escalateTo: [] },
        },
      };
      expect(await service.running.transport.handleRecord(`${service.topicPrefix}${TOPICS.investigation}`, 0, kafkaMessage(envelope, version))).toBe('handled');
      expect((await service.pg.query(`SELECT status FROM "${service.schema}".complaints WHERE id = $1`, [complaintId])).rows[0].status).toBe('responded');
      const view = await call('GET', `/v1/complaints/${ticketNumber}`, hotline, undefined, { 'x-proof-of-identity': '5678' });
      expect(view.body.timeline.map((t: { event: string }) => t.event)).toEqual(['complaint.received', 'case.response-issued']);
    }
  });

  it('pauses proof-based access to a ticket after five wrong proofs in an hour', async () => {
    const { ticketNumber } = await file('C-903');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await call('GET', `/v1/complaints/${ticketNumber}`, hotline, undefined, { 'x-proof-of-identity': `000${i}` })).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404]);
    const locked = await call('GET', `/v1/complaints/${ticketNumber}`, hotline, undefined, { 'x-proof-of-identity': '5678' });
    expect(locked.status).toBe(429);
    expect(locked.body.type).toMatch(/too-many-proof-attempts$/);
    // The first failure frees a try when it is an hour old: the answer says so, in the header and the problem.
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3600 - 60);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(locked.body.retryAfterSeconds).toBe(retryAfter);
  });

  it('tells a locked-out caller when the oldest failure that still counts leaves the hour, on every route that takes a proof', async () => {
    const { ticketNumber } = await file('C-912');
    // Six failures within the hour and one before it: the lock lifts when the 50-minute-old one
    // leaves the hour (the 59-minute-old one leaving a minute from now still leaves five).
    await service.pg.query(
      `INSERT INTO "${service.schema}".identity_proof_failures (ticket_number, failed_at)
       SELECT $1, now() - m * interval '1 minute' FROM unnest(ARRAY[75, 59, 50, 40, 30, 20, 10]) AS m`,
      [ticketNumber],
    );
    const proof = { 'x-proof-of-identity': '5678' };
    for (const [method, path, body] of [
      ['GET', '', undefined],
      ['POST', '/supplements', { text: '补充说明' }],
      ['POST', '/amendments', { language: 'en' }],
      ['POST', '/withdrawal', {}],
    ] as const) {
      const locked = await call(method, `/v1/complaints/${ticketNumber}${path}`, hotline, body, proof);
      expect({ path, status: locked.status, type: locked.type }).toEqual({ path, status: 429, type: 'application/problem+json' });
      const retryAfter = Number(locked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(600 - 60);
      expect(retryAfter).toBeLessThanOrEqual(600);
      expect(locked.body.retryAfterSeconds).toBe(retryAfter);
    }
  });

  it('purges failed proofs once they have left the lockout window, in batches, and keeps those that still count', async () => {
    const failures = `"${service.schema}".identity_proof_failures`;
    // More expired failures than one batch takes, on tickets of their own so other tests' counts stay.
    await service.pg.query(
      `INSERT INTO ${failures} (ticket_number, failed_at)
       SELECT 'CMP-PURGE-OLD-' || (i % 7), now() - interval '61 minutes' - i * interval '1 second' FROM generate_series(1, $1::int) AS i`,
      [PURGE_BATCH * 2 + 17],
    );
    await service.pg.query(`INSERT INTO ${failures} (ticket_number, failed_at) VALUES ('CMP-PURGE-OLD-0', now() - interval '30 days')`);
    await service.pg.query(
      `INSERT INTO ${failures} (ticket_number, failed_at) VALUES ('CMP-PURGE-FRESH', now() - interval '59 minutes'), ('CMP-PURGE-FRESH', now() - interval '1 minute'), ('CMP-PURGE-FRESH', now())`,
    );
    const count = async (pattern: string) => (await service.pg.query(`SELECT count(*)::int AS n FROM ${failures} WHERE ticket_number LIKE $1`, [pattern])).rows[0].n as number;

    const purged = await service.running.app.get(IdentityProofHousekeeping).purge();

    expect(purged).toBeGreaterThanOrEqual(PURGE_BATCH * 2 + 18);
    expect(await count('CMP-PURGE-OLD-%')).toBe(0);
    expect(await count('CMP-PURGE-FRESH')).toBe(3);
    const expired = await service.pg.query(`SELECT count(*)::int AS n FROM ${failures} WHERE failed_at <= now() - interval '1 hour'`);
    expect(expired.rows[0].n).toBe(0);
  });

  it('weighs concurrent proofs one at a time: thirty wrong guesses at once record five failures, and the rest are refused', async () => {
    const { ticketNumber } = await file('C-910');
    const guesses = Array.from({ length: 30 }, (_, i) => String(1000 + i));
    const statuses = await Promise.all(
      guesses.map(async (guess) => (await call('GET', `/v1/complaints/${ticketNumber}`, hotline, undefined, { 'x-proof-of-identity': guess })).status),
    );
    expect(statuses.filter((s) => s === 404)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    const failures = await service.pg.query(`SELECT count(*)::int AS n FROM "${service.schema}".identity_proof_failures WHERE ticket_number = $1`, [ticketNumber]);
    expect(failures.rows[0].n).toBe(5);
    expect((await call('GET', `/v1/complaints/${ticketNumber}`, hotline, undefined, { 'x-proof-of-identity': '5678' })).status).toBe(429);
  });

  it('pauses proof-based access for a customer login after ten wrong proofs in an hour across tickets, the same for tickets that exist and tickets that do not', async () => {
    const walker = `Bearer ${await service.issuer.token('customer', { subject: 'C-walker' })}`;
    const victims = [await file('C-941'), await file('C-942'), await file('C-943')];
    const unknown = (n: number) => formatTicketNumber('20260101', 900 + n);
    // Two wrong guesses at each of five neighbours, real and unknown, spread over every route that takes a proof: each ticket stays under its own limit.
    const routes = [['GET', '', undefined], ['POST', '/supplements', { text: '补充' }], ['POST', '/amendments', { email: 'walker@example.com' }], ['POST', '/withdrawal', {}]] as const;
    const statuses: number[] = [];
    for (const [i, ticket] of [victims[0].ticketNumber, victims[1].ticketNumber, unknown(1), unknown(2), unknown(3)].entries()) {
      for (const guess of ['0000', '1111']) {
        const [method, path, body] = routes[statuses.length % routes.length];
        statuses.push((await call(method, `/v1/complaints/${ticket}${path}`, walker, body, { 'x-proof-of-identity': `${guess.slice(0, 3)}${i}` })).status);
      }
    }
    expect(statuses).toEqual(Array(10).fill(404));
    // The eleventh is refused even when right, on a ticket untouched so far, and an unknown ticket gets the same answer.
    const answers = [];
    for (const [method, path, body, ticket] of [
      ['GET', '', undefined, victims[2].ticketNumber],
      ['POST', '/amendments', { email: 'walker@example.com' }, victims[2].ticketNumber],
      ['POST', '/withdrawal', {}, victims[2].ticketNumber],
      ['GET', '', undefined, unknown(4)],
    ] as const) {
      const res = await call(method, `/v1/complaints/${ticket}${path}`, walker, body, { 'x-proof-of-identity': '5678' });
      const retryAfter = Number(res.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(3600 - 60);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(res.body.retryAfterSeconds).toBe(retryAfter);
      answers.push({ status: res.status, type: res.type, problem: res.body.type, detail: String(res.body.detail).replace(/\d+ (seconds|minutes)/, 'N') });
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toEqual({ status: 429, type: 'application/problem+json', problem: 'https://complaints.example/problems/too-many-proof-attempts', detail: expect.stringContaining('from this login') });
    expect((await events(victims[2].complaintId)).map((e) => e.type)).toEqual(['complaint.received']);
    // Only that login is paused: the victim's channel, another customer's guess and the complainant's own login still get through.
    expect((await call('GET', `/v1/complaints/${victims[2].ticketNumber}`, hotline, undefined, { 'x-proof-of-identity': '5678' })).status).toBe(200);
    expect((await call('GET', `/v1/complaints/${victims[2].ticketNumber}`, `Bearer ${await service.issuer.token('customer', { subject: 'C-other' })}`, undefined, { 'x-proof-of-identity': '5678' })).status).toBe(200);
    expect((await call('GET', `/v1/complaints/${victims[2].ticketNumber}`, `Bearer ${await service.issuer.token('customer', { subject: 'C-943' })}`)).status).toBe(200);
    // The asker is kept as a pseudonym, never the login itself.
    const kept = await service.pg.query(`SELECT asker_ref FROM "${service.schema}".identity_proof_failures WHERE asker_ref IS NOT NULL`);
    expect(kept.rows.length).toBeGreaterThanOrEqual(10);
    expect(JSON.stringify(kept.rows)).not.toContain('C-walker');
  });

  it("weighs one customer's concurrent proofs across tickets one at a time: thirty wrong guesses at thirty tickets record ten failures", async () => {
    const walker = `Bearer ${await service.issuer.token('customer', { subject: 'C-racer' })}`;
    const statuses = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => (await call('GET', `/v1/complaints/${formatTicketNumber('20260102', 100 + i)}`, walker, undefined, { 'x-proof-of-identity': '0000' })).status),
    );
    expect(statuses.filter((s) => s === 404)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  });

  it("keeps a representative's name out of what travels and out of masked staff copies, and takes a description redaction makes too long for an event", async () => {
    const filed = await call('POST', '/v1/complaints', hotline, {
      channel: 'hotline',
      complainant: { customerId: 'C-911', name: '郑十', phone: PHONE },
      onBehalfOf: { relationship: 'lawyer', name: '吴律师', authorisationReference: 'POA-2026-77' },
      // 4,000 characters, within the limit; masking its e-mail addresses makes the text longer.
      description: `我的律师吴律师代我投诉。${'请联系 a@b.cn '.repeat(400)}`.slice(0, 4000),
      preferredReplyChannel: 'sms',
    });
    expect(filed.status).toBe(201);
    const { complaintId, ticketNumber } = filed.body as { complaintId: string; ticketNumber: string };
    const [received] = (await events(complaintId)).filter((e) => e.type === 'complaint.received');
    expect(received.payload.summary.length).toBeLessThanOrEqual(4000);
    expect(received.payload.summary).not.toContain('吴律师');
    expect(received.payload.summary).not.toContain('a@b.cn');

    const added = await call('POST', `/v1/complaints/${ticketNumber}/supplements`, hotline, { text: '补充：吴律师会联系你们。' }, { 'x-proof-of-identity': '5678' });
    expect(added.status).toBe(201);
    const [supplemented] = (await events(complaintId)).filter((e) => e.type === 'complaint.supplemented');
    expect(supplemented.payload.summary).toBe('补充：***会联系你们。');

    const officer = `Bearer ${await service.issuer.token('triage-officer')}`;
    const masked = await call('GET', `/v1/staff/complaints/${complaintId}`, officer);
    expect(masked.status).toBe(200);
    expect(masked.body.description).not.toContain('吴律师');
  });

  it('masks the customer id, the channel user id and attachment file names in masked staff views, and keeps them for investigators', async () => {
    const filed = await call('POST', '/v1/complaints', hotline, {
      channel: 'hotline',
      complainant: { customerId: 'C-20260101-7788', channelUserId: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', name: '郑十', phone: PHONE },
      description: 'ATM吞卡，附身份证照片。',
      attachments: [{ reference: 'fs:' + 'c'.repeat(64), sha256: 'c'.repeat(64), sizeBytes: 2048, mediaType: 'image/jpeg', fileName: '身份证_张三.jpg' }],
      preferredReplyChannel: 'sms',
    });
    expect(filed.status).toBe(201);
    const view = async (role: 'triage-officer' | 'department-staff' | 'auditor' | 'investigator') =>
      (await call('GET', `/v1/staff/complaints/${filed.body.complaintId}`, `Bearer ${await service.issuer.token(role)}`)).body;
    for (const role of ['triage-officer', 'department-staff', 'auditor'] as const) {
      const masked = await view(role);
      expect({ role, personalData: masked.personalData, complainant: masked.complainant, attachments: masked.attachments }).toEqual({
        role,
        personalData: 'masked',
        complainant: expect.objectContaining({ customerId: `${'*'.repeat(11)}7788`, channelUserId: `${'*'.repeat(24)}fL2M` }),
        attachments: [expect.objectContaining({ fileName: '******.jpg', mediaType: 'image/jpeg', sha256: 'c'.repeat(64) })],
      });
      for (const value of ['C-20260101-7788', 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M', '张三']) expect(JSON.stringify(masked)).not.toContain(value);
    }
    const clear = await view('investigator');
    expect(clear.complainant).toMatchObject({ customerId: 'C-20260101-7788', channelUserId: 'o6_bmjrPTlm6_2sgVt7hMZOPfL2M' });
    expect(clear.attachments[0].fileName).toBe('身份证_张三.jpg');
  });

  it('takes a supplement once per idempotency key, with the complainant taken out of what travels', async () => {
    const { complaintId, ticketNumber } = await file('C-904');
    const supplement = { text: '补充：郑十的卡号尾号4321，吞卡时间11月20日 10:32，联系电话13700005678。', attachments: [{ reference: 'fs:' + 'a'.repeat(64), sha256: 'a'.repeat(64), sizeBytes: 1234, mediaType: 'image/jpeg' }] };
    const proof = { 'x-proof-of-identity': '5678', 'idempotency-key': 'supp-1' };
    const first = await call('POST', `/v1/complaints/${ticketNumber}/supplements`, hotline, supplement, proof);
    const again = await call('POST', `/v1/complaints/${ticketNumber}/supplements`, hotline, supplement, proof);
    expect(first.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(Number((await service.pg.query(`SELECT count(*) FROM "${service.schema}".supplements WHERE complaint_id = $1`, [complaintId])).rows[0].count)).toBe(1);
    const supplemented = (await events(complaintId)).filter((e) => e.type === 'complaint.supplemented');
    expect(supplemented).toHaveLength(1);
    expect(supplemented[0].payload.attachmentCount).toBe(1);
    expect(supplemented[0].payload.summary).not.toContain('郑十');
    expect(supplemented[0].payload.summary).not.toContain(PHONE);
    // The same supplement with its keys in another order is the same request.
    const reordered = await call('POST', `/v1/complaints/${ticketNumber}/supplements`, hotline, { attachments: supplement.attachments, text: supplement.text }, proof);
    expect(reordered.body).toEqual(first.body);
    const empty = await call('POST', `/v1/complaints/${ticketNumber}/supplements`, hotline, {}, { 'x-proof-of-identity': '5678' });
    expect(empty.status).toBe(400);
    const view = await call('GET', `/v1/complaints/${ticketNumber}`, hotline, undefined, { 'x-proof-of-identity': '5678' });
    expect(view.body.timeline.map((t: { event: string }) => t.event)).toEqual(['complaint.received', 'complaint.supplemented']);
  });

  it('refuses a different supplement under a key already used (422), keeping the first and losing nothing silently', async () => {
    const { complaintId, ticketNumber } = await file('C-913');
    const proof = { 'x-proof-of-identity': '5678', 'idempotency-key': 'supp-reused' };
    const first = await call('POST', `/v1/complaints/${ticketNumber}/supplements`, hotline, { text: '补充：扣款发生在11月20日。' }, proof);
    expect(first.status).toBe(201);
    const before = await service.rowCounts();
    for (const different of [{ text: '补充：银行短信通知了两次扣款。' }, { text: '补充：扣款发生在11月20日。', attachments: [{ reference: 'fs:' + 'b'.repeat(64), sha256: 'b'.repeat(64), sizeBytes: 99, mediaType: 'application/pdf' }] }]) {
      const refused = await call('POST', `/v1/complaints/${ticketNumber}/supplements`, hotline, different, proof);
      expect({ status: refused.status, type: refused.type, problem: refused.body.type }).toEqual({
        status: 422,
        type: 'application/problem+json',
        problem: 'https://complaints.example/problems/idempotency-key-reused',
      });
    }
    expect(await service.rowCounts()).toEqual(before);
    // The first is still the key's answer, and a new key takes the new information.
    expect((await call('POST', `/v1/complaints/${ticketNumber}/supplements`, hotline, { text: '补充：扣款发生在11月20日。' }, proof)).body).toEqual(first.body);
    const added = await call('POST', `/v1/complaints/${ticketNumber}/supplements`, hotline, { text: '补充：银行短信通知了两次扣款。' }, { ...proof, 'idempotency-key': 'supp-new' });
    expect(added.status).toBe(201);
    expect(added.body.supplementId).not.toBe(first.body.supplementId);
    expect((await events(complaintId)).filter((e) => e.type === 'complaint.supplemented')).toHaveLength(2);
  });

  it('amends contact details and reply preferences, and says what changed without the values', async () => {
    const { complaintId, ticketNumber } = await file('C-905');
    const amended = await call('POST', `/v1/complaints/${ticketNumber}/amendments`, hotline, { phone: '13900009999', preferredReplyChannel: 'email', email: 'zheng@example.com' }, { 'x-proof-of-identity': '5678' });
    expect(amended.status).toBe(201);
    expect(amended.body.changed).toEqual(['phone', 'email', 'preferredReplyChannel']);
    const [event] = (await events(complaintId)).filter((e) => e.type === 'complaint.amended');
    // The new contact details travel sealed (for notification), never in clear.
    expect(event.payload).toEqual({ ticketNumber, changed: ['phone', 'email', 'preferredReplyChannel'], preferredReplyChannel: 'email', replyTo: expect.stringMatching(/^v2:/) });
    expect(JSON.parse(FieldCipher.fromEnv(KEYS).decrypt(event.payload.replyTo as string))).toMatchObject({ phone: '13900009999', email: 'zheng@example.com' });
    expect(JSON.stringify(event.payload)).not.toMatch(/13900009999|zheng@example\.com/);
    // The new phone is the proof from now on.
    expect((await call('GET', `/v1/complaints/${ticketNumber}`, hotline, undefined, { 'x-proof-of-identity': '9999' })).status).toBe(200);
    expect((await call('POST', `/v1/complaints/${ticketNumber}/amendments`, hotline, {}, { 'x-proof-of-identity': '9999' })).status).toBe(400);
  });

  it('ends the procedure on withdrawal, the same way when asked twice, and takes no changes after', async () => {
    const { complaintId, ticketNumber } = await file('C-906');
    const proof = { 'x-proof-of-identity': '5678' };
    const first = await call('POST', `/v1/complaints/${ticketNumber}/withdrawal`, hotline, { reason: '银行已退卡，郑十不再投诉' }, proof);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ ticketNumber, status: 'withdrawn' });
    const second = await call('POST', `/v1/complaints/${ticketNumber}/withdrawal`, hotline, {}, proof);
    expect(second.body).toEqual(first.body);
    const withdrawn = (await events(complaintId)).filter((e) => e.type === 'complaint.withdrawn');
    expect(withdrawn).toHaveLength(1);
    expect(withdrawn[0].payload.reason).not.toContain('郑十');
    const view = await call('GET', `/v1/complaints/${ticketNumber}`, hotline, undefined, proof);
    expect(view.body).toMatchObject({ status: 'withdrawn', statusLabel: { 'zh-CN': '已撤回' } });
    expect((await call('POST', `/v1/complaints/${ticketNumber}/supplements`, hotline, { text: '再补充' }, proof)).status).toBe(409);
  });
});
