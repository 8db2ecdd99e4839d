import { DEFAULT_FEATURE_OPTIONS, FeatureOptions, normalise } from './features';
import { Lexicon, LEXICON_PREFIX } from './lexicon';
import { trainSoftmax } from './softmax';
import { compareStrings, roundTo, SparseVector, TfidfVectorizer } from './vectorizer';

export const ARTIFACT_FORMAT = 'complaints-linear-v1';

export interface LabelledText {
  text: string;
  label: string;
}

export interface TrainOptions {
  features: FeatureOptions;
  minDf: number;
  maxFeatures: number;
  /**
   * At most this many weights (features × labels), so a taxonomy with many labels keeps fewer,
   * more frequent terms and the artifact stays small (about 7 bytes of JSON per weight).
   */
  maxWeights: number;
  /** L2 penalty (larger = simpler model). */
  l2: number;
  /**
   * Class weights are (n / (K · n_class)) ^ power: 0 = every text counts the same (best accuracy
   * on unbalanced data), 1 = "balanced" (every class counts the same, best recall on rare classes).
   * In between trades accuracy for macro-F1.
   */
  classWeightPower: number;
  maxIterations: number;
  /**
   * Domain phrases per label (e.g. a taxonomy's indicativeTerms): one feature "lexicon:<name>" per
   * entry, value lexiconScale × ln(1 + matches), whose weight for every label is learnt like any
   * term's. Stored in the artifact, so a loaded model matches exactly as the trained one did.
   */
  lexicon: Lexicon;
  /**
   * Scale of the lexicon features next to the unit-length tf-idf part (0 = no lexicon features).
   * The default 1 was chosen by CV on the us-cfpb training part (0.25 / 0.5 / 0.75 / 1 / 2).
   */
  lexiconScale: number;
}

/**
 * Defaults chosen by 5-fold cross-validation on the training part of the us-cfpb split (tools/triage/
 * quality.ts --search: l2 × class-weight power × min-df, 27 settings; criterion mean of accuracy
 * and macro-F1), never on its held-out part. The winner (CV accuracy 0.807, macro-F1 0.595) was
 * within about 0.01 of its neighbours; the surface is flat, so these are not finely fitted.
 */
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  features: DEFAULT_FEATURE_OPTIONS,
  minDf: 2,
  maxFeatures: 40000,
  maxWeights: 500000,
  l2: 1e-4,
  classWeightPower: 0.75,
  maxIterations: 200,
  lexicon: {},
  lexiconScale: 1,
};

/** What the tool knows about the data and passes in (the library does no I/O and no hashing). */
export interface TrainingProvenance {
  taxonomy: string;
  dimension: string;
  /** Version of the taxonomy whose codes are the labels. */
  version: number;
  /** sha-256 (hex) of the training data lines. */
  dataDigest: string;
}

export interface LinearArtifact extends TrainingProvenance {
  format: typeof ARTIFACT_FORMAT;
  labels: string[];
  features: FeatureOptions;
  hyperparameters: Omit<TrainOptions, 'features' | 'lexicon'>;
  /** Phrases of the vocabulary's "lexicon:<name>" features (absent when there are none). */
  lexicon?: Record<string, string[]>;
  vocabulary: string[];
  idf: number[];
  /** weights[label][feature], rounded to 4 decimals. */
  weights: number[][];
  bias: number[];
  trainedOn: number;
}

export interface Classification {
  label: string;
  /** Softmax probability of `label`. */
  confidence: number;
  /** The terms that pushed hardest towards `label`, strongest first, at most 5. */
  reasons: string[];
  /** Probability per label. */
  scores: Record<string, number>;
}

const WEIGHT_DECIMALS = 4;
const MAX_REASONS = 5;

export class TextClassifier {
  private readonly labelCount: number;

  private constructor(
    private readonly artifact: LinearArtifact,
    private readonly vectorizer: TfidfVectorizer,
    /** Feature-major copy of artifact.weights for fast scoring. */
    private readonly weights: Float64Array,
    private readonly bias: Float64Array,
  ) {
    this.labelCount = artifact.labels.length;
  }

  get labels(): readonly string[] {
    return this.artifact.labels;
  }

  get provenance(): TrainingProvenance & { trainedOn: number } {
    const { taxonomy, dimension, version, dataDigest, trainedOn } = this.artifact;
    return { taxonomy, dimension, version, dataDigest, trainedOn };
  }

  /**
   * Trains on every example. Same examples and options ⇒ byte-identical artifact: the optimiser
   * is deterministic and labels and vocabulary are sorted, so input order only matters through
   * floating-point summation order, which is fixed by the input order itself.
   */
  static train(
    examples: readonly LabelledText[],
    provenance: TrainingProvenance,
    options: Partial<TrainOptions> = {},
  ): TextClassifier {
    const opts: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...options };
    if (examples.length === 0) throw new Error('classifier: no training examples');
    const labels = [...new Set(examples.map((e) => e.label))].sort(compareStrings);
    if (labels.length < 2) throw new Error('classifier: need at least two labels');
    const labelIndex = new Map(labels.map((l, i) => [l, i]));
    const texts = examples.map((e) => e.text);
    const maxFeatures = Math.min(opts.maxFeatures, Math.floor(opts.maxWeights / labels.length));
    const lexicon = opts.lexiconScale > 0 ? nonEmpty(opts.lexicon) : {};
    const vectorizer = TfidfVectorizer.fit(texts, opts.features, { minDf: opts.minDf, maxFeatures }).withLexicon(
      lexicon,
      opts.lexiconScale,
    );
    const rows = texts.map((t) => vectorizer.transform(t));
    const targets = examples.map((e) => labelIndex.get(e.label) as number);
    const classWeights = balancedWeights(targets, labels.length, opts.classWeightPower);
    const K = labels.length;
    const D = vectorizer.size;
    const model = trainSoftmax(rows, targets, K, D, { l2: opts.l2, maxIterations: opts.maxIterations, classWeights });

    const weights: number[][] = labels.map(() => new Array<number>(D));
    for (let j = 0; j < D; j++) {
      for (let c = 0; c < K; c++) weights[c][j] = roundTo(model.weights[j * K + c], WEIGHT_DECIMALS);
    }
    const { features, lexicon: _lexicon, ...hyperparameters } = opts;
    void _lexicon;
    const artifact: LinearArtifact = {
      format: ARTIFACT_FORMAT,
      ...provenance,
      labels,
      features: { ...features },
      hyperparameters,
      ...(Object.keys(lexicon).length > 0 ? { lexicon } : {}),
      vocabulary: [...vectorizer.vocabulary],
      idf: [...vectorizer.idf],
      weights,
      bias: Array.from(model.bias, (b) => roundTo(b, WEIGHT_DECIMALS)),
      trainedOn: examples.length,
    };
    // Build from the rounded artifact, so a freshly trained classifier and a loaded one agree exactly.
    return TextClassifier.fromArtifact(artifact);
  }

  /** Validates and loads an artifact (the parsed JSON). Throws on anything malformed. */
  static fromArtifact(json: unknown): TextClassifier {
    const a = validateArtifact(json);
    const K = a.labels.length;
    const D = a.vocabulary.length;
    const weights = new Float64Array(D * K);
    for (let c = 0; c < K; c++) {
      const row = a.weights[c];
      for (let j = 0; j < D; j++) weights[j * K + c] = row[j];
    }
    const vectorizer = new TfidfVectorizer(a.features, a.vocabulary, a.idf, a.lexicon ?? {});
    return new TextClassifier(a, vectorizer, weights, Float64Array.from(a.bias));
  }

  toArtifact(): LinearArtifact {
    return this.artifact;
  }

  /** So JSON.stringify(classifier) writes the artifact (key order fixed, so equal models give equal bytes). */
  toJSON(): LinearArtifact {
    return this.artifact;
  }

  /** Probabilities per label index. */
  probabilities(text: string): Float64Array {
    return this.softmax(this.vectorizer.transform(text));
  }

  classify(text: string): Classification {
    const x = this.vectorizer.transform(text);
    const p = this.softmax(x);
    let best = 0;
    for (let c = 1; c < this.labelCount; c++) if (p[c] > p[best]) best = c;
    const scores: Record<string, number> = {};
    for (let c = 0; c < this.labelCount; c++) scores[this.artifact.labels[c]] = p[c];
    return { label: this.artifact.labels[best], confidence: p[best], reasons: this.reasons(text, x, best), scores };
  }

  private softmax(x: SparseVector): Float64Array {
    const K = this.labelCount;
    const z = Float64Array.from(this.bias);
    for (let k = 0; k < x.indices.length; k++) {
      const base = x.indices[k] * K;
      const v = x.values[k];
      for (let c = 0; c < K; c++) z[c] += v * this.weights[base + c];
    }
    let max = -Infinity;
    for (let c = 0; c < K; c++) if (z[c] > max) max = z[c];
    let sum = 0;
    for (let c = 0; c < K; c++) {
      z[c] = Math.exp(z[c] - max);
      sum += z[c];
    }
    for (let c = 0; c < K; c++) z[c] /= sum;
    return z;
  }

  /**
   * A term's contribution to a label is its tf-idf value times its weight for that label: exactly
   * its share of the label's score, so the reasons add up to (most of) why the label won.
   */
  private reasons(text: string, x: SparseVector, label: number): string[] {
    const K = this.labelCount;
    const contributions: { term: string; value: number }[] = [];
    for (let k = 0; k < x.indices.length; k++) {
      const value = x.values[k] * this.weights[x.indices[k] * K + label];
      if (value > 0) contributions.push({ term: this.artifact.vocabulary[x.indices[k]], value });
    }
    contributions.sort((a, b) => b.value - a.value || compareStrings(a.term, b.term));
    let normalised: string | undefined;
    return contributions.slice(0, MAX_REASONS).map((c) => {
      if (c.term.startsWith(LEXICON_PREFIX)) {
        // A lexicon feature: name the phrase that matched and the entry it belongs to.
        const name = c.term.slice(LEXICON_PREFIX.length);
        const matcher = this.vectorizer.matcher;
        normalised ??= normalise(text);
        const phrase = matcher?.strongestTerm(normalised, matcher.names.indexOf(name)) ?? name;
        return `lexicon "${phrase}" → ${name} +${c.value.toFixed(2)}`;
      }
      return `term "${c.term.replace(/^#/, '')}" +${c.value.toFixed(2)}`;
    });
  }
}

/** The entries that have at least one phrase. */
function nonEmpty(lexicon: Lexicon): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of Object.keys(lexicon).sort(compareStrings)) {
    const terms = lexicon[name].filter((t) => t.trim().length > 0);
    if (terms.length > 0) out[name] = [...terms];
  }
  return out;
}

function balancedWeights(targets: readonly number[], K: number, power: number): number[] {
  const counts = new Array<number>(K).fill(0);
  for (const t of targets) counts[t]++;
  return counts.map((n) => (n === 0 ? 0 : (targets.length / (K * n)) ** power));
}

function validateArtifact(json: unknown): LinearArtifact {
  const fail = (why: string): never => {
    throw new Error(`classifier artifact: ${why}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('not an object');
  const a = json as Record<string, unknown>;
  if (a.format !== ARTIFACT_FORMAT) return fail(`format is ${JSON.stringify(a.format)}, expected "${ARTIFACT_FORMAT}"`);
  for (const key of ['taxonomy', 'dimension', 'dataDigest'] as const) {
    if (typeof a[key] !== 'string') fail(`${key} must be a string`);
  }
  if (!Number.isInteger(a.version)) fail('version must be an integer');
  if (!Number.isInteger(a.trainedOn) || (a.trainedOn as number) < 0) fail('trainedOn must be a count');
  const labels = a.labels;
  if (!isStringArray(labels) || labels.length < 2) return fail('labels must be at least two strings');
  if (new Set(labels).size !== labels.length) fail('labels repeat');
  const vocabulary = a.vocabulary;
  if (!isStringArray(vocabulary)) return fail('vocabulary must be strings');
  if (new Set(vocabulary).size !== vocabulary.length) fail('vocabulary repeats a term');
  const D = vocabulary.length;
  if (!isNumberArray(a.idf, D)) fail(`idf must be ${D} finite numbers`);
  if (!isNumberArray(a.bias, labels.length)) fail(`bias must be ${labels.length} finite numbers`);
  const weights = a.weights;
  if (!Array.isArray(weights) || weights.length !== labels.length) return fail(`weights must have ${labels.length} rows`);
  weights.forEach((row, c) => {
    if (!isNumberArray(row, D)) fail(`weights row ${c} must be ${D} finite numbers`);
  });
  const f = a.features as Record<string, unknown> | null;
  if (typeof f !== 'object' || f === null) return fail('features missing');
  for (const key of Object.keys(DEFAULT_FEATURE_OPTIONS) as (keyof FeatureOptions)[]) {
    if (typeof f[key] !== typeof DEFAULT_FEATURE_OPTIONS[key]) fail(`features.${key} must be a ${typeof DEFAULT_FEATURE_OPTIONS[key]}`);
  }
  if (typeof a.hyperparameters !== 'object' || a.hyperparameters === null) fail('hyperparameters missing');
  if (a.lexicon !== undefined) {
    const lex = a.lexicon as Record<string, unknown>;
    if (typeof lex !== 'object' || lex === null || Array.isArray(lex)) fail('lexicon must be an object');
    for (const [name, terms] of Object.entries(lex)) if (!isStringArray(terms)) fail(`lexicon.${name} must be strings`);
  }
  for (const term of vocabulary) {
    if (term.startsWith(LEXICON_PREFIX) && !Object.prototype.hasOwnProperty.call(a.lexicon ?? {}, term.slice(LEXICON_PREFIX.length))) {
      fail(`no lexicon entry for feature ${term}`);
    }
  }
  return json as LinearArtifact;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function isNumberArray(v: unknown, length: number): v is number[] {
  return Array.isArray(v) && v.length === length && v.every((n) => typeof n === 'number' && Number.isFinite(n));
}
