import { DEFAULT_REGIMES, DeadlineRegime, RegimeId, regimeFromConfig } from '@complaints/domain';

/**
 * The deadline regimes with this deployment's figures: DEADLINE_REGIME_OVERRIDES holds JSON such as
 * `{ "cn-cbirc": { "periods": { "standard": { "days": 10 } } } }`. Intake (the acknowledgement's
 * date) and triage (the clock) read the same variable, so the customer is told the date the clock keeps.
 */
export function deadlineRegimesFromEnv(env: NodeJS.ProcessEnv = process.env): Record<RegimeId, DeadlineRegime> {
  const raw = env.DEADLINE_REGIME_OVERRIDES;
  let overrides: Record<string, unknown> = {};
  if (raw) {
    try {
      overrides = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new Error('DEADLINE_REGIME_OVERRIDES must be JSON');
    }
    if (!overrides || typeof overrides !== 'object' || Array.isArray(overrides)) throw new Error('DEADLINE_REGIME_OVERRIDES must be a JSON object keyed by regime');
  }
  for (const id of Object.keys(overrides)) if (!Object.hasOwn(DEFAULT_REGIMES, id)) throw new Error(`DEADLINE_REGIME_OVERRIDES: unknown regime ${id} (known: ${Object.keys(DEFAULT_REGIMES).join(', ')})`);
  const out = {} as Record<RegimeId, DeadlineRegime>;
  for (const id of Object.keys(DEFAULT_REGIMES) as RegimeId[]) out[id] = regimeFromConfig(DEFAULT_REGIMES[id], overrides[id]);
  return out;
}
