import { Controller, Get, Inject, Logger, Query, Req } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { CaseReopened, CaseResponseIssued, ComplaintAmended, ComplaintReceived, DeadlineClockChanged, EventEnvelope, Events, RemedyPaid } from '@complaints/contracts';
import { EventContext } from '@complaints/messaging';
import { maskDigitRuns, redactPersonalText } from '@complaints/domain';
import { Allow, AuthenticatedRequest, FieldCipher, seesPersonalData, UuidParameterPipe } from '@complaints/platform';
import { CustomerDelivery, FIELD_CIPHER } from '../delivery/customer-delivery';
import { renderFinalResponse } from '../templates/mandatory-content';
import { renderMessage } from '../templates/message-catalogue';
import { CustomerMessage } from './customer-message.entity';

/** A survey link's token, wherever a stored text quotes it. */
const SURVEY_LINK_TOKEN = /(\/)[0-9a-f]{24}(?![0-9a-f])/g;

@ApiTags('notifications')
@Controller('v1/notifications')
export class CustomerMessagesController {
  private readonly logger = new Logger('CustomerMessages');

  constructor(
    private readonly dataSource: DataSource,
    private readonly delivery: CustomerDelivery,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  /**
   * The acknowledgement: ticket number, the date of our answer, how to follow it. The preferences
   * recorded here are what every later message about the complaint is addressed with, so they must
   * commit even when the acknowledgement cannot go yet: a provider's temporary failure holds it for
   * the watch (CustomerDelivery.send) rather than failing the event and rolling them back.
   */
  @EventPattern(Events.ComplaintReceived.pattern)
  async acknowledge(@Payload() event: EventEnvelope<ComplaintReceived>, @Ctx() ctx: EventContext) {
    const received = event.payload;
    await ctx.manager.query(
      `INSERT INTO reply_preferences (complaint_id, channel, language, ticket_number, regime, reply_to_sealed, vulnerable, customer_ref) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (complaint_id) DO NOTHING`,
      [event.complaintId, received.preferredReplyChannel, received.language, received.ticketNumber, received.regime, received.replyTo ?? null, received.vulnerable ?? false, received.customerRef],
    );
    const preference = await this.delivery.preferenceOf(ctx.manager, event.complaintId, 'acknowledgement');
    const rendered = renderMessage('acknowledgement', preference.language, { ticketNumber: received.ticketNumber, responseDueBy: received.responseDueBy, regime: received.regime });
    await this.delivery.send(ctx, 'acknowledgement', rendered, preference);
  }

  /**
   * The customer changed how they want to hear from us, or where: later messages follow it.
   * complaint.amended comes after complaint.received on the same topic and key, so preferences
   * missing here mean complaint.received was dead-lettered: the amendment fails too (and follows it
   * to the dead-letter topic, to be replayed after it) rather than being lost.
   */
  @EventPattern([Events.ComplaintAmendedV1.pattern, Events.ComplaintAmended.pattern])
  async followAmendedPreference(@Payload() event: EventEnvelope<ComplaintAmended>, @Ctx() ctx: EventContext) {
    const { preferredReplyChannel, language, replyTo } = event.payload;
    if (!preferredReplyChannel && !language && !replyTo) return;
    await this.delivery.preferenceOf(ctx.manager, event.complaintId, 'amended preferences');
    await ctx.manager.query(
      `UPDATE reply_preferences SET channel = coalesce($2, channel), language = coalesce($3, language), reply_to_sealed = coalesce($4, reply_to_sealed) WHERE complaint_id = $1`,
      [event.complaintId, preferredReplyChannel ?? null, language ?? null, replyTo ?? null],
    );
  }

  /** More time was approved: the customer is told the new date and why (the staff's reason). Other changes of the clock are not news for the customer here. */
  @EventPattern([Events.DeadlineClockChangedV1.pattern, Events.DeadlineClockChangedV2.pattern, Events.DeadlineClockChanged.pattern])
  async noticeExtension(@Payload() event: EventEnvelope<DeadlineClockChanged>, @Ctx() ctx: EventContext) {
    const { change, responseDueBy, ticketNumber, staffReason } = event.payload;
    if (change !== 'extended' || !responseDueBy) return;
    // v3 relays the reason staff gave in investigation, sealed; triage's own account is for the record.
    const reason = staffReason ? this.cipher.decrypt(staffReason) : event.payload.reason;
    // Without the preferences the event fails, to be retried or replayed (CustomerDelivery.preferenceOf).
    const preference = await this.delivery.preferenceOf(ctx.manager, event.complaintId, 'extension notice');
    const rendered = renderMessage('extension', preference.language, { ticketNumber, previousDueBy: null, responseDueBy, reason, regime: preference.regime });
    await this.delivery.send(ctx, 'extension', rendered, preference);
  }

  /**
   * The final response. A letter missing any element its regime requires (decision, reasons,
   * remedy or none, the review right and date, where else to turn) is refused before anything is
   * sent: the event fails with the missing elements named and goes to the dead-letter topic.
   * The explanation arrives sealed (v2); a v1 response, published before it was, carries it in
   * clear and is still read, so a response issued during an upgrade or replayed is still sent.
   * A response about a complaint whose complaint.received has not been handled fails, never goes
   * out addressed with guesses, and is sent when replayed after it (CustomerDelivery.preferenceOf).
   * A response the customer already has a later one of, or issued before a reopening of the case
   * seen here (`isLatestResponse`), is not sent.
   */
  @EventPattern([Events.CaseResponseIssuedV1.pattern, Events.CaseResponseIssued.pattern])
  async sendFinalResponse(@Payload() event: EventEnvelope<CaseResponseIssued>, @Ctx() ctx: EventContext) {
    const preference = await this.delivery.preferenceOf(ctx.manager, event.complaintId, 'final response');
    const p = event.payload;
    if (!(await this.isLatestResponse(ctx, p))) return;
    const rendered = renderFinalResponse(preference.language, {
      ticketNumber: p.ticketNumber,
      regime: preference.regime,
      outcome: p.outcome,
      explanation: event.version === Events.CaseResponseIssuedV1.version ? p.explanation : this.cipher.decrypt(p.explanation),
      remedy: p.remedy,
      rights: p.rights,
      issuedAt: p.issuedAt,
    });
    await this.delivery.send(ctx, 'final-response', rendered, preference);
  }

  /**
   * The case was reopened: its response is withdrawn and a new one will follow. Nothing goes to the
   * customer here; the moment is kept on the case (the latest of those seen, whichever came first),
   * so that a response issued before it and handled after it (a replayed dead letter, a consumer
   * group reset) is not written to them (`isLatestResponse`). One statement, on the row a response
   * of the case locks too.
   */
  @EventPattern([Events.CaseReopenedV1.pattern, Events.CaseReopened.pattern])
  async recordReopening(@Payload() event: EventEnvelope<CaseReopened>, @Ctx() ctx: EventContext) {
    await ctx.manager.query(
      `INSERT INTO final_responses AS latest (case_id, complaint_id, reopened_at, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (case_id) DO UPDATE SET reopened_at = GREATEST(latest.reopened_at, EXCLUDED.reopened_at), updated_at = EXCLUDED.updated_at`,
      [event.payload.caseId, event.complaintId, event.occurredAt],
    );
  }

  /**
   * Records the response as the case's latest written to the customer, unless one of a later review
   * round, or of the same round issued later (the response after a reopening), was already, or the
   * case was reopened after it was issued (the reopening voided it, even when it reached
   * notification first): false then. Writing the earlier decision to a customer who holds the later one would tell them
   * something no longer true, with review rights that no longer apply. The processed-event mark
   * catches the same event again only; this catches an earlier response under an event id of its
   * own (a replayed dead letter, a consumer group reset after the marks were pruned). One
   * statement, in the handler's transaction: the case's row stays locked until the letter's
   * message commits, so two responses of a case are weighed one after the other.
   */
  private async isLatestResponse(ctx: EventContext, p: CaseResponseIssued): Promise<boolean> {
    const recorded: unknown[] = await ctx.manager.query(
      `INSERT INTO final_responses AS latest (case_id, complaint_id, review_round, issued_at, cause_event_id, updated_at) VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (case_id) DO UPDATE
         SET review_round = EXCLUDED.review_round, issued_at = EXCLUDED.issued_at, cause_event_id = EXCLUDED.cause_event_id, updated_at = EXCLUDED.updated_at
         WHERE (latest.review_round IS NULL OR (latest.review_round, latest.issued_at) <= (EXCLUDED.review_round, EXCLUDED.issued_at))
           AND (latest.reopened_at IS NULL OR latest.reopened_at <= EXCLUDED.issued_at)
       RETURNING case_id`,
      [p.caseId, ctx.envelope.complaintId, p.reviewRound, p.issuedAt, ctx.envelope.eventId],
    );
    if (recorded.length > 0) return true;
    const [latest]: { review_round: number | null; issued_at: Date | null; cause_event_id: string | null; reopened_at: Date | null }[] = await ctx.manager.query(
      `SELECT review_round, issued_at, cause_event_id, reopened_at FROM final_responses WHERE case_id = $1`,
      [p.caseId],
    );
    const why =
      latest.reopened_at && latest.reopened_at > new Date(p.issuedAt)
        ? `the case was reopened after it (${latest.reopened_at.toISOString()})`
        : `it is superseded by round ${latest.review_round} issued ${latest.issued_at?.toISOString()} (event ${latest.cause_event_id}), already written to the customer`;
    this.logger.log(`case ${p.caseId}: final response of round ${p.reviewRound} issued ${p.issuedAt} (event ${ctx.envelope.eventId}) is not sent: ${why}`);
    return false;
  }

  /**
   * The compensation has reached the customer's account: they are told the amount and the booking
   * reference, once per remedy. A payout that failed is for staff to resolve and says nothing to
   * the customer (remedy.payout-failed has no handler here). Like the final response, the notice
   * waits (the event fails, to be replayed) while complaint.received has not been handled, instead
   * of being skipped for good.
   */
  @EventPattern(Events.RemedyPaid.pattern)
  async noticeRemedyPaid(@Payload() event: EventEnvelope<RemedyPaid>, @Ctx() ctx: EventContext) {
    const preference = await this.delivery.preferenceOf(ctx.manager, event.complaintId, 'remedy-paid notice');
    if (!preference.ticketNumber) {
      // Only preferences recorded before the ticket number was kept with them lack it.
      this.logger.warn(`remedy ${event.payload.remedyId} paid, but complaint ${event.complaintId} has no ticket number on record: no notice`);
      return;
    }
    const p = event.payload;
    const rendered = renderMessage('remedy-paid', preference.language, {
      ticketNumber: preference.ticketNumber,
      regime: preference.regime,
      remedyType: p.type,
      amount: p.amount,
      paidAt: p.paidAt,
      coreReference: p.coreReference,
    });
    await this.delivery.send(ctx, 'remedy-paid', rendered, preference, { onceFor: p.remedyId });
  }

  @Get()
  @Allow('investigator', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'Messages about a complaint, sent or held, with every channel tried and every receipt; personal data masked for roles that do not need it' })
  async list(@Query('complaintId', UuidParameterPipe) complaintId: string, @Req() request: AuthenticatedRequest) {
    const messages = await this.dataSource.getRepository(CustomerMessage).find({ where: { complaintId }, order: { createdAt: 'ASC' } });
    const clear = seesPersonalData(request.principal);
    const preference = clear || messages.length === 0 ? null : await this.delivery.findPreference(this.dataSource.manager, complaintId);
    const recipient = preference ? this.delivery.recipientOf(preference) : {};
    const known = [recipient.name, recipient.phone, recipient.email, recipient.postalAddress, recipient.appUserId, recipient.wechatOpenId];
    const mask = (text: string) => maskDigitRuns(redactPersonalText(text, known));
    return messages.map(({ bodySealed: _sealed, ...m }) => {
      let body = this.delivery.textOf({ body: m.body, bodySealed: _sealed });
      // A survey link answers the survey: staff see that one was sent, not a link they could use.
      if (m.kind === 'survey') body = body.replace(SURVEY_LINK_TOKEN, '$1…');
      if (clear) return { ...m, body };
      // What providers said (a bounce quoting the address, rows written before their texts were
      // masked as they came) is masked like the text.
      return {
        ...m,
        body: mask(body),
        statusReason: m.statusReason === null ? null : mask(m.statusReason),
        attempts: m.attempts.map((a) => (a.detail ? { ...a, detail: mask(a.detail) } : a)),
      };
    });
  }
}
