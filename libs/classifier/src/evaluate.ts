import { LabelledText } from './classifier';
import { compareStrings } from './vectorizer';

export interface LabelScore {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of examples whose true label this is. */
  support: number;
}

export interface Evaluation {
  accuracy: number;
  /** Unweighted mean F1 over the labels that occur in the truth or the predictions. */
  macroF1: number;
  perLabel: LabelScore[];
  /** Row = true label, column = predicted label, both in `labels` order. */
  confusion: { labels: string[]; matrix: number[][] };
}

/** Anything that names a label for a text: a TextClassifier, a baseline, an ensemble. */
export interface Predictor {
  classify(text: string): { label: string };
}

export function evaluate(classifier: Predictor, examples: readonly LabelledText[]): Evaluation {
  return evaluatePredictions(
    examples.map((e) => e.label),
    examples.map((e) => classifier.classify(e.text).label),
  );
}

/** The maths, separate from classifying, so it can be checked on a hand-made confusion. */
export function evaluatePredictions(truth: readonly string[], predicted: readonly string[]): Evaluation {
  if (truth.length !== predicted.length) throw new Error('evaluate: truth and predictions differ in length');
  const labels = [...new Set([...truth, ...predicted])].sort(compareStrings);
  const index = new Map(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    matrix[index.get(truth[i]) as number][index.get(predicted[i]) as number]++;
    if (truth[i] === predicted[i]) correct++;
  }
  const perLabel = labels.map((label, c) => {
    const tp = matrix[c][c];
    const support = matrix[c].reduce((s, n) => s + n, 0);
    const predictedCount = matrix.reduce((s, row) => s + row[c], 0);
    // 0/0 counts as 0 (scikit-learn's zero_division=0): a label never predicted has no precision.
    const precision = predictedCount === 0 ? 0 : tp / predictedCount;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  return {
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    macroF1: perLabel.length === 0 ? 0 : perLabel.reduce((s, l) => s + l.f1, 0) / perLabel.length,
    perLabel,
    confusion: { labels, matrix },
  };
}

/**
 * The confusion matrix as a text table. Labels are numbered in the header so long names
 * ("Payday loan, title loan, ...") do not blow up the column width.
 */
export function formatConfusion(confusion: Evaluation['confusion']): string {
  const { labels, matrix } = confusion;
  const width = Math.max(4, ...matrix.flat().map((n) => String(n).length + 1));
  const nameWidth = Math.max(...labels.map((l) => l.length)) + 5;
  const lines = [
    `${'true \\ predicted'.padEnd(nameWidth)}${labels.map((_, i) => `#${i + 1}`.padStart(width)).join('')}`,
  ];
  labels.forEach((label, r) => {
    lines.push(`${`#${r + 1} ${label}`.padEnd(nameWidth)}${matrix[r].map((n) => String(n).padStart(width)).join('')}`);
  });
  return lines.join('\n');
}

/** Per-label precision / recall / F1 as a text table. */
export function formatPerLabel(perLabel: readonly LabelScore[]): string {
  const nameWidth = Math.max(5, ...perLabel.map((l) => l.label.length)) + 2;
  const head = `${'label'.padEnd(nameWidth)}${['P', 'R', 'F1', 'n'].map((h) => h.padStart(7)).join('')}`;
  const rows = perLabel.map(
    (l) =>
      `${l.label.padEnd(nameWidth)}${[l.precision, l.recall, l.f1].map((v) => v.toFixed(3).padStart(7)).join('')}${String(l.support).padStart(7)}`,
  );
  return [head, ...rows].join('\n');
}
