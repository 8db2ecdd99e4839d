import { normalise } from './features';
import { LexiconMatcher } from './lexicon';

describe('LexiconMatcher', () => {
  const matcher = new LexiconMatcher([
    { name: 'prepaid', terms: ['prepaid card', 'Green Dot', 'card'] },
    { name: 'cn', terms: ['信用卡', 'ATM'] },
    { name: 'empty', terms: [' '] },
  ]);
  const count = (text: string) => matcher.count(normalise(text));

  it('matches whole English words, across punctuation, with plural endings', () => {
    expect(count('My prepaid cards and a green-dot card')).toEqual([3, 0, 0]);
    expect(count('cardinal cardboard discard')).toEqual([0, 0, 0]);
  });

  it('counts a longer phrase once, not also its parts', () => {
    expect(count('prepaid card')).toEqual([1, 0, 0]);
  });

  it('matches Chinese phrases as substrings and Latin ones in Chinese text', () => {
    expect(count('我的信用卡在ATM被吞了，信用卡')).toEqual([0, 3, 0]);
  });

  it('names the phrase found most often', () => {
    expect(matcher.strongestTerm(normalise('Card card prepaid card'), 0)).toBe('card');
    expect(matcher.strongestTerm('nothing', 0)).toBeUndefined();
  });
});
