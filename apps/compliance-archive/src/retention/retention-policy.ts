import { REGIMES } from '@complaints/contracts';

export type Regime = (typeof REGIMES)[number];

/**
 * Years the personal text of a closed complaint is kept, per regime, counted from closure (the
 * final response sent, or the withdrawal). docs/archive.md gives the reasoning; cn-cbirc and
 * us-cfpb are marked "check" there: confirm them with the bank's compliance function.
 */
export const DEFAULT_RETENTION_YEARS: Readonly<Record<Regime, number>> = {
  // FCA DISP 1.9.1R: three years from receipt (five for MiFID / UCITS complaints); from closure is never shorter.
  'uk-fca': 3,
  // check: no complaint-specific period found; AML Law art. 34 keeps customer records five years after the relationship ends.
  'cn-cbirc': 5,
  // check: Reg E / Reg Z keep evidence of compliance two years, Reg F three; three covers both.
  'us-cfpb': 3,
};

/** `ARCHIVE_RETENTION_YEARS='{"uk-fca":3,"cn-cbirc":5,"us-cfpb":3}'`: any regime left out keeps its default. */
export function retentionYearsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<Regime, number> {
  const raw = env.ARCHIVE_RETENTION_YEARS?.trim();
  if (!raw) return { ...DEFAULT_RETENTION_YEARS };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('ARCHIVE_RETENTION_YEARS must be JSON, e.g. {"uk-fca":3,"cn-cbirc":5,"us-cfpb":3}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('ARCHIVE_RETENTION_YEARS must be a JSON object of regime to years');
  const years = { ...DEFAULT_RETENTION_YEARS };
  for (const [regime, value] of Object.entries(parsed)) {
    if (!(REGIMES as readonly string[]).includes(regime)) throw new Error(`ARCHIVE_RETENTION_YEARS: unknown regime ${regime} (one of ${REGIMES.join(', ')})`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100) throw new Error(`ARCHIVE_RETENTION_YEARS: ${regime} must be a whole number of years from 1 to 100`);
    years[regime as Regime] = value;
  }
  return years;
}

/** The instant `years` calendar years after `from`, in UTC (29 February becomes 1 March in a common year). */
export function addYears(from: Date, years: number): Date {
  const d = new Date(from.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

/** One complaint filed under a customer's live key, as the archive knows it. */
export interface ComplaintStanding {
  complaintId: string;
  ticketNumber: string | null;
  customerRef: string;
  /** The keys sealing this complaint's fields: the customer's, and one of the complaint's own from before it was known. */
  keyIds: string[];
  regime: string | null;
  /** The final response or the withdrawal, whichever came last; null while open, or reopened since. */
  closedAt: Date | null;
}

export interface ComplaintVerdict {
  complaintId: string;
  ticketNumber: string | null;
  regime: string | null;
  closedAt: string | null;
  retainedUntil: string | null;
  /** Why it keeps the customer's data from being erased yet; absent when it is due. */
  keeps?: 'open' | 'retention-period' | 'unknown-regime' | 'legal-hold';
  holds?: string[];
}

export interface CustomerVerdict {
  customerRef: string;
  keyIds: string[];
  complaints: ComplaintVerdict[];
}

export interface RetentionPlan {
  asOf: string;
  /** Every complaint closed longer ago than its regime's years, none on hold: their keys go. */
  due: CustomerVerdict[];
  /** Would be due but for an active legal hold on one of the customer's complaints. */
  heldBack: (CustomerVerdict & { holds: { complaintId: string; holdId: string }[] })[];
  /** Customers kept for now: a complaint still open, or a retention period still running. */
  notYetDue: number;
}

/**
 * Which customers' keys a purge destroys, as of `asOf`. A customer is erased as a whole: all of
 * their complaints under the live key must be closed more than their regime's years ago, and no
 * active hold may stand on any of them. A complaint of unknown regime is never due.
 */
export function retentionPlan(
  complaints: ComplaintStanding[],
  activeHolds: ReadonlyMap<string, string[]>,
  years: Readonly<Record<string, number>>,
  asOf: Date,
): RetentionPlan {
  const byCustomer = new Map<string, ComplaintStanding[]>();
  for (const c of complaints) byCustomer.set(c.customerRef, [...(byCustomer.get(c.customerRef) ?? []), c]);
  const plan: RetentionPlan = { asOf: asOf.toISOString(), due: [], heldBack: [], notYetDue: 0 };
  for (const [customerRef, list] of [...byCustomer.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const verdicts = list
      .map((c): ComplaintVerdict => {
        const y = c.regime !== null ? years[c.regime] : undefined;
        const retainedUntil = c.closedAt && y !== undefined ? addYears(c.closedAt, y) : null;
        const base = { complaintId: c.complaintId, ticketNumber: c.ticketNumber, regime: c.regime, closedAt: c.closedAt?.toISOString() ?? null, retainedUntil: retainedUntil?.toISOString() ?? null };
        if (!c.closedAt) return { ...base, keeps: 'open' };
        if (!retainedUntil) return { ...base, keeps: 'unknown-regime' };
        if (retainedUntil > asOf) return { ...base, keeps: 'retention-period' };
        const holds = activeHolds.get(c.complaintId);
        return holds?.length ? { ...base, keeps: 'legal-hold', holds } : base;
      })
      .sort((a, b) => (a.complaintId < b.complaintId ? -1 : 1));
    const keyIds = [...new Set(list.flatMap((c) => c.keyIds))].sort();
    const verdict = { customerRef, keyIds, complaints: verdicts };
    if (verdicts.some((v) => v.keeps && v.keeps !== 'legal-hold')) plan.notYetDue += 1;
    else if (verdicts.some((v) => v.keeps === 'legal-hold')) {
      plan.heldBack.push({ ...verdict, holds: verdicts.flatMap((v) => (v.holds ?? []).map((holdId) => ({ complaintId: v.complaintId, holdId }))) });
    } else plan.due.push(verdict);
  }
  return plan;
}
