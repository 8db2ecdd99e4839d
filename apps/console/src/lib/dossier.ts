import type { I18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';
import { formatMoney } from './money';
import type { Dossier, DossierRemedy } from './types';

type Words = Pick<I18n, 't' | 'label' | 'dateTime' | 'language'>;

/** Something the reader of a dossier must see before its contents, most serious first. */
export interface DossierNotice {
  key: 'integrity' | 'seal-mismatch' | 'reopened' | 'not-covered';
  type: 'success' | 'warning' | 'error';
  title: string;
  description: string | null;
  /** The entries it names, one line each. */
  lines: string[];
}

/** Entry numbers beyond this are counted, not listed: a long record must not push the page's contents out of sight. */
const LISTED = 12;

/** The event an entry holds, in the reader's language, as the archive labels it in the timeline. */
export function eventOf(d: Pick<Dossier, 'timeline'>, seq: number, type: string, language: Words['language']): string {
  const label = d.timeline.find((x) => x.seq === seq)?.label;
  return label ? (language === 'zh-CN' ? label.zh : label.en) : type;
}

/** "17, 19, 21 and 4 more" in the reader's language. */
export function entryList(seqs: readonly number[], { t, language }: Pick<Words, 't' | 'language'>): string {
  const shown = seqs.slice(0, LISTED).join(language === 'zh-CN' ? '、' : ', ');
  return seqs.length > LISTED ? t('dossier.andMore', { list: shown, count: seqs.length - LISTED }) : shown;
}

/** The archive's fixed wording of each integrity problem (compose-dossier.ts, checkpoint-coverage.ts). */
const PROBLEMS: Record<string, MessageKey> = {
  'entry content does not match its hash': 'dossier.problem.hash',
  'the entry before it in the chain is missing': 'dossier.problem.beforeMissing',
  'previous-hash link does not match the entry before it': 'dossier.problem.previousLink',
  'the entry after it in the chain is missing': 'dossier.problem.afterMissing',
  'the entry after it does not link to it': 'dossier.problem.nextLink',
  'no signed checkpoint covers it, though the checkpoints reach past it': 'dossier.problem.noCheckpoint',
};
const CHECKPOINT_FAILED = /^its signed checkpoint \(seq (\d+)\.\.(\d+)\) does not verify: ([\s\S]*)$/;

/**
 * An integrity problem in the reader's language. Why a checkpoint does not verify comes from the
 * signature and Merkle checks in many wordings and stays in English, as does a problem the
 * console does not know yet: shown as the archive wrote it rather than hidden.
 */
export function problemText(problem: string, { t }: Pick<Words, 't'>): string {
  const known = PROBLEMS[problem];
  if (known) return t(known);
  const checkpoint = CHECKPOINT_FAILED.exec(problem);
  return checkpoint ? t('dossier.problem.checkpoint', { from: checkpoint[1], to: checkpoint[2], reason: checkpoint[3] }) : problem;
}

/**
 * What the dossier page must say before the record itself: whether each entry verifies (and
 * which fail, and why), whether the dossier hash still matches the seal, whether the complaint was
 * reopened so that no seal stands, and which events the standing seal leaves out.
 */
export function dossierNotices(d: Dossier, words: Words): DossierNotice[] {
  const { t, dateTime, language } = words;
  const notices: DossierNotice[] = [];
  const { problems, entriesVerified } = d.integrity;
  if (problems.length === 0 && d.integrity.chainIntact) {
    notices.push({ key: 'integrity', type: 'success', title: t('dossier.intact', { entries: entriesVerified }), description: t('dossier.intactScope'), lines: [] });
  } else {
    const failing = new Set(problems.map((p) => p.seq)).size;
    notices.push({
      key: 'integrity',
      type: 'error',
      title: t('dossier.problems', { count: failing }),
      description: t('dossier.problemsScope'),
      lines: problems.map((p) => t('dossier.problemLine', { seq: p.seq, event: eventOf(d, p.seq, '—', language), problem: problemText(p.problem, words) })),
    });
  }
  if (d.sealed && d.dossierHashCovers.matchesSeal === false) {
    notices.push({ key: 'seal-mismatch', type: 'error', title: t('dossier.sealMismatch'), description: t('dossier.sealMismatchDetail'), lines: [] });
  }
  if (d.reopened) {
    notices.push({
      key: 'reopened',
      type: 'warning',
      title: t('dossier.reopenedTitle', { event: eventOf(d, d.reopened.seq, d.reopened.type, language), seq: d.reopened.seq, at: dateTime(d.reopened.at) }),
      description: t('dossier.reopenedDetail'),
      lines: [],
    });
  }
  const { notCovered } = d.dossierHashCovers;
  if (d.sealed && notCovered.length) {
    notices.push({
      key: 'not-covered',
      type: 'warning',
      title: t('dossier.notCoveredTitle', { count: notCovered.length, seq: d.sealed.lastEntrySeq }),
      description: t('dossier.notCoveredDetail'),
      lines: notCovered.map((x) => t('dossier.entryLine', { seq: x.seq, event: eventOf(d, x.seq, x.type, language) })),
    });
  }
  return notices;
}

/** The seal as one line: when and over what, or why none stands. */
export function sealText(d: Dossier, { t, dateTime, language }: Words): string {
  if (d.sealed) return t('dossier.sealedAt', { at: dateTime(d.sealed.sealedAt), entries: d.sealed.entries, seq: d.sealed.lastEntrySeq });
  if (d.reopened) return t('dossier.sealLifted', { event: eventOf(d, d.reopened.seq, d.reopened.type, language), at: dateTime(d.reopened.at) });
  return t('dossier.notSealed');
}

/** How many of the complaint's entries signed checkpoints vouch for, and which wait for the next one. */
export function checkpointLines(d: Dossier, words: Words): string[] {
  const { t } = words;
  const c = d.integrity.checkpoints;
  if (!c) return [t('dossier.checkpointsUnknown')];
  const lines = [t('dossier.checkpointsCovered', { covered: c.entriesCovered, entries: d.integrity.entriesVerified })];
  if (c.notYetCovered.length) lines.push(t('dossier.checkpointsPending', { count: c.notYetCovered.length, list: entryList(c.notYetCovered, words) }));
  const failing = d.integrity.entriesVerified - c.entriesCovered - c.notYetCovered.length;
  if (failing > 0) lines.push(t('dossier.checkpointsFailing', { count: failing }));
  return lines;
}

/** Which timeline entries to mark: left out of the standing seal, or failing verification. */
export function timelineMarks(d: Dossier): Map<number, ('not-covered' | 'problem')[]> {
  const marks = new Map<number, ('not-covered' | 'problem')[]>();
  const mark = (seq: number, what: 'not-covered' | 'problem') => {
    const found = marks.get(seq) ?? [];
    if (!found.includes(what)) marks.set(seq, [...found, what]);
  };
  for (const x of d.dossierHashCovers.notCovered) mark(x.seq, 'not-covered');
  for (const p of d.integrity.problems) mark(p.seq, 'problem');
  return marks;
}

export interface RemedyRow {
  key: string;
  type: string;
  amount: string;
  proposed: string;
  status: 'stands' | NonNullable<DossierRemedy['ended']>['as'];
  statusText: string;
  detail: string;
}

/** The dossier's remedies as the page lists them: each once, at its latest amount, standing or ended and when. */
export function remedyRows(d: Pick<Dossier, 'remedies'>, { t, label, dateTime, language }: Words): RemedyRow[] {
  return d.remedies.map((r) => {
    const proposed = r.proposals > 1 ? t('dossier.remedyAmended', { at: dateTime(r.at), first: dateTime(r.firstProposedAt), count: r.proposals }) : dateTime(r.at);
    const end = r.ended;
    const cause = end?.cause === 'case-reopened' || end?.cause === 'later-decision' ? t(`dossier.withdrawalCause.${end.cause}`) : end?.cause;
    return {
      key: r.remedyId,
      type: label('remedyType', r.type),
      amount: formatMoney(r.amount.amountMinor, r.amount.currency, language),
      proposed,
      status: end ? end.as : 'stands',
      statusText: end ? t(`dossier.remedyEnded.${end.as}`, { at: dateTime(end.at) }) : t('dossier.remedyStands'),
      detail: end ? [cause, end.reason, end.by ? t('dossier.remedyEndedBy', { by: end.by }) : null].filter((x): x is string => !!x).join(' · ') : '',
    };
  });
}
