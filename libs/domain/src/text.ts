/**
 * A character a reader sees: a letter, digit, punctuation mark or symbol that is not one of the
 * characters Unicode says to render as nothing (U+200B-U+200D, U+2060, U+FEFF, the Hangul fillers,
 * variation selectors, ...) nor the blank braille pattern. Whitespace, controls and combining marks on
 * their own are not. Not global, so `test` keeps no state between calls.
 */
export const VISIBLE_CHARACTER = /(?![\p{Default_Ignorable_Code_Point}\u2800])[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * Whether `text` shows anything at all. Text made only of spaces or zero-width characters passes a
 * "not empty" check yet says nothing, and as an identifier it would be the same for everyone who sends it.
 */
export function hasVisibleText(text: string): boolean {
  return VISIBLE_CHARACTER.test(text);
}
