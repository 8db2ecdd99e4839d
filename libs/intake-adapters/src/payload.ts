import { MAX_DESCRIPTION_LENGTH } from './canonical-complaint';

/** Small readers every adapter needs for its channel's loosely typed payload. */

/**
 * The most turns a chatbot conversation or a call transcript may have: far more than any real
 * conversation, few enough that mapping one stays a matter of milliseconds.
 */
export const MAX_TRANSCRIPT_TURNS = 2_000;

/** A trimmed, non-empty string (identifiers may come as JSON numbers), or undefined. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Cuts `value` to at most `max` UTF-16 units, never inside a surrogate pair, marking the cut with an ellipsis. */
export function clip(value: string, max = MAX_DESCRIPTION_LENGTH): string {
  if (value.length <= max) return value;
  let cut = value.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** At most `max` characters (code points, as the canonical validation counts them), without a marker. */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value);
  return chars.length <= max ? value : chars.slice(0, max).join('').trimEnd();
}
