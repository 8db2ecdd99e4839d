import { Events } from '@complaints/contracts';

/** Events that put an answered or withdrawn complaint back in work, as retention counts them (docs/archive.md, "Retention policy"). */
export const REOPENING_EVENTS: readonly string[] = [Events.CaseReopened.type, Events.CaseReviewRequested.type, Events.SurveyReviewOpened.type];

/**
 * Events that join a complaint's record after its seal without leaving the seal short: readings and
 * holds (staff actions, which every retrieval puts on the record) and the seals themselves. Any
 * other event after a seal is part of the complaint's story the seal does not cover.
 */
export const OUTSIDE_THE_SEAL: readonly string[] = [Events.StaffActionRecorded.type, Events.DossierSealed.type];

/** The event types `standingOf` reads: the archive selects only these. */
export const STANDING_EVENTS: readonly string[] = [Events.NotificationSent.type, Events.ComplaintWithdrawn.type, ...REOPENING_EVENTS];

/** One archived event as `standingOf` reads it: `kind` of a letter, `withdrawnAt` of a withdrawal. */
export interface StandingEvent {
  seq: number;
  type: string;
  occurredAt: string | Date;
  payload: { kind?: unknown; withdrawnAt?: unknown } | null;
}

export interface Standing {
  /** The latest final response or withdrawal, by when it happened. */
  closedBy: { seq: number; type: string; at: string } | null;
  /** The latest reopening, by when it happened. */
  reopenedBy: { seq: number; type: string; at: string } | null;
  /** Put back in work at or after its latest closure (or without one): its record is open. */
  reopened: boolean;
  /** Answered or withdrawn and not put back in work since: its record is complete and must be sealed. */
  closed: boolean;
}

const instantOf = (value: unknown): number | null => {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value !== 'string') return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
};

/**
 * Whether the complaint stands closed or reopened, from its events. Ordered by when they happened,
 * not by when they reached the archive: topics are ordered each on its own, so a reopening can
 * arrive after the answer that settled it. A withdrawal counts from `withdrawnAt`, as for
 * retention, and a reopening at the very instant of a closure counts as reopened, as for
 * retention: the two must agree on when a record is complete.
 */
export function standingOf(events: Iterable<StandingEvent>): Standing {
  let closed: { seq: number; type: string; at: string; t: number } | null = null;
  let reopened: { seq: number; type: string; at: string; t: number } | null = null;
  const later = (a: { t: number; seq: number } | null, t: number, seq: number) => a === null || t > a.t || (t === a.t && seq > a.seq);
  for (const e of events) {
    const isClosure = e.type === Events.ComplaintWithdrawn.type || (e.type === Events.NotificationSent.type && e.payload?.kind === 'final-response');
    const isReopening = REOPENING_EVENTS.includes(e.type);
    if (!isClosure && !isReopening) continue;
    const occurred = instantOf(e.occurredAt);
    const t = e.type === Events.ComplaintWithdrawn.type ? (instantOf(e.payload?.withdrawnAt) ?? occurred) : occurred;
    if (t === null) continue;
    const at = new Date(t).toISOString();
    if (isClosure && later(closed, t, e.seq)) closed = { seq: e.seq, type: e.type, at, t };
    if (isReopening && later(reopened, t, e.seq)) reopened = { seq: e.seq, type: e.type, at, t };
  }
  const isReopened = reopened !== null && (closed === null || reopened.t >= closed.t);
  const strip = (x: { seq: number; type: string; at: string } | null) => (x ? { seq: x.seq, type: x.type, at: x.at } : null);
  return { closedBy: strip(closed), reopenedBy: strip(reopened), reopened: isReopened, closed: closed !== null && !isReopened };
}
