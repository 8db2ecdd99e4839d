import { randomBytes, randomUUID } from 'node:crypto';
import { Producer } from 'kafkajs';
import { ComplaintReceived, EventDefinition, EventEnvelope, EventPayload, Events } from '@complaints/contracts';
import { DeadlineClock } from '@complaints/domain';
import { FieldCipher } from '@complaints/platform';
import { collectTopic, eventually } from '@complaints/testing';
import { DeadlineWatch } from '../../apps/triage/src/deadlines/deadline-watch';
import { receivedComplaints, startWatchedTriage } from './triage-events';
import { ServiceUnderTest } from './services-in-process';

jest.setTimeout(180_000);

const DAY = 86_400_000;
const MINUTE = 60_000;
/** Intake seals the officer's reason; triage never opens it. */
const SEALED_REASON = FieldCipher.fromEnv({ PII_KEYS: `t9:${randomBytes(32).toString('base64')}` }, { pseudonyms: false }).encrypt('监管同意延期，钱七补充材料待核实');

/**
 * complaint.referral-deadline-changed in triage, a running service with the real broker and
 * Postgres: the decision keeps the regulator's new deadline, the binding due date moves either way
 * (published as deadline.clock-changed `referral-bound`), and the deadline watch warns and breaches
 * on the new date. The watch is moved by hand (`DeadlineWatch.tick(now)`).
 */
describe("triage: a regulator's referral deadline that the regulator moved", () => {
  let service: ServiceUnderTest;
  let watch: DeadlineWatch;
  let producer: Producer;
  let out: Awaited<ReturnType<typeof collectTopic>>;

  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ service, watch, producer, out, stop } = await startWatchedTriage('triage-referral-deadline-int'));
  });

  afterAll(async () => {
    await stop?.();
  });

  const send = async <D extends EventDefinition>(definition: D, complaintId: string, payload: EventPayload<D>, occurredAt = new Date()) => {
    const value = JSON.stringify({
      eventId: randomUUID(),
      type: definition.type,
      version: definition.version,
      occurredAt: occurredAt.toISOString(),
      complaintId,
      correlationId: `triage-referral-deadline-int-${complaintId}`,
      causationId: null,
      producer: 'intake',
      payload,
    });
    await producer.send({ topic: `${service.topicPrefix}${definition.topic}`, messages: [{ key: complaintId, value }] });
  };
  const eventsOf = (type: string, complaintId: string) =>
    out.messages.map((m) => JSON.parse(m.value!.toString('utf8')) as EventEnvelope<Record<string, unknown>>).filter((e) => e.type === type && e.complaintId === complaintId);
  const eventOf = (type: string, complaintId: string) => eventually(async () => eventsOf(type, complaintId)[0], { what: `${type} for ${complaintId}`, timeoutMs: 30_000 });
  const referralBound = (complaintId: string, count: number) =>
    eventually(async () => {
      const bound = eventsOf('deadline.clock-changed', complaintId).filter((e) => e.payload.change === 'referral-bound');
      return bound.length >= count ? bound : null;
    }, { what: `${count} referral-bound for ${complaintId}`, timeoutMs: 30_000 });
  const row = async (complaintId: string) => {
    const { rows } = await service.pg.query(`SELECT * FROM "${service.schema}".triage_decisions WHERE complaint_id = $1`, [complaintId]);
    return rows[0] as (Record<string, unknown> & { clock: DeadlineClock; reasons: string[]; warnings_raised: number[] }) | undefined;
  };
  const iso = (v: unknown) => new Date(v as string).toISOString();
  const regulatorDeadlineIs = (complaintId: string, deadline: string) =>
    eventually(async () => {
      const r = await row(complaintId);
      return r && r.regulator_deadline && iso(r.regulator_deadline) === deadline ? r : null;
    }, { what: `the regulator's deadline ${deadline} on ${complaintId}`, timeoutMs: 30_000 });

  const { received, issued } = receivedComplaints('20261208');
  const referral = (deadline: string, over: Partial<ComplaintReceived> = {}) =>
    received({ channel: 'regulator', regulatorReferral: { body: 'nfra', caseNumber: `NFRA-2026-${issued() + 500}`, deadline }, ...over });
  const moved = (ticketNumber: string, previousDeadline: string | null, deadline: string, reference = '金监消保函〔2026〕88号') => ({
    ticketNumber,
    body: 'nfra',
    caseNumber: 'NFRA-2026-0500',
    previousDeadline,
    deadline,
    reference,
    reason: SEALED_REASON,
    changedBy: 'compliance-officer-9',
  });

  it('while the clock is paused, the moved deadline is kept and shown only once the clock resumes, never as the paused clock\'s old date', async () => {
    const id = randomUUID();
    const deadline = new Date(Date.now() + 4 * DAY).toISOString();
    await send(Events.ComplaintReceived, id, referral(deadline));
    const triaged = await eventOf('complaint.triaged', id);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${await service.issuer.token('investigator', { subject: 'investigator-7' })}` };
    const changeClock = (body: Record<string, unknown>) => fetch(`${service.baseUrl}/v1/triage/complaints/${id}/clock`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect((await changeClock({ action: 'pause', pauseReason: 'external-appraisal', reason: '等待外部鉴定' })).status).toBe(201);

    const later = new Date(Date.now() + 40 * DAY).toISOString();
    await send(Events.ComplaintReferralDeadlineChanged, id, moved(triaged.payload.ticketNumber as string, deadline, later));
    await regulatorDeadlineIs(id, later);
    expect((await changeClock({ action: 'resume', reason: '鉴定结果已到' })).status).toBe(201);
    const resumed = await eventually(async () => eventsOf('deadline.clock-changed', id).find((e) => e.payload.change === 'resumed'), { what: 'the resume', timeoutMs: 30_000 });
    // Triage's events of a complaint arrive in the order it committed them: nothing between the pause and the resume.
    expect(eventsOf('deadline.clock-changed', id).map((e) => e.payload.change)).toEqual(['paused', 'resumed']);
    const decision = (await row(id))!;
    expect(resumed.payload.responseDueBy).toBe(iso(decision.response_due_by));
    expect(resumed.payload.responseDueBy).toBe(new Date(Math.min(Date.parse(decision.clock.dueBy), Date.parse(later))).toISOString());
  });

  it("more time granted past the regime's date: the regime's clock binds again, old warnings are forgotten, and no breach on the old date", async () => {
    const id = randomUUID();
    const deadline = new Date(Date.now() + 4 * DAY).toISOString();
    await send(Events.ComplaintReceived, id, referral(deadline));
    const triaged = await eventOf('complaint.triaged', id);
    expect(triaged.payload.responseDueBy).toBe(deadline);
    const start = Date.parse((await row(id))!.clock.startedAt);
    await watch.tick(new Date(start + 0.8 * (Date.parse(deadline) - start)));
    await eventually(async () => (eventsOf('deadline.warning', id).length >= 2 ? true : null), { what: 'two warnings' });

    const later = new Date(Date.now() + 40 * DAY).toISOString();
    await send(Events.ComplaintReferralDeadlineChanged, id, moved(triaged.payload.ticketNumber as string, deadline, later));
    const [bound] = await referralBound(id, 1);
    const decision = (await regulatorDeadlineIs(id, later))!;
    const regimeDue = decision.clock.dueBy;
    expect({ version: bound.version, payload: bound.payload }).toEqual({
      version: 3,
      payload: {
        ticketNumber: triaged.payload.ticketNumber,
        change: 'referral-bound',
        period: 'standard',
        reason: `the regulator's deadline moved to ${later} from ${deadline} (nfra NFRA-2026-0500, reference 金监消保函〔2026〕88号)`,
        responseDueBy: regimeDue,
        actor: 'compliance-officer-9',
        staffReason: null,
      },
    });
    expect(iso(decision.response_due_by)).toBe(regimeDue);
    expect(decision.reasons).toContain(bound.payload.reason);
    // Measured against the regime's date now, hardly any time is used: the warnings go, to be raised again.
    expect(decision.warnings_raised).toEqual([]);

    await watch.tick(new Date(Date.parse(deadline) + MINUTE));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(eventsOf('deadline.breached', id)).toEqual([]);
    await watch.tick(new Date(Date.parse(regimeDue) + MINUTE));
    const breached = await eventOf('deadline.breached', id);
    expect(breached.payload.responseDueBy).toBe(regimeDue);
  });

  it('a shorter deadline binds at once, and the watch warns and breaches on it', async () => {
    const id = randomUUID();
    const first = new Date(Date.now() + 40 * DAY).toISOString();
    await send(Events.ComplaintReceived, id, referral(first));
    const triaged = await eventOf('complaint.triaged', id);
    const regimeDue = (await row(id))!.clock.dueBy;
    expect(triaged.payload.responseDueBy).toBe(regimeDue);

    const shorter = new Date(Date.now() + 3 * DAY).toISOString();
    await send(Events.ComplaintReferralDeadlineChanged, id, moved(triaged.payload.ticketNumber as string, first, shorter, 'NFRA-2026-0042'));
    const [bound] = await referralBound(id, 1);
    expect(bound.payload).toMatchObject({ change: 'referral-bound', responseDueBy: shorter, staffReason: null });
    const decision = (await regulatorDeadlineIs(id, shorter))!;
    expect(iso(decision.response_due_by)).toBe(shorter);
    expect(Date.parse(iso(decision.next_check_at))).toBeLessThanOrEqual(Date.parse(shorter) + 1);

    const start = Date.parse(decision.clock.startedAt);
    await watch.tick(new Date(start + 0.8 * (Date.parse(shorter) - start)));
    const warned = await eventually(async () => (eventsOf('deadline.warning', id).length >= 2 ? eventsOf('deadline.warning', id) : null), { what: 'two warnings' });
    for (const w of warned) expect(w.payload.responseDueBy).toBe(shorter);
    await watch.tick(new Date(Date.parse(shorter) + MINUTE));
    expect((await eventOf('deadline.breached', id)).payload.responseDueBy).toBe(shorter);

    // The same change delivered again (a replay with a new id) moves nothing and publishes nothing.
    await send(Events.ComplaintReferralDeadlineChanged, id, moved(triaged.payload.ticketNumber as string, first, shorter, 'NFRA-2026-0042'));
    await new Promise((r) => setTimeout(r, 2_000));
    expect(eventsOf('deadline.clock-changed', id)).toHaveLength(1);
  });

  it('a later deadline still before the regime’s own: the new deadline binds', async () => {
    const id = randomUUID();
    const deadline = new Date(Date.now() + 3 * DAY).toISOString();
    await send(Events.ComplaintReceived, id, referral(deadline));
    const triaged = await eventOf('complaint.triaged', id);
    const later = new Date(Date.now() + 6 * DAY).toISOString();
    await send(Events.ComplaintReferralDeadlineChanged, id, moved(triaged.payload.ticketNumber as string, deadline, later));
    const [bound] = await referralBound(id, 1);
    expect(bound.payload.responseDueBy).toBe(later);
    expect(iso((await regulatorDeadlineIs(id, later))!.response_due_by)).toBe(later);
  });

  it('a merged referral moved earlier binds the earlier complaint it was merged into; moved later, it leaves that date', async () => {
    const customerRef = `cust_${randomUUID()}`;
    const first = randomUUID();
    const referred = randomUUID();
    await send(Events.ComplaintReceived, first, received({ customerRef, summary: '我上周五通过手机银行向他行转账五万元，至今没有到账，客服说是对方银行接口故障，请尽快处理', receivedAt: new Date(Date.now() - 8 * DAY).toISOString() }));
    const firstTriaged = await eventOf('complaint.triaged', first);
    const deadline = new Date(Date.now() + 4 * DAY).toISOString();
    await send(Events.ComplaintReceived, referred, referral(deadline, { customerRef, summary: '上周五手机银行跨行转账五万元一直没到账，客服说对方银行接口故障，到现在还没处理' }));
    const p = (await eventOf('complaint.triaged', referred)).payload;
    expect(p.repeatOf).toMatchObject({ complaintId: first });
    await referralBound(first, 1);

    const earlier = new Date(Date.now() + 2 * DAY).toISOString();
    await send(Events.ComplaintReferralDeadlineChanged, referred, moved(p.ticketNumber as string, deadline, earlier));
    const bound = await referralBound(first, 2);
    expect(bound[1].payload).toMatchObject({ ticketNumber: firstTriaged.payload.ticketNumber, change: 'referral-bound', responseDueBy: earlier });
    expect(iso((await regulatorDeadlineIs(first, earlier))!.response_due_by)).toBe(earlier);
    await regulatorDeadlineIs(referred, earlier);
    expect(eventsOf('deadline.clock-changed', referred)).toEqual([]);

    const muchLater = new Date(Date.now() + 30 * DAY).toISOString();
    await send(Events.ComplaintReferralDeadlineChanged, referred, moved(p.ticketNumber as string, earlier, muchLater));
    await regulatorDeadlineIs(referred, muchLater);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(iso((await row(first))!.regulator_deadline)).toBe(earlier);
    expect(eventsOf('deadline.clock-changed', first).filter((e) => e.payload.change === 'referral-bound')).toHaveLength(2);
  });

  it('an older change delivered after a later one (a dead letter replayed late) is noted and not applied: the later deadline stands', async () => {
    const id = randomUUID();
    const deadline = new Date(Date.now() + 4 * DAY).toISOString();
    await send(Events.ComplaintReceived, id, referral(deadline));
    const triaged = await eventOf('complaint.triaged', id);
    const ticketNumber = triaged.payload.ticketNumber as string;
    // Recorded by intake in this order: first three days more, then back to two days from now.
    const firstChange = new Date(Date.now() + 7 * DAY).toISOString();
    const secondChange = new Date(Date.now() + 2 * DAY).toISOString();
    const firstRecorded = new Date(Date.now() - 10 * MINUTE);
    const secondRecorded = new Date(Date.now() - 5 * MINUTE);
    await send(Events.ComplaintReferralDeadlineChanged, id, moved(ticketNumber, firstChange, secondChange, 'NFRA-2026-0077'), secondRecorded);
    await referralBound(id, 1);
    await send(Events.ComplaintReferralDeadlineChanged, id, moved(ticketNumber, deadline, firstChange, 'NFRA-2026-0066'), firstRecorded);
    const noted = await eventually(async () => {
      const r = await row(id);
      return r?.reasons.some((reason) => reason.includes('NFRA-2026-0066')) ? r : null;
    }, { what: 'the late change noted', timeoutMs: 30_000 });
    expect(iso(noted.regulator_deadline)).toBe(secondChange);
    expect(iso(noted.response_due_by)).toBe(secondChange);
    expect(noted.reasons.at(-1)).toBe(
      `the regulator's deadline change to ${firstChange} (reference NFRA-2026-0066, recorded ${firstRecorded.toISOString()}) arrived after the later one of ${secondRecorded.toISOString()} and was not applied`,
    );
    expect(eventsOf('deadline.clock-changed', id).filter((e) => e.payload.change === 'referral-bound').map((e) => e.payload.responseDueBy)).toEqual([secondChange]);
  });
});

