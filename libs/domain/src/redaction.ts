/**
 * Masks runs of 7 or more digits (phone, ID, card and account numbers; spaces and dashes inside the
 * run count too) keeping the last four, so free text can leave the service that owns the personal data.
 * 18-digit Chinese ID numbers may end in X.
 */
export function maskDigitRuns(text: string): string {
  // Dates and times are not personal data, and read as digit runs once joined by a space.
  const kept: string[] = [];
  const shielded = text.replace(DATE_OR_TIME, (m) => String.fromCharCode(PLACEHOLDER_BASE + kept.push(m) - 1));
  const masked = shielded.replace(/\d(?:[\d -]{5,}\d)[\dXx]?/g, (run) => {
    const digits = run.replace(/[^\dXx]/g, '');
    if (digits.length < 7) return run;
    return '*'.repeat(digits.length - 4) + digits.slice(-4);
  });
  return masked.replace(/[\ue000-\uf8ff]/g, (c) => kept[c.charCodeAt(0) - PLACEHOLDER_BASE] ?? c);
}

// Private-use characters stand in for the dates while digits are masked; they contain no digit.
const PLACEHOLDER_BASE = 0xe000;
const DATE_OR_TIME = /(?<!\d)(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}:\d{2}(?::\d{2})?)(?!\d)/g;

/** Masks a value for display to a role that does not need it: keeps the last `visible` characters. */
export function maskValue(value: string, visible = 4): string {
  if (value.length <= visible) return '*'.repeat(value.length);
  return '*'.repeat(value.length - visible) + value.slice(value.length - visible);
}

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.[\p{L}]{2,}/gu;

/**
 * Makes a customer's free text fit to leave the service that owns their personal data: digit
 * runs masked, e-mail addresses masked, and every occurrence of the values the customer gave
 * about themselves (their name above all, which no pattern can find) replaced.
 */
export function redactPersonalText(text: string, known: (string | null | undefined)[]): string {
  let out = text;
  // Longest first, so a full name is replaced before a part of it.
  const values = [...new Set(known.map((k) => k?.trim()).filter((k): k is string => !!k && k.length >= 2))].sort((a, b) => b.length - a.length);
  for (const value of values) {
    const pattern = new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'), 'giu');
    out = out.replace(pattern, '*'.repeat(Math.min([...value].length, 8)));
  }
  out = out.replace(EMAIL, (address) => {
    const at = address.indexOf('@');
    return `${address[0]}***${address.slice(at)}`.replace(/@[^.]+/, '@***');
  });
  return maskDigitRuns(out);
}

/** The longest summary an event carries, in UTF-16 code units (what the event schemas measure). */
export const MAX_EVENT_SUMMARY_UNITS = 4000;

/**
 * The text with personal details taken out, cut to what an event may carry. Redaction can make a
 * text longer (an e-mail address gains its mask) and a description's limit counts characters,
 * not the UTF-16 units the schemas count, so a description within its limit may still need a cut;
 * the cut never splits a character, and it is marked.
 */
export function redactedSummary(text: string, known: (string | null | undefined)[], maxUnits = MAX_EVENT_SUMMARY_UNITS): string {
  const redacted = redactPersonalText(text, known);
  if (redacted.length <= maxUnits) return redacted;
  let cut = maxUnits - 1;
  // A high surrogate at the end would be half a character.
  if (/[\uD800-\uDBFF]/.test(redacted[cut - 1])) cut -= 1;
  return `${redacted.slice(0, cut)}…`;
}
