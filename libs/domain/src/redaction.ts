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
