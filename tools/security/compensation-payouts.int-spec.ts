import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Producer } from 'kafkajs';
import { Client } from 'pg';
import { CaseResponseIssued, ComplaintReceived, EventDefinition, EventPayload, Events, TOPICS } from '@complaints/contracts';
import { createTestIssuer, eventually, freePort, quietKafka, testEnvelope, TEST_DATABASE_URL, TEST_KAFKA_BROKERS, TestIssuer, uniqueTestId } from '@complaints/testing';
import { startCoreBankingSimulator } from '../core-banking-sim/main';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(300_000);

type Simulator = Awaited<ReturnType<typeof startCoreBankingSimulator>>;
type RemedyType = NonNullable<CaseResponseIssued['remedy']>['type'];

const CLOSED_ACCOUNT = 'CUST-CLOSED-1';

const envelopeOf = <D extends EventDefinition>(definition: D, complaintId: string, payload: EventPayload<D>, producer: string) => testEnvelope(definition, complaintId, payload, producer, `pay-${complaintId}`);

function received(ticketNumber: string, customerRef: string): ComplaintReceived {
  return {
    ticketNumber,
    channel: 'web',
    channelReference: null,
    receivedAt: new Date().toISOString(),
    customerRef,
    productHint: null,
    summary: '跨行转账未到账',
    language: 'zh-CN',
    amountInDispute: null,
    preferredReplyChannel: 'sms',
    regime: 'cn-cbirc',
    responseDueBy: new Date(Date.now() + 15 * 86_400_000).toISOString(),
  };
}

function responseIssued(caseId: string, ticketNumber: string, remedy: { type: RemedyType; amountMinor: number; currency?: string }, decidedBy = 'inv-1'): CaseResponseIssued {
  return {
    caseId,
    ticketNumber,
    reviewRound: 0,
    outcome: 'upheld',
    explanation: '合作银行接口故障导致延误',
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

  const sql = async <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> => {
    await compensation.pg.query(`SET search_path TO "${compensation.schema}"`);
    return (await compensation.pg.query(text, params)).rows as R[];
  };
  const url = (route: string) => `${compensation.baseUrl}${route}`;
  const token = (subject: string, roles: Parameters<TestIssuer['token']>[0] = 'approver', approvalLimitMinor?: number) => compensation.issuer.token(roles, { subject, approvalLimitMinor });
  const remedyOf = async (caseId: string) => eventually(async () => (await sql<{ id: string; status: string; hold_reason: string | null; rejection_reason: string | null }>(`SELECT * FROM remedies WHERE case_id = $1`, [caseId]))[0], { what: `the remedy of case ${caseId}` });
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
    expect(await remedyOf(caseId)).toMatchObject({ status: 'proposed', hold_reason: 'the complaint’s customer is not known to compensation yet' });
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
    expect((await remedyOf(over.caseId)).rejection_reason).toBe('CNY 600.00 is above the catalogue limit for Goodwill payment (CNY 500.00)');

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
    expect(held.hold_reason).toBe('the customer has been granted CNY 49,950.00 in the last 365 days; with CNY 100.00 that exceeds the cap of CNY 50,000.00');
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

    const customer = `CUST-${randomUUID()}`;
    const paid = await grant(producer, compensation.topicPrefix, { type: 'goodwill', amountMinor: 50_00 }, customer);
    await statusBecomes(paid.caseId, 'paid');
    const { id } = await remedyOf(paid.caseId);
    expect((await api('POST', url(`/v1/remedies/${id}/reversal`), await token('inv-1', 'investigator'), { reason: 'x' })).status).toBe(403);
    expect((await api('POST', url(`/v1/remedies/${id}/reversal`), await token('apr-1'), {})).status).toBe(400);
    expect((await api('POST', url(`/v1/remedies/${id}/reversal`), await token('apr-1'), { reason: '重复补偿' })).status).toBe(202);
    await statusBecomes(paid.caseId, 'reversed');
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
