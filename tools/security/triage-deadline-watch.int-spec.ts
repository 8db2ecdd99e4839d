import { randomUUID } from 'node:crypto';
import { Producer } from 'kafkajs';
import { ComplaintReceived, EventDefinition, EventEnvelope, EventPayload, Events, Role, TOPICS } from '@complaints/contracts';
import { DeadlineClock } from '@complaints/domain';
import { collectTopic, eventually, quietKafka } from '@complaints/testing';
import { DeadlineWatch } from '../../apps/triage/src/deadlines/deadline-watch';
import { receivedComplaints, startWatchedTriage, WATCHED_TRIAGE_ENV } from './triage-events';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(180_000);

const triage = ALL_SERVICES.find((d) => d.name === 'triage')!;
const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * Triage's deadline watch and incident detection as a running service, with the real broker and
 * Postgres. The watch does not tick on its own here: each test moves it to the moment it means
 * (`DeadlineWatch.tick(now)`), so what happens days ahead is seen now.
 */
describe('triage: the deadline watch over time, clock changes in any order, and incidents that end', () => {
  let service: ServiceUnderTest;
  let watch: DeadlineWatch;
  let producer: Producer;
  let out: Awaited<ReturnType<typeof collectTopic>>;

  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ service, watch, producer, out, stop } = await startWatchedTriage('triage-watch-int'));
  });

  afterAll(async () => {
    await stop?.();
  });

  const recordOf = <D extends EventDefinition>(definition: D, complaintId: string, payload: EventPayload<D>, occurredAt = new Date()) => ({
    key: complaintId,
    value: JSON.stringify({
      eventId: randomUUID(),
      type: definition.type,
      version: definition.version,
      occurredAt: occurredAt.toISOString(),
      complaintId,
      correlationId: `triage-watch-int-${complaintId}`,
      causationId: null,
      producer: definition.topic === TOPICS.investigation ? 'investigation' : 'intake',
      payload,
    }),
  });
  const send = async <D extends EventDefinition>(to: ServiceUnderTest, definition: D, complaintId: string, payload: EventPayload<D>, occurredAt = new Date()) => {
    await producer.send({ topic: `${to.topicPrefix}${definition.topic}`, messages: [recordOf(definition, complaintId, payload, occurredAt)] });
  };
  const eventsOut = (messages = out.messages) => messages.map((m) => JSON.parse(m.value!.toString('utf8')) as EventEnvelope<Record<string, unknown>>);
  const eventsOf = (type: string, complaintId: string, messages = out.messages) => eventsOut(messages).filter((e) => e.type === type && e.complaintId === complaintId);
  const eventOf = (type: string, complaintId: string, messages = out.messages) =>
    eventually(async () => eventsOf(type, complaintId, messages)[0], { what: `${type} for ${complaintId}`, timeoutMs: 30_000 });
  const clockChange = (complaintId: string, change: string) =>
    eventually(async () => eventsOf('deadline.clock-changed', complaintId).find((e) => e.payload.change === change), { what: `the clock of ${complaintId} ${change}`, timeoutMs: 30_000 });

  const { received, issued } = receivedComplaints('20261207');
  const referral = (deadline: string, over: Partial<ComplaintReceived> = {}) =>
    received({ channel: 'regulator', regulatorReferral: { body: 'NFRA', caseNumber: `NFRA-2026-${issued() + 100}`, deadline }, ...over });

  const row = async (complaintId: string, on = service) => {
    const { rows } = await on.pg.query(`SELECT * FROM "${on.schema}".triage_decisions WHERE complaint_id = $1`, [complaintId]);
    return rows[0] as (Record<string, unknown> & { clock: DeadlineClock }) | undefined;
  };
  const decided = (complaintId: string, on = service) => eventually(() => row(complaintId, on), { what: `the triage decision of ${complaintId}`, timeoutMs: 30_000 });
  const iso = (v: unknown) => new Date(v as string).toISOString();

  const as = async (role: Role) => ({ authorization: `Bearer ${await service.issuer.token(role, { subject: `${role}-7` })}` });
  const changeClock = async (complaintId: string, body: Record<string, unknown>, role: Role = 'investigator') => {
    const res = await fetch(`${service.baseUrl}/v1/triage/complaints/${complaintId}/clock`, { method: 'POST', headers: { 'content-type': 'application/json', ...(await as(role)) }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return res.json();
  };
  /** The moment a share of a running clock's own period is used (no pauses). */
  const atShareOf = (clock: DeadlineClock, share: number) => new Date(Date.parse(clock.startedAt) + share * (Date.parse(clock.dueBy) - Date.parse(clock.startedAt)));
  const warningsOf = (complaintId: string) => eventsOf('deadline.warning', complaintId).map((e) => e.payload.threshold);

  describe("a regulator's deadline", () => {
    it("warns before a referral's deadline well before the regime's, measured against the binding date, and breaches it", async () => {
      const id = randomUUID();
      const deadline = new Date(Date.now() + 4 * DAY).toISOString();
      await send(service, Events.ComplaintReceived, id, referral(deadline));
      await eventOf('complaint.triaged', id);
      const start = Date.parse((await decided(id))!.clock.startedAt);
      // 80% of the way to the regulator's date, about a fifth of the regime's 15 days.
      await watch.tick(new Date(start + 0.8 * (Date.parse(deadline) - start)));
      const warned = await eventually(async () => (eventsOf('deadline.warning', id).length >= 2 ? eventsOf('deadline.warning', id) : null), { what: 'two warnings', timeoutMs: 15_000 });
      expect(warned.map((e) => e.payload.threshold)).toEqual([0.5, 0.75]);
      for (const w of warned) expect(w.payload.responseDueBy).toBe(deadline);
      expect(eventsOf('deadline.breached', id)).toEqual([]);

      await watch.tick(new Date(Date.parse(deadline) + MINUTE));
      const breached = await eventOf('deadline.breached', id);
      expect(breached.payload.responseDueBy).toBe(deadline);
      expect(await eventually(async () => (warningsOf(id).length === 3 ? warningsOf(id) : null), { what: 'the third warning' })).toEqual([0.5, 0.75, 0.9]);
    });

    it('is watched while the clock is paused: breached on the day, not when the clock resumes', async () => {
      const id = randomUUID();
      const deadline = new Date(Date.now() + DAY).toISOString();
      await send(service, Events.ComplaintReceived, id, referral(deadline, { receivedAt: new Date(Date.now() - 3 * DAY).toISOString() }));
      await eventOf('complaint.triaged', id);
      await changeClock(id, { action: 'pause', pauseReason: 'external-appraisal', reason: '等待外部鉴定' });
      expect((await row(id))!.next_check_at).not.toBeNull();

      const dayAfter = new Date(Date.parse(deadline) + 60 * MINUTE);
      await watch.tick(dayAfter);
      const breached = await eventOf('deadline.breached', id);
      expect(breached.payload).toMatchObject({ responseDueBy: deadline, detectedAt: dayAfter.toISOString() });
      expect(((await row(id))!.clock as DeadlineClock).state).toBe('paused');

      await changeClock(id, { action: 'resume', reason: '鉴定完成' });
      await watch.tick(new Date(Date.parse(deadline) + 2 * DAY));
      await new Promise((r) => setTimeout(r, 1_000));
      expect(eventsOf('deadline.breached', id)).toHaveLength(1);
    });

    it('a referral answered while paused, after its deadline, is still breached', async () => {
      const id = randomUUID();
      // The regulator's date passed before the watch looked; the clock is paused and then the answer goes out.
      const deadline = new Date(Date.now() - 2 * 60 * MINUTE).toISOString();
      await send(service, Events.ComplaintReceived, id, referral(deadline, { receivedAt: new Date(Date.now() - 5 * DAY).toISOString() }));
      const triaged = await eventOf('complaint.triaged', id);
      await changeClock(id, { action: 'pause', pauseReason: 'awaiting-customer', reason: '等待客户材料' });
      await send(service, Events.CaseResponseIssuedV1, id, {
        caseId: randomUUID(),
        ticketNumber: triaged.payload.ticketNumber as string,
        reviewRound: 0,
        outcome: 'upheld',
        explanation: '已退还',
        liability: 'bank',
        rootCause: 'system',
        actions: ['correction'],
        remedy: null,
        decidedBy: 'investigator-7',
        approvedBy: null,
        issuedAt: new Date().toISOString(),
        rights: { reviewBy: new Date(Date.now() + 30 * DAY).toISOString(), escalateTo: [] },
      });
      await clockChange(id, 'stopped');
      await watch.tick(new Date());
      const breached = await eventOf('deadline.breached', id);
      expect(breached.payload.responseDueBy).toBe(deadline);
      expect((await row(id))!.next_check_at).toBeNull();
    });

    it("binds the earlier complaint when a referral is merged into it, which the watch then breaches on the regulator's date", async () => {
      const customerRef = `cust_${randomUUID()}`;
      const first = randomUUID();
      const referred = randomUUID();
      // Customer R complained on day 0; on day 8 the regulator refers R's complaint on the same matter, due day 12.
      await send(service, Events.ComplaintReceived, first, received({ customerRef, summary: '我上周五通过手机银行向他行转账五万元，至今没有到账，客服说是对方银行接口故障，请尽快处理', receivedAt: new Date(Date.now() - 8 * DAY).toISOString() }));
      const firstTriaged = await eventOf('complaint.triaged', first);
      const deadline = new Date(Date.now() + 4 * DAY).toISOString();
      expect(Date.parse(firstTriaged.payload.responseDueBy as string)).toBeGreaterThan(Date.parse(deadline));
      await send(service, Events.ComplaintReceived, referred, referral(deadline, { customerRef, summary: '上周五手机银行跨行转账五万元一直没到账，客服说对方银行接口故障，到现在还没处理' }));
      const p = (await eventOf('complaint.triaged', referred)).payload;
      expect(p.repeatOf).toMatchObject({ complaintId: first });
      expect(p.responseDueBy).toBe(deadline);
      expect((p.reasons as string[]).some((r) => r.startsWith('merged with '))).toBe(true);
      expect((await row(referred))!.next_check_at).toBeNull();

      const earlier = (await row(first))!;
      expect(iso(earlier.regulator_deadline)).toBe(deadline);
      expect(iso(earlier.response_due_by)).toBe(deadline);
      expect(Date.parse(iso(earlier.next_check_at))).toBeLessThanOrEqual(Date.parse(deadline) + 1);
      expect(earlier.reasons).toContain(`due by the regulator's deadline ${deadline} of ${p.ticketNumber}, merged with it`);
      // Intake and investigation learn the earlier complaint's new date: the event names the earlier complaint, once.
      const bound = await clockChange(first, 'referral-bound');
      expect({ version: bound.version, payload: bound.payload }).toEqual({
        version: 3,
        payload: { ticketNumber: firstTriaged.payload.ticketNumber, change: 'referral-bound', period: 'standard', reason: `due by the regulator's deadline ${deadline} of ${p.ticketNumber}, merged with it`, responseDueBy: deadline, actor: null, staffReason: null },
      });
      expect(eventsOf('deadline.clock-changed', referred)).toEqual([]);

      await watch.tick(new Date(Date.parse(deadline) + 60 * MINUTE));
      const breached = await eventOf('deadline.breached', first);
      expect(breached.payload.responseDueBy).toBe(deadline);
    });
  });

  describe('clock changes from events of different services, handled in either order', () => {
    it('a withdrawal dated before an extension handled first still stops the clock', async () => {
      const id = randomUUID();
      await send(service, Events.ComplaintReceived, id, received({ receivedAt: new Date(Date.now() - 3 * DAY).toISOString() }));
      const triaged = await eventOf('complaint.triaged', id);
      const withdrawnAt = new Date();
      // Investigation's extension at 10:00:05 is handled before intake's withdrawal at 10:00:00.
      await send(service, Events.CaseExtensionDecidedV1, id, { caseId: randomUUID(), requestId: randomUUID(), toPeriod: 'complex', decision: 'approved', decidedBy: 'approver-7', requestedBy: 'investigator-7', seniorApproval: false, reason: '需调取对方银行日志' }, new Date(withdrawnAt.getTime() + 5_000));
      const extended = await clockChange(id, 'extended');
      await send(service, Events.ComplaintWithdrawn, id, { ticketNumber: triaged.payload.ticketNumber as string, withdrawnAt: withdrawnAt.toISOString(), reason: null }, withdrawnAt);
      const stopped = await clockChange(id, 'stopped');
      expect(stopped.payload).toMatchObject({ reason: 'the customer withdrew the complaint', responseDueBy: null });
      const clock = (await row(id))!.clock;
      expect(clock.state).toBe('stopped');
      expect(clock.stoppedAt).toBe(clock.extensions[0].at);
      expect(Date.parse(clock.extensions[0].at)).toBe(withdrawnAt.getTime() + 5_000);
      expect(extended.payload.period).toBe('complex');
      // Stopped: nothing is watched, so no false breach follows.
      expect((await row(id))!.next_check_at).toBeNull();
    });

    it('an extension dated before new facts handled first is not lost', async () => {
      const id = randomUUID();
      await send(service, Events.ComplaintReceived, id, received({ receivedAt: new Date(Date.now() - 3 * DAY).toISOString() }));
      const triaged = await eventOf('complaint.triaged', id);
      const approvedAt = new Date();
      await send(service, Events.ComplaintSupplemented, id, { ticketNumber: triaged.payload.ticketNumber as string, summary: '补充：对方银行回单。', attachmentCount: 1 }, new Date(approvedAt.getTime() + 5_000));
      await clockChange(id, 'restarted');
      await send(service, Events.CaseExtensionDecidedV1, id, { caseId: randomUUID(), requestId: randomUUID(), toPeriod: 'complex', decision: 'approved', decidedBy: 'approver-7', requestedBy: 'investigator-7', seniorApproval: false, reason: '需调取对方银行日志' }, approvedAt);
      const extended = await clockChange(id, 'extended');
      expect(extended.payload.period).toBe('complex');
      const clock = (await row(id))!.clock;
      expect(clock.period).toBe('complex');
      expect(clock.extensions[0].at).toBe(clock.startedAt);
    });
  });

  describe('an extension and the warnings already raised', () => {
    const extendedAgain = async (id: string, extend: () => Promise<unknown>) => {
      await send(service, Events.ComplaintReceived, id, received({ receivedAt: new Date(Date.now() - 12 * DAY).toISOString() }));
      await eventOf('complaint.triaged', id);
      // 12 days into the 15 (a last day on a rest day rolls forward, so somewhat less): 0.5 at least is raised.
      await watch.tick(new Date());
      await eventually(async () => warningsOf(id).includes(0.5) || null, { what: 'the 0.5 warning' });
      const before = warningsOf(id);
      await extend();
      const after = (await row(id))!;
      expect(after.clock.period).toBe('complex');
      // 12 of 30 days: no warning is reached under the new period any more.
      expect(after.warnings_raised).toEqual([]);
      await watch.tick(atShareOf(after.clock, 0.6));
      const again = await eventually(async () => (warningsOf(id).length > before.length ? warningsOf(id).slice(before.length) : null), { what: 'a warning under the new period' });
      expect(again).toEqual([0.5]);
      expect(eventsOf('deadline.warning', id).at(-1)!.payload.responseDueBy).toBe(iso(after.response_due_by));
    };

    it('investigation extends: warnings are raised again before the new, later breach', async () => {
      const id = randomUUID();
      await extendedAgain(id, async () => {
        await send(service, Events.CaseExtensionDecidedV1, id, { caseId: randomUUID(), requestId: randomUUID(), toPeriod: 'complex', decision: 'approved', decidedBy: 'approver-7', requestedBy: 'investigator-7', seniorApproval: false, reason: '案情复杂' });
        await clockChange(id, 'extended');
      });
    });

    it('an approver extends over HTTP: the same', async () => {
      const id = randomUUID();
      await extendedAgain(id, () => changeClock(id, { action: 'extend', toPeriod: 'complex', reason: '案情复杂' }, 'approver'));
    });
  });

  describe('systemic incidents', () => {
    const transfers = [
      '今天上午通过手机银行跨行转账，显示成功但对方一直没收到，客服说是合作银行接口故障。',
      '跨行转账到他行账户至今未到账，手机银行显示已扣款，客服称对方银行系统接口出问题。',
      '下午向其他银行转账两万元，手机银行显示成功但对方没收到，客服说合作银行接口故障正在处理。',
      '通过手机银行跨行转账给家人，显示处理中一直不到账，听说是对方银行接口坏了。',
      '跨行转账没到账，客服说是对方银行的接口故障，已经等了半天。',
    ];

    it('an incident closes when the rate falls back: later complaints of its kind stand alone, one received while it was open still joins', async () => {
      // A service of its own: no other test's complaints in its windows.
      const own = await startInProcess(triage, WATCHED_TRIAGE_ENV);
      const ownOut = await collectTopic(quietKafka('triage-watch-int-incidents'), `${own.topicPrefix}${TOPICS.triage}`);
      try {
        const now = Date.now();
        const arrive = async (summary: string, minutesAgo: number) => {
          const id = randomUUID();
          await send(own, Events.ComplaintReceived, id, received({ summary, receivedAt: new Date(now - minutesAgo * MINUTE).toISOString() }));
          return id;
        };
        // Five customers within ten minutes, two hours ago: a spike.
        const burst: string[] = [];
        for (const [i, minutesAgo] of [130, 128, 126, 124, 122].entries()) burst.push(await arrive(transfers[i], minutesAgo));
        for (const id of burst) await decided(id, own);
        const raised = await eventually(async () => eventsOut(ownOut.messages).find((e) => e.type === 'incident.systemic-detected'), { what: 'the incident', timeoutMs: 30_000 });
        const incidentId = raised.payload.incidentId as string;
        expect((raised.payload.complaints as { complaintId: string }[]).map((c) => c.complaintId).sort()).toEqual([...burst].sort());

        // An hour later the kind comes at its usual rate: two in the hour before this one, not a spike.
        const usual = await arrive(transfers[0], 65);
        const usualRow = (await decided(usual, own))!;
        expect(usualRow.systemic_incident_id).toBeNull();
        expect((usualRow.reasons as string[]).some((r) => r.includes('member of systemic incident'))).toBe(false);
        const { rows: [incident] } = await own.pg.query(`SELECT closed_at, window_end FROM "${own.schema}".systemic_incidents WHERE id = $1`, [incidentId]);
        expect(iso(incident.closed_at)).toBe(new Date(now - 65 * MINUTE).toISOString());
        // The window did not move with the complaint that did not join.
        expect(iso(incident.window_end)).toBe(new Date(now - 122 * MINUTE).toISOString());

        const later = await arrive(transfers[1], 5);
        expect((await decided(later, own))!.systemic_incident_id).toBeNull();

        // One received in the burst but triaged only now was part of it, and joins the closed incident.
        const straggler = await arrive(transfers[2], 123);
        const stragglerRow = (await decided(straggler, own))!;
        expect(stragglerRow.systemic_incident_id).toBe(incidentId);
        expect(stragglerRow.reasons).toContain(`severity high: member of systemic incident ${incidentId}`);

        const { rows } = await own.pg.query(`SELECT count(*)::int AS n FROM "${own.schema}".systemic_incidents`);
        expect(rows[0].n).toBe(1);
        const shown = await fetch(`${own.baseUrl}/v1/triage/incidents/${incidentId}`, { headers: { authorization: `Bearer ${await own.issuer.token('triage-officer', { subject: 'triage-officer-7' })}` } });
        const body = (await shown.json()) as { complaintIds: string[]; closedAt: string | null };
        expect([...body.complaintIds].sort()).toEqual([...burst, straggler].sort());
        expect(body.closedAt).toBe(new Date(now - 65 * MINUTE).toISOString());
      } finally {
        await ownOut.stop();
        await own.stop();
      }
    });
  });
});
