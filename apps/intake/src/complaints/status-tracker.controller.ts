import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiExcludeController } from '@nestjs/swagger';
import { DeadlineClockChanged, EventEnvelope, Events } from '@complaints/contracts';
import { CUSTOMER_TIMELINE, statusesAdvancedBy, statusImpliedBy } from '@complaints/domain';
import { EventContext } from '@complaints/messaging';
import { recordOnTimeline } from './complaint-intake.service';
import { ComplaintRecord } from './complaint.entity';

const DATE_MOVING_CHANGES: readonly DeadlineClockChanged['change'][] = ['restarted', 'extended', 'resumed', 'referral-bound'];

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

  /** v1 was published before the explanation was sealed, and may still arrive (an upgrade, a replay). */
  @EventPattern([Events.CaseResponseIssuedV1.pattern, Events.CaseResponseIssued.pattern])
  onResponseIssued(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext) {
    return this.observe(event, ctx);
  }

  @EventPattern([Events.CaseReviewRequestedV1.pattern, Events.CaseReviewRequested.pattern])
  onReviewRequested(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext) {
    return this.observe(event, ctx);
  }

  @EventPattern([Events.CaseClosedV1.pattern, Events.CaseClosed.pattern])
  onCaseClosed(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext) {
    return this.observe(event, ctx);
  }

  /**
   * An extension, a restart on new facts, a resume, or a regulator's referral merged into this
   * complaint with an earlier deadline (`referral-bound`, v2) moves the date the customer is told.
   */
  @EventPattern([Events.DeadlineClockChangedV1.pattern, Events.DeadlineClockChangedV2.pattern, Events.DeadlineClockChanged.pattern])
  async onClockChanged(@Payload() event: EventEnvelope<DeadlineClockChanged>, @Ctx() ctx: EventContext) {
    const { change, responseDueBy } = event.payload;
    if (!responseDueBy || !DATE_MOVING_CHANGES.includes(change)) return;
    const updated = await ctx.manager.update(ComplaintRecord, { id: event.complaintId }, { responseDueBy: new Date(responseDueBy) });
    if (!updated.affected) throw new Error(`complaint ${event.complaintId} is not known to intake`);
    await recordOnTimeline(ctx.manager, event);
  }

  private async observe(event: EventEnvelope, ctx: EventContext): Promise<void> {
    const implied = statusImpliedBy(event.type);
    if (!implied && !(event.type in CUSTOMER_TIMELINE)) return;
    // One statement: the status moves by a conditional write instead of reading the row under a
    // lock (it re-checks the status on the row's latest version, so events of one complaint arriving
    // on different topics at once still only ever move it forward, and one that moves nothing waits
    // for no other transaction), and the customer-facing timeline gets its entry.
    const [{ known }]: { known: boolean }[] = await ctx.manager.query(
      `WITH found AS (SELECT EXISTS (SELECT 1 FROM complaints WHERE id = $1) AS known),
            moved AS (UPDATE complaints SET status = $2, status_changed_at = $3 WHERE id = $1 AND status = ANY($4::text[]) RETURNING id),
            noted AS (INSERT INTO customer_timeline (event_id, complaint_id, event_type, occurred_at)
                      SELECT $5::uuid, $1, $6::text, $7::timestamptz FROM found WHERE known AND $8::boolean
                      ON CONFLICT (event_id) DO NOTHING)
       SELECT known FROM found`,
      [
        event.complaintId,
        implied,
        new Date(event.occurredAt),
        implied ? statusesAdvancedBy(implied) : [],
        event.eventId,
        event.type,
        event.occurredAt,
        event.type in CUSTOMER_TIMELINE,
      ],
    );
    if (!known) throw new Error(`complaint ${event.complaintId} is not known to intake`);
  }
}
