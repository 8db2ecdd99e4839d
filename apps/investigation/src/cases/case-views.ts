import { maskDigitRuns } from '@complaints/domain';
import { CaseRecord } from './case.entity';

/*
 * What staff type into a case quotes the customer: a call-back number in a fact, a card number in a
 * task's result. Roles whose work does not need personal data read that text with its digit runs
 * masked, as the case's events carry it; the complainant's structured details are masked for them
 * already, wherever they appear (PersonalDataMasking).
 */

export type FreeText = <T extends string | null | undefined>(text: T) => T;

const asWritten: FreeText = (text) => text;
const digitsMasked: FreeText = (text) => (typeof text === 'string' ? maskDigitRuns(text) : text) as typeof text;

export const freeTextFor = (clear: boolean): FreeText => (clear ? asWritten : digitsMasked);

type CaseText = Pick<CaseRecord, 'findings' | 'proposal' | 'resolution'>;

/** The case with its findings, proposal and issued response as the viewer may read them. */
export function caseAsSeen<C extends CaseText>(found: C, text: FreeText): C {
  if (text === asWritten) return found;
  const { findings, proposal, resolution } = found;
  return {
    ...found,
    findings: findings && { ...findings, facts: findings.facts.map((f) => text(f)), rootCause: { ...findings.rootCause, detail: text(findings.rootCause.detail) } },
    proposal: proposal && { ...proposal, explanation: text(proposal.explanation) },
    resolution: resolution && { ...resolution, explanation: text(resolution.explanation) },
  };
}

/** Rows of the case's records with their free-text columns as the viewer may read them. */
export function rowsAsSeen<R extends Record<string, unknown>>(rows: R[], columns: readonly (keyof R & string)[], text: FreeText): R[] {
  if (text === asWritten) return rows;
  return rows.map((row) => {
    const seen: Record<string, unknown> = { ...row };
    for (const column of columns) if (typeof row[column] === 'string') seen[column] = text(row[column] as string);
    return seen as R;
  });
}
