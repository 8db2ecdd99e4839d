/**
 * Text → terms. One function serves Chinese and English complaints (and mixed ones, e.g. a
 * Chinese complaint naming "APP" or "ETC"), because the platform does not know the language
 * before it classifies.
 */

export interface FeatureOptions {
  /** English word bigrams ("credit report") next to single words. */
  wordBigrams: boolean;
  /**
   * Character n-grams of English words, as [min, max] lengths (0 = off). They catch spelling
   * variants and inflections ("dispute", "disputed", "disputing") that word terms split apart.
   */
  charNgramMin: number;
  charNgramMax: number;
  /** Chinese character bigrams next to single characters: Chinese has no spaces to find words by. */
  chineseBigrams: boolean;
}

/**
 * English word bigrams and character n-grams are off by default: on the CFPB narratives both
 * lowered 5-fold CV macro-F1 (bigrams 0.56 vs 0.59 for words alone; char 3-5 n-grams the same
 * within noise but 5× slower and a much larger model). Chinese bigrams stay: single Chinese
 * characters are too ambiguous ("卡" in 信用卡, 银行卡, 卡住).
 */
export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = {
  wordBigrams: false,
  charNgramMin: 0,
  charNgramMax: 0,
  chineseBigrams: true,
};

// CJK Unified Ideographs and Extension A: enough for complaint text (rare extension-B characters
// still count as separators, which costs nothing).
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff]/;
// A word: a letter then letters, digits, apostrophes or inner hyphens ("charge-off", "don't").
// A run of Chinese characters. Anything else (punctuation, spaces, numbers) separates.
const SEGMENT = /[a-z][a-z0-9']*(?:-[a-z0-9']+)*|[\u3400-\u4dbf\u4e00-\u9fff]+|[0-9][0-9.,/]*/g;

/**
 * The CFPB replaces personal details with X runs ("XXXX", "XX/XX/XXXX", "{$XXXX.00}"): they say
 * nothing about the product, only that something was removed, so they are dropped. Pure numbers
 * (amounts, years) are dropped too; they would just memorise the training set.
 */
function isNoise(word: string): boolean {
  return /^x{2,}$/.test(word) || /^[0-9]/.test(word);
}

/** Lower case and NFKC: full-width Latin letters and digits (common in Chinese text) become ASCII. */
export function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/**
 * The terms of a text, repeated as often as they occur (the vectoriser counts them).
 * Word unigrams are plain ("mortgage"), bigrams joined by a space ("credit report"), Chinese
 * characters and character pairs as they are ("贷", "贷款"), English character n-grams marked with
 * a leading "#" so they never collide with a word ("#disp").
 */
export function extractTerms(text: string, options: FeatureOptions = DEFAULT_FEATURE_OPTIONS): string[] {
  const terms: string[] = [];
  let previousWord: string | null = null;
  for (const match of normalise(text).matchAll(SEGMENT)) {
    const segment = match[0];
    if (HAN.test(segment[0])) {
      // A Chinese run also breaks an English bigram chain.
      previousWord = null;
      for (let i = 0; i < segment.length; i++) {
        terms.push(segment[i]);
        if (options.chineseBigrams && i + 1 < segment.length) terms.push(segment.slice(i, i + 2));
      }
      continue;
    }
    const word = segment.replace(/^'+|'+$/g, '');
    if (word.length === 0 || isNoise(word)) {
      // A redaction or number sits between the words, so they are not a phrase.
      previousWord = null;
      continue;
    }
    terms.push(word);
    if (options.wordBigrams && previousWord !== null) terms.push(`${previousWord} ${word}`);
    previousWord = word;
    if (options.charNgramMin > 0) pushCharNgrams(word, options.charNgramMin, options.charNgramMax, terms);
  }
  return terms;
}

function pushCharNgrams(word: string, min: number, max: number, out: string[]): void {
  // Word boundaries as spaces, so prefixes and suffixes are their own n-grams ("#loan " vs "#loan").
  const padded = ` ${word} `;
  for (let n = min; n <= max; n++) {
    for (let i = 0; i + n <= padded.length; i++) out.push(`#${padded.slice(i, i + n)}`);
  }
}
