/**
 * How many automated messages one customer receives in a rolling window. Pure: given when their
 * recent messages went out, when may the next one go. Nothing is ever dropped for the limit: a
 * message over it waits until the window has room.
 */
export interface RateLimit {
  /** At most this many messages ... */
  limit: number;
  /** ... in any window of this length. */
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT = '3/1h';

/**
 * The kinds a customer must receive whatever else they have been sent: they wait for the window
 * like any other message but are never dropped, and when the window opens they go before the others.
 */
export const MANDATORY_KINDS: readonly string[] = ['acknowledgement', 'final-response', 'summary-resolution'];

export const isMandatory = (kind: string): boolean => MANDATORY_KINDS.includes(kind);

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "3/1h", "10/24h", "5/30m", "2/1d"; "off" for no limit. */
export function parseRateLimit(spec: string): RateLimit | null {
  const text = spec.trim();
  if (text.toLowerCase() === 'off') return null;
  const match = /^(\d{1,4})\s*\/\s*(\d{1,5})\s*([smhd])$/.exec(text);
  if (!match) throw new Error(`a rate limit must look like "3/1h" (messages / window in s, m, h or d) or be "off", got "${spec}"`);
  const limit = Number(match[1]);
  const windowMs = Number(match[2]) * UNIT_MS[match[3]];
  if (limit < 1 || windowMs < 1) throw new Error(`a rate limit needs at least one message in a window longer than zero, got "${spec}"`);
  return { limit, windowMs };
}

/**
 * The earliest moment from `now` at which one more message keeps the customer within the limit:
 * `now` when fewer than `limit` messages went out in the window that ends now, otherwise the moment
 * enough of those have left the window. `sentAt` may hold older and later times; only those in
 * (now - window, now] count.
 */
export function nextSendWithinLimit(sentAt: readonly Date[], rule: RateLimit, now: Date): Date {
  const from = now.getTime() - rule.windowMs;
  const inWindow = sentAt
    .map((d) => d.getTime())
    .filter((t) => t > from && t <= now.getTime())
    .sort((a, b) => a - b);
  if (inWindow.length < rule.limit) return now;
  // The window must lose all but limit - 1 of them: the one that leaves last decides.
  const mustLeave = inWindow[inWindow.length - rule.limit];
  return new Date(mustLeave + rule.windowMs);
}
