import { hasVisibleText, VISIBLE_CHARACTER } from './text';

describe('hasVisibleText', () => {
  it.each([
    ['empty', ''],
    ['spaces', '   '],
    ['tab and new lines', '\t\r\n'],
    ['an ideographic space', '\u3000'],
    ['no-break spaces', '\u00a0\u202f'],
    ['zero-width space', '\u200b'],
    ['zero-width (non-)joiners, word joiner and BOM', '\u200b\u200c\u200d\u2060\ufeff'],
    ['a soft hyphen', '\u00ad'],
    ['Hangul fillers', '\u3164\u115f\u1160'],
    ['a variation selector', '\ufe0f'],
    ['a combining mark on its own', '\u0301'],
    ['bidi controls', '\u202e\u202c'],
    ['the blank braille pattern', '\u2800'],
    ['spaces between zero-width characters', ' \u200b \ufeff '],
  ])('hasVisibleText_%s_isFalse', (_what, text) => {
    expect(hasVisibleText(text)).toBe(false);
  });

  it.each(['x', '零宽\u200b空格', '\u202eتم الدفع\u202c', '😀', '🇨🇳', 'e\u0301', '？', '-', '１', ' \u200b a'])('hasVisibleText_%j_isTrue', (text) => {
    expect(hasVisibleText(text)).toBe(true);
  });

  it('hasVisibleText_calledRepeatedly_givesTheSameAnswer', () => {
    // A global regex would carry lastIndex from one call into the next.
    expect(VISIBLE_CHARACTER.global).toBe(false);
    expect([hasVisibleText('a'), hasVisibleText('a'), hasVisibleText('a')]).toEqual([true, true, true]);
  });
});
