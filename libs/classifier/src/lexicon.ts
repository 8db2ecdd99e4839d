import { normalise } from './features';

/**
 * A domain lexicon: for each label (or any name), phrases that indicate it, e.g. a taxonomy's
 * `indicativeTerms`. Each entry becomes one feature, "lexicon:<name>", whose value is
 * ln(1 + number of matches); the model learns how much each entry counts for each label, so a
 * misleading phrase list costs little and a good one helps the rare labels most.
 */
export type Lexicon = Record<string, readonly string[]>;

export const LEXICON_PREFIX = 'lexicon:';

const HAN = /[\u3400-\u4dbf\u4e00-\u9fff]/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * One regular expression per lexicon entry. English phrases match whole words with any
 * punctuation or spaces between their words and an optional plural ending ("debt collectors",
 * "gift-card"); Chinese phrases match as substrings (Chinese has no word boundaries).
 */
export class LexiconMatcher {
  readonly names: readonly string[];
  private readonly patterns: RegExp[];
  private readonly termPatterns: { term: string; pattern: RegExp }[][];

  /** `entries` in feature order (an object's keys would put integer-like names first). */
  constructor(entries: readonly { name: string; terms: readonly string[] }[]) {
    this.names = entries.map((e) => e.name);
    this.patterns = entries.map((e) => compile(e.terms));
    this.termPatterns = entries.map((e) => e.terms.map((term) => ({ term, pattern: compile([term]) })));
  }

  /** Matches per entry, in `names` order, of an already normalised text. */
  count(normalised: string): number[] {
    return this.patterns.map((p) => {
      if (p.source === '(?!)') return 0;
      p.lastIndex = 0;
      let n = 0;
      while (p.exec(normalised) !== null) n++;
      return n;
    });
  }

  /** The entry's phrase found most often in an already normalised text (first in list order on ties), for a reason. */
  strongestTerm(normalised: string, entry: number): string | undefined {
    const t = normalised;
    let best: { term: string; n: number } | undefined;
    for (const { term, pattern } of this.termPatterns[entry]) {
      pattern.lastIndex = 0;
      let n = 0;
      while (pattern.exec(t) !== null) n++;
      if (n > 0 && (!best || n > best.n)) best = { term, n };
    }
    return best?.term;
  }
}

function compile(terms: readonly string[]): RegExp {
  const latin: string[] = [];
  const han: string[] = [];
  for (const raw of terms) {
    const term = normalise(raw).trim();
    if (term.length === 0) continue;
    if (HAN.test(term)) {
      han.push(escapeRegExp(term));
      continue;
    }
    const words = term.split(/[^a-z0-9]+/).filter((w) => w.length > 0);
    if (words.length > 0) latin.push(words.map(escapeRegExp).join('[^a-z0-9]+'));
  }
  // Longest first, so "credit card" is one match, not "credit card" and then "card".
  const byLength = (a: string, b: string) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0);
  latin.sort(byLength);
  han.sort(byLength);
  const parts: string[] = [];
  if (latin.length > 0) parts.push(`\\b(?:${latin.join('|')})(?:e?s)?\\b`);
  if (han.length > 0) parts.push(`(?:${han.join('|')})`);
  return new RegExp(parts.length > 0 ? parts.join('|') : '(?!)', 'g');
}
