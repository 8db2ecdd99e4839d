import { randomBytes, randomUUID } from 'node:crypto';
import { Producer } from 'kafkajs';
import { CaseResponseIssued, ComplaintReceived, EventDefinition, EventPayload, Events, TOPICS } from '@complaints/contracts';
import { FieldCipher } from '@complaints/platform';
import { eventually, quietKafka, testEnvelope } from '@complaints/testing';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

/** Seals a response's explanation as investigation does; compensation neither holds the keys nor reads it. */
const SEALER = FieldCipher.fromEnv({ PII_KEYS: `t1:${randomBytes(32).toString('base64')}` }, { pseudonyms: false });

jest.setTimeout(600_000);

/** How many remedies run through; RECONCILIATION_REMEDIES raises it for a longer run. */
const REMEDIES = Number(process.env.RECONCILIATION_REMEDIES ?? 1000);
const CLOSED = ['CUST-CLOSED-A', 'CUST-CLOSED-B'];

type RemedyType = NonNullable<CaseResponseIssued['remedy']>['type'];

const envelopeOf = <D extends EventDefinition>(definition: D, complaintId: string, payload: EventPayload<D>, producer: string) => testEnvelope(definition, complaintId, payload, producer, `rec-${complaintId}`);

/** A deterministic mix: mostly small remedies paid at once, some for one approver, some for two, a few to closed accounts. */
function planOf(i: number): { type: RemedyType; amountMinor: number; customerRef: string; approvers: number; reverse: boolean } {
  const customerRef = i % 37 === 0 ? CLOSED[i % 2] : `CUST-${i % 400}`;
  if (i % 10 < 7) return { type: (['fee-waiver', 'fee-refund', 'goodwill'] as const)[i % 3], amountMinor: 1 + ((i * 7919) % 200_00), customerRef, approvers: 0, reverse: i % 50 === 1 };
  if (i % 10 < 9) return { type: 'fee-refund', amountMinor: 200_01 + ((i * 104_729) % 1_800_00), customerRef, approvers: 1, reverse: false };
  return { type: 'loss-reimbursement', amountMinor: 2_000_01 + ((i * 15_485_863) % 8_000_00), customerRef, approvers: 2, reverse: i % 20 === 9 };
}

/**
 * A thousand remedies through compensation over the real broker, paid through the simulated core
 * banking ledger over HTTP, with approvals, refusals and reversals among them. Afterwards the
 * reconciliation report must find our instructions, our ledger and the core's bookings in full
 * agreement: zero mismatches and equal totals.
 */
describe(`reconciliation after ${REMEDIES} remedies`, () => {
  let compensation: ServiceUnderTest;
  let producer: Producer;

  beforeAll(async () => {
    compensation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'compensation')!, {
      CORE_BANKING_CLOSED_ACCOUNTS: CLOSED.join(','),
      PAYOUT_CHECK_INTERVAL_MS: '100',
      // The mix's customers receive many remedies; the cap is not what this run is about.
      REMEDY_APPROVAL_MATRIX: JSON.stringify({ CNY: { automaticUpToMinor: 200_00, fourEyesAboveMinor: 2_000_00, roleLimitsMinor: { approver: 20_000_00 }, customerCap: null } }),
    });
    producer = quietKafka('compensation-reconciliation').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await compensation?.stop();
  });

  const sql = async <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> => {
    await compensation.pg.query(`SET search_path TO "${compensation.schema}"`);
    return (await compensation.pg.query(text, params)).rows as R[];
  };
  const post = async (route: string, subject: string, body?: unknown) => {
    const res = await fetch(`${compensation.baseUrl}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await compensation.issuer.token('approver', { subject, approvalLimitMinor: 1_000_000_000 })}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${route} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { status: string };
  };

  it('finds payouts, ledger and core in agreement', async () => {
    const plans = Array.from({ length: REMEDIES }, (_, i) => ({ i, caseId: randomUUID(), complaintId: randomUUID(), ...planOf(i) }));
    const started = Date.now();
    for (let from = 0; from < plans.length; from += 200) {
      const batch = plans.slice(from, from + 200);
      const received = batch.map((p) => {
        const payload: ComplaintReceived = {
          ticketNumber: `CMP-REC-${p.i}`,
          channel: 'web',
          channelReference: null,
          receivedAt: new Date().toISOString(),
          customerRef: p.customerRef,
          productHint: null,
          summary: 'remedy run',
          language: 'zh-CN',
          amountInDispute: null,
          preferredReplyChannel: 'sms',
          regime: 'cn-cbirc',
          responseDueBy: new Date(Date.now() + 15 * 86_400_000).toISOString(),
        };
        return { key: p.complaintId, value: JSON.stringify(envelopeOf(Events.ComplaintReceived, p.complaintId, payload, 'intake')) };
      });
      await producer.send({ topic: `${compensation.topicPrefix}${TOPICS.intake}`, messages: received });
    }
    // Decisions after every customer is known, as on the platform where a response comes days after the complaint.
    await eventually(async () => (Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM complaint_customers`))[0].n) === REMEDIES ? true : null), { timeoutMs: 120_000, what: 'every complaint to be known' });
    for (let from = 0; from < plans.length; from += 200) {
      const batch = plans.slice(from, from + 200);
      const decisions = batch.map((p) => {
        const payload: CaseResponseIssued = {
          caseId: p.caseId,
          ticketNumber: `CMP-REC-${p.i}`,
          reviewRound: 0,
          outcome: 'upheld',
          explanation: 'remedy run',
          liability: 'bank',
          rootCause: 'system',
          actions: ['compensation'],
          remedy: { type: p.type, amount: { amountMinor: p.amountMinor, currency: 'CNY' } },
          decidedBy: 'inv-run',
          approvedBy: null,
          issuedAt: new Date().toISOString(),
          rights: { reviewBy: null, escalateTo: [] },
        };
        // Half as v1, half as v2 (explanation sealed), as during a rolling upgrade: the same remedies either way.
        const issued = p.i % 2 ? envelopeOf(Events.CaseResponseIssuedV1, p.complaintId, payload, 'investigation') : envelopeOf(Events.CaseResponseIssued, p.complaintId, { ...payload, explanation: SEALER.encrypt(payload.explanation) }, 'investigation');
        return { key: p.complaintId, value: JSON.stringify(issued) };
      });
      await producer.send({ topic: `${compensation.topicPrefix}${TOPICS.investigation}`, messages: decisions });
    }
    await eventually(async () => (Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM remedies`))[0].n) === REMEDIES ? true : null), { timeoutMs: 300_000, intervalMs: 500, what: 'every remedy to be proposed' });

    const idOf = new Map((await sql<{ id: string; case_id: string }>(`SELECT id, case_id FROM remedies`)).map((r) => [r.case_id, r.id]));
    for (const p of plans) for (let k = 1; k <= p.approvers; k++) await post(`/v1/remedies/${idOf.get(p.caseId)}/approvals`, `apr-${k}`);
    const settled = async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM payouts WHERE status IN ('pending', 'instructing')`))[0].n) === 0;
    await eventually(async () => ((await settled()) && Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM payouts`))[0].n) === REMEDIES ? true : null), {
      timeoutMs: 300_000,
      intervalMs: 500,
      what: 'every payout to settle',
    });
    const toReverse = plans.filter((p) => p.reverse && !CLOSED.includes(p.customerRef));
    for (const p of toReverse) {
      // apr-1 approved the four-eyes payouts: it may ask for their reversal, and someone with no part in them confirms.
      const asked = await post(`/v1/remedies/${idOf.get(p.caseId)}/reversal`, 'apr-1', { reason: 'paid in error' });
      if (asked.status === 'reversal-requested') await post(`/v1/remedies/${idOf.get(p.caseId)}/reversal/approvals`, 'apr-3');
    }
    await eventually(async () => ((await settled()) ? true : null), { timeoutMs: 120_000, intervalMs: 500, what: 'every reversal to settle' });
    const seconds = (Date.now() - started) / 1000;

    const statuses = Object.fromEntries((await sql<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM remedies GROUP BY status`)).map((r) => [r.status, Number(r.n)]));
    const closedCount = plans.filter((p) => CLOSED.includes(p.customerRef)).length;
    expect(statuses).toEqual({ paid: REMEDIES - closedCount - toReverse.length, 'payout-failed': closedCount, ...(toReverse.length ? { reversed: toReverse.length } : {}) });

    const res = await fetch(`${compensation.baseUrl}/v1/ledger/reconciliation`, { headers: { authorization: `Bearer ${await compensation.issuer.token('compliance-officer', { subject: 'cco-1' })}` } });
    const report = (await res.json()) as { mismatches: unknown[]; instructions: number; coreBookings: number; ledgerEntries: number; inFlight: number; totals: Record<string, Record<string, number>>; balanced: boolean };
    const expectedNet = plans.filter((p) => !CLOSED.includes(p.customerRef) && !toReverse.includes(p)).reduce((s, p) => s + p.amountMinor, 0);
    expect({ mismatches: report.mismatches, balanced: report.balanced, inFlight: report.inFlight }).toEqual({ mismatches: [], balanced: true, inFlight: 0 });
    expect([report.instructions, report.coreBookings, report.ledgerEntries]).toEqual([REMEDIES + toReverse.length, REMEDIES - closedCount + toReverse.length, REMEDIES - closedCount + toReverse.length]);
    expect(report.totals).toEqual({ ours: { CNY: expectedNet }, core: { CNY: expectedNet }, ledger: { CNY: expectedNet } });
    // The figure for the notes, not a threshold: remedies proposed, approved, paid and reconciled per second on this machine.
    console.log(`reconciliation run: ${REMEDIES} remedies (${toReverse.length} reversed, ${closedCount} refused) settled in ${seconds.toFixed(1)} s, ${(REMEDIES / seconds).toFixed(0)} remedies/s`);
  });
});
