import { randomBytes, randomUUID } from 'node:crypto';
import { Producer } from 'kafkajs';
import { CaseResponseIssued, EventDefinition, EventPayload, Events } from '@complaints/contracts';
import { FieldCipher } from '@complaints/platform';
import { eventually, quietKafka, testEnvelope } from '@complaints/testing';
import { receivedFrom } from './compensation-events';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

type RemedyType = NonNullable<CaseResponseIssued['remedy']>['type'];
type Decided = { type: RemedyType; amountMinor: number };
type Envelope = ReturnType<typeof testEnvelope>;

/** The platform's PII keys, given to compensation: it opens what investigation sealed with them (a reopening's reason). */
const PII = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}` };
const SEALER = FieldCipher.fromEnv(PII, { pseudonyms: false });
const REOPENING = '客户补充了新的交易流水，需重新核实';

/**
 * A case is decided again after a review (核查, a higher `reviewRound`) or a reopening (the same
 * round, issued later). Compensation can be handed an earlier decision, or the reopening that
 * preceded the latest decision, after that decision: a dead letter replayed (`npm run dlq --
 * replay`), a consumer group reset after the processed-event marks were pruned. Its event id is
 * new to the service, so the processed-event mark does not catch it. Here such events are
 * delivered after the later decision, with the real broker and database; and a decision issued
 * before a reopening, delivered after that reopening, which voided it.
 */
describe('compensation and decisions of earlier rounds', () => {
  let compensation: ServiceUnderTest;
  let producer: Producer;

  beforeAll(async () => {
    compensation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'compensation')!, {
      ...PII,
      // No payout runs: an approved remedy's payout instruction is queued and stays unsent, which is all these tests look at.
      PAYOUT_CHECK_INTERVAL_MS: '0',
    });
    producer = quietKafka('compensation-rounds-int').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await compensation?.stop();
  });

  /** Reads the service's own schema. */
  const sql = async <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> => {
    await compensation.pg.query(`SET search_path TO "${compensation.schema}"`);
    return (await compensation.pg.query(text, params)).rows as R[];
  };
  const envelopeOf = <D extends EventDefinition>(definition: D, complaintId: string, payload: EventPayload<D>, producedBy: string) =>
    testEnvelope(definition, complaintId, payload, producedBy, `rounds-${complaintId}`);
  const deliver = async (envelope: Envelope) => {
    const definition = Object.values(Events).find((d) => d.type === envelope.type && d.version === envelope.version)!;
    await producer.send({ topic: `${compensation.topicPrefix}${definition.topic}`, messages: [{ key: envelope.complaintId, value: JSON.stringify(envelope) }] });
  };
  const handled = (envelope: Envelope) =>
    eventually(async () => (await sql<{ outcome: string }>(`SELECT outcome FROM processed_events WHERE event_id = $1`, [envelope.eventId]))[0]?.outcome === 'handled' || null, {
      what: `${envelope.type} ${envelope.eventId} to be handled`,
    });
  const deliverHandled = async (envelope: Envelope) => {
    await deliver(envelope);
    await handled(envelope);
  };
  /** So that what is made next is stamped strictly later than `instant`, as investigation's next step on the case is. */
  const after = (instant: string) => eventually(() => Date.now() > Date.parse(instant) || null, { what: `a moment after ${instant}` });

  /** A complaint whose customer compensation knows, and how investigation would announce its case's decisions and reopenings. */
  async function complaint() {
    const complaintId = randomUUID();
    const caseId = randomUUID();
    const ticketNumber = `CMP-20261207-${randomBytes(4).toString('hex')}`;
    const received = receivedFrom(`CUST-${randomUUID()}`, ticketNumber);
    await deliverHandled(envelopeOf(Events.ComplaintReceived, complaintId, received, 'intake'));
    const decision = (reviewRound: number, remedy: Decided | null, decidedBy = `inv-${reviewRound}`) =>
      envelopeOf(
        Events.CaseResponseIssued,
        complaintId,
        {
          caseId,
          ticketNumber,
          reviewRound,
          outcome: 'upheld',
          explanation: SEALER.encrypt('合作银行接口故障导致延误'),
          liability: 'bank',
          rootCause: 'third-party',
          actions: ['compensation'],
          remedy: remedy ? { type: remedy.type, amount: { amountMinor: remedy.amountMinor, currency: 'CNY' } } : null,
          decidedBy,
          approvedBy: null,
          issuedAt: new Date().toISOString(),
          rights: { reviewBy: null, escalateTo: [] },
        },
        'investigation',
      );
    const reopening = () => envelopeOf(Events.CaseReopened, complaintId, { caseId, reason: SEALER.encrypt(REOPENING), reopenedBy: 'sup-1' }, 'investigation');
    return { complaintId, caseId, decision, reopening };
  }

  const statusesOf = async (caseId: string) =>
    (await sql<{ status: string; amount_minor: string }>(`SELECT status, amount_minor FROM remedies WHERE case_id = $1 ORDER BY proposed_at`, [caseId])).map((r) => [r.status, Number(r.amount_minor)]);
  const remedyEventsOf = async (complaintId: string) =>
    (await sql<{ e: { type: string; payload: { amount?: { amountMinor: number } } } }>(`SELECT convert_from(value, 'UTF8')::jsonb AS e FROM outbox WHERE message_key = $1 ORDER BY seq`, [complaintId]))
      .map((r) => r.e)
      .filter((e) => e.type.startsWith('remedy.'))
      .map((e) => [e.type, e.payload.amount?.amountMinor]);
  const payoutsOf = (caseId: string) => sql(`SELECT p.kind, p.status FROM payouts p JOIN remedies r ON r.id = p.remedy_id WHERE r.case_id = $1 ORDER BY p.created_at`, [caseId]);

  it('neither amends nor pays the review’s remedy for a decision of an earlier round delivered after it', async () => {
    const { complaintId, caseId, decision } = await complaint();
    // Issued first; in the story it was dead-lettered, and the review decided before its replay.
    const first = decision(0, { type: 'fee-refund', amountMinor: 150_00 });
    await after(first.payload.issuedAt as string);
    await deliverHandled(decision(1, { type: 'fee-refund', amountMinor: 1_500_00 }, 'rev-1'));
    expect(await statusesOf(caseId)).toEqual([['proposed', 1_500_00]]);

    await deliverHandled(first);
    expect(await statusesOf(caseId)).toEqual([['proposed', 1_500_00]]);
    expect(await payoutsOf(caseId)).toEqual([]);
    expect(await remedyEventsOf(complaintId)).toEqual([['remedy.proposed', 1_500_00]]);
  });

  it('leaves the review’s top-up waiting when the granted decision of an earlier round arrives again after it', async () => {
    const { complaintId, caseId, decision } = await complaint();
    const first = decision(0, { type: 'fee-refund', amountMinor: 150_00 });
    await deliverHandled(first);
    expect(await statusesOf(caseId)).toEqual([['approved', 150_00]]);
    await after(first.payload.issuedAt as string);
    await deliverHandled(decision(1, { type: 'fee-refund', amountMinor: 1_500_00 }, 'rev-1'));

    // The same decision as a new record: what a replay looks like once its processed-event mark was pruned.
    await deliverHandled({ ...first, eventId: randomUUID() });
    expect(await statusesOf(caseId)).toEqual([
      ['approved', 150_00],
      ['proposed', 1_350_00],
    ]);
    expect(await remedyEventsOf(complaintId)).toEqual([
      ['remedy.proposed', 150_00],
      ['remedy.approved', 150_00],
      ['remedy.proposed', 1_350_00],
    ]);
  });

  it('keeps the decision made after a reopening when the decision before it, of the same round, arrives later', async () => {
    const { complaintId, caseId, decision } = await complaint();
    const beforeReopening = decision(0, { type: 'fee-refund', amountMinor: 1_000_00 });
    await after(beforeReopening.payload.issuedAt as string);
    await deliverHandled(decision(0, { type: 'fee-refund', amountMinor: 1_200_00 }, 'inv-2'));

    await deliverHandled(beforeReopening);
    expect(await statusesOf(caseId)).toEqual([['proposed', 1_200_00]]);
    expect(await remedyEventsOf(complaintId)).toEqual([['remedy.proposed', 1_200_00]]);
  });

  it('withdraws nothing of the decision that followed a reopening delivered late, and withdraws on a reopening after it', async () => {
    const { complaintId, caseId, decision, reopening } = await complaint();
    await deliverHandled(decision(0, { type: 'fee-refund', amountMinor: 1_000_00 }));
    // The reopening was dead-lettered; the case was decided afresh before its replay.
    const late = reopening();
    await after(late.occurredAt);
    await deliverHandled(decision(0, { type: 'fee-refund', amountMinor: 1_200_00 }, 'inv-2'));
    expect(await statusesOf(caseId)).toEqual([['proposed', 1_200_00]]);

    await deliverHandled(late);
    expect(await statusesOf(caseId)).toEqual([['proposed', 1_200_00]]);
    expect(await remedyEventsOf(complaintId)).toEqual([
      ['remedy.proposed', 1_000_00],
      ['remedy.proposed', 1_200_00],
    ]);

    await deliverHandled(reopening());
    expect(await statusesOf(caseId)).toEqual([['withdrawn', 1_200_00]]);
  });

  it('neither proposes nor pays a decision issued before a reopening that reached compensation first', async () => {
    const { complaintId, caseId, decision, reopening } = await complaint();
    // Issued, then dead-lettered here; the case was reopened, and the reopening was handled before the replay.
    const voided = decision(0, { type: 'fee-refund', amountMinor: 150_00 });
    await after(voided.payload.issuedAt as string);
    const reopened = reopening();
    await deliverHandled(reopened);

    await deliverHandled(voided);
    expect(await statusesOf(caseId)).toEqual([]);
    expect(await payoutsOf(caseId)).toEqual([]);
    expect(await remedyEventsOf(complaintId)).toEqual([]);

    // The decision the reopening led to is acted on as ever.
    await after(reopened.occurredAt);
    await deliverHandled(decision(0, { type: 'fee-refund', amountMinor: 120_00 }, 'inv-2'));
    expect(await statusesOf(caseId)).toEqual([['approved', 120_00]]);
    expect(await payoutsOf(caseId)).toEqual([{ kind: 'payout', status: 'pending' }]);
  });

  it('pays nothing again when a decision the reopening withdrew is replayed after it', async () => {
    const { complaintId, caseId, decision, reopening } = await complaint();
    const first = decision(0, { type: 'fee-refund', amountMinor: 150_00 });
    await deliverHandled(first);
    expect(await statusesOf(caseId)).toEqual([['approved', 150_00]]);
    await after(first.payload.issuedAt as string);
    await deliverHandled(reopening());
    expect(await statusesOf(caseId)).toEqual([['withdrawn', 150_00]]);

    // The same decision as a new record, once its processed-event mark was pruned.
    await deliverHandled({ ...first, eventId: randomUUID() });
    expect(await statusesOf(caseId)).toEqual([['withdrawn', 150_00]]);
    expect(await payoutsOf(caseId)).toEqual([{ kind: 'payout', status: 'cancelled' }]);
    expect(await remedyEventsOf(complaintId)).toEqual([
      ['remedy.proposed', 150_00],
      ['remedy.approved', 150_00],
      ['remedy.withdrawn', 150_00],
    ]);
  });
});
