import { DEFAULT_REGIMES } from '@complaints/domain';
import { REGIME_IDS, RegimeId } from '../templates/message-catalogue';
import { assertTimeZone, DEFAULT_QUIET_HOURS, parseQuietHours, QuietHours } from './quiet-hours';
import { DEFAULT_RATE_LIMIT, parseRateLimit, RateLimit } from './rate-limit';

/** When messages may reach a customer: quiet hours on their clock, and how many in a window. */
export interface DeliveryPolicy {
  quietHours: QuietHours | null;
  /** The customer's time zone. All we know of where they live is the regime their complaint falls under. */
  timeZones: Readonly<Record<RegimeId, string>>;
  rateLimit: RateLimit | null;
  /** How long a message waits after a provider's temporary failure before it is tried again. */
  retryDelayMs: number;
}

export const DELIVERY_POLICY = Symbol('DELIVERY_POLICY');

export const DEFAULT_RETRY_DELAY_MS = 5 * 60_000;

/**
 * QUIET_HOURS (default 21:00-08:00, "off" for none), CUSTOMER_TIME_ZONES
 * ("uk-fca:Europe/London,us-cfpb:America/Chicago", overriding the regime's zone one regime at a
 * time), NOTIFICATION_RATE_LIMIT (default 3/1h, "off" for none) and NOTIFICATION_RETRY_DELAY_MS.
 */
export function deliveryPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): DeliveryPolicy {
  const timeZones = Object.fromEntries(REGIME_IDS.map((r) => [r, DEFAULT_REGIMES[r].timeZone])) as Record<RegimeId, string>;
  for (const entry of (env.CUSTOMER_TIME_ZONES ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [regime, zone] = entry.split(':').map((p) => p.trim());
    if (!(REGIME_IDS as readonly string[]).includes(regime) || !zone) {
      throw new Error(`CUSTOMER_TIME_ZONES entries are <regime>:<IANA zone> with a regime among ${REGIME_IDS.join(', ')}, got "${entry}"`);
    }
    timeZones[regime as RegimeId] = assertTimeZone(zone);
  }
  const retryDelayMs = Number(env.NOTIFICATION_RETRY_DELAY_MS ?? DEFAULT_RETRY_DELAY_MS);
  if (!Number.isInteger(retryDelayMs) || retryDelayMs < 1_000) throw new Error(`NOTIFICATION_RETRY_DELAY_MS must be a whole number of at least 1000, got "${env.NOTIFICATION_RETRY_DELAY_MS}"`);
  return {
    quietHours: parseQuietHours(env.QUIET_HOURS?.trim() || DEFAULT_QUIET_HOURS),
    timeZones,
    rateLimit: parseRateLimit(env.NOTIFICATION_RATE_LIMIT?.trim() || DEFAULT_RATE_LIMIT),
    retryDelayMs,
  };
}
