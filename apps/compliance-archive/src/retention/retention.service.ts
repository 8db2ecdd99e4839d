import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Events } from '@complaints/contracts';
import { AuthenticatedRequest, ProblemException, StaffAuditTrail } from '@complaints/platform';
import { holdsRecordOf, noRecordOf } from '../archive/complaint-on-record';
import { PersonalDataView, personalDataViewFor } from './personal-data-view';
import { ComplaintStanding, RetentionPlan, retentionPlan, retentionYearsFromEnv } from './retention-policy';
import { SEALED_HOLD_REASON, SEALED_HOLD_RELEASE_REASON, SealedField } from './sealed-fields';
import { SubjectKeys } from './subject-keys';

export interface LegalHold {
  id: string;
  complaintId: string;
  reason: string;
  reference: string;
  placedAt: string;
  placedBy: string;
  releasedAt: string | null;
  releasedBy: string | null;
  releaseReason: string | null;
}

export interface PurgeRecord {
  purgeId: string;
  customerRef: string;
  complaints: { complaintId: string; ticketNumber: string | null; regime: string | null; closedAt: string | null; retainedUntil: string | null }[];
  keysDestroyed: number;
  purgedAt: string;
}

/** Events that put a complaint answered or withdrawn back in work. */
const REOPENING_EVENTS: string[] = [Events.CaseReopened.type, Events.CaseReviewRequested.type, Events.SurveyReviewOpened.type];

const problem = (status: 404 | 409 | 400, title: string, detail: string) =>
  new ProblemException({
    type: `https://complaints.example/problems/${status === 404 ? 'not-found' : status === 409 ? 'conflict' : 'validation'}`,
    title,
    status,
    detail,
  });

/** A complaint with personal text on record under a key of its own, as no `complaint.received` came to file it under its customer: never due (`RetentionService.unfiled`). */
export interface UnfiledComplaint {
  complaintId: string;
  keyId: string;
  /** When its key was made: the first of its entries with a field to seal. */
  since: string;
  /** Its entries on record, staff actions included, and when the latest of them happened. */
  entries: number;
  lastOccurredAt: string | null;
}

/** A hold as stored: its reasons sealed under the complaint's key (sealed-fields.ts), so they go when the customer is erased. */
interface HoldRow {
  id: string;
  complaint_id: string;
  reason: SealedField;
  reference: string;
  placed_at: Date;
  placed_by: string;
  released_at: Date | null;
  released_by: string | null;
  release_reason: SealedField | null;
}

const holdOf = (r: HoldRow, reason: string, releaseReason: string | null): LegalHold => ({
  id: r.id,
  complaintId: r.complaint_id,
  reason,
  reference: r.reference,
  placedAt: r.placed_at.toISOString(),
  placedBy: r.placed_by,
  releasedAt: r.released_at?.toISOString() ?? null,
  releasedBy: r.released_by,
  releaseReason,
});

/**
 * Retention, legal holds and purges (docs/archive.md, "Retention, legal hold and erasure").
 * Placing or releasing a hold and purging take one transaction-level advisory lock of the
 * schema, so a hold placed while a purge runs is either seen by it or placed after it.
 */
@Injectable()
export class RetentionService {
  /** Read at start-up: a wrong setting stops the service. */
  readonly years = retentionYearsFromEnv();

  constructor(
    private readonly audit: StaffAuditTrail,
    private readonly subjectKeys: SubjectKeys,
  ) {}

  /** The holds with their reasons opened for the reader: as written, masked, or the erasure marker once the key is destroyed. */
  private async opened(manager: EntityManager, rows: HoldRow[], view: PersonalDataView): Promise<LegalHold[]> {
    const open = await this.subjectKeys.textOpenerFor(manager, rows.flatMap((r) => (r.release_reason ? [r.reason, r.release_reason] : [r.reason])), view);
    return rows.map((r) => holdOf(r, open(r.id, SEALED_HOLD_REASON, r.reason), r.release_reason && open(r.id, SEALED_HOLD_RELEASE_REASON, r.release_reason)));
  }

  private lock(manager: EntityManager) {
    return manager.query(`SELECT pg_advisory_xact_lock(hashtext('compliance-archive:retention:' || current_schema()))`);
  }

  /**
   * Every complaint filed under a customer's live key, with its regime and closure as the archive's
   * own events say. Closure is the last final response or withdrawal; a reopening, a review asked
   * for or one opened by a poor survey score after it makes the complaint open again, with no time
   * limit, until the next final response closes it.
   */
  async standings(manager: EntityManager): Promise<ComplaintStanding[]> {
    const rows: { complaintId: string; customerRef: string; keyId: string; ownKeys: string[] | null; regime: string | null; ticketNumber: string | null; closedAt: Date | null }[] =
      await manager.query(
        `SELECT s.complaint_id::text AS "complaintId", s.customer_ref AS "customerRef", s.key_id AS "keyId", s.regime,
                (SELECT array_agg(p.key_id) FROM archive_subject_keys p WHERE p.complaint_id = s.complaint_id AND p.destroyed_at IS NULL) AS "ownKeys",
                (SELECT e.canonical::jsonb -> 'payload' ->> 'ticketNumber' FROM archive_entries e
                  WHERE e.complaint_id = s.complaint_id AND e.event_type = 'complaint.received' ORDER BY e.seq LIMIT 1) AS "ticketNumber",
                -- Reopened at or after its closure is open: erasure cannot be undone, a tie keeps the data.
                CASE WHEN c.reopened_at IS NULL OR c.reopened_at < c.closed_at THEN c.closed_at END AS "closedAt"
           FROM archive_complaint_subjects s JOIN archive_subject_keys k ON k.key_id = s.key_id
           LEFT JOIN LATERAL (
             SELECT max(CASE WHEN e.event_type = 'complaint.withdrawn'
                             THEN coalesce((e.canonical::jsonb -> 'payload' ->> 'withdrawnAt')::timestamptz, e.occurred_at)
                             ELSE e.occurred_at END) FILTER (WHERE e.event_type <> ALL($1)) AS closed_at,
                    max(e.occurred_at) FILTER (WHERE e.event_type = ANY($1)) AS reopened_at
               FROM archive_entries e
              WHERE e.complaint_id = s.complaint_id
                AND (e.event_type = 'complaint.withdrawn'
                     OR (e.event_type = 'notification.sent' AND e.canonical::jsonb -> 'payload' ->> 'kind' = 'final-response')
                     OR e.event_type = ANY($1))
           ) c ON true
          WHERE k.destroyed_at IS NULL`,
        [REOPENING_EVENTS],
      );
    return rows.map((r) => ({
      complaintId: r.complaintId,
      ticketNumber: r.ticketNumber,
      customerRef: r.customerRef,
      keyIds: [r.keyId, ...(r.ownKeys ?? [])],
      regime: r.regime,
      closedAt: r.closedAt ? new Date(r.closedAt) : null,
    }));
  }

  async activeHolds(manager: EntityManager): Promise<Map<string, string[]>> {
    const rows: { complaint_id: string; id: string }[] = await manager.query(
      `SELECT complaint_id::text, id::text FROM archive_legal_holds WHERE released_at IS NULL ORDER BY placed_at, id`,
    );
    const holds = new Map<string, string[]>();
    for (const r of rows) holds.set(r.complaint_id, [...(holds.get(r.complaint_id) ?? []), r.id]);
    return holds;
  }

  /**
   * Complaints the archive holds personal text of but never a `complaint.received`: their fields
   * are sealed under a key of their own, which names no customer and no regime, so no purge can
   * judge them (they are never due). A complaint whose entries hold codes only has no key and
   * nothing to erase, so it is not listed. Listed so that compliance finds the gap (intake's event
   * dead-lettered, or a topic's retention passed) and has it replayed; once it arrives, the
   * complaint is filed under its customer and leaves this list.
   */
  async unfiled(manager: EntityManager): Promise<UnfiledComplaint[]> {
    const rows: { complaintId: string; keyId: string; since: Date; entries: number; lastOccurredAt: Date | null }[] = await manager.query(
      `SELECT k.complaint_id::text AS "complaintId", k.key_id AS "keyId", k.created_at AS since,
              (SELECT count(*)::int FROM archive_entries e WHERE e.complaint_id = k.complaint_id) AS entries,
              (SELECT max(e.occurred_at) FROM archive_entries e WHERE e.complaint_id = k.complaint_id) AS "lastOccurredAt"
         FROM archive_subject_keys k
        WHERE k.complaint_id IS NOT NULL AND k.linked_to IS NULL AND k.destroyed_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM archive_complaint_subjects s WHERE s.complaint_id = k.complaint_id)
        ORDER BY k.created_at, k.key_id`,
    );
    return rows.map((r) => ({ complaintId: r.complaintId, keyId: r.keyId, since: r.since.toISOString(), entries: r.entries, lastOccurredAt: r.lastOccurredAt?.toISOString() ?? null }));
  }

  async plan(manager: EntityManager, asOf: Date): Promise<RetentionPlan> {
    return retentionPlan(await this.standings(manager), await this.activeHolds(manager), this.years, asOf);
  }

  /**
   * Destroys the data keys of every customer due as of `asOf`: the wrapped key is erased, the row
   * stays with the date. Each purge goes to archive_purges and, per complaint, on the staff audit
   * trail. Idempotent: a customer erased already has no live key, so is not due again.
   */
  async purge(manager: EntityManager, request: AuthenticatedRequest, asOf: Date, reference: string | null = null): Promise<{ asOf: string; purged: PurgeRecord[]; heldBack: RetentionPlan['heldBack'] }> {
    const principal = request.principal;
    if (!principal) throw new Error('a purge needs an authenticated caller');
    await this.lock(manager);
    const first = await this.plan(manager, asOf);
    if (!first.due.length) return { asOf: first.asOf, purged: [], heldBack: first.heldBack };
    // Lock the keys, then decide again: a complaint filed under one of them meanwhile keeps it.
    await manager.query(`SELECT key_id FROM archive_subject_keys WHERE key_id = ANY($1) AND destroyed_at IS NULL ORDER BY key_id FOR UPDATE`, [
      first.due.flatMap((c) => c.keyIds),
    ]);
    const plan = await this.plan(manager, asOf);
    const wasDue = new Map(first.due.map((c) => [c.customerRef, c.keyIds.join(',')]));
    const purged: PurgeRecord[] = [];
    for (const customer of plan.due.filter((c) => wasDue.get(c.customerRef) === c.keyIds.join(','))) {
      const purgeId = randomUUID();
      // An UPDATE … RETURNING answers [rows, count] through TypeORM.
      const [destroyed]: [{ key_id: string; destroyed_at: Date }[], number] = await manager.query(
        `UPDATE archive_subject_keys SET wrapped_key = NULL, destroyed_at = clock_timestamp(), purge_id = $2
          WHERE key_id = ANY($1) AND destroyed_at IS NULL RETURNING key_id, destroyed_at`,
        [customer.keyIds, purgeId],
      );
      const [{ purged_at }]: { purged_at: Date }[] = await manager.query(
        `INSERT INTO archive_purges (id, customer_ref, complaints, key_ids, as_of, reference, actor, roles) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING purged_at`,
        [purgeId, customer.customerRef, customer.complaints.map((c) => c.complaintId), destroyed.map((d) => d.key_id), asOf.toISOString(), reference, principal.subject, principal.roles],
      );
      for (const c of customer.complaints) {
        await this.audit.record(manager, request, c.complaintId, 'archive.personal-data-erased', {
          purgeId,
          ...(c.regime ? { regime: c.regime } : {}),
          ...(c.closedAt ? { closedAt: c.closedAt } : {}),
          ...(c.retainedUntil ? { retainedUntil: c.retainedUntil } : {}),
          asOf: asOf.toISOString(),
          ...(reference !== null ? { reference } : {}),
        });
      }
      purged.push({
        purgeId,
        customerRef: customer.customerRef,
        complaints: customer.complaints.map(({ complaintId, ticketNumber, regime, closedAt, retainedUntil }) => ({ complaintId, ticketNumber, regime, closedAt, retainedUntil })),
        keysDestroyed: destroyed.length,
        purgedAt: new Date(purged_at).toISOString(),
      });
    }
    return { asOf: plan.asOf, purged, heldBack: plan.heldBack };
  }

  async holdsOf(manager: EntityManager, complaintId: string, view: PersonalDataView): Promise<LegalHold[]> {
    const rows: HoldRow[] = await manager.query(`SELECT * FROM archive_legal_holds WHERE complaint_id = $1 ORDER BY placed_at, id`, [complaintId]);
    return this.opened(manager, rows, view);
  }

  async placeHold(manager: EntityManager, request: AuthenticatedRequest, complaintId: string, reason: string, reference: string): Promise<LegalHold> {
    const principal = request.principal;
    if (!principal) throw new Error('a legal hold needs an authenticated caller');
    await this.lock(manager);
    if (!(await holdsRecordOf(manager, complaintId))) throw noRecordOf();
    const [erased]: { destroyed_at: Date }[] = await manager.query(
      `SELECT k.destroyed_at FROM archive_complaint_subjects s JOIN archive_subject_keys k ON k.key_id = s.key_id WHERE s.complaint_id = $1 AND k.destroyed_at IS NOT NULL`,
      [complaintId],
    );
    if (erased) throw problem(409, 'Already erased', `the personal data of this complaint was erased on ${erased.destroyed_at.toISOString().slice(0, 10)}; a hold cannot bring it back`);
    const id = randomUUID();
    const sealed = await this.subjectKeys.sealText(manager, complaintId, id, SEALED_HOLD_REASON, reason);
    const [row]: HoldRow[] = await manager.query(
      `INSERT INTO archive_legal_holds (id, complaint_id, reason, reference, placed_by) VALUES ($1, $2, $3::jsonb, $4, $5) RETURNING *`,
      [id, complaintId, JSON.stringify(sealed), reference, principal.subject],
    );
    await this.audit.record(manager, request, complaintId, 'archive.legal-hold-placed', { holdId: row.id, reference, reason });
    return holdOf(row, personalDataViewFor(principal).text(reason), null);
  }

  async releaseHold(manager: EntityManager, request: AuthenticatedRequest, complaintId: string, holdId: string, reason: string): Promise<LegalHold> {
    const principal = request.principal;
    if (!principal) throw new Error('a legal hold needs an authenticated caller');
    await this.lock(manager);
    const [found]: HoldRow[] = await manager.query(`SELECT * FROM archive_legal_holds WHERE id = $1 AND complaint_id = $2 FOR UPDATE`, [holdId, complaintId]);
    if (!found) throw problem(404, 'Not found', 'this complaint has no such legal hold');
    if (found.released_at) throw problem(409, 'Already released', `the hold was released on ${found.released_at.toISOString()}`);
    const sealed = await this.subjectKeys.sealText(manager, complaintId, holdId, SEALED_HOLD_RELEASE_REASON, reason);
    const [[row]]: [HoldRow[], number] = await manager.query(
      `UPDATE archive_legal_holds SET released_at = clock_timestamp(), released_by = $2, release_reason = $3::jsonb WHERE id = $1 RETURNING *`,
      [holdId, principal.subject, JSON.stringify(sealed)],
    );
    await this.audit.record(manager, request, complaintId, 'archive.legal-hold-released', { holdId, reason });
    const [released] = await this.opened(manager, [row], personalDataViewFor(principal));
    return released;
  }
}
