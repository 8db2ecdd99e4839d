export { DEFAULT_FEATURE_OPTIONS, extractTerms, normalise } from './features';
export type { FeatureOptions } from './features';
export { TfidfVectorizer } from './vectorizer';
export type { SparseVector, VocabularyOptions } from './vectorizer';
export { ARTIFACT_FORMAT, DEFAULT_TRAIN_OPTIONS, TextClassifier } from './classifier';
export type { Classification, LabelledText, LinearArtifact, TrainingProvenance, TrainOptions } from './classifier';
export { evaluate, evaluatePredictions, formatConfusion, formatPerLabel } from './evaluate';
export type { Evaluation, LabelScore, Predictor } from './evaluate';
export type { Lexicon } from './lexicon';
