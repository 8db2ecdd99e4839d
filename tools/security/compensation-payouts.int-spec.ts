import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { CaseResponseIssued, EventDefinition, EventPayload, Events, TOPICS } from '@complaints/contracts';
import { createTestIssuer, eventually, freePort, quietKafka, testEnvelope, TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TestIssuer, uniqueTestId } from '@complaints/testing';
import { FieldCipher } from '@complaints/platform';
import { PayoutDesk } from '../../apps/compensation/src/payouts/payout-desk';
import { startCoreBankingSimulator } from '../core-banking-sim/main';
import { receivedFrom } from './compensation-events';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

/** A token's own limit above every role's, so the approval matrix decides; a token without the claim approves no money. */
const ANY_LIMIT = 1_000_000_000;

/** Reading the service's own schema, its URLs, and approvers' tokens, for a service started in beforeAll. */
function compensationClient(service: () => ServiceUnderTest) {
  const sql = async <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> => {
    await service().pg.query(`SET search_path TO "${service().schema}"`);
    return (await service().pg.query(text, params)).rows as R[];
  };
  const url = (route: string) => `${service().baseUrl}${route}`;
  const token = (subject: string, roles: Parameters<TestIssuer['token']>[0] = 'approver', approvalLimitMinor = ANY_LIMIT) => service().issuer.token(roles, { subject, approvalLimitMinor });
  return { sql, url, token };
}

jest.setTimeout(300_000);

type Simulator = Awaited<ReturnType<typeof startCoreBankingSimulator>>;
type RemedyType = NonNullable<CaseResponseIssued['remedy']>['type'];

const CLOSED_ACCOUNT = 'CUST-CLOSED-1';

const envelopeOf = <D extends EventDefinition>(definition: D, complaintId: string, payload: EventPayload<D>, producer: string) => testEnvelope(definition, complaintId, payload, producer, `pay-${complaintId}`);

const received = (ticketNumber: string, customerRef: string) => receivedFrom(customerRef, ticketNumber);

/** The platform's PII keys, given to compensation: it seals staff reasons with them, and opens what investigation sealed (a reopening's reason). */
const PII = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}` };
const SEALER = FieldCipher.fromEnv(PII, { pseudonyms: false });
/** A staff reason as the row keeps it: sealed in `<column>_sealed`, the clear column beside it empty. */
const reasonAtRest = (row: Record<string, unknown>, column: string): string | null => {
  expect({ column, clear: row[column] }).toEqual({ column, clear: null });
  const sealed = row[`${column}_sealed`] as string | null;
  return sealed === null ? null : SEALER.decrypt(sealed);
};
/** A reason as a v2 remedy event carries it: sealed, opened by whoever holds the keys. */
const reasonOnTheWire = (payload: Record<string, unknown>): string => {
  expect(payload.reason).toMatch(/^v2:t1:/);
  return SEALER.decrypt(payload.reason as string);
};

function responseIssued(caseId: string, ticketNumber: string, remedy: { type: RemedyType; amountMinor: number; currency?: string }, decidedBy = 'inv-1'): CaseResponseIssued {
  return {
    caseId,
    ticketNumber,
    reviewRound: 0,
    outcome: 'upheld',
    // As investigation publishes it: sealed under the platform's PII keys, which compensation neither holds nor needs.
    explanation: SEALER.encrypt('合作银行接口故障导致延误'),
    liability: 'bank',
    rootCause: 'third-party',
    actions: ['compensation'],
    remedy: { type: remedy.type, amount: { amountMinor: remedy.amountMinor, currency: remedy.currency ?? 'CNY' } },
    decidedBy,
    approvedBy: null,
    issuedAt: new Date().toISOString(),
    rights: { reviewBy: null, escalateTo: [] },
  };
}

/** Files a complaint's two events (whose customer, and the decision) on the service's topics. */
async function grant(producer: Producer, topicPrefix: string, remedy: { type: RemedyType; amountMinor: number; currency?: string }, customerRef: string, decidedBy = 'inv-1') {
  const complaintId = randomUUID();
  const caseId = randomUUID();
  const ticketNumber = `CMP-20261123-${randomBytes(4).toString('hex')}`;
  await producer.send({
    topic: `${topicPrefix}${TOPICS.intake}`,
    messages: [{ key: complaintId, value: JSON.stringify(envelopeOf(Events.ComplaintReceived, complaintId, received(ticketNumber, customerRef), 'intake')) }],
  });
  const issued = envelopeOf(Events.CaseResponseIssued, complaintId, responseIssued(caseId, ticketNumber, remedy, decidedBy), 'investigation');
  await producer.send({ topic: `${topicPrefix}${TOPICS.investigation}`, messages: [{ key: complaintId, value: JSON.stringify(issued) }] });
  return { complaintId, caseId, issued };
}

async function api(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> & { [k: string]: unknown } }> {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/**
 * Compensation against the real broker and database, paying through the simulated core banking
 * ledger over HTTP: the approval matrix with four eyes, catalogue limits and the customer's cap,
 * a payout booked exactly once however often the decision arrives, a refused payout, a reversal,
 * and a reconciliation that finds the three records in agreement and notices when they are not.
 */
describe('compensation pays remedies exactly once', () => {
  let core: Simulator;
  let compensation: ServiceUnderTest;
  let producer: Producer;
  let pg: Client;

  beforeAll(async () => {
    pg = new Client({ connectionString: TEST_DATABASE_URL });
    await pg.connect();
    compensation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'compensation')!, {
      ...PII,
      CORE_BANKING_CLOSED_ACCOUNTS: CLOSED_ACCOUNT,
      PAYOUT_CHECK_INTERVAL_MS: '100',
    });
    core = compensation.coreBanking!;
    producer = quietKafka('compensation-int').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await compensation?.stop();
    await pg?.end();
  });

  const { sql, url, token } = compensationClient(() => compensation);
  const remedyOf = async (caseId: string) => eventually(async () => (await sql<{ id: string; status: string } & Record<string, unknown>>(`SELECT * FROM remedies WHERE case_id = $1`, [caseId]))[0], { what: `the remedy of case ${caseId}` });
  const statusBecomes = (caseId: string, status: string) =>
    eventually(async () => ((await remedyOf(caseId)).status === status ? true : null), { timeoutMs: 30_000, what: `remedy of ${caseId} to be ${status}` });
  const outboxEvents = async (complaintId: string) =>
    (await sql<{ e: { type: string; payload: Record<string, unknown> } }>(`SELECT convert_from(value, 'UTF8')::jsonb AS e FROM outbox WHERE message_key = $1 ORDER BY seq`, [complaintId])).map((r) => r.e);
  const outboxTypes = async (complaintId: string) => (await outboxEvents(complaintId)).map((e) => e.type);
  const coreBookingsOf = async (customerRef: string) => (await pg.query(`SELECT * FROM "${core.schema}".instructions WHERE customer_ref = $1 AND outcome = 'booked'`, [customerRef])).rows;

  it('pays a small remedy at once, books it once at the core and once in the ledger, though the decision arrives twice', async () => {
    const customer = `CUST-${randomUUID()}`;
    const { complaintId, caseId, issued } = await grant(producer, compensation.topicPrefix, { type: 'fee-waiver', amountMinor: 20_00 }, customer);
    // The same decision again (a redelivery after a rebalance, say).
    await producer.send({ topic: `${compensation.topicPrefix}${TOPICS.investigation}`, messages: [{ key: complaintId, value: JSON.stringify(issued) }] });
    await statusBecomes(caseId, 'paid');
    const { id } = await remedyOf(caseId);

    const bookings = await coreBookingsOf(customer);
    expect(bookings.map((b) => [b.direction, Number(b.amount_minor), b.currency])).toEqual([['credit', 20_00, 'CNY']]);
    const postings = await sql<{ account: string; debit_minor: string; credit_minor: string }>(
      `SELECT l.account, l.debit_minor, l.credit_minor FROM ledger_entries e JOIN ledger_postings l ON l.entry_id = e.id WHERE e.remedy_id = $1 ORDER BY l.line`,
      [id],
    );
    expect(postings).toEqual([
      { account: 'expense:compensation:fee-waiver', debit_minor: '2000', credit_minor: '0' },
      { account: 'liability:core-banking-clearing', debit_minor: '0', credit_minor: '2000' },
    ]);
    expect((await outboxTypes(complaintId)).filter((t) => t.startsWith('remedy.'))).toEqual(['remedy.proposed', 'remedy.approved', 'remedy.paid']);

    const detail = await api('GET', url(`/v1/remedies/${id}`), await token('aud-1', 'auditor'));
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ status: 'paid', route: 'automatic', amount: { amountMinor: 20_00, currency: 'CNY' }, payouts: [{ kind: 'payout', status: 'booked', coreReference: bookings[0].core_reference }] });
  });

  it('pays a small remedy whose decision arrived before its complaint, once the customer is known', async () => {
    const complaintId = randomUUID();
    const caseId = randomUUID();
    const customer = `CUST-${randomUUID()}`;
    const ticketNumber = `CMP-20261123-${randomBytes(4).toString('hex')}`;
    const issued = envelopeOf(Events.CaseResponseIssued, complaintId, responseIssued(caseId, ticketNumber, { type: 'goodwill', amountMinor: 88_00 }), 'investigation');
    await producer.send({ topic: `${compensation.topicPrefix}${TOPICS.investigation}`, messages: [{ key: complaintId, value: JSON.stringify(issued) }] });
    const held = await remedyOf(caseId);
    expect({ status: held.status, holdReason: reasonAtRest(held, 'hold_reason') }).toEqual({ status: 'proposed', holdReason: 'the complaint’s customer is not known to compensation yet' });
    await producer.send({
      topic: `${compensation.topicPrefix}${TOPICS.intake}`,
      messages: [{ key: complaintId, value: JSON.stringify(envelopeOf(Events.ComplaintReceived, complaintId, received(ticketNumber, customer), 'intake')) }],
    });
    await statusBecomes(caseId, 'paid');
    expect((await coreBookingsOf(customer)).map((b) => Number(b.amount_minor))).toEqual([88_00]);
  });

  it('needs two approvers above the four-eyes threshold, never the decider, each within their limit', async () => {
    const customer = `CUST-${randomUUID()}`;
    const { complaintId, caseId } = await grant(producer, compensation.topicPrefix, { type: 'loss-reimbursement', amountMinor: 8_000_00 }, customer, 'inv-7');
    const { id } = await remedyOf(caseId);
    const approve = async (subject: string, limit?: number, roles: Parameters<TestIssuer['token']>[0] = 'approver') => api('POST', url(`/v1/remedies/${id}/approvals`), await token(subject, roles, limit));

    expect((await approve('inv-7')).body).toMatchObject({ status: 403, code: 'proposer-cannot-approve' });
    expect((await approve('apr-small', 5_000_00)).body).toMatchObject({ status: 403, code: 'over-limit' });
    // A token that states no limit of its own approves no money (not the whole of its role's).
    const unstated = await compensation.issuer.token('approver', { subject: 'apr-unstated' });
    expect((await api('POST', url(`/v1/remedies/${id}/approvals`), unstated)).body).toMatchObject({ status: 403, code: 'over-limit' });
    expect((await approve('inv-2', undefined, 'investigator')).status).toBe(403);
    const first = await approve('apr-1');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'proposed', route: 'four-eyes', approvals: [{ approver: 'apr-1' }] });
    expect((await approve('apr-1')).body).toMatchObject({ status: 409, code: 'already-approved' });
    expect(await coreBookingsOf(customer)).toEqual([]);

    expect((await approve('apr-2')).body).toMatchObject({ status: 'approved' });
    await statusBecomes(caseId, 'paid');
    expect((await coreBookingsOf(customer)).map((b) => Number(b.amount_minor))).toEqual([8_000_00]);
    // Every approval attempt that succeeded is in the staff audit; refused ones wrote nothing.
    const audited = (await outboxEvents(complaintId)).filter((e) => e.type === 'staff.action-recorded');
    expect(audited.map((a) => [a.payload.actor, a.payload.action])).toEqual([
      ['apr-1', 'remedy.approve'],
      ['apr-2', 'remedy.approve'],
    ]);
    const approved = (await outboxEvents(complaintId)).filter((e) => e.type === 'remedy.approved');
    expect(approved.map((a) => a.payload)).toEqual([expect.objectContaining({ route: 'four-eyes', approvedBy: ['apr-1', 'apr-2'] })]);
  });

  it('refuses what the catalogue does not allow, and holds a small remedy that would pass the customer’s cap for a person', async () => {
    const over = await grant(producer, compensation.topicPrefix, { type: 'goodwill', amountMinor: 600_00 }, `CUST-${randomUUID()}`);
    await statusBecomes(over.caseId, 'rejected');
    expect(reasonAtRest(await remedyOf(over.caseId), 'rejection_reason')).toBe('CNY 600.00 is above the catalogue limit for Goodwill payment (CNY 500.00)');

    const customer = `CUST-${randomUUID()}`;
    const big = await grant(producer, compensation.topicPrefix, { type: 'loss-reimbursement', amountMinor: 49_950_00 }, customer);
    const { id: bigId } = await remedyOf(big.caseId);
    const cco = await token('cco-1', 'compliance-officer');
    expect((await api('POST', url(`/v1/remedies/${bigId}/approvals`), cco)).status).toBe(200);
    expect((await api('POST', url(`/v1/remedies/${bigId}/approvals`), await token('cco-2', 'compliance-officer'))).body).toMatchObject({ status: 'approved' });
    await statusBecomes(big.caseId, 'paid');

    const small = await grant(producer, compensation.topicPrefix, { type: 'fee-waiver', amountMinor: 100_00 }, customer);
    const held = await remedyOf(small.caseId);
    expect(held.status).toBe('proposed');
    expect(reasonAtRest(held, 'hold_reason')).toBe('the customer has been granted CNY 49,950.00 in the last 365 days; with CNY 100.00 that exceeds the cap of CNY 50,000.00');
    expect((await api('POST', url(`/v1/remedies/${held.id}/approvals`), cco)).body).toMatchObject({ status: 422, code: 'over-customer-cap' });
    const rejected = await api('POST', url(`/v1/remedies/${held.id}/rejection`), await token('apr-1'), { reason: '已达年度补偿上限' });
    expect(rejected.body).toMatchObject({ status: 'rejected', rejection: { reason: '已达年度补偿上限', by: 'apr-1' } });
    expect((await api('POST', url(`/v1/remedies/${held.id}/rejection`), await token('apr-1'), { reason: 'again' })).body).toMatchObject({ status: 409, allowed: [] });
  });

  it('lets only one of concurrent approvals of one customer’s remedies past the customer’s cap, and pays only that one', async () => {
    const customer = `CUST-${randomUUID()}`;
    const cco = await token('cco-1', 'compliance-officer');
    const earlier = await grant(producer, compensation.topicPrefix, { type: 'loss-reimbursement', amountMinor: 30_000_00 }, customer);
    const { id: earlierId } = await remedyOf(earlier.caseId);
    expect((await api('POST', url(`/v1/remedies/${earlierId}/approvals`), cco)).status).toBe(200);
    expect((await api('POST', url(`/v1/remedies/${earlierId}/approvals`), await token('cco-2', 'compliance-officer'))).body).toMatchObject({ status: 'approved' });
    await statusBecomes(earlier.caseId, 'paid');

    // Four remedies of CNY 15,000.00 on four complaints of the same customer: with CNY 30,000.00
    // granted, the cap of CNY 50,000.00 has room for one. Each has its first approval already.
    const cases = await Promise.all([1, 2, 3, 4].map(() => grant(producer, compensation.topicPrefix, { type: 'loss-reimbursement', amountMinor: 15_000_00 }, customer)));
    const ids: string[] = [];
    for (const { caseId } of cases) {
      const remedy = await eventually(async () => (await sql<{ id: string; customer_ref: string | null }>(`SELECT id, customer_ref FROM remedies WHERE case_id = $1 AND customer_ref IS NOT NULL`, [caseId]))[0], { what: `the customer of case ${caseId}` });
      expect((await api('POST', url(`/v1/remedies/${remedy.id}/approvals`), await token('apr-1'))).body).toMatchObject({ status: 'proposed', approvals: [{ approver: 'apr-1' }] });
      ids.push(remedy.id);
    }

    // The second approvals, all at once: each alone would complete its remedy.
    const apr2 = await token('apr-2');
    const answers = await Promise.all(ids.map((id) => api('POST', url(`/v1/remedies/${id}/approvals`), apr2)));
    const approved = answers.filter((a) => a.status === 200);
    expect(approved.map((a) => a.body.status)).toEqual(['approved']);
    expect(answers.filter((a) => a.status !== 200).map((a) => [a.status, a.body.code])).toEqual([
      [422, 'over-customer-cap'],
      [422, 'over-customer-cap'],
      [422, 'over-customer-cap'],
    ]);
    const winner = cases[answers.indexOf(approved[0])];
    await statusBecomes(winner.caseId, 'paid');

    const statuses = await sql<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM remedies WHERE id = ANY($1) GROUP BY status ORDER BY status`, [ids]);
    expect(statuses).toEqual([
      { status: 'paid', n: '1' },
      { status: 'proposed', n: '3' },
    ]);
    expect(await sql(`SELECT kind, amount_minor FROM payouts WHERE remedy_id = ANY($1)`, [ids])).toEqual([{ kind: 'payout', amount_minor: '1500000' }]);
    expect(await sql<{ n: string }>(`SELECT count(*) AS n FROM ledger_entries WHERE remedy_id = ANY($1)`, [ids])).toEqual([{ n: '1' }]);
    expect((await coreBookingsOf(customer)).map((b) => Number(b.amount_minor)).sort((a, b) => a - b)).toEqual([15_000_00, 30_000_00]);
  });

  it('records a payout the core refuses as failed, and takes a paid remedy back with a reversal of its own', async () => {
    const refused = await grant(producer, compensation.topicPrefix, { type: 'fee-refund', amountMinor: 35_00 }, CLOSED_ACCOUNT);
    await statusBecomes(refused.caseId, 'payout-failed');
    expect((await outboxTypes(refused.complaintId)).filter((t) => t.startsWith('remedy.'))).toEqual(['remedy.proposed', 'remedy.approved', 'remedy.payout-failed']);
    // The core's refusal quotes the customer's account: it is kept and published with its digit runs masked.
    const [quoted] = (await pg.query(`SELECT reason FROM "${core.schema}".instructions WHERE customer_ref = $1 AND outcome = 'refused'`, [CLOSED_ACCOUNT])).rows.map((r) => r.reason as string);
    const closedAccount = /\d{19}/.exec(quoted)![0];
    const [failed] = (await outboxEvents(refused.complaintId)).filter((e) => e.type === 'remedy.payout-failed');
    expect(failed.payload.reason).toBe(`account ${'*'.repeat(15)}${closedAccount.slice(-4)} closed`);
    const [kept] = await sql<{ last_error: string }>(`SELECT p.last_error FROM payouts p JOIN remedies r ON r.id = p.remedy_id WHERE r.case_id = $1`, [refused.caseId]);
    expect(kept.last_error).toBe(failed.payload.reason);

    const customer = `CUST-${randomUUID()}`;
    const paid = await grant(producer, compensation.topicPrefix, { type: 'goodwill', amountMinor: 50_00 }, customer);
    await statusBecomes(paid.caseId, 'paid');
    const { id } = await remedyOf(paid.caseId);
    expect((await api('POST', url(`/v1/remedies/${id}/reversal`), await token('inv-1', 'investigator'), { reason: 'x' })).status).toBe(403);
    expect((await api('POST', url(`/v1/remedies/${id}/reversal`), await token('apr-1'), {})).status).toBe(400);
    const reason = '误付至账户 6222021234567890123，重复补偿';
    expect((await api('POST', url(`/v1/remedies/${id}/reversal`), await token('apr-1'), { reason })).status).toBe(202);
    await statusBecomes(paid.caseId, 'reversed');
    // The approver's words name an account: they leave sealed (whole, for those with the keys), and only roles that need them read them whole.
    const [reversed] = (await outboxEvents(paid.complaintId)).filter((e) => e.type === 'remedy.reversed');
    expect(reasonOnTheWire(reversed.payload)).toBe(reason);
    for (const quoted of ['6222021234567890123', '***************0123']) expect(JSON.stringify(reversed)).not.toContain(quoted);
    const readBy = async (roles: Parameters<TestIssuer['token']>[0]) => (await api('GET', url(`/v1/remedies/${id}`), await token(`${roles}-9`, roles))).body.reversal;
    const approvals = [{ approver: 'apr-1', roles: ['approver'], at: expect.any(String) }];
    expect(await readBy('compliance-officer')).toEqual({ reason, by: 'apr-1', approvals });
    for (const role of ['auditor', 'approver'] as const) expect(await readBy(role)).toEqual({ reason: '误付至账户 ***************0123，重复补偿', by: 'apr-1', approvals });
    expect((await coreBookingsOf(customer)).map((b) => [b.direction, Number(b.amount_minor)]).sort()).toEqual([
      ['credit', 50_00],
      ['debit', 50_00],
    ]);
    const [account] = (await pg.query(`SELECT balance_minor FROM "${core.schema}".accounts WHERE customer_ref = $1`, [customer])).rows;
    expect(account.balance_minor).toBe('0');
  });

  it('quotes interest for delayed funds from the catalogue’s terms', async () => {
    const quote = await api('POST', url('/v1/remedies/interest-quotes'), await token('inv-1', 'investigator'), { principal: { amountMinor: 5_000_000_00, currency: 'CNY' }, from: '2026-10-01', to: '2026-10-15' });
    // CNY 5,000,000.00 × 1.5 % × 14 / 365 = CNY 2,876.712… → 287,671 fen (half-up).
    expect(quote.body).toMatchObject({ amount: { amountMinor: 287_671, currency: 'CNY' }, days: 14, basis: 'ACT/365F', annualRate: '0.015', rounding: 'half-up' });
    expect((await api('POST', url('/v1/remedies/interest-quotes'), await token('inv-1', 'investigator'), { principal: { amountMinor: 1, currency: 'CNY' }, from: '2026-10-15', to: '2026-10-01' })).status).toBe(422);
  });

  it('reconciles payouts, ledger and core with no mismatch, and names a booking nobody instructed', async () => {
    const reconciliation = async () => api('GET', url('/v1/ledger/reconciliation'), await token('cco-1', 'compliance-officer'));
    await eventually(async () => ((await reconciliation()).body.inFlight === 0 ? true : null), { what: 'payouts in flight to settle' });
    const clean = await reconciliation();
    expect(clean.body).toMatchObject({ mismatches: [], balanced: true });
    expect(clean.body.instructions).toBeGreaterThanOrEqual(6);

    const stranger = randomUUID();
    await pg.query(
      `INSERT INTO "${core.schema}".instructions (instruction_id, request_hash, outcome, core_reference, direction, customer_ref, amount_minor, currency, narrative) VALUES ($1, 'x', 'booked', 'CBSTRANGER', 'credit', 'CUST-X', 999, 'CNY', 'manual')`,
      [stranger],
    );
    const dirty = await reconciliation();
    expect(dirty.body.balanced).toBe(false);
    expect(dirty.body.mismatches).toEqual([expect.objectContaining({ kind: 'booked-at-core-only', instructionId: stranger })]);
    await pg.query(`DELETE FROM "${core.schema}".instructions WHERE instruction_id = $1`, [stranger]);
  });

  it('keeps the ledger append-only', async () => {
    await expect(sql(`UPDATE ledger_postings SET debit_minor = debit_minor + 1`)).rejects.toThrow(/append-only/);
    await expect(sql(`DELETE FROM ledger_entries`)).rejects.toThrow(/append-only/);
  });
});

/**
 * The crash: compensation is killed (SIGKILL, no shutdown hooks) after the core banking system
 * booked a payout and before compensation recorded it. After a restart the desk resends the same
 * instruction, the core answers with the booking it already made, and there is exactly one payout.
 */
describe('a payout survives the service dying between the core’s booking and our record', () => {
  const id = uniqueTestId();
  const schema = `${id}_compensation`;
  const topicPrefix = `${id}.`;
  const coreToken = randomBytes(16).toString('hex');
  const logFile = path.join(os.tmpdir(), `${id}-compensation.log`);
  let core: Simulator;
  let issuer: TestIssuer;
  let producer: Producer;
  let pg: Client;
  let child: ChildProcess | null = null;
  let port: number;

  const startCompensation = async () => {
    const out = fs.openSync(logFile, 'a');
    child = spawn(process.execPath, ['-r', '@swc-node/register', path.resolve(__dirname, '../../apps/compensation/src/main.ts')], {
      cwd: path.resolve(__dirname, '../..'),
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        ...issuer.env,
        SWC_NODE_PROJECT: path.resolve(__dirname, '../../tsconfig.json'),
        PORT: String(port),
        DATABASE_URL: TEST_DATABASE_URL,
        DB_SCHEMA: schema,
        DB_POOL_SIZE: '4',
        KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
        KAFKA_TOPIC_PARTITIONS: '1',
        TOPIC_PREFIX: topicPrefix,
        OUTBOX_POLL_MS: '200',
        CORE_BANKING_URL: `http://127.0.0.1:${core.port}`,
        CORE_BANKING_TOKEN: coreToken,
        ...PII,
        PAYOUT_CHECK_INTERVAL_MS: '200',
        PAYOUT_CLAIM_LEASE_MS: '2000',
      },
    });
    fs.closeSync(out);
    const started = child;
    await eventually(
      async () => {
        if (started.exitCode !== null) throw new Error(`compensation exited; see ${logFile}`);
        return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
      },
      { timeoutMs: 120_000, intervalMs: 250, what: 'compensation to be ready' },
    );
  };
  const sql = async <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> => {
    await pg.query(`SET search_path TO "${schema}"`);
    return (await pg.query(text, params)).rows as R[];
  };

  beforeAll(async () => {
    pg = new Client({ connectionString: TEST_DATABASE_URL });
    await pg.connect();
    issuer = await createTestIssuer(id);
    port = await freePort();
    core = await startCoreBankingSimulator({ CORE_BANKING_PORT: '0', CORE_BANKING_DATABASE_URL: TEST_DATABASE_URL, CORE_BANKING_SCHEMA: `${id}_core`, CORE_BANKING_TOKEN: coreToken });
    producer = quietKafka('compensation-crash').producer();
    await producer.connect();
    await startCompensation();
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const running = child;
      const gone = new Promise((r) => running.once('exit', r));
      running.kill('SIGTERM');
      const late = setTimeout(() => running.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(late);
    }
    await producer?.disconnect();
    await core?.close();
    await pg?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pg?.query(`DROP SCHEMA IF EXISTS "${core.schema}" CASCADE`);
    await pg?.end();
  });

  it('pays exactly once after a restart', async () => {
    // The core books at once and answers ten seconds later: the kill lands inside that window.
    core.setReplyDelay(10_000);
    const customer = `CUST-${randomUUID()}`;
    const { caseId, complaintId } = await grant(producer, topicPrefix, { type: 'delay-interest', amountMinor: 123_45 }, customer);
    const booked = await eventually(async () => (await pg.query(`SELECT * FROM "${core.schema}".instructions WHERE customer_ref = $1`, [customer])).rows[0], { timeoutMs: 60_000, what: 'the core to book the payout' });
    const dying = child!;
    const exited = new Promise((r) => dying.once('exit', r));
    dying.kill('SIGKILL');
    await exited;

    // Our side: the instruction was claimed and sent, nothing recorded.
    const [payout] = await sql<{ id: string; status: string }>(`SELECT p.id, p.status FROM payouts p JOIN remedies r ON r.id = p.remedy_id WHERE r.case_id = $1`, [caseId]);
    expect(payout).toEqual({ id: booked.instruction_id, status: 'instructing' });
    expect(await sql(`SELECT * FROM ledger_entries WHERE remedy_id = (SELECT id FROM remedies WHERE case_id = $1)`, [caseId])).toEqual([]);

    core.setReplyDelay(0);
    await startCompensation();
    await eventually(async () => ((await sql<{ status: string }>(`SELECT status FROM remedies WHERE case_id = $1`, [caseId]))[0]?.status === 'paid' ? true : null), {
      timeoutMs: 60_000,
      what: 'the remedy to be recorded as paid',
    });

    const bookings = (await pg.query(`SELECT instruction_id, amount_minor FROM "${core.schema}".instructions WHERE customer_ref = $1`, [customer])).rows;
    expect(bookings).toEqual([{ instruction_id: booked.instruction_id, amount_minor: '12345' }]);
    expect(await sql(`SELECT status, core_reference FROM payouts WHERE id = $1`, [payout.id])).toEqual([{ status: 'booked', core_reference: booked.core_reference }]);
    expect(await sql<{ n: string }>(`SELECT count(*) AS n FROM ledger_entries WHERE instruction_id = $1`, [payout.id])).toEqual([{ n: '1' }]);
    const paid = await sql<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE message_key = $1 AND convert_from(value, 'UTF8')::jsonb ->> 'type' = 'remedy.paid'`, [complaintId]);
    expect(paid).toEqual([{ n: '1' }]);
  });
});

type Decided = { type: RemedyType; amountMinor: number };
type Envelope = ReturnType<typeof testEnvelope>;
const cny = (amountMinor: number) => ({ amountMinor, currency: 'CNY' });
const REOPENING = '客户补充了新的交易流水，需重新核实';

/**
 * Compensation against the real broker and database when the decision behind a remedy changes: the
 * case is reopened (its decision withdrawn), or a review (核查) decides the remedy again. The payout
 * desk runs only when a test says so, so what was sent to the core before a change is the test's
 * choice and not a matter of timing.
 */
describe('compensation when the decision behind a remedy changes', () => {
  let compensation: ServiceUnderTest;
  let payouts: PayoutDesk;
  let producer: Producer;
  let pg: Client;

  beforeAll(async () => {
    pg = new Client({ connectionString: TEST_DATABASE_URL });
    await pg.connect();
    compensation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'compensation')!, { ...PII, PAYOUT_CHECK_INTERVAL_MS: '0' });
    payouts = compensation.running.app.get(PayoutDesk);
    producer = quietKafka('compensation-case-changes').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await compensation?.stop();
    await pg?.end();
  });

  const { sql, url, token } = compensationClient(() => compensation);

  const send = async <D extends EventDefinition>(definition: D, complaintId: string, payload: EventPayload<D>, producedBy: string, envelope?: Envelope): Promise<Envelope> => {
    const sent = envelope ?? envelopeOf(definition, complaintId, payload, producedBy);
    await producer.send({ topic: `${compensation.topicPrefix}${definition.topic}`, messages: [{ key: complaintId, value: JSON.stringify(sent) }] });
    return sent;
  };
  /** Waits until compensation has handled the event (its processed-event mark is committed with the handler's work). */
  const handled = (envelope: Envelope) =>
    eventually(async () => (await sql<{ outcome: string }>(`SELECT outcome FROM processed_events WHERE event_id = $1`, [envelope.eventId]))[0]?.outcome === 'handled', {
      what: `${envelope.type} ${envelope.eventId} to be handled`,
    });

  /** A complaint of a customer of its own, with its first decision. */
  async function complaintWith(remedy: Decided) {
    const complaintId = randomUUID();
    const caseId = randomUUID();
    const ticketNumber = `CMP-20261201-${randomBytes(4).toString('hex')}`;
    const customer = `CUST-${randomUUID()}`;
    await send(Events.ComplaintReceived, complaintId, received(ticketNumber, customer), 'intake');
    const decide = async (decided: Decided, { reviewRound = 0, decidedBy = 'inv-1' } = {}) => {
      const issued = await send(Events.CaseResponseIssued, complaintId, { ...responseIssued(caseId, ticketNumber, decided, decidedBy), reviewRound }, 'investigation');
      await handled(issued);
      return issued;
    };
    // As investigation publishes it (v2): the reason sealed with the platform's keys.
    const reopen = async (envelope?: Envelope) => send(Events.CaseReopened, complaintId, { caseId, reason: SEALER.encrypt(REOPENING), reopenedBy: 'sup-1' }, 'investigation', envelope);
    // The decision may not overtake the customer: a remedy waits for its customer to be known.
    await eventually(async () => (await sql(`SELECT 1 FROM complaint_customers WHERE complaint_id = $1`, [complaintId])).length > 0, { what: 'the complaint’s customer' });
    await decide(remedy);
    return { complaintId, caseId, customer, decide, reopen };
  }

  type RemedyRow = { id: string; status: string; amount_minor: string; decision_amount_minor: string | null; withdrawal_cause: string | null; withdrawn_by: string | null; case_reopened_at: Date | null } & Record<string, unknown>;
  const remediesOf = (caseId: string) => sql<RemedyRow>(`SELECT * FROM remedies WHERE case_id = $1 ORDER BY proposed_at`, [caseId]);
  const statusesOf = async (caseId: string) => (await remediesOf(caseId)).map((r) => [r.status, Number(r.amount_minor)]);
  const becomes = (caseId: string, statuses: (string | number)[][]) =>
    eventually(async () => JSON.stringify(await statusesOf(caseId)) === JSON.stringify(statuses), { what: `the remedies of ${caseId} to be ${JSON.stringify(statuses)}` });
  const remedyEvents = async (complaintId: string) =>
    (await sql<{ e: { type: string; payload: Record<string, unknown> } }>(`SELECT convert_from(value, 'UTF8')::jsonb AS e FROM outbox WHERE message_key = $1 ORDER BY seq`, [complaintId]))
      .map((r) => r.e)
      .filter((e) => e.type.startsWith('remedy.'));
  const payoutsOf = (caseId: string) => sql<{ kind: string; status: string }>(`SELECT p.kind, p.status FROM payouts p JOIN remedies r ON r.id = p.remedy_id WHERE r.case_id = $1 ORDER BY p.created_at`, [caseId]);
  const coreBookingsOf = async (customer: string) =>
    (await pg.query(`SELECT direction, amount_minor FROM "${compensation.coreBanking!.schema}".instructions WHERE customer_ref = $1 AND outcome = 'booked' ORDER BY amount_minor`, [customer])).rows.map((b) => [b.direction, Number(b.amount_minor)]);
  const payOut = async (caseId: string, statuses: (string | number)[][]) => {
    await payouts.tick();
    await becomes(caseId, statuses);
  };

  describe('the case is reopened', () => {
    it('withdraws a remedy waiting for approval, with the reopening’s reason, and refuses to approve it after', async () => {
      const { complaintId, caseId, reopen } = await complaintWith({ type: 'fee-refund', amountMinor: 1_000_00 });
      await becomes(caseId, [['proposed', 1_000_00]]);

      await handled(await reopen());
      const [remedy] = await remediesOf(caseId);
      expect(remedy).toMatchObject({ status: 'withdrawn', withdrawal_cause: 'case-reopened', withdrawn_by: 'sup-1' });
      expect(reasonAtRest(remedy, 'withdrawal_reason')).toBe(REOPENING);
      const events = await remedyEvents(complaintId);
      expect(events.map((e) => [e.type, e.payload])).toEqual([
        ['remedy.proposed', expect.objectContaining({ remedyId: remedy.id })],
        ['remedy.withdrawn', { remedyId: remedy.id, caseId, amount: cny(1_000_00), cause: 'case-reopened', reason: expect.any(String), withdrawnBy: 'sup-1' }],
      ]);
      expect(reasonOnTheWire(events[1].payload)).toBe(REOPENING);

      const approval = await api('POST', url(`/v1/remedies/${remedy.id}/approvals`), await token('apr-1'));
      expect(approval.body).toMatchObject({ status: 409, remedyStatus: 'withdrawn', allowed: [] });
      const view = await api('GET', url(`/v1/remedies/${remedy.id}`), await token('aud-1', 'auditor'));
      expect(view.body).toMatchObject({ status: 'withdrawn', withdrawal: { cause: 'case-reopened', reason: REOPENING, by: 'sup-1' } });
      expect((await api('GET', url('/v1/remedies/awaiting-approval'), await token('apr-1'))).body).not.toContainEqual(expect.objectContaining({ remedyId: remedy.id }));
    });

    it('cancels the payout of an approved remedy that was not sent yet, and the core never books it', async () => {
      const { caseId, customer, reopen } = await complaintWith({ type: 'goodwill', amountMinor: 50_00 });
      await becomes(caseId, [['approved', 50_00]]);
      expect(await payoutsOf(caseId)).toEqual([{ kind: 'payout', status: 'pending' }]);

      await handled(await reopen());
      expect(await statusesOf(caseId)).toEqual([['withdrawn', 50_00]]);
      expect(await payoutsOf(caseId)).toEqual([{ kind: 'payout', status: 'cancelled' }]);

      await payouts.tick();
      expect(await coreBookingsOf(customer)).toEqual([]);
      expect(await statusesOf(caseId)).toEqual([['withdrawn', 50_00]]);
      const reconciliation = await api('GET', url('/v1/ledger/reconciliation'), await token('cco-1', 'compliance-officer'));
      expect(reconciliation.body).toMatchObject({ mismatches: [], balanced: true });
    });

    /** The sessions waiting, directly or in a queue, for a lock `pid` holds. */
    const waitingBehind = async (pid: number) => {
      const rows = (await pg.query(`SELECT pid, pg_blocking_pids(pid) AS by FROM pg_stat_activity WHERE wait_event_type = 'Lock'`)).rows as { pid: number; by: number[] }[];
      const behind = new Set<number>([pid]);
      let size = 0;
      while (behind.size !== size) {
        size = behind.size;
        for (const r of rows) if (r.by.some((b) => behind.has(b))) behind.add(r.pid);
      }
      return behind.size - 1;
    };

    it.each(['approval', 'reopening'] as const)('pays nothing when an approval races the reopening and the %s takes the remedy first', async (first) => {
      const { caseId, customer, reopen } = await complaintWith({ type: 'fee-refund', amountMinor: 1_000_00 });
      await becomes(caseId, [['proposed', 1_000_00]]);
      const [{ id }] = await remediesOf(caseId);

      // Both wait on the remedy's row, queued in the order under test, and go the moment it is free.
      const holder = new Client({ connectionString: TEST_DATABASE_URL });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM "${compensation.schema}".remedies WHERE id = $1 FOR UPDATE`, [id]);
        const holderPid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
        const approver = await token('apr-1');
        const queued = async (n: number) => eventually(async () => (await waitingBehind(holderPid)) >= n, { what: `${n} waiting for the remedy` });

        let approval!: Promise<{ status: number; body: Record<string, unknown> }>;
        let reopening!: Envelope;
        if (first === 'approval') {
          approval = api('POST', url(`/v1/remedies/${id}/approvals`), approver);
          await queued(1);
          reopening = await reopen();
        } else {
          reopening = await reopen();
          await queued(1);
          approval = api('POST', url(`/v1/remedies/${id}/approvals`), approver);
        }
        await queued(2);
        await holder.query('COMMIT');

        const answer = await approval;
        await handled(reopening);
        if (first === 'approval') {
          expect(answer.body).toMatchObject({ status: 'approved' });
          expect(await payoutsOf(caseId)).toEqual([{ kind: 'payout', status: 'cancelled' }]);
        } else {
          expect(answer.body).toMatchObject({ status: 409, remedyStatus: 'withdrawn' });
          expect(await payoutsOf(caseId)).toEqual([]);
        }
      } finally {
        await holder.end();
      }

      await payouts.tick();
      expect(await statusesOf(caseId)).toEqual([['withdrawn', 1_000_00]]);
      expect(await coreBookingsOf(customer)).toEqual([]);
    });

    it('leaves a paid remedy paid, records the reopening on it, and pays only the difference of the decision that follows', async () => {
      const { complaintId, caseId, customer, decide, reopen } = await complaintWith({ type: 'goodwill', amountMinor: 50_00 });
      await payOut(caseId, [['paid', 50_00]]);

      await handled(await reopen());
      const [paid] = await remediesOf(caseId);
      expect(paid).toMatchObject({ status: 'paid', withdrawal_cause: null });
      expect(reasonAtRest(paid, 'case_reopen_reason')).toBe(REOPENING);
      expect(paid.case_reopened_at).toBeInstanceOf(Date);
      expect((await api('GET', url(`/v1/remedies/${paid.id}`), await token('aud-1', 'auditor'))).body).toMatchObject({ status: 'paid', caseReopened: { reason: REOPENING } });

      // Decided afresh after the reopening (the same round): compared against what was paid.
      await decide({ type: 'goodwill', amountMinor: 80_00 }, { decidedBy: 'inv-2' });
      await payOut(caseId, [
        ['paid', 50_00],
        ['paid', 30_00],
      ]);
      expect(await coreBookingsOf(customer)).toEqual([
        ['credit', 30_00],
        ['credit', 50_00],
      ]);
      expect((await remedyEvents(complaintId)).map((e) => e.type)).toEqual(['remedy.proposed', 'remedy.approved', 'remedy.paid', 'remedy.proposed', 'remedy.approved', 'remedy.paid']);
    });

    it('handles a reopening of a case that has no remedy, and a reopening delivered twice once', async () => {
      const complaintId = randomUUID();
      const nothing = await send(Events.CaseReopened, complaintId, { caseId: randomUUID(), reason: SEALER.encrypt(REOPENING), reopenedBy: 'sup-1' }, 'investigation');
      await handled(nothing);
      expect(await sql(`SELECT * FROM outbox WHERE message_key = $1`, [complaintId])).toEqual([]);

      const { complaintId: withRemedy, caseId, reopen } = await complaintWith({ type: 'fee-refund', amountMinor: 1_000_00 });
      const reopening = await reopen();
      await reopen(reopening);
      await handled(reopening);
      // The complaint's events are read in order: once a later one is handled, the redelivery is past.
      const after = await send(Events.CaseReopened, withRemedy, { caseId: randomUUID(), reason: SEALER.encrypt(REOPENING), reopenedBy: 'sup-1' }, 'investigation');
      await handled(after);
      expect(await statusesOf(caseId)).toEqual([['withdrawn', 1_000_00]]);
      expect((await remedyEvents(withRemedy)).map((e) => e.type)).toEqual(['remedy.proposed', 'remedy.withdrawn']);
    });
  });

  describe('a review decides the remedy again after it was paid', () => {
    it('proposes a top-up of the difference when the review grants more, approved as the whole decision', async () => {
      const { complaintId, caseId, customer, decide } = await complaintWith({ type: 'fee-refund', amountMinor: 150_00 });
      await payOut(caseId, [['paid', 150_00]]);

      await decide({ type: 'fee-refund', amountMinor: 1_500_00 }, { reviewRound: 1, decidedBy: 'rev-1' });
      expect(await statusesOf(caseId)).toEqual([
        ['paid', 150_00],
        ['proposed', 1_350_00],
      ]);
      const topUp = (await remediesOf(caseId))[1];
      const list = await api('GET', url(`/v1/remedies?complaintId=${complaintId}`), await token('aud-1', 'auditor'));
      expect(list.body).toEqual([
        expect.objectContaining({ status: 'paid', topUp: null }),
        expect.objectContaining({ remedyId: topUp.id, status: 'proposed', route: 'single', proposedBy: 'rev-1', amount: cny(1_350_00), topUp: { decision: cny(1_500_00), grantedBefore: cny(150_00) } }),
      ]);
      expect((await remedyEvents(complaintId)).filter((e) => e.type === 'remedy.proposed').map((e) => e.payload)).toEqual([
        { remedyId: expect.any(String), caseId, type: 'fee-refund', amount: cny(150_00) },
        { remedyId: topUp.id, caseId, type: 'fee-refund', amount: cny(1_350_00), grantedBefore: cny(150_00) },
      ]);

      // The approver's limit must cover the decision in all, not only the difference.
      const approve = async (subject: string, limit?: number) => api('POST', url(`/v1/remedies/${topUp.id}/approvals`), await token(subject, 'approver', limit));
      expect((await approve('apr-small', 1_400_00)).body).toMatchObject({ status: 403, code: 'over-limit' });
      expect((await approve('apr-1')).body).toMatchObject({ status: 'approved' });
      await payOut(caseId, [
        ['paid', 150_00],
        ['paid', 1_350_00],
      ]);
      expect(await coreBookingsOf(customer)).toEqual([
        ['credit', 150_00],
        ['credit', 1_350_00],
      ]);
    });

    it('pays nothing more for an equal review, and takes nothing back for a lower one but shows it to staff', async () => {
      const { complaintId, caseId, customer, decide } = await complaintWith({ type: 'goodwill', amountMinor: 100_00 });
      await payOut(caseId, [['paid', 100_00]]);

      await decide({ type: 'goodwill', amountMinor: 100_00 }, { reviewRound: 1, decidedBy: 'rev-1' });
      expect(await statusesOf(caseId)).toEqual([['paid', 100_00]]);

      await decide({ type: 'goodwill', amountMinor: 60_00 }, { reviewRound: 2, decidedBy: 'rev-2' });
      await payouts.tick();
      expect(await statusesOf(caseId)).toEqual([['paid', 100_00]]);
      expect(await coreBookingsOf(customer)).toEqual([['credit', 100_00]]);
      expect((await remedyEvents(complaintId)).map((e) => e.type)).toEqual(['remedy.proposed', 'remedy.approved', 'remedy.paid']);

      const [paid] = await remediesOf(caseId);
      const view = await api('GET', url(`/v1/remedies/${paid.id}`), await token('apr-1'));
      expect(view.body).toMatchObject({
        status: 'paid',
        laterDecision: {
          outcome: 'not-clawed-back',
          decided: { type: 'goodwill', ...cny(60_00) },
          granted: [cny(100_00)],
          reviewRound: 2,
          decidedBy: 'rev-2',
          note: 'the review decision (round 2) grants CNY 60.00, less than the CNY 100.00 already granted: the bank does not claw back the CNY 40.00',
        },
      });
    });

    it('withdraws a top-up still waiting for approval when a later review grants no more than was paid', async () => {
      const { complaintId, caseId, decide } = await complaintWith({ type: 'fee-refund', amountMinor: 150_00 });
      await payOut(caseId, [['paid', 150_00]]);
      await decide({ type: 'fee-refund', amountMinor: 1_500_00 }, { reviewRound: 1, decidedBy: 'rev-1' });
      await decide({ type: 'fee-refund', amountMinor: 150_00 }, { reviewRound: 2, decidedBy: 'rev-2' });

      expect(await statusesOf(caseId)).toEqual([
        ['paid', 150_00],
        ['withdrawn', 1_350_00],
      ]);
      const withdrawn = (await remedyEvents(complaintId)).filter((e) => e.type === 'remedy.withdrawn');
      expect(withdrawn.map((e) => e.payload)).toEqual([expect.objectContaining({ amount: cny(1_350_00), cause: 'later-decision', withdrawnBy: 'rev-2' })]);
      expect(reasonOnTheWire(withdrawn[0].payload)).toBe('the review decision (round 2) grants CNY 150.00, what the case’s remedies already granted');
    });
  });
});

/** The simulated core's request hash (tools/core-banking-sim), so a test can set the core's answer to an instruction before it is sent. */
const coreRequestHash = (i: { instructionId: string; direction: 'credit' | 'debit'; customerRef: string; amountMinor: number; currency: string; reverses: string | null }) =>
  createHash('sha256').update(JSON.stringify([i.instructionId, i.direction, i.customerRef, i.amountMinor, i.currency, i.reverses])).digest('hex');

/** A staff reason naming the account the money went to by mistake, and how roles without a need for personal data read it. */
const ACCOUNT_REASON = '误付至账户 6222021234567890123，重复补偿';
const ACCOUNT_REASON_MASKED = '误付至账户 ***************0123，重复补偿';

/**
 * Taking a paid remedy back (a debit to the customer's account) needs the authority that paying it
 * needed: an approval limit that covers it, a second approver above the four-eyes threshold, and
 * nobody who decided or approved the payout undoing it alone. A reversal the core refused is not
 * sent again. The payout desk runs only when a test says so, so the core's answer to a reversal
 * can be set before it is sent.
 */
describe('reversing a paid remedy', () => {
  let compensation: ServiceUnderTest;
  let payouts: PayoutDesk;
  let producer: Producer;

  beforeAll(async () => {
    compensation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'compensation')!, { ...PII, PAYOUT_CHECK_INTERVAL_MS: '0' });
    payouts = compensation.running.app.get(PayoutDesk);
    producer = quietKafka('compensation-reversals').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await compensation?.stop();
  });

  const { sql, url, token } = compensationClient(() => compensation);
  type Row = { id: string; status: string; customer_ref: string | null };
  const rowOf = async (caseId: string) => (await sql<Row>(`SELECT id, status, customer_ref FROM remedies WHERE case_id = $1`, [caseId]))[0];
  const statusOf = async (id: string) => (await sql<{ status: string }>(`SELECT status FROM remedies WHERE id = $1`, [id]))[0].status;
  const coreBookingsOf = async (customer: string) =>
    (await compensation.pg.query(`SELECT direction, amount_minor FROM "${compensation.coreBanking!.schema}".instructions WHERE customer_ref = $1 AND outcome = 'booked' ORDER BY direction`, [customer])).rows.map((b) => [
      b.direction,
      Number(b.amount_minor),
    ]);
  const eventsOf = async (complaintId: string) =>
    (await sql<{ e: { type: string; payload: Record<string, unknown> } }>(`SELECT convert_from(value, 'UTF8')::jsonb AS e FROM outbox WHERE message_key = $1 ORDER BY seq`, [complaintId])).map((r) => r.e);
  const staffActionsOf = async (complaintId: string) => (await eventsOf(complaintId)).filter((e) => e.type === 'staff.action-recorded').map((e) => [e.payload.actor, e.payload.action]);

  /** A remedy granted by `decidedBy`, approved by `approvers` (none: paid on the decision alone), and paid. */
  async function paidRemedy(remedy: { type: RemedyType; amountMinor: number }, approvers: string[] = [], decidedBy = 'inv-1') {
    const customer = `CUST-${randomUUID()}`;
    const { complaintId, caseId } = await grant(producer, compensation.topicPrefix, remedy, customer, decidedBy);
    const waiting = approvers.length ? 'proposed' : 'approved';
    const { id } = await eventually(async () => {
      const row = await rowOf(caseId);
      return row?.customer_ref && row.status === waiting ? row : null;
    }, { what: `the remedy of ${caseId} to be ${waiting} for a known customer` });
    for (const approver of approvers) expect((await api('POST', url(`/v1/remedies/${id}/approvals`), await token(approver))).status).toBe(200);
    await payouts.tick();
    expect(await statusOf(id)).toBe('paid');
    return { id, complaintId, caseId, customer };
  }
  const askToReverse = async (id: string, tokenOf: Promise<string>, reason = 'paid in error') => api('POST', url(`/v1/remedies/${id}/reversal`), await tokenOf, { reason });
  const confirmReversal = async (id: string, tokenOf: Promise<string>) => api('POST', url(`/v1/remedies/${id}/reversal/approvals`), await tokenOf);

  it('takes a remedy back only for an approver whose limit covers it: a token without the claim takes back nothing', async () => {
    const { id, customer } = await paidRemedy({ type: 'fee-refund', amountMinor: 1_000_00 }, ['apr-1']);
    const before = await compensation.rowCounts();

    const unstated = compensation.issuer.token('approver', { subject: 'apr-unstated' });
    expect((await askToReverse(id, unstated)).body).toMatchObject({ status: 403, code: 'over-limit' });
    expect((await askToReverse(id, token('apr-small', 'approver', 999_99))).body).toMatchObject({ status: 403, code: 'over-limit', detail: "CNY 1,000.00 is above this approver's limit of CNY 999.99" });
    expect((await askToReverse(id, token('inv-2', 'investigator'))).status).toBe(403);
    // Refused steps wrote nothing: no instruction, no audit, no change to the remedy.
    expect(await compensation.rowCounts()).toEqual(before);
    expect(await statusOf(id)).toBe('paid');

    const reversal = await askToReverse(id, token('apr-9', 'approver', 1_000_00));
    expect(reversal.status).toBe(202);
    expect(reversal.body).toMatchObject({ status: 'reversing', reversal: { by: 'apr-9', approvals: [{ approver: 'apr-9', roles: ['approver'] }] } });
    await payouts.tick();
    expect(await statusOf(id)).toBe('reversed');
    expect(await coreBookingsOf(customer)).toEqual([
      ['credit', 1_000_00],
      ['debit', 1_000_00],
    ]);
  });

  it('needs a second approver above the four-eyes threshold, and the one who asked never confirms', async () => {
    const { id, complaintId, customer } = await paidRemedy({ type: 'loss-reimbursement', amountMinor: 8_000_00 }, ['apr-1', 'apr-2']);

    const asked = await askToReverse(id, token('apr-9'));
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ status: 'reversal-requested', reversal: { by: 'apr-9', approvals: [{ approver: 'apr-9' }] } });
    expect(await sql(`SELECT kind FROM payouts WHERE remedy_id = $1`, [id])).toEqual([{ kind: 'payout' }]);
    const queue = await api('GET', url('/v1/remedies/awaiting-reversal'), await token('apr-8'));
    expect(queue.body).toContainEqual(expect.objectContaining({ remedyId: id, status: 'reversal-requested' }));

    expect((await confirmReversal(id, token('apr-9'))).body).toMatchObject({ status: 403, code: 'requester-cannot-confirm' });
    expect((await confirmReversal(id, token('apr-8', 'approver', 5_000_00))).body).toMatchObject({ status: 403, code: 'over-limit' });
    expect((await askToReverse(id, token('apr-7'))).body).toMatchObject({ status: 409, remedyStatus: 'reversal-requested', allowed: ['confirm-reversal', 'reject-reversal'] });
    await payouts.tick();
    expect(await coreBookingsOf(customer)).toEqual([['credit', 8_000_00]]);

    const confirmed = await confirmReversal(id, token('apr-8'));
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'reversing', reversal: { by: 'apr-9', approvals: [{ approver: 'apr-9' }, { approver: 'apr-8' }] } });
    await payouts.tick();
    expect(await statusOf(id)).toBe('reversed');
    expect(await coreBookingsOf(customer)).toEqual([
      ['credit', 8_000_00],
      ['debit', 8_000_00],
    ]);
    expect((await eventsOf(complaintId)).filter((e) => e.type === 'remedy.reversed').map((e) => e.payload)).toEqual([expect.objectContaining({ amount: cny(8_000_00), reversedBy: 'apr-9' })]);
    expect(await staffActionsOf(complaintId)).toEqual([
      ['apr-1', 'remedy.approve'],
      ['apr-2', 'remedy.approve'],
      ['apr-9', 'remedy.reverse'],
      ['apr-8', 'remedy.reversal-confirm'],
    ]);
  });

  it('lets whoever decided or approved the payout ask for its reversal, but never undo it alone', async () => {
    // CNY 1,000.00: one approver would do, but not one who had a part in the payout.
    const { id, customer } = await paidRemedy({ type: 'fee-refund', amountMinor: 1_000_00 }, ['apr-1'], 'inv-1');
    const asked = await askToReverse(id, token('apr-1'));
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ status: 'reversal-requested' });
    // The decider, an approver too, is no independent second pair of eyes either.
    expect((await confirmReversal(id, token('inv-1', ['investigator', 'approver']))).body).toMatchObject({ status: 403, code: 'payout-party-cannot-confirm' });
    expect((await confirmReversal(id, token('apr-9'))).body).toMatchObject({ status: 'reversing' });
    await payouts.tick();
    expect(await coreBookingsOf(customer)).toEqual([
      ['credit', 1_000_00],
      ['debit', 1_000_00],
    ]);
  });

  it('declines a reversal waiting for confirmation: the payout stands, the request is kept, and a new one may follow', async () => {
    const { id, complaintId, customer } = await paidRemedy({ type: 'loss-reimbursement', amountMinor: 8_000_00 }, ['apr-1', 'apr-2']);
    expect((await askToReverse(id, token('apr-9'))).body).toMatchObject({ status: 'reversal-requested' });
    const declined = await api('POST', url(`/v1/remedies/${id}/reversal/rejection`), await token('apr-8'), { reason: ACCOUNT_REASON });
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ status: 'paid', reversal: null, reversalRejection: { requestedBy: 'apr-9', requestReason: 'paid in error', by: 'apr-8', reason: ACCOUNT_REASON_MASKED } });
    expect((await api('POST', url(`/v1/remedies/${id}/reversal/rejection`), await token('apr-8'), { reason: 'again' })).body).toMatchObject({ status: 409, allowed: ['request-reversal'] });
    await payouts.tick();
    expect(await coreBookingsOf(customer)).toEqual([['credit', 8_000_00]]);
    expect((await askToReverse(id, token('apr-7'))).body).toMatchObject({ status: 'reversal-requested', reversal: { by: 'apr-7' } });
    expect((await staffActionsOf(complaintId)).slice(2)).toEqual([
      ['apr-9', 'remedy.reverse'],
      ['apr-8', 'remedy.reversal-reject'],
      ['apr-7', 'remedy.reverse'],
    ]);
  });

  it('answers a second reversal after the core refused the first with a 409 problem naming why, and writes nothing', async () => {
    const { id, customer } = await paidRemedy({ type: 'goodwill', amountMinor: 50_00 });
    expect((await askToReverse(id, token('apr-9'))).body).toMatchObject({ status: 'reversing' });

    // The core refuses the debit (the account cannot be debited): its answer is in place before the instruction is sent.
    const [reversal] = await sql<{ id: string; amount_minor: string; currency: string }>(`SELECT id, amount_minor, currency FROM payouts WHERE remedy_id = $1 AND kind = 'reversal'`, [id]);
    const [payout] = await sql<{ core_reference: string }>(`SELECT core_reference FROM payouts WHERE remedy_id = $1 AND kind = 'payout'`, [id]);
    const instruction = { instructionId: reversal.id, direction: 'debit' as const, customerRef: customer, amountMinor: Number(reversal.amount_minor), currency: reversal.currency, reverses: payout.core_reference };
    await compensation.pg.query(
      `INSERT INTO "${compensation.coreBanking!.schema}".instructions (instruction_id, request_hash, outcome, reason, direction, customer_ref, amount_minor, currency, narrative, reverses)
       VALUES ($1, $2, 'refused', 'insufficient funds', 'debit', $3, $4, $5, 'reversal', $6)`,
      [instruction.instructionId, coreRequestHash(instruction), customer, instruction.amountMinor, instruction.currency, instruction.reverses],
    );
    await payouts.tick();
    expect(await statusOf(id)).toBe('paid');
    expect(await sql(`SELECT kind, status, last_error FROM payouts WHERE remedy_id = $1 ORDER BY created_at`, [id])).toEqual([
      { kind: 'payout', status: 'booked', last_error: null },
      { kind: 'reversal', status: 'refused', last_error: 'insufficient funds' },
    ]);

    const before = await compensation.rowCounts();
    const res = await fetch(url(`/v1/remedies/${id}/reversal`), { method: 'POST', headers: { authorization: `Bearer ${await token('apr-8')}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'try again' }) });
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({
      type: 'https://complaints.example/problems/remedy-reversal-refused-before',
      status: 409,
      code: 'reversal-refused-before',
      detail: expect.stringContaining('insufficient funds'),
    });
    // Nothing half-written: no second instruction, no audit, the remedy as it was.
    expect(await compensation.rowCounts()).toEqual(before);
    expect(await statusOf(id)).toBe('paid');
    await payouts.tick();
    expect(await coreBookingsOf(customer)).toEqual([['credit', 50_00]]);
  });

  it('masks staff reasons in the answers to reject and reverse as GET does, for roles without a need for personal data', async () => {
    const customer = `CUST-${randomUUID()}`;
    const { caseId } = await grant(producer, compensation.topicPrefix, { type: 'fee-refund', amountMinor: 1_000_00 }, customer);
    const { id: proposed } = await eventually(async () => ((await rowOf(caseId))?.customer_ref ? rowOf(caseId) : null), { what: 'the remedy for a known customer' });
    const rejected = await api('POST', url(`/v1/remedies/${proposed}/rejection`), await token('apr-1'), { reason: ACCOUNT_REASON });
    expect(rejected.body).toMatchObject({ status: 'rejected', rejection: { reason: ACCOUNT_REASON_MASKED, by: 'apr-1' } });

    const { id } = await paidRemedy({ type: 'loss-reimbursement', amountMinor: 8_000_00 }, ['apr-1', 'apr-2']);
    const asked = await askToReverse(id, token('apr-9'), ACCOUNT_REASON);
    expect(asked.body).toMatchObject({ status: 'reversal-requested', reversal: { reason: ACCOUNT_REASON_MASKED } });
    // A compliance officer reads staff reasons whole, in the answer as in GET.
    const confirmed = await confirmReversal(id, token('cco-1', 'compliance-officer'));
    expect(confirmed.body).toMatchObject({ status: 'reversing', reversal: { reason: ACCOUNT_REASON } });
    expect((await api('GET', url(`/v1/remedies/${id}`), await token('apr-9'))).body).toMatchObject({ reversal: { reason: ACCOUNT_REASON_MASKED } });
  });
});
