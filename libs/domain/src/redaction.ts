/**
 * Masks runs of 7 or more digits (phone, ID, card and account numbers; spaces and dashes inside the
 * run count too) keeping the last four, so free text can leave the service that owns the personal data.
 * 18-digit Chinese ID numbers may end in X.
 */
export function maskDigitRuns(text: string): string {
  return text.replace(/\d(?:[\d -]{5,}\d)[\dXx]?/g, (run) => {
    const digits = run.replace(/[^\dXx]/g, '');
    if (digits.length < 7) return run;
    return '*'.repeat(digits.length - 4) + digits.slice(-4);
  });
}

/** Masks a value for display to a role that does not need it: keeps the last `visible` characters. */
export function maskValue(value: string, visible = 4): string {
  if (value.length <= visible) return '*'.repeat(value.length);
  return '*'.repeat(value.length - visible) + value.slice(-visible);
}
