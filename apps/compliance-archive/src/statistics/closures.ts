import type { MilestoneKind, Outcome } from '../search/complaint-index';
import { StatClosure, StatMoney } from './tables';

/** A row of archive_complaint_index_milestones. */
export interface Milestone {
  kind: MilestoneKind;
  at: Date;
  outcome: Outcome | null;
}

/** A remedy that still stands, at its latest proposal. */
export interface StandingRemedy {
  proposedAt: Date;
  amountMinor: number;
  currency: string;
}

interface Round {
  closings: Milestone[];
  decisions: Milestone[];
  redress: Map<string, number>;
}

const byTime = (a: Milestone, b: Milestone) => a.at.getTime() - b.at.getTime();

/**
 * Each time the complaint was closed, derived from its milestones in whatever order they came.
 * The returns to work cut its history into rounds; in each, the complaint closed at its first final
 * response, or at a withdrawal before any. That closure's outcome is the round's decision issued
 * last at or before the response, else the first after it: investigation and notification stamp
 * their events with their own clocks. Its redress is that of the standing remedies whose latest
 * proposal falls in the round, so a remedy amended by a review's decision belongs to the review's
 * answer. A round not answered yet (or never: a reopening right after another) closes nothing.
 */
export function closuresOf(milestones: Milestone[], remedies: StandingRemedy[]): StatClosure[] {
  const reopenings = milestones.filter((m) => m.kind === 'reopening').map((m) => m.at.getTime());
  // A reopening at the very instant of an answer counts as before it, as the index's status takes it.
  const roundOf = (at: Date) => reopenings.filter((r) => r <= at.getTime()).length;
  const rounds = new Map<number, Round>();
  const round = (at: Date): Round => {
    const n = roundOf(at);
    const found = rounds.get(n) ?? { closings: [], decisions: [], redress: new Map<string, number>() };
    rounds.set(n, found);
    return found;
  };
  for (const m of milestones) {
    if (m.kind === 'final-response' || m.kind === 'withdrawal') round(m.at).closings.push(m);
    else if (m.kind === 'decision') round(m.at).decisions.push(m);
  }
  for (const r of remedies) {
    const { redress } = round(r.proposedAt);
    redress.set(r.currency, (redress.get(r.currency) ?? 0) + r.amountMinor);
  }
  const closures: StatClosure[] = [];
  for (const { closings, decisions, redress } of rounds.values()) {
    const [closing] = [...closings].sort((a, b) => byTime(a, b) || (a.kind === 'final-response' ? -1 : b.kind === 'final-response' ? 1 : 0));
    if (!closing) continue;
    let outcome: Outcome | null = null;
    if (closing.kind === 'final-response') {
      const sorted = [...decisions].sort(byTime);
      const before = sorted.filter((d) => d.at.getTime() <= closing.at.getTime());
      outcome = (before[before.length - 1] ?? sorted[0])?.outcome ?? null;
    }
    const money: StatMoney[] = [...redress].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amountMinor]) => ({ currency, amountMinor }));
    closures.push({ closedAt: closing.at, kind: closing.kind as StatClosure['kind'], outcome, redress: money });
  }
  return closures.sort((a, b) => a.closedAt.getTime() - b.closedAt.getTime());
}
