import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AMENDABLE_FIELDS_V2, Events } from '@complaints/contracts';
import {
  ComplaintStatus,
  CUSTOMER_STATUS_CODES,
  CUSTOMER_STATUS_LABELS,
  CUSTOMER_TIMELINE,
  isOpenToCustomerChanges,
  redactedSummary,
} from '@complaints/domain';
import { OutboxPublisher } from '@complaints/messaging';
import { replyChannelGap, ReplyChannel, replyToOf } from '@complaints/intake-adapters';
import { FieldCipher, Principal, ProblemException, RequestValidationException } from '@complaints/platform';
import { personalValuesOf, recordOnTimeline, requestFingerprint } from './complaint-intake.service';
import { ComplaintRecord } from './complaint.entity';
import { customerRefOfCustomer, unkindedCustomerRef } from './customer-reference';
import { AmendComplaintDto, CustomerComplaintView, SupplementDto, WithdrawDto } from './self-service.dto';
import { openComplainant, SealedComplainant, withAmendedContact } from './sealed-complainant';
import { FIELD_CIPHER } from './tokens';

/** Failed identity proofs a ticket tolerates within the lockout window before proof-based access to it pauses. */
export const MAX_PROOF_FAILURES = 5;

/** How long a failed identity proof counts against its ticket, and against the customer who gave it. */
export const PROOF_LOCKOUT_WINDOW_MS = 3_600_000;

/**
 * Failed identity proofs one customer login may give within the lockout window, across all
 * tickets, before proof-based access pauses for them: ticket numbers are sequential, so the
 * per-ticket limit alone would let a login walk its neighbours a few guesses each.
 */
export const PROOF_FAILURES_PER_CUSTOMER_ENV = 'PROOF_FAILURES_PER_CUSTOMER_PER_HOUR';
export const DEFAULT_PROOF_FAILURES_PER_CUSTOMER = 10;

export function proofFailuresPerCustomer(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[PROOF_FAILURES_PER_CUSTOMER_ENV];
  const limit = raw === undefined || raw.trim() === '' ? DEFAULT_PROOF_FAILURES_PER_CUSTOMER : Number(raw);
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`${PROOF_FAILURES_PER_CUSTOMER_ENV} must be a positive whole number, not "${raw}"`);
  return limit;
}

/**
 * Proof-based access is paused, for this ticket or for this caller. `retryAfterSeconds` is when
 * the oldest failure that keeps it paused leaves the lockout window, so the customer (or the agent
 * on the line) can be told when to try again rather than guess. Neither says whether the ticket
 * exists: failures count against a ticket number whether or not it names a complaint.
 */
export class ProofAttemptsExhausted extends ProblemException {
  constructor(
    readonly retryAfterSeconds: number,
    readonly pausedFor: 'ticket' | 'caller' = 'ticket',
  ) {
    super({
      type: 'https://complaints.example/problems/too-many-proof-attempts',
      title: 'Too many attempts',
      status: 429,
      detail: `too many wrong proofs of identity ${pausedFor === 'ticket' ? 'for this ticket' : 'from this login'}; try again in ${describeWait(retryAfterSeconds)} or call the hotline`,
      retryAfterSeconds,
    });
  }
}

const describeWait = (seconds: number) => (seconds < 120 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`);

type ProofVerdict = { verdict: 'accepted' | 'refused' } | { verdict: 'locked'; retryAfterSeconds: number; pausedFor: 'ticket' | 'caller' };

type Complainant = SealedComplainant;

const isStaffOnly = (p: Principal) => p.roles.every((r) => r !== 'customer' && r !== 'channel-adapter');

/**
 * Whose failed proofs also count across tickets: a customer login. A channel asks for many
 * customers at once, so counting its failures together would let a few callers lock a whole
 * channel out; its guesses stay bounded per ticket (and its callers are the channel's to know).
 */
const asksForThemselves = (p: Principal) => p.roles.includes('customer');

/**
 * "Where is my complaint?" and what the customer may still do about it. A customer proves who
 * they are with the last four digits of the phone or ID number given with the complaint (or by
 * being logged in as the customer who filed it); a wrong proof answers exactly like an unknown
 * ticket, so the API cannot be used to find out whether a ticket exists.
 */
@Injectable()
export class CustomerSelfService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  private readonly failuresPerCustomer = proofFailuresPerCustomer();

  async view(ticketNumber: string, asker: Principal, proof: string | undefined): Promise<CustomerComplaintView> {
    const record = await this.authorise(ticketNumber, asker, proof, false);
    const timeline: { event_type: string; occurred_at: Date }[] = await this.dataSource.query(
      `SELECT event_type, occurred_at FROM customer_timeline WHERE complaint_id = $1 ORDER BY occurred_at, event_type`,
      [record.id],
    );
    const status = record.status as ComplaintStatus;
    return {
      ticketNumber: record.ticketNumber,
      status: CUSTOMER_STATUS_CODES[status],
      statusLabel: CUSTOMER_STATUS_LABELS[status],
      receivedAt: record.receivedAt.toISOString(),
      responseDueBy: record.responseDueBy.toISOString(),
      statusChangedAt: record.statusChangedAt.toISOString(),
      timeline: timeline
        .filter((t) => t.event_type in CUSTOMER_TIMELINE)
        .map((t) => ({ at: new Date(t.occurred_at).toISOString(), event: t.event_type, label: CUSTOMER_TIMELINE[t.event_type] })),
    };
  }

  async supplement(ticketNumber: string, asker: Principal, proof: string | undefined, dto: SupplementDto, idempotencyKey: string | null) {
    if (!dto.text && !dto.attachments?.length) {
      throw new ProblemException({
        type: 'https://complaints.example/problems/validation',
        title: 'The request is not valid',
        status: 400,
        errors: [{ path: 'text', message: 'a supplement needs text, attachments or both' }],
      });
    }
    const authorised = await this.authorise(ticketNumber, asker, proof, true);
    const fingerprint = requestFingerprint(dto);
    return this.dataSource.transaction(async (manager) => {
      // The complaint's row lock also queues concurrent retries of one key: the second finds the first.
      const record = await this.lockForChange(manager, authorised);
      if (idempotencyKey) {
        const [earlier]: { id: string; request_fingerprint: string | null }[] = await manager.query(
          `SELECT id, request_fingerprint FROM supplements WHERE complaint_id = $1 AND idempotency_key = $2`,
          [record.id, idempotencyKey],
        );
        // Answering a different supplement with the first one's id would lose what the customer added.
        if (earlier && earlier.request_fingerprint !== null && earlier.request_fingerprint !== fingerprint) {
          throw new ProblemException({
            type: 'https://complaints.example/problems/idempotency-key-reused',
            title: 'Idempotency key already used for a different request',
            status: 422,
            detail: 'this Idempotency-Key was used for a different supplement, which was kept; send the new one with a new key',
          });
        }
        if (earlier) return { supplementId: earlier.id, ticketNumber };
      }
      const id = randomUUID();
      await manager.query(
        `INSERT INTO supplements (id, complaint_id, idempotency_key, request_fingerprint, text_sealed, attachments, added_by, added_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now())`,
        [id, record.id, idempotencyKey, fingerprint, dto.text ? this.cipher.encrypt(dto.text) : null, JSON.stringify(dto.attachments ?? []), asker.subject],
      );
      const event = await this.publisher.publish(manager, Events.ComplaintSupplemented, record.id, {
        ticketNumber,
        summary: dto.text ? redactedSummary(dto.text, personalValuesOf(this.cipher, record)) : '',
        attachmentCount: dto.attachments?.length ?? 0,
      });
      await recordOnTimeline(manager, event);
      return { supplementId: id, ticketNumber };
    });
  }

  async amend(ticketNumber: string, asker: Principal, proof: string | undefined, dto: AmendComplaintDto) {
    const changed = AMENDABLE_FIELDS_V2.filter((f) => dto[f] !== undefined);
    if (changed.length === 0) {
      throw new ProblemException({
        type: 'https://complaints.example/problems/validation',
        title: 'The request is not valid',
        status: 400,
        errors: [{ path: '(body)', message: `name at least one of ${AMENDABLE_FIELDS_V2.join(', ')}` }],
      });
    }
    const authorised = await this.authorise(ticketNumber, asker, proof, true);
    return this.dataSource.transaction(async (manager) => {
      const record = await this.lockForChange(manager, authorised);
      const complainant = this.complainantOf(record);
      const updates: Partial<ComplaintRecord> = {};
      const contact = { phone: dto.phone, email: dto.email, postalAddress: dto.postalAddress };
      const newContact = Object.fromEntries(Object.entries(contact).filter(([, v]) => v !== undefined));
      // The replaced values stay sealed with the complainant, so text that quotes them is still redacted.
      const next = withAmendedContact(complainant, newContact);
      const contactChanged = Object.keys(newContact).length > 0;
      if (contactChanged) updates.complainantSealed = this.cipher.encrypt(JSON.stringify(next));
      let replyTo: string | undefined;
      if (contactChanged || dto.preferredReplyChannel !== undefined) {
        // The channel the customer will be answered on must still reach them, by the rule the complaint was filed under.
        const source = { channel: record.channel, complainant: next, onBehalfOf: this.representativeOf(record) };
        const gap = replyChannelGap(dto.preferredReplyChannel ?? (record.preferredReplyChannel as ReplyChannel), source);
        if (gap) throw new RequestValidationException([{ path: 'preferredReplyChannel', message: gap }]);
        // Notification follows the whole of it: a complaint filed before replyTo carried every channel's address gets them now.
        replyTo = this.cipher.encrypt(JSON.stringify(replyToOf(source)));
      }
      if (dto.description !== undefined) updates.descriptionSealed = this.cipher.encrypt(dto.description);
      if (dto.preferredReplyChannel !== undefined) updates.preferredReplyChannel = dto.preferredReplyChannel;
      if (dto.language !== undefined) updates.language = dto.language;
      await manager.update(ComplaintRecord, { id: record.id }, updates);
      const event = await this.publisher.publish(manager, Events.ComplaintAmended, record.id, {
        ticketNumber,
        changed: [...changed],
        ...(dto.preferredReplyChannel ? { preferredReplyChannel: dto.preferredReplyChannel } : {}),
        ...(dto.language ? { language: dto.language } : {}),
        ...(replyTo ? { replyTo } : {}),
      });
      await recordOnTimeline(manager, event);
      return { ticketNumber, changed };
    });
  }

  /** Ends the procedure the same day. Withdrawing twice answers with the first withdrawal. */
  async withdraw(ticketNumber: string, asker: Principal, proof: string | undefined, dto: WithdrawDto) {
    const authorised = await this.authorise(ticketNumber, asker, proof, false);
    return this.dataSource.transaction(async (manager) => {
      const record = await this.lockForChange(manager, authorised, false);
      if (record.withdrawnAt) return { ticketNumber, status: 'withdrawn' as const, withdrawnAt: record.withdrawnAt.toISOString() };
      this.assertOpen(record);
      const withdrawnAt = new Date();
      await manager.update(
        ComplaintRecord,
        { id: record.id },
        {
          status: 'withdrawn',
          statusChangedAt: withdrawnAt,
          withdrawnAt,
          withdrawalReasonSealed: dto.reason ? this.cipher.encrypt(dto.reason) : null,
        },
      );
      const event = await this.publisher.publish(manager, Events.ComplaintWithdrawn, record.id, {
        ticketNumber,
        withdrawnAt: withdrawnAt.toISOString(),
        reason: dto.reason ? redactedSummary(dto.reason, personalValuesOf(this.cipher, record), 500) : null,
      });
      await recordOnTimeline(manager, event);
      return { ticketNumber, status: 'withdrawn' as const, withdrawnAt: withdrawnAt.toISOString() };
    });
  }

  /**
   * The complaint, if the asker may see it: staff may (reading only); the customer who filed it,
   * logged in, may; anyone else must prove who they are. Checked before any change's transaction,
   * so a failed proof is recorded whatever the change does, and no request holds two connections.
   */
  private async authorise(ticketNumber: string, asker: Principal, proof: string | undefined, forChange: boolean): Promise<ComplaintRecord> {
    const notFound = () => new NotFoundException(`no complaint with ticket number ${ticketNumber} for this proof of identity`);
    const record = await this.dataSource.manager.findOne(ComplaintRecord, { where: { ticketNumber } });
    if (isStaffOnly(asker)) {
      if (forChange) throw new ProblemException({ type: 'https://complaints.example/problems/forbidden', title: 'Forbidden', status: 403, detail: 'only the customer or their channel may change a complaint' });
      if (!record) throw notFound();
      return record;
    }
    const ownsIt = record && asker.roles.includes('customer') && this.filedBy(record, asker.subject);
    if (record && ownsIt) {
      if (forChange) this.assertOpen(record);
      return record;
    }
    const askerRef = asksForThemselves(asker) ? customerRefOfCustomer(this.cipher, asker.subject) : null;
    const weighed = await this.weighProof(ticketNumber, askerRef, !!record && !!proof && this.proves(record, proof), proof !== undefined);
    if (weighed.verdict === 'locked') throw new ProofAttemptsExhausted(weighed.retryAfterSeconds, weighed.pausedFor);
    if (weighed.verdict === 'refused' || !record) throw notFound();
    if (forChange) this.assertOpen(record);
    return record;
  }

  /**
   * Counts the recent failures of the ticket, and of the customer asking (`askerRef`, their
   * customer reference; null for a channel), and records this one under a lock on each, so
   * concurrent guesses queue: the sixth on a ticket waits for the fifth and is refused, even if it
   * is right, and so is a customer's eleventh, on whatever ticket. The asker's lock is always taken
   * before the ticket's, so two guesses never wait for each other. Only the latest few failures
   * matter: while there are as many as tolerated, the oldest of them is the one whose leaving the
   * window frees a try.
   */
  private weighProof(ticketNumber: string, askerRef: string | null, proven: boolean, proofGiven: boolean): Promise<ProofVerdict> {
    return this.dataSource.transaction(async (manager) => {
      const pausedFor = async (column: 'asker_ref' | 'ticket_number', value: string, tolerated: number): Promise<number | null> => {
        // A ticket's lock keeps the name it had before askers counted, so replicas of either version queue together.
        await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [column === 'asker_ref' ? `identity-proof-asker:${value}` : `identity-proof:${value}`]);
        const latest: { frees_in: number }[] = await manager.query(
          `SELECT ceil(extract(epoch FROM failed_at + $2 * interval '1 millisecond' - now()))::int AS frees_in
             FROM identity_proof_failures
            WHERE ${column} = $1 AND failed_at > now() - $2 * interval '1 millisecond'
            ORDER BY failed_at DESC LIMIT $3`,
          [value, PROOF_LOCKOUT_WINDOW_MS, tolerated],
        );
        return latest.length >= tolerated ? Math.max(1, latest[latest.length - 1].frees_in) : null;
      };
      const callerPause = askerRef === null ? null : await pausedFor('asker_ref', askerRef, this.failuresPerCustomer);
      const ticketPause = await pausedFor('ticket_number', ticketNumber, MAX_PROOF_FAILURES);
      // Paused either way, a try is free again only when both pauses have ended.
      if (callerPause !== null || ticketPause !== null) {
        return { verdict: 'locked', retryAfterSeconds: Math.max(callerPause ?? 0, ticketPause ?? 0), pausedFor: (callerPause ?? 0) > (ticketPause ?? 0) ? 'caller' : 'ticket' };
      }
      if (proven) return { verdict: 'accepted' };
      if (proofGiven) await manager.query(`INSERT INTO identity_proof_failures (ticket_number, asker_ref) VALUES ($1, $2)`, [ticketNumber, askerRef]);
      return { verdict: 'refused' };
    });
  }

  /** The authorised complaint again, its row locked for the change; still open unless `mustBeOpen` is false. */
  private async lockForChange(manager: EntityManager, authorised: ComplaintRecord, mustBeOpen = true): Promise<ComplaintRecord> {
    const record = await manager.findOne(ComplaintRecord, { where: { id: authorised.id }, lock: { mode: 'pessimistic_write' } });
    if (!record) throw new NotFoundException(`no complaint with ticket number ${authorised.ticketNumber}`);
    if (mustBeOpen) this.assertOpen(record);
    return record;
  }

  /**
   * Whether the logged-in customer filed it. A reference issued before references named the kind
   * of value they came from is the bare value's pseudonym, which a phone number or ID number equal
   * to this customer id would share: for those, the sealed customer id must be theirs too.
   */
  private filedBy(record: ComplaintRecord, customerId: string): boolean {
    if (record.customerRef === customerRefOfCustomer(this.cipher, customerId)) return true;
    if (record.customerRef !== unkindedCustomerRef(this.cipher, customerId)) return false;
    const filedWith = this.complainantOf(record).customerId;
    return filedWith !== undefined && filedWith.trim().toLowerCase() === customerId.trim().toLowerCase();
  }

  private proves(record: ComplaintRecord, proof: string): boolean {
    const complainant = this.complainantOf(record);
    const candidates = [complainant.phone, complainant.idNumber]
      .filter((v): v is string => !!v)
      .map((v) => v.replace(/[^0-9Xx]/g, '').slice(-4).toUpperCase())
      .filter((v) => v.length === 4);
    const given = Buffer.from(proof.trim().toUpperCase());
    return candidates.some((c) => given.length === 4 && timingSafeEqual(Buffer.from(c), given));
  }

  private assertOpen(record: ComplaintRecord): void {
    if (!isOpenToCustomerChanges(record.status as ComplaintStatus)) {
      throw new ConflictException(`complaint ${record.ticketNumber} is ${record.status} and can no longer be changed`);
    }
  }

  private complainantOf(record: ComplaintRecord): Complainant {
    return openComplainant(this.cipher, record);
  }

  private representativeOf(record: ComplaintRecord): { phone?: string } | null {
    return record.representativeSealed ? (JSON.parse(this.cipher.decrypt(record.representativeSealed)) as { phone?: string }) : null;
  }
}
