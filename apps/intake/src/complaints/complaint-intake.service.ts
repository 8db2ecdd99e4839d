import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { DateTime } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import { Events } from '@complaints/contracts';
import {
  deadlineDueBy,
  DeadlineRegime,
  formatTicketNumber,
  maskValue,
  redactedSummary,
  redactPersonalText,
  responseDueBy,
} from '@complaints/domain';
import { OutboxPublisher } from '@complaints/messaging';
import { FileComplaintDto, personalValuesOfComplainant, problemsAsOf, replyToOf } from '@complaints/intake-adapters';
import { FieldCipher, Principal, ProblemException, RequestValidationException, seesPersonalData } from '@complaints/platform';
import { ComplaintAcknowledgement, StaffComplaintView } from './complaint-acknowledgement';
import { ComplaintRecord } from './complaint.entity';
import { customerRefOf } from './customer-reference';
import { currentComplainant, openComplainant, personalValuesOfSealedComplainant } from './sealed-complainant';
import { FIELD_CIPHER, INTAKE_REGIME } from './tokens';

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class ComplaintIntake {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
    @Inject(INTAKE_REGIME) private readonly regime: DeadlineRegime,
  ) {}

  /**
   * Records a complaint and its `complaint.received` event in one transaction; the caller gets
   * its ticket only once both are committed. A retry with the same idempotency key gets the
   * original ticket back instead of a second complaint, with `replayed` set. With
   * `refuseDifferentRequest`, a request under a key already used for a different complaint is
   * refused (422), so a client that reuses keys by mistake learns that its complaint was not
   * filed; a channel's message id is left lenient, since a channel may redeliver a message
   * with details of its own changed.
   *
   * The complaint's dates are judged here, as of now (`problemsAsOf`): a regulator's deadline
   * already past, an incident in the future. A retry comes later than the request it repeats, and
   * the deadline may have passed in between; the complaint was filed all the same, so the very
   * same request under the same key (same fingerprint) gets its original answer whatever the clock
   * says since. Any other request is refused for its dates.
   *
   * The unique index on (channel, idempotency key) is the only check: looking the key up first
   * would cost every first attempt a round trip to spare the rare retry a rolled-back insert. The
   * key is looked up first only for a request whose dates the clock has overtaken, which is refused
   * unless it is such a retry; that lookup reads and stores nothing.
   *
   * `beforeRecording` runs once the request is to be recorded, before the transaction: what the
   * complaint references must exist before it does (the inbound endpoint stores attachment bytes).
   */
  async fileComplaint(
    dto: FileComplaintDto,
    idempotencyKey: string | null,
    { refuseDifferentRequest = false, beforeRecording }: { refuseDifferentRequest?: boolean; beforeRecording?: () => Promise<void> } = {},
  ): Promise<ComplaintAcknowledgement & { replayed: boolean }> {
    const fingerprint = requestFingerprint(dto);
    const overtaken = problemsAsOf(dto, new Date(), this.regime.timeZone);
    if (overtaken.length) {
      const original = idempotencyKey ? await this.findByIdempotencyKey(dto.channel, idempotencyKey) : null;
      // A complaint recorded before fingerprints were kept cannot show it was this request.
      if (original && original.requestFingerprint === fingerprint) return this.acknowledgement(original, true);
      throw new RequestValidationException(overtaken);
    }
    const referralDue = this.referralDueBy(dto);
    await beforeRecording?.();
    try {
      const record = await this.dataSource.transaction((manager) => this.recordComplaint(manager, dto, idempotencyKey, fingerprint, referralDue));
      return this.acknowledgement(record, false);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION && idempotencyKey) {
        // An earlier or concurrent request with the same key was recorded first.
        const winner = await this.findByIdempotencyKey(dto.channel, idempotencyKey);
        if (winner) this.refuseEarlierReferralDeadline(winner, referralDue);
        if (winner && refuseDifferentRequest && winner.requestFingerprint !== null && winner.requestFingerprint !== fingerprint) {
          throw new ProblemException({
            type: 'https://complaints.example/problems/idempotency-key-reused',
            title: 'Idempotency key already used for a different request',
            status: 422,
            detail: 'this Idempotency-Key was used for a different complaint, which keeps its ticket; send a new complaint with a new key',
          });
        }
        if (winner) return this.acknowledgement(winner, true);
      }
      throw error;
    }
  }

  /**
   * The whole complaint for staff. Personal data is in clear only for roles that need it; the
   * masking interceptor masks the complainant's fields for the others, and their copy of the
   * description has the complainant's details taken out here.
   */
  async staffView(complaintId: string, viewer: Principal): Promise<StaffComplaintView> {
    const record = await this.dataSource.getRepository(ComplaintRecord).findOneBy({ id: complaintId });
    if (!record) throw new NotFoundException(`no complaint ${complaintId}`);
    // Shown as they are now: the contact details an amendment replaced stay sealed, only for redaction.
    const complainant = currentComplainant(openComplainant(this.cipher, record)) as StaffComplaintView['complainant'];
    const description = this.cipher.decrypt(record.descriptionSealed);
    return {
      complaintId: record.id,
      ticketNumber: record.ticketNumber,
      channel: record.channel,
      channelReference: record.channelReference,
      customerRef: record.customerRef,
      complainant,
      description: seesPersonalData(viewer) ? description : redactPersonalText(description, personalValuesOf(this.cipher, record)),
      onBehalfOf: record.representativeSealed ? (JSON.parse(this.cipher.decrypt(record.representativeSealed)) as StaffComplaintView['onBehalfOf']) : null,
      accountReference: record.accountReferenceMasked,
      attachments: record.attachments,
      vulnerability: record.vulnerability,
      regulatorReferral: record.regulatorReferral,
      consent: record.consent,
      channelContext: record.channelContext,
      productHint: record.productHint,
      amountInDispute: record.amountMinor === null ? null : { amountMinor: Number(record.amountMinor), currency: record.currency! },
      preferredReplyChannel: record.preferredReplyChannel,
      language: record.language,
      regime: record.regime,
      occurredAt: record.occurredAt?.toISOString() ?? null,
      receivedAt: record.receivedAt.toISOString(),
      responseDueBy: record.responseDueBy.toISOString(),
      status: record.status,
      personalData: seesPersonalData(viewer) ? 'clear' : 'masked',
    };
  }

  private async recordComplaint(
    manager: EntityManager,
    dto: FileComplaintDto,
    idempotencyKey: string | null,
    requestFingerprint: string,
    referralDue: Date | null,
  ): Promise<ComplaintRecord> {
    const [{ n }] = await manager.query(`SELECT nextval('ticket_seq') AS n`);
    const receivedAt = new Date();
    const localDate = DateTime.fromJSDate(receivedAt, { zone: this.regime.timeZone }).toFormat('yyyyLLdd');
    const { customerId, name, phone, email, idNumber, channelUserId, postalAddress } = dto.complainant;
    const regimeDue = this.responseDueOn(localDate, receivedAt);
    // A regulator's deadline binds when it is earlier than our own.
    const due = referralDue && referralDue < regimeDue ? referralDue : regimeDue;
    const vulnerable =
      ['65-74', '75+'].includes(dto.vulnerability?.ageBand ?? '') || (dto.vulnerability?.declaredNeeds?.length ?? 0) > 0;
    const id = randomUUID();
    const record = manager.create(ComplaintRecord, {
      id,
      ticketNumber: formatTicketNumber(localDate, ((Number(n) - 1) % 99_999_999) + 1),
      channel: dto.channel,
      channelReference: dto.channelReference ?? null,
      idempotencyKey,
      requestFingerprint,
      customerRef: customerRefOf(this.cipher, dto.complainant, { id, channel: dto.channel }),
      complainantSealed: this.cipher.encrypt(JSON.stringify({ customerId, name, phone, email, idNumber, channelUserId, postalAddress })),
      representativeSealed: dto.onBehalfOf ? this.cipher.encrypt(JSON.stringify(dto.onBehalfOf)) : null,
      accountReferenceMasked: dto.accountReference ? maskValue(dto.accountReference.replace(/\D/g, ''), 4) : null,
      attachments: (dto.attachments ?? []).map((a) => ({ ...a })),
      vulnerability: dto.vulnerability ? { ...dto.vulnerability } : null,
      regulatorReferral: dto.regulatorReferral ? { ...dto.regulatorReferral } : null,
      consent: dto.consent ? { ...dto.consent } : null,
      channelContext: dto.channelContext ? { ...dto.channelContext } : null,
      descriptionSealed: this.cipher.encrypt(dto.description),
      productHint: dto.productHint ?? null,
      amountMinor: dto.amountInDispute ? String(dto.amountInDispute.amountMinor) : null,
      currency: dto.amountInDispute?.currency ?? null,
      preferredReplyChannel: dto.preferredReplyChannel,
      language: dto.language ?? (/[\u4e00-\u9fff]/.test(dto.description) ? 'zh-CN' : 'en'),
      regime: this.regime.id,
      occurredAt: dto.occurredAt ? new Date(dto.occurredAt) : null,
      receivedAt,
      responseDueBy: due,
      status: 'received',
      statusChangedAt: receivedAt,
    });
    await manager.insert(ComplaintRecord, record);
    const received = await this.publisher.publish(manager, Events.ComplaintReceived, record.id, {
      ticketNumber: record.ticketNumber,
      channel: dto.channel,
      channelReference: record.channelReference,
      receivedAt: receivedAt.toISOString(),
      customerRef: record.customerRef,
      productHint: record.productHint,
      summary: redactedSummary(dto.description, [...personalValuesOfComplainant(dto.complainant), dto.onBehalfOf?.name, dto.accountReference]),
      language: record.language as 'zh-CN' | 'en',
      amountInDispute: dto.amountInDispute ?? null,
      preferredReplyChannel: dto.preferredReplyChannel,
      regime: this.regime.id,
      responseDueBy: record.responseDueBy.toISOString(),
      vulnerable,
      // Everything notification needs to reach the customer on each channel, sealed (the validation saw to it that the preferred one can).
      replyTo: this.cipher.encrypt(JSON.stringify(replyToOf({ channel: dto.channel, complainant: dto.complainant, onBehalfOf: dto.onBehalfOf }))),
      representedBy: dto.onBehalfOf?.relationship ?? null,
      regulatorReferral: dto.regulatorReferral
        ? { body: dto.regulatorReferral.body, caseNumber: dto.regulatorReferral.caseNumber, deadline: referralDue?.toISOString() ?? null }
        : null,
      attachmentCount: record.attachments.length,
      vulnerability: dto.vulnerability ? { ageBand: dto.vulnerability.ageBand, declaredNeeds: dto.vulnerability.declaredNeeds } : null,
    });
    await recordOnTimeline(manager, received);
    return record;
  }

  /**
   * When the regulator's deadline runs out, read in the regime's zone: a regulator in Beijing who
   * writes "2026-12-20" means until that day ends in Beijing. One already past was refused with the
   * complaint's other dates (`problemsAsOf`).
   */
  private referralDueBy(dto: FileComplaintDto): Date | null {
    const deadline = dto.regulatorReferral?.deadline;
    if (deadline === undefined) return null;
    const due = deadlineDueBy(deadline, this.regime.timeZone);
    if (due === null) {
      throw new RequestValidationException([{ path: 'regulatorReferral.deadline', message: 'deadline must be a calendar date or date-time such as 2026-11-20T10:00:00+08:00' }]);
    }
    return due;
  }

  /**
   * A regulator that forwards a case again with an earlier deadline (or a first one) has moved the
   * date the bank must answer by. Answering with the original ticket would keep the old date
   * without anyone noticing, so the repeat is refused for the liaison system and its operators to
   * take up; a later or unchanged deadline is a plain repeat, since the earlier date still binds.
   */
  private refuseEarlierReferralDeadline(winner: ComplaintRecord, referralDue: Date | null): void {
    if (referralDue === null) return;
    const recorded = winner.regulatorReferral?.deadline;
    const recordedDue = recorded === undefined ? null : deadlineDueBy(recorded, this.regime.timeZone);
    if (recordedDue !== null && recordedDue <= referralDue) return;
    throw new ProblemException({
      type: 'https://complaints.example/problems/referral-deadline-changed',
      title: 'The referral was filed before with a later deadline',
      status: 409,
      detail:
        `this case was filed as ${winner.ticketNumber} ${recordedDue ? `with the deadline ${recordedDue.toISOString()}` : 'without a deadline'}; ` +
        `the deadline ${referralDue.toISOString()} sent now is earlier and was not recorded: the handlers of that complaint must be told`,
      ticketNumber: winner.ticketNumber,
    });
  }

  /** The regime's deadline depends on the day of receipt only: worked out once per local day. */
  private dueForDay: { day: string; due: Date } | null = null;

  private responseDueOn(localDate: string, receivedAt: Date): Date {
    if (this.dueForDay?.day !== localDate) this.dueForDay = { day: localDate, due: responseDueBy(receivedAt, this.regime) };
    return new Date(this.dueForDay.due);
  }

  private findByIdempotencyKey(channel: string, idempotencyKey: string): Promise<ComplaintRecord | null> {
    return this.dataSource.getRepository(ComplaintRecord).findOneBy({ channel, idempotencyKey });
  }

  /**
   * The answer to filing. A repeat gets the answer the first attempt got, status included: the
   * complaint was received then, whatever the services did with it since (its progress is the
   * status endpoint's to tell); the due date is the one that stands now, an extension or a
   * regulator's new deadline included, as the customer is to be told.
   */
  private acknowledgement(record: ComplaintRecord, replayed: boolean): ComplaintAcknowledgement & { replayed: boolean } {
    return {
      complaintId: record.id,
      ticketNumber: record.ticketNumber,
      status: replayed ? 'received' : record.status,
      receivedAt: record.receivedAt.toISOString(),
      responseDueBy: record.responseDueBy.toISOString(),
      regime: record.regime,
      replayed,
    };
  }
}

/**
 * What a request said, as SHA-256 of its canonical JSON (RFC 8785): a retry under the same
 * Idempotency-Key hashes the same whatever the order of its keys, a different request does not.
 */
export function requestFingerprint(body: object): string {
  return createHash('sha256').update(canonicalize(body) ?? '').digest('hex');
}

/**
 * The personal values a complaint holds that its free text may repeat: the complainant's details,
 * those an amendment replaced included (text written before still quotes them), and the name of
 * whoever files on their behalf.
 */
export function personalValuesOf(cipher: FieldCipher, record: ComplaintRecord): (string | null | undefined)[] {
  const representative = record.representativeSealed ? (JSON.parse(cipher.decrypt(record.representativeSealed)) as { name?: string | null }) : null;
  return [...personalValuesOfSealedComplainant(openComplainant(cipher, record)), representative?.name];
}

/** Puts an event on the customer's timeline once (events may be delivered more than once). */
export async function recordOnTimeline(manager: EntityManager, event: { eventId: string; complaintId: string; type: string; occurredAt: string }): Promise<void> {
  await manager.query(
    `INSERT INTO customer_timeline (event_id, complaint_id, event_type, occurred_at) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING`,
    [event.eventId, event.complaintId, event.type, event.occurredAt],
  );
}
