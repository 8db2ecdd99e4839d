import { ARTIFACT_FORMAT, LabelledText, TextClassifier } from './classifier';

const provenance = { taxonomy: 'test', dimension: 'product', version: 1, dataDigest: 'abc' };

// Separable: each label has its own vocabulary, and filler words shared by all labels.
const data: LabelledText[] = [
  { text: 'my mortgage escrow payment went up', label: 'mortgage' },
  { text: 'the mortgage servicer lost my escrow check', label: 'mortgage' },
  { text: 'foreclosure notice on my mortgage', label: 'mortgage' },
  { text: 'wrong account on my credit report', label: 'credit-reporting' },
  { text: 'equifax credit report shows a late payment', label: 'credit-reporting' },
  { text: 'dispute with experian about my credit report', label: 'credit-reporting' },
  { text: 'collector calls me about a debt i do not owe', label: 'debt-collection' },
  { text: 'the debt collector threatened me', label: 'debt-collection' },
  { text: 'collection agency says i owe this debt', label: 'debt-collection' },
  { text: '信用卡 被 盗刷 了', label: 'card' },
  { text: '信用卡 年费 乱收', label: 'card' },
  { text: '我的 信用卡 额度 被 降低', label: 'card' },
];
const small = { minDf: 1, l2: 1e-3, classWeightPower: 0 };

describe('TextClassifier', () => {
  it('learns a small separable set perfectly', () => {
    const model = TextClassifier.train(data, provenance, small);
    for (const e of data) expect(model.classify(e.text).label).toBe(e.label);
    expect(model.classify('another escrow problem').label).toBe('mortgage');
    expect(model.classify('信用卡盗刷').label).toBe('card');
  });

  it('answers with a probability, reasons and a score per label', () => {
    const model = TextClassifier.train(data, provenance, small);
    const answer = model.classify('the collector keeps calling about a debt');
    expect(answer.label).toBe('debt-collection');
    expect(Object.keys(answer.scores).sort()).toEqual(['card', 'credit-reporting', 'debt-collection', 'mortgage']);
    expect(Object.values(answer.scores).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
    expect(answer.confidence).toBe(answer.scores['debt-collection']);
    expect(answer.confidence).toBe(Math.max(...Object.values(answer.scores)));
    expect(answer.reasons.length).toBeGreaterThan(0);
    expect(answer.reasons.length).toBeLessThanOrEqual(5);
    for (const r of answer.reasons) expect(r).toMatch(/^term ".+" \+\d+\.\d\d$/);
  });

  it('names the decisive term first among the reasons', () => {
    const model = TextClassifier.train(data, provenance, small);
    // Only "escrow" carries information here; "the" and "my" occur under several labels.
    const answer = model.classify('the escrow of my');
    expect(answer.label).toBe('mortgage');
    expect(answer.reasons[0]).toMatch(/^term "escrow" \+/);
  });

  it('is deterministic: training twice gives byte-identical artifacts', () => {
    const a = JSON.stringify(TextClassifier.train(data, provenance).toArtifact());
    const b = JSON.stringify(TextClassifier.train(data, provenance).toArtifact());
    expect(a).toBe(b);
  });

  it('round-trips through its JSON artifact', () => {
    const model = TextClassifier.train(data, provenance, small);
    const json = JSON.stringify(model.toArtifact());
    const loaded = TextClassifier.fromArtifact(JSON.parse(json));
    expect(JSON.stringify(loaded.toArtifact())).toBe(json);
    for (const text of ['credit report error', '信用卡年费', 'nothing known here']) {
      expect(loaded.classify(text)).toEqual(model.classify(text));
    }
    const artifact = model.toArtifact();
    expect(artifact).toMatchObject({ format: ARTIFACT_FORMAT, ...provenance, trainedOn: data.length });
    expect(artifact.labels).toEqual(['card', 'credit-reporting', 'debt-collection', 'mortgage']);
  });

  it('refuses malformed artifacts', () => {
    const good = TextClassifier.train(data, provenance, small).toArtifact();
    const broken: [string, unknown][] = [
      ['null', null],
      ['wrong format', { ...good, format: 'complaints-linear-v0' }],
      ['missing labels', { ...good, labels: undefined }],
      ['short weights row', { ...good, weights: good.weights.map((row, i) => (i === 1 ? row.slice(1) : row)) }],
      ['non-finite weight', { ...good, bias: good.bias.map(() => Number.NaN) }],
      ['idf length', { ...good, idf: good.idf.slice(1) }],
      ['missing digest', { ...good, dataDigest: 7 }],
      ['features', { ...good, features: { ...good.features, wordBigrams: 'yes' } }],
    ];
    for (const [why, json] of broken) {
      expect(() => TextClassifier.fromArtifact(json)).toThrow(/classifier artifact/);
      void why;
    }
    expect(() => TextClassifier.fromArtifact(JSON.parse(JSON.stringify(good)))).not.toThrow();
  });

  it('learns lexicon features, keeps them in the artifact and names the phrase in its reasons', () => {
    const lexicon = { mortgage: ['escrow', 'home loan'], card: ['prepaid card'], 'debt-collection': [] };
    const model = TextClassifier.train(data, provenance, { ...small, lexicon, lexiconScale: 1 });
    const artifact = model.toArtifact();
    expect(artifact.lexicon).toEqual({ card: ['prepaid card'], mortgage: ['escrow', 'home loan'] });
    expect(artifact.vocabulary.slice(-2)).toEqual(['lexicon:card', 'lexicon:mortgage']);
    // "home loans" (plural, never seen in training) only reaches mortgage through the lexicon.
    const answer = model.classify('trouble with my home loans');
    expect(answer.label).toBe('mortgage');
    expect(answer.reasons[0]).toMatch(/^lexicon "home loan" → mortgage \+\d+\.\d\d$/);
    const loaded = TextClassifier.fromArtifact(JSON.parse(JSON.stringify(artifact)));
    expect(loaded.classify('trouble with my home loans')).toEqual(answer);
    expect(() => TextClassifier.fromArtifact({ ...artifact, lexicon: undefined })).toThrow(/no lexicon entry/);
    const again = TextClassifier.train(data, provenance, { ...small, lexicon, lexiconScale: 1 });
    expect(JSON.stringify(again.toArtifact())).toBe(JSON.stringify(artifact));
  });

  it('refuses to train on one label', () => {
    expect(() => TextClassifier.train([{ text: 'a', label: 'x' }], provenance)).toThrow(/two labels/);
  });
});
