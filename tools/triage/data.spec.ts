import { holdOutSplit, stratifiedFolds } from './data';

const examples = [
  ...Array.from({ length: 50 }, (_, i) => ({ text: `common complaint ${i}`, label: 'common' })),
  ...Array.from({ length: 10 }, (_, i) => ({ text: `rare complaint ${i}`, label: 'rare' })),
];

describe('stratifiedFolds', () => {
  it('gives every fold its share of every label', () => {
    const fold = stratifiedFolds(examples, 5);
    for (let f = 0; f < 5; f++) {
      expect(examples.filter((e, i) => fold[i] === f && e.label === 'common')).toHaveLength(10);
      expect(examples.filter((e, i) => fold[i] === f && e.label === 'rare')).toHaveLength(2);
    }
  });

  it('depends on the texts, not their order', () => {
    const fold = stratifiedFolds(examples, 5);
    const reversed = [...examples].reverse();
    const foldReversed = stratifiedFolds(reversed, 5);
    const byText = new Map(reversed.map((e, i) => [e.text, foldReversed[i]]));
    examples.forEach((e, i) => expect(byText.get(e.text)).toBe(fold[i]));
  });

  it('holds out a fifth', () => {
    const { train, test } = holdOutSplit(examples);
    expect(train).toHaveLength(48);
    expect(test).toHaveLength(12);
    expect(new Set([...train, ...test].map((e) => e.text)).size).toBe(60);
  });
});
