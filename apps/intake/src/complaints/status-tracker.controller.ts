import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { DeadlineClockChanged, EventEnvelope, Events } from '@complaints/contracts';
import { advanceStatus, ComplaintStatus, CUSTOMER_TIMELINE, statusImpliedBy } from '@complaints/domain';
import { EventContext } from '@complaints/messaging';
import { recordOnTimeline } from './complaint-intake.service';
import { ComplaintRecord } from './complaint.entity';

/** Follows the other services' events so "where is my complaint?" answers from intake alone. */
@ApiExcludeController()
@Controller()
export class StatusTracker {
  @EventPattern(Events.ComplaintTriaged.pattern)
  onTriaged(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext) {
    return this.observe(event, ctx);
  }

  @EventPattern(Events.CaseOpened.pattern)
  onCaseOpened(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext) {
    return this.observe(event, ctx);
  }

  @EventPattern(Events.CaseResponseIssued.pattern)
  onResponseIssued(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext) {
    return this.observe(event, ctx);
  }

  @EventPattern(Events.CaseReviewRequested.pattern)
  onReviewRequested(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext) {
    return this.observe(event, ctx);
  }

  @EventPattern(Events.CaseClosed.pattern)
  onCaseClosed(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext) {
    return this.observe(event, ctx);
  }

  /** An extension, a restart on new facts or a resume moves the date the customer is told. */
  @EventPattern(Events.DeadlineClockChanged.pattern)
  async onClockChanged(@Payload() event: EventEnvelope<DeadlineClockChanged>, @Ctx() ctx: EventContext) {
    const { change, responseDueBy } = event.payload;
    if (!responseDueBy || !['restarted', 'extended', 'resumed'].includes(change)) return;
    const updated = await ctx.manager.update(ComplaintRecord, { id: event.complaintId }, { responseDueBy: new Date(responseDueBy) });
    if (!updated.affected) throw new Error(`complaint ${event.complaintId} is not known to intake`);
    await recordOnTimeline(ctx.manager, event);
  }

  private async observe(event: EventEnvelope, ctx: EventContext): Promise<void> {
    const implied = statusImpliedBy(event.type);
    if (!implied && !(event.type in CUSTOMER_TIMELINE)) return;
    const record = await ctx.manager.findOne(ComplaintRecord, {
      where: { id: event.complaintId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!record) throw new Error(`complaint ${event.complaintId} is not known to intake`);
    if (event.type in CUSTOMER_TIMELINE) await recordOnTimeline(ctx.manager, event);
    if (!implied) return;
    const next = advanceStatus(record.status as ComplaintStatus, implied);
    if (next !== record.status) {
      await ctx.manager.update(ComplaintRecord, { id: record.id }, { status: next, statusChangedAt: new Date(event.occurredAt) });
    }
  }
}
