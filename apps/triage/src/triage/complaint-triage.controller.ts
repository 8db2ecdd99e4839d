import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  CaseExtensionDecided,
  CaseResponseIssued,
  ComplaintReceived,
  ComplaintSupplemented,
  ComplaintWithdrawn,
  EventEnvelope,
  Events,
} from '@complaints/contracts';
import { bindingDueBy, DeadlineClock, extendClock, findRepeat, restartClock, startClock, stopClock, textSketch } from '@complaints/domain';
import { EventContext } from '@complaints/messaging';
import { DeadlineWatch } from '../deadlines/deadline-watch';
import { SystemicIncidents } from '../incidents/systemic-incidents';
import { TriageDecisionRecord } from './triage-decision.entity';
import { TRIAGE_POLICY, TriagePolicy } from './triage-policy';

/** Classifies, weighs and routes each new complaint, and keeps its deadline clock. */
@ApiExcludeController()
@Controller()
export class ComplaintTriage {
  constructor(
    @Inject(TRIAGE_POLICY) private readonly policy: TriagePolicy,
    private readonly incidents: SystemicIncidents,
  ) {}

  @EventPattern(Events.ComplaintReceived.pattern)
  async onComplaintReceived(@Payload() event: EventEnvelope<ComplaintReceived>, @Ctx() ctx: EventContext) {
    const received = event.payload;
    const receivedAt = new Date(received.receivedAt);
    const classified = this.policy.classify(received.summary, received.productHint);
    const sketch = textSketch(received.summary);

    const earlier = await ctx.manager
      .createQueryBuilder(TriageDecisionRecord, 'd')
      .where('d.customer_ref = :customerRef AND d.taxonomy = :taxonomy', { customerRef: received.customerRef, taxonomy: this.policy.taxonomy.id })
      .andWhere('d.received_at >= :from AND d.complaint_id <> :id', {
        from: new Date(receivedAt.getTime() - this.policy.repeatPolicy.windowDays * 86_400_000),
        id: event.complaintId,
      })
      .orderBy('d.received_at', 'DESC')
      .limit(50)
      .getMany();
    const repeat = findRepeat(
      { receivedAt, product: classified.product.code, category: classified.cause.code, sketch },
      earlier.map((d) => ({ complaintId: d.complaintId, ticketNumber: d.ticketNumber, receivedAt: d.receivedAt, product: d.product, category: d.category, sketch: d.textSketch })),
      this.policy.repeatPolicy,
    );
    const incident = await this.incidents.recordArrival(ctx, {
      complaintId: event.complaintId,
      ticketNumber: received.ticketNumber,
      receivedAt,
      product: classified.product,
      cause: classified.cause,
    });

    const assessment = this.policy.assess(classified, {
      text: received.summary,
      channel: received.channel,
      severity: {
        amountInDispute: received.amountInDispute,
        ageBand: received.vulnerability?.ageBand ?? null,
        declaredNeeds: received.vulnerability?.declaredNeeds ?? [],
        repeatOf: repeat ? repeat.of.ticketNumber : null,
        regulatorReferral: received.regulatorReferral ?? null,
        systemicIncidentId: incident?.id ?? null,
      },
    });

    const regime = this.policy.regime(received.regime);
    const earlierDecision = repeat ? earlier.find((d) => d.complaintId === repeat.of.complaintId) : undefined;
    const merged = !!earlierDecision && this.policy.mergeRepeats[regime.id] && earlierDecision.clock.state !== 'stopped';
    let clock: DeadlineClock = startClock({ regime, startedAt: receivedAt });
    const reasons = [...assessment.reasons];
    if (repeat) reasons.push(`repeat of ${repeat.of.ticketNumber}: ${repeat.reason}`);
    if (merged) {
      // CBIRC: a repeated complaint on the same matter is merged; it runs on the earlier clock.
      clock = stopClock(clock, receivedAt);
      reasons.push(`merged with ${repeat!.of.ticketNumber}: no new clock, due with it by ${earlierDecision!.responseDueBy.toISOString()}`);
    }
    const ownDueBy = merged ? earlierDecision!.responseDueBy : new Date(clock.dueBy);
    const referralDue = received.regulatorReferral?.deadline ? new Date(received.regulatorReferral.deadline) : null;
    const responseDueBy = bindingDueBy(ownDueBy, referralDue);
    if (referralDue && referralDue < ownDueBy) {
      reasons.push(`due by the regulator's deadline ${referralDue.toISOString()}, earlier than the regime's`);
    }

    const awaiting = assessment.needsTriageOfficer;
    await ctx.manager.insert(TriageDecisionRecord, {
      complaintId: event.complaintId,
      ticketNumber: received.ticketNumber,
      status: awaiting ? 'awaiting-triage-officer' : 'routed',
      taxonomy: assessment.taxonomy,
      product: assessment.product.code,
      category: assessment.cause.code,
      channel: received.channel,
      channelCode: assessment.channelCode,
      confidence: assessment.confidence,
      severity: assessment.severity,
      department: assessment.department,
      routingRule: assessment.routingRule,
      reasons,
      triagedBy: 'model',
      customerRef: received.customerRef,
      receivedAt,
      textSketch: sketch,
      repeatOf: repeat?.of.complaintId ?? null,
      systemicIncidentId: incident?.id ?? null,
      regime: regime.id,
      clockStartedAt: receivedAt,
      responseDueBy,
      regulatorDeadline: referralDue,
      clock,
      warningsRaised: [],
      breachedAt: null,
      nextCheckAt: merged ? null : DeadlineWatch.firstCheckAt(clock, this.policy.warnAtFractions, responseDueBy),
      decidedAt: new Date(),
    });

    if (awaiting) {
      await ctx.publish(Events.ComplaintTriageQueued, {
        ticketNumber: received.ticketNumber,
        taxonomy: assessment.taxonomy,
        suggestedProduct: assessment.product,
        suggestedCause: assessment.cause,
        confidence: assessment.confidence,
        minConfidence: this.policy.minConfidence,
        reasons: reasons.slice(0, 50),
        responseDueBy: responseDueBy.toISOString(),
      });
      return;
    }
    await ctx.publish(Events.ComplaintTriaged, {
      ticketNumber: received.ticketNumber,
      category: assessment.cause.code,
      severity: assessment.severity,
      department: assessment.department,
      routingRule: assessment.routingRule,
      reasons: reasons.slice(0, 50),
      regime: regime.id,
      responseDueBy: responseDueBy.toISOString(),
      taxonomy: assessment.taxonomy,
      product: assessment.product,
      cause: assessment.cause,
      channelCode: assessment.channelCode,
      confidence: assessment.confidence,
      triagedBy: 'model',
      repeatOf: repeat ? { complaintId: repeat.of.complaintId, ticketNumber: repeat.of.ticketNumber } : null,
      systemicIncidentId: incident?.id ?? null,
    });
  }

  /** New facts from the customer restart the clock where the regime says so (CBIRC: 新情况、新理由). */
  @EventPattern(Events.ComplaintSupplemented.pattern)
  async onSupplemented(@Payload() event: EventEnvelope<ComplaintSupplemented>, @Ctx() ctx: EventContext) {
    const decision = await this.lockDecision(ctx, event.complaintId);
    if (!decision || decision.clock.state === 'stopped') return;
    const regime = this.policy.regime(decision.regime);
    if (!regime.restartOnNewFacts) return;
    const reason = `new facts supplied by the customer (${event.payload.attachmentCount} attachments)`;
    const clock = restartClock(decision.clock, new Date(event.occurredAt), reason);
    await this.saveClock(ctx, decision, clock, 'restarted', reason);
  }

  @EventPattern(Events.ComplaintWithdrawn.pattern)
  async onWithdrawn(@Payload() event: EventEnvelope<ComplaintWithdrawn>, @Ctx() ctx: EventContext) {
    await this.stop(ctx, event.complaintId, new Date(event.payload.withdrawnAt), 'the customer withdrew the complaint');
  }

  /** The answer stops the clock, whichever version carries it (v1 may still arrive: an upgrade, a replay). */
  @EventPattern([Events.CaseResponseIssuedV1.pattern, Events.CaseResponseIssued.pattern])
  async onResponseIssued(@Payload() event: EventEnvelope<CaseResponseIssued>, @Ctx() ctx: EventContext) {
    await this.stop(ctx, event.complaintId, new Date(event.occurredAt), `response issued: ${event.payload.outcome}`);
  }

  /**
   * A supervisor approved more time in investigation: the clock moves to the longer period. The
   * regime's rules are checked again here, where the clock lives; an extension the clock refuses
   * (the deadline passed meanwhile) fails the event, which goes to the dead-letter topic with the reason.
   */
  @EventPattern(Events.CaseExtensionDecided.pattern)
  async onExtensionDecided(@Payload() event: EventEnvelope<CaseExtensionDecided>, @Ctx() ctx: EventContext) {
    const { decision: outcome, toPeriod, decidedBy, seniorApproval, reason } = event.payload;
    if (outcome !== 'approved') return;
    const decision = await this.lockDecision(ctx, event.complaintId);
    if (!decision || decision.clock.state === 'stopped' || decision.clock.period === toPeriod) return;
    const clock = extendClock(decision.clock, toPeriod, new Date(event.occurredAt), { id: decidedBy, senior: seniorApproval });
    await this.saveClock(ctx, decision, clock, 'extended', reason, decidedBy);
  }

  private async stop(ctx: EventContext, complaintId: string, at: Date, reason: string) {
    const decision = await this.lockDecision(ctx, complaintId);
    if (!decision || decision.clock.state === 'stopped') return;
    // Events can carry a time before the clock's last change (a pause recorded later); stop no earlier than that.
    const when = new Date(Math.max(at.getTime(), ...[decision.clock.startedAt, ...decision.clock.pauses.map((p) => p.to ?? p.from)].map((t) => Date.parse(t))));
    await this.saveClock(ctx, decision, stopClock(decision.clock, when), 'stopped', reason);
  }

  private lockDecision(ctx: EventContext, complaintId: string) {
    return ctx.manager.findOne(TriageDecisionRecord, { where: { complaintId }, lock: { mode: 'pessimistic_write' } });
  }

  private async saveClock(ctx: EventContext, decision: TriageDecisionRecord, clock: DeadlineClock, change: 'restarted' | 'stopped' | 'extended', reason: string, actor: string | null = null) {
    const responseDueBy = bindingDueBy(clock.dueBy, decision.regulatorDeadline);
    // A restart gives the regime's period afresh, but a regulator's deadline already missed stays missed.
    const breachStands = !!decision.breachedAt && responseDueBy <= decision.breachedAt;
    await ctx.manager.update(
      TriageDecisionRecord,
      { complaintId: decision.complaintId },
      {
        clock,
        responseDueBy: change === 'stopped' ? decision.responseDueBy : responseDueBy,
        warningsRaised: change === 'restarted' ? [] : decision.warningsRaised,
        breachedAt: change === 'restarted' && !breachStands ? null : decision.breachedAt,
        nextCheckAt: change === 'stopped' ? null : DeadlineWatch.firstCheckAt(clock, this.policy.warnAtFractions, responseDueBy),
      },
    );
    await ctx.publish(Events.DeadlineClockChanged, {
      ticketNumber: decision.ticketNumber,
      change,
      period: clock.period,
      reason,
      responseDueBy: change === 'stopped' ? null : responseDueBy.toISOString(),
      actor,
    });
  }
}
