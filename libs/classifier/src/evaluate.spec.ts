import { evaluatePredictions, formatConfusion } from './evaluate';

describe('evaluatePredictions', () => {
  // Truth a a a b b c, predicted a a b b c c. Confusion (rows truth, cols predicted, order a b c):
  //   a: 2 1 0 / b: 0 1 1 / c: 0 0 1
  // a: P 2/2, R 2/3, F1 0.8;  b: P 1/2, R 1/2, F1 0.5;  c: P 1/2, R 1/1, F1 2/3.
  const result = evaluatePredictions(['a', 'a', 'a', 'b', 'b', 'c'], ['a', 'a', 'b', 'b', 'c', 'c']);

  it('computes the confusion matrix', () => {
    expect(result.confusion).toEqual({
      labels: ['a', 'b', 'c'],
      matrix: [
        [2, 1, 0],
        [0, 1, 1],
        [0, 0, 1],
      ],
    });
  });

  it('computes accuracy, per-label scores and macro-F1', () => {
    expect(result.accuracy).toBeCloseTo(4 / 6, 12);
    const [a, b, c] = result.perLabel;
    expect(a).toEqual({ label: 'a', precision: 1, recall: 2 / 3, f1: expect.closeTo(0.8, 12), support: 3 });
    expect(b).toEqual({ label: 'b', precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(c).toEqual({ label: 'c', precision: 0.5, recall: 1, f1: expect.closeTo(2 / 3, 12), support: 1 });
    expect(result.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
  });

  it('counts a label that is never predicted as F1 0', () => {
    const r = evaluatePredictions(['a', 'b'], ['a', 'a']);
    expect(r.perLabel[1]).toEqual({ label: 'b', precision: 0, recall: 0, f1: 0, support: 1 });
  });

  it('prints a table with one row per true label', () => {
    const table = formatConfusion(result.confusion).split('\n');
    expect(table).toHaveLength(4);
    expect(table[1]).toMatch(/^#1 a\s+2\s+1\s+0$/);
  });
});
