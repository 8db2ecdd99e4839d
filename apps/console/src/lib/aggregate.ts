/**
 * The manager's figures, computed from what the services return: archive search rows for the
 * volumes, investigation cases for deadlines and root causes.
 */
import { Deadline, DeadlineInput, deadlineOf, DeadlineState } from './deadline';

export type VolumeDimension = 'category' | 'channel' | 'productCode';

export interface IndexedComplaintLike {
  receivedAt: string | null;
  category: string | null;
  channel: string | null;
  productCode: string | null;
}

/** The calendar day of an instant in a time zone, as YYYY-MM-DD. */
export function dayOf(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** Every day from `from` to `to` (inclusive) in the zone, so quiet days show as zero rather than vanish. */
export function daysBetween(from: Date, to: Date, timeZone: string): string[] {
  const days: string[] = [];
  const last = dayOf(to.toISOString(), timeZone);
  for (let t = from.getTime(); ; t += 86_400_000) {
    const d = dayOf(new Date(t).toISOString(), timeZone);
    if (days[days.length - 1] !== d) days.push(d);
    if (d >= last) break;
  }
  return days;
}

export interface VolumeSeries {
  days: string[];
  /** Largest first; the tail beyond `top` is summed under key `other`; no value under `unclassified`. */
  series: { key: string; counts: number[]; total: number }[];
  total: number;
}

export function volumesOverTime(rows: readonly IndexedComplaintLike[], dimension: VolumeDimension, from: Date, to: Date, timeZone: string, top = 6): VolumeSeries {
  const days = daysBetween(from, to, timeZone);
  const index = new Map(days.map((d, i) => [d, i]));
  const byKey = new Map<string, number[]>();
  let total = 0;
  for (const row of rows) {
    if (!row.receivedAt) continue;
    const i = index.get(dayOf(row.receivedAt, timeZone));
    if (i === undefined) continue;
    const key = row[dimension] ?? 'unclassified';
    if (!byKey.has(key)) byKey.set(key, new Array(days.length).fill(0));
    byKey.get(key)![i] += 1;
    total += 1;
  }
  const ranked = [...byKey.entries()]
    .map(([key, counts]) => ({ key, counts, total: counts.reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
  const head = ranked.slice(0, top);
  const tail = ranked.slice(top);
  if (tail.length) {
    const counts = days.map((_, i) => tail.reduce((s, r) => s + r.counts[i], 0));
    head.push({ key: 'other', counts, total: counts.reduce((a, b) => a + b, 0) });
  }
  return { days, series: head, total };
}

export interface CaseLike extends DeadlineInput {
  findings?: { rootCause?: { code?: string } } | null;
}

export type ComplianceCounts = Record<DeadlineState, number> & {
  /** Answered cases answered by their date, as a share of all answered (null when none answered). */
  onTimeRate: number | null;
};

export function deadlineCompliance(cases: readonly CaseLike[], now: Date): ComplianceCounts {
  const counts: ComplianceCounts = { 'on-track': 0, warning: 0, breached: 0, paused: 0, met: 0, late: 0, stopped: 0, onTimeRate: null };
  for (const c of cases) counts[deadlineOf(c, now).state] += 1;
  const answered = counts.met + counts.late;
  counts.onTimeRate = answered ? counts.met / answered : null;
  return counts;
}

export function topRootCauses(cases: readonly CaseLike[], limit = 7): { code: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const c of cases) {
    const code = c.findings?.rootCause?.code;
    if (code) counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([code, count]) => ({ code, count }))
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code))
    .slice(0, limit);
}

export type { Deadline };
