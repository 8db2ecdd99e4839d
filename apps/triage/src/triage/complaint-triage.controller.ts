import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  CaseExtensionDecided,
  CaseResponseIssued,
  ComplaintReceived,
  ComplaintReferralDeadlineChanged,
  ComplaintSupplemented,
  ComplaintWithdrawn,
  EventEnvelope,
  Events,
} from '@complaints/contracts';
import {
  bindingDueBy,
  clockChangeTime,
  DeadlineClock,
  extendClock,
  findRepeat,
  restartClock,
  startClock,
  stopClock,
  textSketch,
  watchAfterClockChange,
  watchAfterRegulatorDeadlineChange,
} from '@complaints/domain';
import { EventContext } from '@complaints/messaging';
import { DeadlineWatch } from '../deadlines/deadline-watch';
import { SystemicIncidents } from '../incidents/systemic-incidents';
import { TriageDecisionRecord } from './triage-decision.entity';
import { TRIAGE_POLICY, TriagePolicy } from './triage-policy';

/** Triage's own account of an approved extension: the staff's reason travels beside it, sealed. */
const extensionApproved = (toPeriod: string, senior: boolean): string => `extension to ${toPeriod} approved in investigation${senior ? ' with senior approval' : ''}`;

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
    const earlierDecision = repeat && this.policy.mergeRepeats[regime.id] ? await this.lockDecision(ctx, repeat.of.complaintId) : null;
    const merged = !!earlierDecision && earlierDecision.clock.state !== 'stopped';
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
    if (merged && referralDue) await this.bindMergedReferral(ctx, earlierDecision!, referralDue, received.ticketNumber);

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
      // A merged repeat is watched through the earlier complaint's clock, which now carries its referral's deadline.
      nextCheckAt: merged ? null : DeadlineWatch.firstCheckAt(clock, this.policy.warnAtFractions, referralDue),
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
    const at = clockChangeTime(decision.clock, event.occurredAt);
    await this.saveClock(ctx, decision, restartClock(decision.clock, at, reason), 'restarted', at, { reason, staffReason: null });
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
  @EventPattern([Events.CaseExtensionDecidedV1.pattern, Events.CaseExtensionDecided.pattern])
  async onExtensionDecided(@Payload() event: EventEnvelope<CaseExtensionDecided>, @Ctx() ctx: EventContext) {
    const { decision: outcome, toPeriod, decidedBy, seniorApproval, reason } = event.payload;
    if (outcome !== 'approved') return;
    const decision = await this.lockDecision(ctx, event.complaintId);
    if (!decision || decision.clock.state === 'stopped' || decision.clock.period === toPeriod) return;
    const at = clockChangeTime(decision.clock, event.occurredAt);
    const extended = extendClock(decision.clock, toPeriod, at, { id: decidedBy, senior: seniorApproval });
    // v2's reason arrives sealed: triage cannot read it and relays it as it came, for notification's notice.
    const why = event.version === Events.CaseExtensionDecidedV1.version ? { reason, staffReason: null } : { reason: extensionApproved(toPeriod, seniorApproval), staffReason: reason };
    await this.saveClock(ctx, decision, extended, 'extended', at, why, decidedBy);
  }

  /**
   * The regulator moved its referral's deadline (more time granted, or less), as intake recorded it.
   * The decision keeps the new deadline and its due date is the binding one again
   * (`watchAfterRegulatorDeadlineChange`): a later deadline may let the regime's clock bind again, an
   * earlier one binds at once. A breach already raised stands; warnings no longer reached under the
   * new date are raised again. When the binding date moved, `referral-bound` tells intake and
   * investigation. The officer's sealed reason is not relayed (`staffReason` null): it is on the
   * record with intake's event, and no reader of the clock change needs it.
   *
   * A referral that was merged into an earlier complaint has no clock of its own: a deadline moved
   * earlier binds the earlier complaint (as at the merge); one moved later leaves that complaint's
   * date as it is, since it may be due by its own referral or another merged one, which triage does
   * not keep apart (docs/triage.md).
   *
   * Changes apply in the order intake recorded them: one recorded before the change the decision
   * holds (a dead letter replayed late) is noted among the reasons and not applied, since the
   * deadline it sets is one the regulator has moved since.
   */
  @EventPattern(Events.ComplaintReferralDeadlineChanged.pattern)
  async onReferralDeadlineChanged(@Payload() event: EventEnvelope<ComplaintReferralDeadlineChanged>, @Ctx() ctx: EventContext) {
    const changed = event.payload;
    const decision = await this.lockDecision(ctx, event.complaintId);
    if (!decision) return;
    const deadline = new Date(changed.deadline);
    const changedAt = new Date(event.occurredAt);
    const holding = decision.regulatorDeadlineChangedAt;
    if (holding && changedAt < holding) {
      const overtaken =
        `the regulator's deadline change to ${deadline.toISOString()} (reference ${changed.reference}, recorded ${changedAt.toISOString()}) ` +
        `arrived after the later one of ${holding.toISOString()} and was not applied`;
      await ctx.manager.update(TriageDecisionRecord, { complaintId: decision.complaintId }, { reasons: [...decision.reasons, overtaken] });
      return;
    }
    if (decision.regulatorDeadline?.getTime() === deadline.getTime()) {
      await ctx.manager.update(TriageDecisionRecord, { complaintId: decision.complaintId }, { regulatorDeadlineChangedAt: changedAt });
      return;
    }
    const reason =
      `the regulator's deadline moved to ${deadline.toISOString()}` +
      `${decision.regulatorDeadline ? ` from ${decision.regulatorDeadline.toISOString()}` : ''} (${changed.body} ${changed.caseNumber}, reference ${changed.reference})`;
    if (decision.repeatOf && decision.reasons.some((r) => r.startsWith('merged with '))) {
      await ctx.manager.update(TriageDecisionRecord, { complaintId: decision.complaintId }, { regulatorDeadline: deadline, regulatorDeadlineChangedAt: changedAt, reasons: [...decision.reasons, reason] });
      const into = await this.lockDecision(ctx, decision.repeatOf);
      if (into && into.clock.state !== 'stopped') await this.bindMergedReferral(ctx, into, deadline, decision.ticketNumber);
      return;
    }
    const watch = watchAfterRegulatorDeadlineChange(decision, decision.clock, deadline, new Date(event.occurredAt), this.policy.warnAtFractions);
    await ctx.manager.update(
      TriageDecisionRecord,
      { complaintId: decision.complaintId },
      { ...watch, regulatorDeadlineChangedAt: changedAt, reasons: [...decision.reasons, reason] },
    );
    // A paused clock's own date is the one from before the pause, and may be past: the date shown
    // moves when the clock resumes (its `resumed` binds the new deadline), not to that one now.
    if (decision.clock.state !== 'running' || watch.responseDueBy.getTime() === decision.responseDueBy.getTime()) return;
    await ctx.publish(Events.DeadlineClockChanged, {
      ticketNumber: decision.ticketNumber,
      change: 'referral-bound',
      period: decision.clock.period,
      reason,
      responseDueBy: watch.responseDueBy.toISOString(),
      actor: changed.changedBy,
      staffReason: null,
    });
  }

  private async stop(ctx: EventContext, complaintId: string, at: Date, reason: string) {
    const decision = await this.lockDecision(ctx, complaintId);
    if (!decision || decision.clock.state === 'stopped') return;
    const when = clockChangeTime(decision.clock, at);
    await this.saveClock(ctx, decision, stopClock(decision.clock, when), 'stopped', when, { reason, staffReason: null });
  }

  /**
   * A regulator's referral merged into an earlier complaint: the merged complaint has no clock of
   * its own, so the earlier one answers for both and its binding due date takes the referral's
   * deadline when that is earlier; the deadline watch looks at it by then. When that moves the
   * earlier complaint's due date, `referral-bound` tells intake (the date its customer sees) and
   * investigation (the case's due date), which otherwise would keep showing the later one.
   */
  private async bindMergedReferral(ctx: EventContext, into: TriageDecisionRecord, referralDue: Date, ticketNumber: string) {
    if (into.regulatorDeadline && into.regulatorDeadline <= referralDue) return;
    const regulatorDeadline = referralDue;
    const responseDueBy = bindingDueBy(into.clock.dueBy, regulatorDeadline);
    const reason = `due by the regulator's deadline ${regulatorDeadline.toISOString()} of ${ticketNumber}, merged with it`;
    await ctx.manager.update(
      TriageDecisionRecord,
      { complaintId: into.complaintId },
      {
        regulatorDeadline,
        responseDueBy,
        reasons: [...into.reasons, reason],
        nextCheckAt: into.breachedAt ? null : DeadlineWatch.nextCheckAt(into.clock, this.policy.warnAtFractions, into.warningsRaised, regulatorDeadline),
      },
    );
    if (responseDueBy.getTime() === into.responseDueBy.getTime()) return;
    await ctx.publish(
      Events.DeadlineClockChanged,
      { ticketNumber: into.ticketNumber, change: 'referral-bound', period: into.clock.period, reason, responseDueBy: responseDueBy.toISOString(), actor: null, staffReason: null },
      into.complaintId,
    );
  }

  private lockDecision(ctx: EventContext, complaintId: string) {
    return ctx.manager.findOne(TriageDecisionRecord, { where: { complaintId }, lock: { mode: 'pessimistic_write' } });
  }

  /**
   * Records a change an event brought, at `at` (`clockChangeTime`: the event's time, or the clock's
   * last event when that is later, so events of different services apply in either order).
   */
  private async saveClock(
    ctx: EventContext,
    decision: TriageDecisionRecord,
    clock: DeadlineClock,
    change: 'restarted' | 'stopped' | 'extended',
    at: Date,
    { reason, staffReason }: { reason: string; staffReason: string | null },
    actor: string | null = null,
  ) {
    const watch = watchAfterClockChange(decision, clock, change, at, this.policy.warnAtFractions);
    await ctx.manager.update(TriageDecisionRecord, { complaintId: decision.complaintId }, { clock, ...watch });
    await ctx.publish(Events.DeadlineClockChanged, {
      ticketNumber: decision.ticketNumber,
      change,
      period: clock.period,
      reason,
      responseDueBy: change === 'stopped' ? null : watch.responseDueBy.toISOString(),
      actor,
      staffReason,
    });
  }
}
