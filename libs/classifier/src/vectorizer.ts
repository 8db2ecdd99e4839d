import { extractTerms, FeatureOptions, normalise } from './features';
import { Lexicon, LEXICON_PREFIX, LexiconMatcher } from './lexicon';

/** A sparse vector: parallel arrays of feature indices (ascending) and values. */
export interface SparseVector {
  indices: Int32Array;
  values: Float64Array;
}

export interface VocabularyOptions {
  /** A term must occur in at least this many training texts: rarer ones are noise and bloat the model. */
  minDf: number;
  /** Keep at most this many terms, the most frequent (by document frequency) first. */
  maxFeatures: number;
}

/**
 * Sublinear TF-IDF with L2 normalisation. Sublinear (1 + ln tf) because a complaint that says
 * "credit report" ten times is not ten times more about credit reports; L2 so long and short
 * complaints weigh the same.
 */
export class TfidfVectorizer {
  private readonly index: Map<string, number>;
  private scratch: Float64Array | undefined;
  /** Lexicon features ("lexicon:<name>" in the vocabulary), matched separately from the terms. */
  readonly matcher: LexiconMatcher | undefined;
  /** Vocabulary index of each matcher entry. */
  private readonly lexiconIndices: Int32Array;

  /**
   * Vocabulary entries "lexicon:<name>" are lexicon features: their value is idf × ln(1 + matches
   * of lexicon[name]), added after the L2-normalised tf-idf part (so a text's length does not
   * dilute them), and `idf` holds their scale.
   */
  constructor(
    readonly features: FeatureOptions,
    readonly vocabulary: readonly string[],
    readonly idf: readonly number[],
    lexicon: Lexicon = {},
  ) {
    if (vocabulary.length !== idf.length) throw new Error('vectorizer: vocabulary and idf differ in length');
    this.index = new Map(vocabulary.map((term, i) => [term, i]));
    const used: { name: string; terms: readonly string[] }[] = [];
    const indices: number[] = [];
    vocabulary.forEach((term, i) => {
      if (!term.startsWith(LEXICON_PREFIX)) return;
      const name = term.slice(LEXICON_PREFIX.length);
      if (!Object.prototype.hasOwnProperty.call(lexicon, name)) throw new Error(`vectorizer: no lexicon entry for ${term}`);
      used.push({ name, terms: lexicon[name] });
      indices.push(i);
    });
    this.matcher = indices.length > 0 ? new LexiconMatcher(used) : undefined;
    this.lexiconIndices = Int32Array.from(indices);
  }

  /** The same vectoriser with one feature per lexicon entry (value scale × ln(1 + matches)) appended. */
  withLexicon(lexicon: Lexicon, scale: number): TfidfVectorizer {
    const names = Object.keys(lexicon).sort(compareStrings);
    if (names.length === 0) return this;
    return new TfidfVectorizer(
      this.features,
      [...this.vocabulary, ...names.map((n) => LEXICON_PREFIX + n)],
      [...this.idf, ...names.map(() => scale)],
      Object.fromEntries(names.map((n) => [n, lexicon[n]])),
    );
  }

  /**
   * Learns vocabulary and idf from training texts. Deterministic: ties in document frequency are
   * broken by the term itself, and the final vocabulary is sorted, so the same texts always give
   * the same vocabulary in the same order.
   */
  static fit(texts: readonly string[], features: FeatureOptions, options: VocabularyOptions): TfidfVectorizer {
    const df = new Map<string, number>();
    for (const text of texts) {
      for (const term of new Set(extractTerms(text, features))) df.set(term, (df.get(term) ?? 0) + 1);
    }
    const kept = [...df.entries()].filter(([, count]) => count >= options.minDf);
    kept.sort((a, b) => b[1] - a[1] || compareStrings(a[0], b[0]));
    const chosen = kept.slice(0, options.maxFeatures).sort((a, b) => compareStrings(a[0], b[0]));
    const n = texts.length;
    // Smoothed idf as in scikit-learn, so a term in every text still counts a little (idf = 1).
    const idf = chosen.map(([, count]) => roundTo(Math.log((1 + n) / (1 + count)) + 1, 4));
    return new TfidfVectorizer(features, chosen.map(([term]) => term), idf);
  }

  get size(): number {
    return this.vocabulary.length;
  }

  termIndex(term: string): number | undefined {
    return this.index.get(term);
  }

  transform(text: string): SparseVector {
    // Counting in a reusable dense array is several times faster than a Map for long texts
    // (a 500-character Chinese complaint has about 900 terms). Safe because transform is synchronous.
    const counts = (this.scratch ??= new Float64Array(this.vocabulary.length));
    const touched: number[] = [];
    for (const term of extractTerms(text, this.features)) {
      const i = this.index.get(term);
      if (i === undefined) continue;
      if (counts[i] === 0) touched.push(i);
      counts[i]++;
    }
    const indices = Int32Array.from(touched).sort();
    const values = new Float64Array(indices.length);
    let norm = 0;
    for (let k = 0; k < indices.length; k++) {
      const v = (1 + Math.log(counts[indices[k]])) * this.idf[indices[k]];
      counts[indices[k]] = 0;
      values[k] = v;
      norm += v * v;
    }
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let k = 0; k < values.length; k++) values[k] *= scale;
    }
    if (this.matcher === undefined) return { indices, values };
    const matches = this.matcher.count(normalise(text));
    const extra: { i: number; v: number }[] = [];
    matches.forEach((n, e) => {
      if (n > 0) extra.push({ i: this.lexiconIndices[e], v: Math.log(1 + n) * this.idf[this.lexiconIndices[e]] });
    });
    if (extra.length === 0) return { indices, values };
    const merged = [...Array.from(indices, (i, k) => ({ i, v: values[k] })), ...extra].sort((a, b) => a.i - b.i);
    return { indices: Int32Array.from(merged, (m) => m.i), values: Float64Array.from(merged, (m) => m.v) };
  }
}

/** Code-unit order, independent of the locale (localeCompare is not). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(value * f) / f;
  // JSON has no -0; normalise so a round trip is exact.
  return r === 0 ? 0 : r;
}
