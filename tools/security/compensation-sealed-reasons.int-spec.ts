import { randomBytes, randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { Producer } from 'kafkajs';
import { CaseResponseIssued, EventDefinition, EventPayload, Events, TOPICS } from '@complaints/contracts';
import { maskDigitRuns } from '@complaints/domain';
import { FieldCipher } from '@complaints/platform';
import { collectTopic, CollectedMessage, createTestBed, eventually, migrateWithKeys, quietKafka, TestBed, testEnvelope, TestIssuer } from '@complaints/testing';
import { CaseReopenings1796920400000, compensationMigrations } from '../../apps/compensation/src/migrations';
import { PayoutDesk } from '../../apps/compensation/src/payouts/payout-desk';
import { receivedFrom } from './compensation-events';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(300_000);

/** Compensation seals with these keys (and opens case.reopened@v2 with them, as investigation sealed it); the test opens what it sealed. */
const PII = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}` };
const keys = FieldCipher.fromEnv(PII, { pseudonyms: false });
/** A sealed value under the test's key (libs/platform field-cipher, v2 envelope). */
const SEALED = /^v2:t1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/;

const NAME = '王秀兰';
const ACCOUNT = '6222021234567890123';
const PHONE = '13911112222';
/** What staff write: the customer's name, which no mask finds, and their numbers. */
const said = {
  rejection: `${NAME}已通过其他渠道获得退款，账户 ${ACCOUNT}`,
  reversal: `误付至${NAME}的账户 ${ACCOUNT}，重复补偿`,
  declined: `${NAME}来电 ${PHONE} 确认款项无误`,
  reopening: `${NAME}补充了新的交易流水，来电 ${PHONE}`,
  /** case.reopened@v1 as investigation published it before v2: digit runs masked, the name in clear. */
  reopeningV1: maskDigitRuns(`${NAME}补充了新的交易流水，来电 ${PHONE}`),
};
/** Not one of these may be on compensation's topic, nor in clear in its rows. */
const SECRETS = [NAME, ACCOUNT, PHONE, maskDigitRuns(ACCOUNT), maskDigitRuns(PHONE)];
const REASON_COLUMNS = ['hold_reason', 'rejection_reason', 'reversal_reason', 'withdrawal_reason', 'case_reopen_reason'] as const;

type RemedyType = NonNullable<CaseResponseIssued['remedy']>['type'];
type Envelope = ReturnType<typeof testEnvelope>;
type Api = { status: number; body: Record<string, unknown> & { [k: string]: unknown } };

async function api(method: string, url: string, token: string, body?: unknown): Promise<Api> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** How intake and investigation would announce a complaint and its decisions and reopenings, over the service's topics. */
function feeds(service: () => ServiceUnderTest, producer: () => Producer) {
  const send = async <D extends EventDefinition>(definition: D, complaintId: string, payload: EventPayload<D>, producedBy: string): Promise<Envelope> => {
    const envelope = testEnvelope(definition, complaintId, payload, producedBy, `sealed-${complaintId}`);
    await producer().send({ topic: `${service().topicPrefix}${definition.topic}`, messages: [{ key: complaintId, value: JSON.stringify(envelope) }] });
    return envelope;
  };
  const sql = async <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> => {
    await service().pg.query(`SET search_path TO "${service().schema}"`);
    return (await service().pg.query(text, params)).rows as R[];
  };
  const handled = (envelope: Envelope, outcome = 'handled') =>
    eventually(async () => (await sql<{ outcome: string }>(`SELECT outcome FROM processed_events WHERE event_id = $1`, [envelope.eventId]))[0]?.outcome === outcome || null, {
      what: `${envelope.type}@v${envelope.version} ${envelope.eventId} to be ${outcome}`,
    });
  const received = (customerRef: string) => receivedFrom(customerRef, `CMP-20261207-${randomBytes(4).toString('hex')}`);
  const decision = (caseId: string, remedy: { type: RemedyType; amountMinor: number }): CaseResponseIssued => ({
    caseId,
    ticketNumber: 'CMP-20261207-0001',
    reviewRound: 0,
    outcome: 'upheld',
    explanation: keys.encrypt(`${NAME}您好，您尾号${ACCOUNT.slice(-4)}的账户款项延误，予以补偿。`),
    liability: 'bank',
    rootCause: 'third-party',
    actions: ['compensation'],
    remedy: { type: remedy.type, amount: { amountMinor: remedy.amountMinor, currency: 'CNY' } },
    decidedBy: 'inv-1',
    approvedBy: null,
    issuedAt: new Date().toISOString(),
    rights: { reviewBy: null, escalateTo: [] },
  });
  /** A complaint of a customer of its own whose decision grants `remedy`; `customerFirst: false` sends the decision before the customer is known. */
  const granted = async (remedy: { type: RemedyType; amountMinor: number }, { customerFirst = true } = {}) => {
    const complaintId = randomUUID();
    const caseId = randomUUID();
    const customer = `CUST-${randomUUID()}`;
    if (customerFirst) await handled(await send(Events.ComplaintReceived, complaintId, received(customer), 'intake'));
    await handled(await send(Events.CaseResponseIssued, complaintId, decision(caseId, remedy), 'investigation'));
    const [row] = await sql<{ id: string; status: string }>(`SELECT id, status FROM remedies WHERE case_id = $1`, [caseId]);
    const reopen = async (version: 1 | 2, reason: string) =>
      handled(await send(version === 2 ? Events.CaseReopened : Events.CaseReopenedV1, complaintId, { caseId, reason, reopenedBy: 'sup-1' }, 'investigation'));
    return { complaintId, caseId, customer, id: row.id, status: row.status, reopen, knowCustomer: async () => handled(await send(Events.ComplaintReceived, complaintId, received(customer), 'intake')) };
  };
  return { send, sql, handled, granted };
}

/**
 * What staff write about a remedy (a rejection, a reversal and its decline, the reopening that
 * withdrew it) names the customer and quotes their account: compensation publishes it sealed with
 * the platform's keys in remedy.rejected, remedy.reversed and remedy.withdrawn@v2, opens the sealed
 * reason of case.reopened@v2 (and still reads v1), and keeps every reason sealed in its rows. Real
 * broker and database; the test reads compensation's topic as any consumer would.
 */
describe('compensation: staff reasons are sealed on the wire and at rest', () => {
  let compensation: ServiceUnderTest;
  let producer: Producer;
  let topic: Awaited<ReturnType<typeof collectTopic>>;
  const { sql, handled, granted, send } = feeds(() => compensation, () => producer);
  const url = (route: string) => `${compensation.baseUrl}${route}`;
  const token = (subject: string, roles: Parameters<TestIssuer['token']>[0] = 'approver') => compensation.issuer.token(roles, { subject, approvalLimitMinor: 1_000_000_000 });
  const payOut = async () => compensation.running.app.get(PayoutDesk).tick();

  beforeAll(async () => {
    compensation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'compensation')!, { ...PII, PAYOUT_CHECK_INTERVAL_MS: '0' });
    producer = quietKafka('compensation-sealed-reasons').producer();
    await producer.connect();
    topic = await collectTopic(quietKafka('compensation-sealed-reasons-reader'), `${compensation.topicPrefix}${TOPICS.compensation}`);
  });
  afterAll(async () => {
    await topic?.stop();
    await producer?.disconnect();
    await compensation?.stop();
  });

  /** The records of compensation's topic about `complaintId`, once `types` have all arrived. */
  const onTheWire = (complaintId: string, types: string[]) =>
    eventually(
      async () => {
        const mine = topic.messages.filter((m) => m.key === complaintId);
        const arrived = mine.map((m) => (JSON.parse(m.value!.toString('utf8')) as Envelope).type).filter((t) => types.includes(t));
        return arrived.length >= types.length ? mine : null;
      },
      { timeoutMs: 30_000, what: `${types.join(', ')} of ${complaintId} on ${TOPICS.compensation}` },
    );
  const envelopes = (records: CollectedMessage[]) => records.map((m) => JSON.parse(m.value!.toString('utf8')) as Envelope & { payload: Record<string, unknown> });
  /** A record's bytes, key and headers, as a consumer or a dump of the topic sees them. */
  const wireText = (m: CollectedMessage) => `${m.key} ${m.value?.toString('utf8')} ${JSON.stringify(m.headers)}`;
  const expectNoSecretIn = (records: CollectedMessage[]) => {
    for (const record of records) for (const secret of SECRETS) expect({ secret, on: record.offset, found: wireText(record).includes(secret) }).toEqual({ secret, on: record.offset, found: false });
  };
  /** The one event of `type`: v2, its reason sealed, and what it opens to. */
  const sealedReasonOf = (records: CollectedMessage[], type: string) => {
    const found = records.filter((m) => m.headers['event-type'] === type);
    expect(found).toHaveLength(1);
    const [event] = envelopes(found);
    expect({ type: event.type, version: event.version, header: found[0].headers['event-version'] }).toEqual({ type, version: 2, header: '2' });
    expect(event.payload.reason).toMatch(SEALED);
    return keys.decrypt(event.payload.reason as string);
  };

  it('publishes remedy.rejected@v2 with the approver’s words sealed, and the catalogue’s refusal sealed too', async () => {
    const proposed = await granted({ type: 'fee-refund', amountMinor: 1_000_00 });
    expect(proposed.status).toBe('proposed');
    const rejected = await api('POST', url(`/v1/remedies/${proposed.id}/rejection`), await token('apr-1'), { reason: said.rejection });
    expect(rejected.body).toMatchObject({ status: 'rejected', rejection: { reason: maskDigitRuns(said.rejection), by: 'apr-1' } });
    const wire = await onTheWire(proposed.complaintId, ['remedy.proposed', 'remedy.rejected']);
    expect(sealedReasonOf(wire, 'remedy.rejected')).toBe(said.rejection);
    expect(envelopes(wire).find((e) => e.type === 'remedy.rejected')!.payload).toMatchObject({ remedyId: proposed.id, rejectedBy: 'apr-1' });
    expectNoSecretIn(wire);

    const overLimit = await granted({ type: 'goodwill', amountMinor: 600_00 });
    expect(overLimit.status).toBe('rejected');
    const refused = await onTheWire(overLimit.complaintId, ['remedy.proposed', 'remedy.rejected']);
    expect(sealedReasonOf(refused, 'remedy.rejected')).toBe('CNY 600.00 is above the catalogue limit for Goodwill payment (CNY 500.00)');
    expect(envelopes(refused).find((e) => e.type === 'remedy.rejected')!.payload).toMatchObject({ rejectedBy: 'remedy-catalogue' });
  });

  it('publishes remedy.reversed@v2 with the reason of the approver who asked, sealed, and keeps a declined request sealed', async () => {
    const small = await granted({ type: 'goodwill', amountMinor: 50_00 });
    expect(small.status).toBe('approved');
    await payOut();
    expect((await api('POST', url(`/v1/remedies/${small.id}/reversal`), await token('apr-1'), { reason: said.reversal })).body).toMatchObject({ status: 'reversing' });
    await payOut();
    const wire = await onTheWire(small.complaintId, ['remedy.paid', 'remedy.reversed']);
    expect(sealedReasonOf(wire, 'remedy.reversed')).toBe(said.reversal);
    expect(envelopes(wire).find((e) => e.type === 'remedy.reversed')!.payload).toMatchObject({ remedyId: small.id, reversedBy: 'apr-1' });
    expectNoSecretIn(wire);

    // Above four eyes: asked by one approver, declined by another; the request and the decline are kept, sealed.
    const large = await granted({ type: 'loss-reimbursement', amountMinor: 8_000_00 });
    for (const approver of ['apr-1', 'apr-2']) expect((await api('POST', url(`/v1/remedies/${large.id}/approvals`), await token(approver))).status).toBe(200);
    await payOut();
    expect((await api('POST', url(`/v1/remedies/${large.id}/reversal`), await token('apr-9'), { reason: said.reversal })).body).toMatchObject({ status: 'reversal-requested' });
    const declined = await api('POST', url(`/v1/remedies/${large.id}/reversal/rejection`), await token('apr-8', 'compliance-officer'), { reason: said.declined });
    expect(declined.body).toMatchObject({ status: 'paid', reversal: null, reversalRejection: { requestedBy: 'apr-9', requestReason: said.reversal, by: 'apr-8', reason: said.declined } });
    const [row] = await sql<{ reversal_rejection: Record<string, string | null> }>(`SELECT reversal_rejection FROM remedies WHERE id = $1`, [large.id]);
    expect(row.reversal_rejection).toEqual({ requestedBy: 'apr-9', by: 'apr-8', at: expect.any(String), requestReason: null, reason: null, sealed: expect.stringMatching(SEALED) });
    expect(JSON.parse(keys.decrypt(row.reversal_rejection.sealed!))).toEqual({ requestReason: said.reversal, reason: said.declined });
    // An approver reads them with the digit runs masked, as before.
    expect((await api('GET', url(`/v1/remedies/${large.id}`), await token('apr-7'))).body).toMatchObject({
      reversalRejection: { requestReason: maskDigitRuns(said.reversal), reason: maskDigitRuns(said.declined) },
    });
  });

  it('withdraws a remedy on case.reopened@v2 with the sealed reason opened, keeps it sealed and publishes it sealed; case.reopened@v1 still withdraws', async () => {
    const v2 = await granted({ type: 'fee-refund', amountMinor: 1_000_00 });
    await v2.reopen(2, keys.encrypt(said.reopening));
    const [withdrawn] = await sql<Record<string, string | null>>(`SELECT status, withdrawal_cause, withdrawal_reason, withdrawal_reason_sealed, withdrawn_by FROM remedies WHERE id = $1`, [v2.id]);
    expect({ ...withdrawn, withdrawal_reason_sealed: keys.decrypt(withdrawn.withdrawal_reason_sealed!) }).toEqual({
      status: 'withdrawn',
      withdrawal_cause: 'case-reopened',
      withdrawal_reason: null,
      withdrawal_reason_sealed: said.reopening,
      withdrawn_by: 'sup-1',
    });
    expect((await api('GET', url(`/v1/remedies/${v2.id}`), await token('cco-1', 'compliance-officer'))).body).toMatchObject({ withdrawal: { cause: 'case-reopened', reason: said.reopening, by: 'sup-1' } });
    expect((await api('GET', url(`/v1/remedies/${v2.id}`), await token('aud-1', 'auditor'))).body).toMatchObject({ withdrawal: { reason: maskDigitRuns(said.reopening) } });
    const wire = await onTheWire(v2.complaintId, ['remedy.proposed', 'remedy.withdrawn']);
    expect(sealedReasonOf(wire, 'remedy.withdrawn')).toBe(said.reopening);
    expect(envelopes(wire).find((e) => e.type === 'remedy.withdrawn')!.payload).toMatchObject({ remedyId: v2.id, cause: 'case-reopened', withdrawnBy: 'sup-1' });
    expectNoSecretIn(wire);

    // A paid remedy stands through the reopening and keeps its reason, sealed.
    const paid = await granted({ type: 'goodwill', amountMinor: 60_00 });
    await payOut();
    await paid.reopen(2, keys.encrypt(said.reopening));
    const [stood] = await sql<{ status: string; case_reopen_reason: string | null; case_reopen_reason_sealed: string }>(`SELECT status, case_reopen_reason, case_reopen_reason_sealed FROM remedies WHERE id = $1`, [paid.id]);
    expect({ ...stood, case_reopen_reason_sealed: keys.decrypt(stood.case_reopen_reason_sealed) }).toEqual({ status: 'paid', case_reopen_reason: null, case_reopen_reason_sealed: said.reopening });
    expect((await api('GET', url(`/v1/remedies/${paid.id}`), await token('cco-1', 'compliance-officer'))).body).toMatchObject({ caseReopened: { reason: said.reopening } });

    // Published before v2 (a rolling upgrade, a replay): the reason in clear is taken as it arrived, and leaves sealed.
    const v1 = await granted({ type: 'fee-refund', amountMinor: 1_000_00 });
    await v1.reopen(1, said.reopeningV1);
    const [earlier] = await sql<{ status: string; withdrawal_reason: string | null; withdrawal_reason_sealed: string }>(`SELECT status, withdrawal_reason, withdrawal_reason_sealed FROM remedies WHERE id = $1`, [v1.id]);
    expect({ ...earlier, withdrawal_reason_sealed: keys.decrypt(earlier.withdrawal_reason_sealed) }).toEqual({ status: 'withdrawn', withdrawal_reason: null, withdrawal_reason_sealed: said.reopeningV1 });
    const v1Wire = await onTheWire(v1.complaintId, ['remedy.proposed', 'remedy.withdrawn']);
    expect(sealedReasonOf(v1Wire, 'remedy.withdrawn')).toBe(said.reopeningV1);
    expectNoSecretIn(v1Wire);
  });

  it('dead-letters a case.reopened@v2 whose reason it cannot open, and withdraws nothing on it', async () => {
    const proposed = await granted({ type: 'fee-refund', amountMinor: 1_000_00 });
    const foreign = FieldCipher.fromEnv({ PII_KEYS: `t9:${randomBytes(32).toString('base64')}` }, { pseudonyms: false });
    const reopening = await send(Events.CaseReopened, proposed.complaintId, { caseId: proposed.caseId, reason: foreign.encrypt(said.reopening), reopenedBy: 'sup-1' }, 'investigation');
    await handled(reopening, 'dead-lettered');
    expect(await sql(`SELECT status, withdrawal_reason, withdrawal_reason_sealed FROM remedies WHERE id = $1`, [proposed.id])).toEqual([{ status: 'proposed', withdrawal_reason: null, withdrawal_reason_sealed: null }]);
  });

  it('keeps no reason in clear in any row: hold, rejection, reversal, declined reversal, withdrawal and reopening all rest sealed', async () => {
    // A hold too (the decision came before its customer), then withdrawn by a reopening naming the customer.
    const held = await granted({ type: 'goodwill', amountMinor: 80_00 }, { customerFirst: false });
    const [hold] = await sql<{ status: string; hold_reason: string | null; hold_reason_sealed: string }>(`SELECT status, hold_reason, hold_reason_sealed FROM remedies WHERE id = $1`, [held.id]);
    expect({ ...hold, hold_reason_sealed: keys.decrypt(hold.hold_reason_sealed) }).toEqual({ status: 'proposed', hold_reason: null, hold_reason_sealed: 'the complaint’s customer is not known to compensation yet' });
    expect((await api('GET', url(`/v1/remedies/${held.id}`), await token('apr-1'))).body).toMatchObject({ holdReason: 'the complaint’s customer is not known to compensation yet' });
    await held.knowCustomer();
    expect(await sql(`SELECT status, hold_reason, hold_reason_sealed FROM remedies WHERE id = $1`, [held.id])).toEqual([{ status: 'approved', hold_reason: null, hold_reason_sealed: null }]);

    const rows = await sql<Record<string, unknown>>(`SELECT * FROM remedies`);
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const column of REASON_COLUMNS) {
      expect({ column, inClear: rows.filter((r) => r[column] !== null).length }).toEqual({ column, inClear: 0 });
      const sealed = rows.map((r) => r[`${column}_sealed`]).filter((v) => v !== null);
      // Every sealed column is exercised above, except the hold (which ends with approval): it is checked while it stood.
      if (column !== 'hold_reason') expect({ column, sealed: sealed.length > 0 }).toEqual({ column, sealed: true });
      for (const value of sealed) expect(value).toMatch(SEALED);
    }
    const declined = rows.filter((r) => r.reversal_rejection !== null);
    expect(declined.length).toBeGreaterThan(0);
    for (const { reversal_rejection } of declined) expect(reversal_rejection).toMatchObject({ requestReason: null, reason: null, sealed: expect.stringMatching(SEALED) });

    // Not the name, not a number, in any column of any row of any table; nor in any event the outbox keeps.
    const tables = await sql<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`, [compensation.schema]);
    for (const { table_name } of tables) {
      for (const secret of SECRETS) {
        const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${table_name}" t WHERE position($1 in t::text) > 0`, [secret]);
        expect({ table_name, secret, rows: n }).toEqual({ table_name, secret, rows: 0 });
      }
    }
    for (const secret of SECRETS) {
      const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE position($1 in convert_from(value, 'UTF8')) > 0 OR position($1 in headers::text) > 0`, [secret]);
      expect({ outbox: secret, rows: n }).toEqual({ outbox: secret, rows: 0 });
    }
    // And not on the topic at all.
    expectNoSecretIn(topic.messages);
  });
});

/** The schema as the version before sealing left it. */
const earlierVersion = compensationMigrations.slice(0, compensationMigrations.indexOf(CaseReopenings1796920400000) + 1);

const migrate = migrateWithKeys;

/**
 * Reasons compensation stored before it sealed them are sealed by its migration as the release
 * starts; a replica still on the earlier version writes and clears reasons in the clear columns
 * while the release rolls out, and what it meant is what the service reads.
 */
describe('compensation: reasons stored before they were sealed', () => {
  let bed: TestBed;
  let compensation: ServiceUnderTest | undefined;
  const q = (text: string, params: unknown[] = []) => bed.dataSource.query(text, params);
  const view = async (id: string) => {
    const answer = await api('GET', `${compensation!.baseUrl}/v1/remedies/${id}`, await compensation!.issuer.token('compliance-officer', { subject: 'cco-1' }));
    expect(answer.status).toBe(200);
    return answer.body;
  };

  /** A remedy row as the earlier version wrote it, with `reasons` in its clear columns. */
  const insertRemedy = async (status: string, reasons: Partial<Record<(typeof REASON_COLUMNS)[number], string>> & { reversed_by?: string; reversal_rejection?: object } = {}) => {
    const id = randomUUID();
    const { reversed_by = null, reversal_rejection = null, ...text } = reasons;
    await q(
      `INSERT INTO remedies (id, complaint_id, case_id, type, amount_minor, currency, status, proposed_at, route, proposed_by, customer_ref, hold_reason, rejection_reason, reversal_reason,
                             reversed_by, reversal_rejection, withdrawal_cause, withdrawal_reason, withdrawn_by, case_reopened_at, case_reopen_reason, updated_at)
       VALUES ($1, $2, $3, 'fee-refund', 100000, 'CNY', $4, now(), 'single', 'inv-1', 'CUST-1', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now())`,
      [
        id,
        randomUUID(),
        randomUUID(),
        status,
        text.hold_reason ?? null,
        text.rejection_reason ?? null,
        text.reversal_reason ?? null,
        reversed_by,
        reversal_rejection === null ? null : JSON.stringify(reversal_rejection),
        text.withdrawal_reason ? 'case-reopened' : null,
        text.withdrawal_reason ?? null,
        text.withdrawal_reason ? 'sup-1' : null,
        text.case_reopen_reason ? new Date() : null,
        text.case_reopen_reason ?? null,
      ],
    );
    return id;
  };
  const rowOf = async (id: string) => (await q(`SELECT * FROM remedies WHERE id = $1`, [id]))[0] as Record<string, unknown>;
  const opened = (row: Record<string, unknown>, column: string) => ({
    clear: row[column],
    sealed: typeof row[`${column}_sealed`] === 'string' ? keys.decrypt(row[`${column}_sealed`] as string) : row[`${column}_sealed`],
  });

  beforeEach(async () => {
    bed = await createTestBed({ migrations: earlierVersion });
  });
  afterEach(async () => {
    await compensation?.stop();
    compensation = undefined;
    await bed?.teardown();
  });

  it('seals every stored reason as the service starts, in batches, and reads them as written', async () => {
    const declined = { requestedBy: 'apr-9', requestReason: said.reversal, by: 'apr-8', reason: said.declined, at: '2026-12-01T00:00:00.000Z' };
    const ids = {
      held: await insertRemedy('proposed', { hold_reason: `the customer has been granted CNY 49,950.00 in the last 365 days` }),
      rejected: await insertRemedy('rejected', { rejection_reason: said.rejection }),
      reversed: await insertRemedy('reversed', { reversal_reason: said.reversal, reversed_by: 'apr-1' }),
      declined: await insertRemedy('paid', { reversal_rejection: declined }),
      withdrawn: await insertRemedy('withdrawn', { withdrawal_reason: said.reopeningV1 }),
      stood: await insertRemedy('paid', { case_reopen_reason: said.reopeningV1 }),
    };
    // More than one batch of the migration's walk.
    await q(
      `INSERT INTO remedies (id, complaint_id, case_id, type, amount_minor, currency, status, proposed_at, rejection_reason)
       SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'fee-refund', 100, 'CNY', 'rejected', now(), '第' || i || '次：' || $1 FROM generate_series(1, 1201) AS i`,
      [said.rejection],
    );

    // The service migrates the schema the earlier version filled as it starts, as a release would; the bed drops it.
    compensation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'compensation')!, { ...PII, DB_SCHEMA: bed.schema, PAYOUT_CHECK_INTERVAL_MS: '0' });

    for (const secret of SECRETS) expect({ secret, rows: (await q(`SELECT count(*)::int AS n FROM remedies r WHERE position($1 in r::text) > 0`, [secret]))[0].n }).toEqual({ secret, rows: 0 });
    expect((await q(`SELECT count(*)::int AS n FROM remedies WHERE ${REASON_COLUMNS.map((c) => `${c} IS NOT NULL`).join(' OR ')}`))[0].n).toBe(0);
    const many: { rejection_reason_sealed: string }[] = await q(`SELECT rejection_reason_sealed FROM remedies WHERE status = 'rejected' AND id <> $1`, [ids.rejected]);
    expect(many.map((r) => keys.decrypt(r.rejection_reason_sealed)).sort()).toEqual(Array.from({ length: 1201 }, (_, i) => `第${i + 1}次：${said.rejection}`).sort());

    expect(opened(await rowOf(ids.held), 'hold_reason')).toEqual({ clear: null, sealed: 'the customer has been granted CNY 49,950.00 in the last 365 days' });
    expect(opened(await rowOf(ids.rejected), 'rejection_reason')).toEqual({ clear: null, sealed: said.rejection });
    expect(opened(await rowOf(ids.reversed), 'reversal_reason')).toEqual({ clear: null, sealed: said.reversal });
    expect(opened(await rowOf(ids.withdrawn), 'withdrawal_reason')).toEqual({ clear: null, sealed: said.reopeningV1 });
    expect(opened(await rowOf(ids.stood), 'case_reopen_reason')).toEqual({ clear: null, sealed: said.reopeningV1 });
    const { reversal_rejection } = (await rowOf(ids.declined)) as { reversal_rejection: { sealed: string } };
    expect(reversal_rejection).toEqual({ requestedBy: 'apr-9', by: 'apr-8', at: declined.at, requestReason: null, reason: null, sealed: expect.stringMatching(SEALED) });
    expect(JSON.parse(keys.decrypt(reversal_rejection.sealed))).toEqual({ requestReason: said.reversal, reason: said.declined });

    expect(await view(ids.held)).toMatchObject({ holdReason: 'the customer has been granted CNY 49,950.00 in the last 365 days' });
    expect(await view(ids.rejected)).toMatchObject({ rejection: { reason: said.rejection } });
    expect(await view(ids.reversed)).toMatchObject({ reversal: { reason: said.reversal, by: 'apr-1' } });
    expect(await view(ids.declined)).toMatchObject({ reversalRejection: declined });
    expect(await view(ids.withdrawn)).toMatchObject({ withdrawal: { reason: said.reopeningV1 } });
    expect(await view(ids.stood)).toMatchObject({ caseReopened: { reason: said.reopeningV1 } });
  });

  it('takes what a replica on the earlier version writes or clears over a sealed reason as what it meant, rather than failing the write or showing the sealed one', async () => {
    const rejected = await insertRemedy('rejected', { rejection_reason: said.rejection });
    const asked = await insertRemedy('reversal-requested', { reversal_reason: said.reversal, reversed_by: 'apr-9' });
    const held = await insertRemedy('proposed', { hold_reason: 'the complaint’s customer is not known to compensation yet' });
    compensation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'compensation')!, { ...PII, DB_SCHEMA: bed.schema, PAYOUT_CHECK_INTERVAL_MS: '0' });
    expect(opened(await rowOf(rejected), 'rejection_reason')).toEqual({ clear: null, sealed: said.rejection });

    // The earlier version's writes (TypeORM sets only the columns it changed): a reason in clear over a sealed one,
    const rewritten = `${NAME}的退款已由分行办理`;
    await q(`UPDATE remedies SET rejection_reason = $2, updated_at = now() WHERE id = $1`, [rejected, rewritten]);
    expect(opened(await rowOf(rejected), 'rejection_reason')).toEqual({ clear: rewritten, sealed: null });
    expect(await view(rejected)).toMatchObject({ rejection: { reason: rewritten } });

    // a declined reversal (it read no reason in clear, so it cleared none: only the requester),
    await q(`UPDATE remedies SET status = 'paid', reversal_rejection = $2, reversed_by = NULL, reversal_approvals = '[]', updated_at = now() WHERE id = $1`, [
      asked,
      JSON.stringify({ requestedBy: 'apr-9', requestReason: '', by: 'apr-8', reason: '款项无误', at: new Date().toISOString() }),
    ]);
    expect(opened(await rowOf(asked), 'reversal_reason')).toEqual({ clear: null, sealed: null });
    expect(await view(asked)).toMatchObject({ status: 'paid', reversal: null, reversalRejection: { requestedBy: 'apr-9', by: 'apr-8', reason: '款项无误' } });

    // and an approval of a held remedy (the hold it cleared was already empty in clear).
    await q(`UPDATE remedies SET status = 'approved', approved_at = now(), updated_at = now() WHERE id = $1`, [held]);
    expect(opened(await rowOf(held), 'hold_reason')).toEqual({ clear: null, sealed: null });
    expect(await view(held)).toMatchObject({ status: 'approved', holdReason: null });

    // A new row the earlier version inserts with a reason in clear is read as written too.
    const theirs = await insertRemedy('withdrawn', { withdrawal_reason: said.reopeningV1 });
    expect(await view(theirs)).toMatchObject({ withdrawal: { reason: said.reopeningV1 } });
  });

  it('is not migrated without the keys, rather than left in clear, and migrating back puts the reasons in their clear columns again', async () => {
    const sealedStep = compensationMigrations[compensationMigrations.indexOf(CaseReopenings1796920400000) + 1];
    expect(sealedStep?.name).toMatch(/^Sealed/);
    const step = () => new (sealedStep as new () => { up(q: QueryRunner): Promise<void>; down(q: QueryRunner): Promise<void> })();
    const rejected = await insertRemedy('rejected', { rejection_reason: said.rejection });
    const declined = await insertRemedy('paid', { reversal_rejection: { requestedBy: 'apr-9', requestReason: said.reversal, by: 'apr-8', reason: said.declined, at: '2026-12-01T00:00:00.000Z' } });
    const sealedColumns = async () =>
      (await q(`SELECT column_name AS c FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'remedies' AND column_name LIKE '%\\_sealed' ORDER BY 1`, [bed.schema])).map(
        (r: { c: string }) => r.c,
      );

    await expect(migrate(bed, {}, (runner) => step().up(runner))).rejects.toThrow(/staff reasons to seal, which needs the service's PII_KEYS/);
    expect(await sealedColumns()).toEqual([]);
    expect((await rowOf(rejected)).rejection_reason).toBe(said.rejection);

    await migrate(bed, PII, (runner) => step().up(runner));
    expect(await sealedColumns()).toEqual(REASON_COLUMNS.map((c) => `${c}_sealed`).sort());
    expect(opened(await rowOf(rejected), 'rejection_reason')).toEqual({ clear: null, sealed: said.rejection });

    await migrate(bed, PII, (runner) => step().down(runner));
    expect(await sealedColumns()).toEqual([]);
    expect((await rowOf(rejected)).rejection_reason).toBe(said.rejection);
    expect((await rowOf(declined)).reversal_rejection).toEqual({ requestedBy: 'apr-9', requestReason: said.reversal, by: 'apr-8', reason: said.declined, at: '2026-12-01T00:00:00.000Z' });
  });
});
