import { Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CHANNELS, EventEnvelope, Events, OUTCOMES, REGIMES, SEVERITIES } from '@complaints/contracts';

/**
 * The complaint index (table archive_complaint_index): one row per complaint, projected from its
 * archived events so compliance officers can search and the regulatory statistics can count.
 * A projection, not evidence: archive_entries stays the record, and the index can be rebuilt
 * from it at any time (`rebuild`). Projecting is idempotent and does not depend on the order
 * events arrive in across topics (docs/archive.md, "Search and statistics").
 */
/** `reopened`: answered, then worked again (a case reopened, a 核查 review, a low follow-up score) and not answered since. */
export const COMPLAINT_STATUSES = ['received', 'triaged', 'responded', 'closed', 'reopened', 'withdrawn'] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

/** The event types the index reads; every other event leaves it alone. */
export const INDEXED_EVENT_TYPES = [
  Events.ComplaintReceived.type,
  Events.ComplaintTriaged.type,
  Events.ComplaintRetriaged.type,
  Events.CaseResolved.type,
  Events.CaseResponseIssued.type,
  Events.RemedyProposed.type,
  Events.RemedyWithdrawn.type,
  Events.RemedyRejected.type,
  Events.RemedyReversed.type,
  Events.NotificationSent.type,
  Events.ComplaintWithdrawn.type,
  Events.CaseReopened.type,
  Events.CaseReviewRequested.type,
  Events.SurveyReviewOpened.type,
] as const;

/**
 * The versions whose fields the index reads, per type (absent: v1 only): a new version is read only
 * once it is listed here, and a test fails until every version the catalogue defines is decided on.
 */
export const INDEXED_VERSIONS: Readonly<Record<string, readonly number[]>> = {
  [Events.CaseResponseIssued.type]: [1, 2],
  // v2 of these sealed the staff's reason, which the index never reads.
  [Events.CaseReopened.type]: [1, 2],
  [Events.CaseReviewRequested.type]: [1, 2],
  [Events.RemedyWithdrawn.type]: [1, 2],
  [Events.RemedyRejected.type]: [1, 2],
  [Events.RemedyReversed.type]: [1, 2],
  // v2 sealed the triage officer's reason; the index reads the outcome only.
  [Events.ComplaintRetriaged.type]: [1, 2],
};

/**
 * What the complaint's closures are derived from (statistics/closures.ts): every decision with its
 * outcome, every final response, every return to work, the withdrawal. The row keeps only the first
 * and latest of these; a reopened complaint closed twice needs each (docs/archive.md).
 */
export const MILESTONE_KINDS = ['decision', 'final-response', 'reopening', 'withdrawal'] as const;
export type MilestoneKind = (typeof MILESTONE_KINDS)[number];
export type Outcome = (typeof OUTCOMES)[number];

/** The events after which a remedy no longer counts as redress: nothing is, or stays, paid for it. */
export const REMEDY_ENDINGS = ['withdrawn', 'rejected', 'reversed'] as const;
export type RemedyEnding = (typeof REMEDY_ENDINGS)[number];
const ENDED_AS: Readonly<Record<string, RemedyEnding>> = {
  [Events.RemedyWithdrawn.type]: 'withdrawn',
  [Events.RemedyRejected.type]: 'rejected',
  [Events.RemedyReversed.type]: 'reversed',
};

/** What one event contributes to its complaint's row; null where the event says nothing. */
export interface IndexPatch {
  complaintId: string;
  ticketNumber: string | null;
  customerRef: string | null;
  channel: string | null;
  regime: string | null;
  receivedAt: string | null;
  /** The triage decision and when it was taken: a later decision replaces an earlier one. */
  triagedAt: string | null;
  taxonomy: string | null;
  productCode: string | null;
  causeCode: string | null;
  channelCode: string | null;
  category: string | null;
  severity: string | null;
  department: string | null;
  outcome: string | null;
  resolvedAt: string | null;
  respondedAt: string | null;
  withdrawnAt: string | null;
  /** Worked again after an answer: the complaint is open until the next final response. */
  reopenedAt: string | null;
  /** A proposal of the remedy; proposed again with the same id when amended, the latest (by eventAt) holds its amount. */
  remedy: { remedyId: string; amountMinor: number; currency: string } | null;
  remedyEnd: { remedyId: string; endedAs: RemedyEnding; endedAt: string } | null;
  milestone: { kind: MilestoneKind; at: string; outcome: Outcome | null } | null;
  /** The event's own time: updated_at is the newest of these, so projecting again changes nothing. */
  eventAt: string;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const text = (v: unknown, max = 200): string | null => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : null);
const oneOf = (v: unknown, values: readonly string[]): string | null => (typeof v === 'string' && values.includes(v) ? v : null);
const instant = (v: unknown): string | null => {
  if (typeof v !== 'string') return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The patch one event makes to the index, or null for an event the index does not read. Fields
 * are taken only when they have the shape the contracts give them, so an odd archived event
 * contributes less instead of failing the append.
 */
export function indexPatchOf(event: EventEnvelope): IndexPatch | null {
  if (!(INDEXED_EVENT_TYPES as readonly string[]).includes(event.type) || !(INDEXED_VERSIONS[event.type] ?? [1]).includes(event.version)) return null;
  const eventAt = instant(event.occurredAt);
  if (!eventAt || typeof event.complaintId !== 'string' || !UUID.test(event.complaintId)) return null;
  const p = obj(event.payload) ?? {};
  const patch: IndexPatch = {
    complaintId: event.complaintId.toLowerCase(),
    ticketNumber: text(p.ticketNumber, 100),
    customerRef: null,
    channel: null,
    regime: null,
    receivedAt: null,
    triagedAt: null,
    taxonomy: null,
    productCode: null,
    causeCode: null,
    channelCode: null,
    category: null,
    severity: null,
    department: null,
    outcome: null,
    resolvedAt: null,
    respondedAt: null,
    withdrawnAt: null,
    reopenedAt: null,
    remedy: null,
    remedyEnd: null,
    milestone: null,
    eventAt,
  };
  switch (event.type) {
    case Events.ComplaintReceived.type:
      patch.customerRef = text(p.customerRef, 100);
      patch.channel = oneOf(p.channel, CHANNELS);
      patch.regime = oneOf(p.regime, REGIMES);
      patch.receivedAt = instant(p.receivedAt) ?? eventAt;
      return patch;
    case Events.ComplaintTriaged.type:
      patch.triagedAt = eventAt;
      patch.taxonomy = text(p.taxonomy, 50);
      patch.productCode = text(obj(p.product)?.code, 40);
      patch.causeCode = text(obj(p.cause)?.code, 40);
      patch.channelCode = text(p.channelCode, 20);
      patch.category = text(p.category, 100);
      patch.severity = oneOf(p.severity, SEVERITIES);
      patch.department = text(p.department, 100);
      return patch;
    case Events.ComplaintRetriaged.type: {
      const current = obj(p.current) ?? {};
      patch.triagedAt = eventAt;
      patch.productCode = text(current.product, 40);
      patch.causeCode = text(current.cause, 40);
      patch.severity = oneOf(current.severity, SEVERITIES);
      patch.department = text(current.department, 100);
      return patch;
    }
    case Events.CaseResolved.type:
    case Events.CaseResponseIssued.type: {
      const outcome = oneOf(p.outcome, OUTCOMES) as Outcome | null;
      patch.outcome = outcome;
      patch.resolvedAt = outcome ? eventAt : null;
      patch.milestone = outcome ? { kind: 'decision', at: eventAt, outcome } : null;
      return patch;
    }
    case Events.RemedyProposed.type: {
      const amount = obj(p.amount);
      const remedyId = text(p.remedyId, 36);
      const minor = amount?.amountMinor;
      const currency = text(amount?.currency, 3);
      if (remedyId && UUID.test(remedyId) && typeof minor === 'number' && Number.isSafeInteger(minor) && minor >= 0 && currency && /^[A-Z]{3}$/.test(currency)) {
        patch.remedy = { remedyId: remedyId.toLowerCase(), amountMinor: minor, currency };
      }
      return patch;
    }
    case Events.RemedyWithdrawn.type:
    case Events.RemedyRejected.type:
    case Events.RemedyReversed.type: {
      const remedyId = text(p.remedyId, 36);
      if (remedyId && UUID.test(remedyId)) patch.remedyEnd = { remedyId: remedyId.toLowerCase(), endedAs: ENDED_AS[event.type], endedAt: eventAt };
      return patch;
    }
    case Events.NotificationSent.type:
      if (p.kind !== 'final-response') return null;
      patch.respondedAt = eventAt;
      patch.milestone = { kind: 'final-response', at: eventAt, outcome: null };
      return patch;
    case Events.ComplaintWithdrawn.type:
      patch.withdrawnAt = instant(p.withdrawnAt) ?? eventAt;
      patch.milestone = { kind: 'withdrawal', at: patch.withdrawnAt, outcome: null };
      return patch;
    case Events.CaseReopened.type:
    case Events.CaseReviewRequested.type:
    case Events.SurveyReviewOpened.type:
      patch.reopenedAt = eventAt;
      patch.milestone = { kind: 'reopening', at: eventAt, outcome: null };
      return patch;
    default:
      return null;
  }
}

/** Newer decision wins where it says something; an older one only fills what the newer left empty. */
const newer = (column: string, at: string) =>
  `${column} = CASE WHEN t.${at} IS NULL OR EXCLUDED.${at} >= t.${at} THEN COALESCE(EXCLUDED.${column}, t.${column}) ELSE COALESCE(t.${column}, EXCLUDED.${column}) END`;

const UPSERT = `
  INSERT INTO archive_complaint_index AS t (
    complaint_id, ticket_number, customer_ref, channel, regime, received_at,
    triaged_at, taxonomy, product_code, cause_code, channel_code, category, severity, department,
    outcome, resolved_at, responded_at, last_responded_at, withdrawn_at, reopened_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19, $20)
  ON CONFLICT (complaint_id) DO UPDATE SET
    ticket_number = COALESCE(t.ticket_number, EXCLUDED.ticket_number),
    customer_ref = COALESCE(EXCLUDED.customer_ref, t.customer_ref),
    channel = COALESCE(EXCLUDED.channel, t.channel),
    regime = COALESCE(EXCLUDED.regime, t.regime),
    received_at = COALESCE(EXCLUDED.received_at, t.received_at),
    ${['taxonomy', 'product_code', 'cause_code', 'channel_code', 'category', 'severity', 'department'].map((c) => newer(c, 'triaged_at')).join(',\n    ')},
    triaged_at = GREATEST(t.triaged_at, EXCLUDED.triaged_at),
    ${newer('outcome', 'resolved_at')},
    resolved_at = GREATEST(t.resolved_at, EXCLUDED.resolved_at),
    responded_at = LEAST(t.responded_at, EXCLUDED.responded_at),
    last_responded_at = GREATEST(t.last_responded_at, EXCLUDED.last_responded_at),
    withdrawn_at = LEAST(t.withdrawn_at, EXCLUDED.withdrawn_at),
    reopened_at = GREATEST(t.reopened_at, EXCLUDED.reopened_at),
    updated_at = GREATEST(t.updated_at, EXCLUDED.updated_at)`;

/**
 * The complaint's remedies that still stand (`complaintId` is an SQL expression): each once, at the
 * amount of its latest proposal (compensation amends a waiting proposal in place and proposes it
 * again under the same id), and none that was withdrawn, rejected or reversed. Columns
 * remedy_id, amount_minor, currency, proposed_at (of that latest proposal).
 */
export const standingRemedies = (complaintId: string) => `
  SELECT DISTINCT ON (p.remedy_id) p.remedy_id, p.amount_minor, p.currency, p.proposed_at
    FROM archive_complaint_index_remedies p
   WHERE p.complaint_id = ${complaintId}
     AND NOT EXISTS (SELECT 1 FROM archive_complaint_index_remedy_ends e WHERE e.remedy_id = p.remedy_id)
   ORDER BY p.remedy_id, p.proposed_at DESC`;

/** Redress: the sum of the complaint's standing remedies; null when there are none, or they are in more than one currency. */
const REDRESS = `
  UPDATE archive_complaint_index i
     SET redress_minor = r.total, redress_currency = r.currency
    FROM (SELECT CASE WHEN count(DISTINCT currency) = 1 THEN sum(amount_minor) END AS total,
                 CASE WHEN count(DISTINCT currency) = 1 THEN min(currency) END AS currency
            FROM (${standingRemedies('$1')}) s) r
   WHERE i.complaint_id = $1`;

/**
 * The table the newest index migration adds. Earlier migrations rebuild the index with this code,
 * which writes tables they predate: they leave the rebuild to the newest, which always runs after
 * them. Name here whatever the next index migration adds.
 */
const LATEST_INDEX_TABLE = 'archive_complaint_index_milestones';

/** Events read per batch when rebuilding. */
const REBUILD_BATCH = 500;

export class ComplaintIndex {
  private readonly logger = new Logger('ComplaintIndex');

  /**
   * Projects archived events into the index, in the caller's transaction (the archiving one, after
   * the entries are inserted). The index is not evidence: if projecting fails, the failure is rolled
   * back to a savepoint and logged, and the events are archived all the same; `rebuild` catches the
   * index up later. The events of one transaction share a savepoint; if that fails, each is
   * projected under its own, so one odd event does not keep the others out of the index.
   */
  async project(manager: EntityManager, events: EventEnvelope[]): Promise<void> {
    const patches = events.flatMap((event) => {
      const patch = indexPatchOf(event);
      return patch ? [{ event, patch }] : [];
    });
    if (patches.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive) {
      for (const { patch } of patches) await this.apply(manager, patch);
      return;
    }
    if (patches.length > 1) {
      const failure = await this.underSavepoint(manager, patches.map((p) => p.patch));
      if (!failure) return;
      this.logger.warn(`complaint index: projecting ${patches.length} events together failed (${failure.message}); projecting each on its own`);
    }
    for (const { event, patch } of patches) {
      const failure = await this.underSavepoint(manager, [patch]);
      if (failure) {
        this.logger.error(`complaint index not updated for event ${event.eventId} (${event.type}): ${failure.message}; GET /v1/archive/search may miss it until the index is rebuilt`);
      }
    }
  }

  /** Applies the patches under a savepoint; on failure rolls them back and returns the error. */
  private async underSavepoint(manager: EntityManager, patches: IndexPatch[]): Promise<Error | null> {
    await manager.query(`SAVEPOINT complaint_index`);
    try {
      for (const patch of patches) await this.apply(manager, patch);
      await manager.query(`RELEASE SAVEPOINT complaint_index`);
      return null;
    } catch (error) {
      await manager.query(`ROLLBACK TO SAVEPOINT complaint_index`);
      await manager.query(`RELEASE SAVEPOINT complaint_index`);
      return error as Error;
    }
  }

  /** Projects one event, failing loudly (used by `rebuild` and tests). */
  async projectOrFail(manager: EntityManager, event: EventEnvelope): Promise<void> {
    const patch = indexPatchOf(event);
    if (patch) await this.apply(manager, patch);
  }

  /**
   * (Re)builds the index from archive_entries, reading the events the index uses in seq order.
   * Idempotent, so it may run over an index that is already (partly) there; it never deletes.
   * Returns the number of events projected; 0 when called by a migration older than the index's
   * newest, whose tables this code needs (see LATEST_INDEX_TABLE).
   */
  async rebuild(manager: EntityManager): Promise<number> {
    const [{ current }]: { current: boolean }[] = await manager.query(`SELECT to_regclass($1) IS NOT NULL AS current`, [LATEST_INDEX_TABLE]);
    if (!current) return 0;
    let after = '0';
    let projected = 0;
    for (;;) {
      const rows: { seq: string; canonical: string }[] = await manager.query(
        `SELECT seq::text AS seq, canonical FROM archive_entries WHERE seq > $1 AND event_type = ANY($2) ORDER BY seq LIMIT ${REBUILD_BATCH}`,
        [after, [...INDEXED_EVENT_TYPES]],
      );
      for (const row of rows) {
        await this.projectOrFail(manager, JSON.parse(row.canonical) as EventEnvelope);
        projected += 1;
      }
      if (rows.length < REBUILD_BATCH) return projected;
      after = rows[rows.length - 1].seq;
    }
  }

  private async apply(manager: EntityManager, p: IndexPatch): Promise<void> {
    await manager.query(UPSERT, [
      p.complaintId, p.ticketNumber, p.customerRef, p.channel, p.regime, p.receivedAt,
      p.triagedAt, p.taxonomy, p.productCode, p.causeCode, p.channelCode, p.category, p.severity, p.department,
      p.outcome, p.resolvedAt, p.respondedAt, p.withdrawnAt, p.reopenedAt, p.eventAt,
    ]);
    if (p.milestone) {
      await manager.query(
        `INSERT INTO archive_complaint_index_milestones (complaint_id, kind, at, outcome) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [p.complaintId, p.milestone.kind, p.milestone.at, p.milestone.outcome],
      );
    }
    // Each proposal is kept, keyed by its time: the latest wins whatever order they are projected
    // in, and the same proposal published again under a new event id adds nothing.
    if (p.remedy) {
      await manager.query(
        `INSERT INTO archive_complaint_index_remedies (remedy_id, complaint_id, amount_minor, currency, proposed_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (remedy_id, proposed_at) DO NOTHING`,
        [p.remedy.remedyId, p.complaintId, p.remedy.amountMinor, p.remedy.currency, p.eventAt],
      );
    }
    if (p.remedyEnd) {
      await manager.query(
        `INSERT INTO archive_complaint_index_remedy_ends (remedy_id, complaint_id, ended_as, ended_at) VALUES ($1, $2, $3, $4) ON CONFLICT (remedy_id) DO NOTHING`,
        [p.remedyEnd.remedyId, p.complaintId, p.remedyEnd.endedAs, p.remedyEnd.endedAt],
      );
    }
    if (p.remedy || p.remedyEnd) await manager.query(REDRESS, [p.complaintId]);
  }
}
