import { DEFAULT_FEATURE_OPTIONS, extractTerms, normalise } from './features';
import { TfidfVectorizer } from './vectorizer';

const withBigrams = { ...DEFAULT_FEATURE_OPTIONS, wordBigrams: true };

describe('extractTerms', () => {
  it('gives English words in lower case, and no word bigrams by default', () => {
    expect(extractTerms('Credit Report is WRONG')).toEqual(['credit', 'report', 'is', 'wrong']);
  });

  it('gives English word bigrams when asked', () => {
    expect(extractTerms('Credit Report is WRONG', withBigrams)).toEqual([
      'credit',
      'report',
      'credit report',
      'is',
      'report is',
      'wrong',
      'is wrong',
    ]);
  });

  it('drops CFPB redactions and numbers, and does not bridge bigrams over them', () => {
    const terms = extractTerms('On XX/XX/XXXX XXXX bank charged {$35.00} overdraft fee 2 times', withBigrams);
    expect(terms).toEqual(['on', 'bank', 'charged', 'bank charged', 'overdraft', 'fee', 'overdraft fee', 'times']);
    expect(terms.some((t) => /x{2}|[0-9]/.test(t))).toBe(false);
  });

  it('keeps inner apostrophes and hyphens', () => {
    expect(extractTerms("don't charge-off", withBigrams)).toEqual(["don't", 'charge-off', "don't charge-off"]);
  });

  it('gives Chinese characters and character bigrams', () => {
    expect(extractTerms('信用卡被盗刷')).toEqual(['信', '信用', '用', '用卡', '卡', '卡被', '被', '被盗', '盗', '盗刷', '刷']);
  });

  it('splits Chinese runs at punctuation and handles mixed text', () => {
    expect(extractTerms('贷款，ＡＰＰ扣费')).toEqual(['贷', '贷款', '款', 'app', '扣', '扣费', '费']);
  });

  it('normalises full-width characters', () => {
    expect(normalise('ＡＴＭ１２')).toBe('atm12');
  });

  it('adds marked character n-grams when asked', () => {
    const terms = extractTerms('fee', { ...DEFAULT_FEATURE_OPTIONS, charNgramMin: 3, charNgramMax: 3 });
    expect(terms).toEqual(['fee', '# fe', '#fee', '#ee ']);
  });
});

describe('TfidfVectorizer', () => {
  it('prunes by document frequency and gives unit-length vectors', () => {
    const v = TfidfVectorizer.fit(['loan loan fee', 'loan card', 'card fee'], DEFAULT_FEATURE_OPTIONS, { minDf: 2, maxFeatures: 100 });
    expect(v.vocabulary).toEqual(['card', 'fee', 'loan']);
    const x = v.transform('loan loan fee unknown');
    expect(Array.from(x.indices)).toEqual([1, 2]);
    const norm = Math.hypot(...x.values);
    expect(norm).toBeCloseTo(1, 12);
    // Sublinear tf: "loan" twice weighs 1 + ln 2 times its idf, not 2 times.
    expect(x.values[1] / x.values[0]).toBeCloseTo(((1 + Math.log(2)) * v.idf[2]) / v.idf[1], 10);
  });

  it('keeps the most frequent terms under maxFeatures, ties broken by the term', () => {
    const v = TfidfVectorizer.fit(['b a c', 'b a', 'b'], DEFAULT_FEATURE_OPTIONS, { minDf: 1, maxFeatures: 2 });
    expect(v.vocabulary).toEqual(['a', 'b']);
  });
});
