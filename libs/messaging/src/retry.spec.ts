import { backoffDelay, DEFAULT_RETRY_POLICY, isInfrastructureFailure, RetryPolicy } from './retry';

const policy: RetryPolicy = { maxAttempts: 10, initialBackoffMs: 200, maxBackoffMs: 5000 };

/** The backoff ceiling after each failed attempt, from the rule initial·2^(n−1) capped at max: 200, 400, 800, … */
const CEILINGS: [failedAttempt: number, ceiling: number][] = [
  [1, 200],
  [2, 400],
  [3, 800],
  [4, 1600],
  [5, 3200],
  [6, 5000], // 6400 capped
  [7, 5000], // 12800 capped
  [30, 5000],
];

/** A deterministic stand-in for Math.random: many values spread over [0, 1). */
const samples = Array.from({ length: 101 }, (_, i) => (i === 100 ? 1 - Number.EPSILON : i / 100));

describe('backoffDelay', () => {
  it.each(CEILINGS)('backoffDelay_afterFailure_%i_withRandom0_isHalfTheCeiling_%i', (attempt, ceiling) => {
    expect(backoffDelay(policy, attempt, () => 0)).toBe(ceiling / 2);
  });

  it.each(CEILINGS)('backoffDelay_afterFailure_%i_withRandomNear1_isTheCeiling_%i', (attempt, ceiling) => {
    expect(backoffDelay(policy, attempt, () => 1 - Number.EPSILON)).toBe(ceiling);
  });

  it.each(CEILINGS)('backoffDelay_afterFailure_%i_isAlwaysBetweenHalfAndFullCeiling_%i', (attempt, ceiling) => {
    for (const r of samples) {
      const delay = backoffDelay(policy, attempt, () => r);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });

  it('backoffDelay_withRandomHalf_isThreeQuartersOfTheCeiling', () => {
    expect(backoffDelay(policy, 1, () => 0.5)).toBe(150);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(600);
    expect(backoffDelay(policy, 9, () => 0.5)).toBe(3750);
  });

  it('backoffDelay_growsExponentially_doublingUntilTheCap', () => {
    const at = (n: number) => backoffDelay(policy, n, () => 0.25);
    for (let n = 1; n < 5; n++) expect(at(n + 1)).toBe(2 * at(n));
    expect(at(6)).toBe(at(7));
    expect(at(6)).toBeLessThan(2 * at(5));
  });

  it('backoffDelay_neverExceedsMaxBackoffMs_evenForHugeAttemptNumbers', () => {
    for (const n of [20, 100, 1100, 10_000]) {
      const delay = backoffDelay(policy, n, () => 1 - Number.EPSILON);
      expect(delay).toBe(policy.maxBackoffMs);
    }
  });

  it('backoffDelay_isMonotonicInTheRandomDraw', () => {
    const delays = samples.map((r) => backoffDelay(policy, 4, () => r));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
  });

  it('backoffDelay_defaultPolicy_retriesThreeTimesFrom200msUpTo5s', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 4, initialBackoffMs: 200, maxBackoffMs: 5000 });
    const ceilings = [1, 2, 3].map((n) => backoffDelay(DEFAULT_RETRY_POLICY, n, () => 1 - Number.EPSILON));
    expect(ceilings).toEqual([200, 400, 800]);
  });

  it('backoffDelay_usesMathRandomByDefault_withinBounds', () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(policy, 2);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});

describe('isInfrastructureFailure', () => {
  const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

  it.each([
    ['ECONNREFUSED', 'socket: connection refused'],
    ['ECONNRESET', 'socket: reset by peer'],
    ['ETIMEDOUT', 'socket: timed out'],
    ['EPIPE', 'socket: broken pipe'],
    ['57P01', 'pg admin_shutdown'],
    ['57P02', 'pg crash_shutdown'],
    ['57P03', 'pg cannot_connect_now'],
    ['53300', 'pg too_many_connections'],
    ['08006', 'pg connection_failure'],
    ['08001', 'pg sqlclient_unable_to_establish_sqlconnection'],
    ['08003', 'pg connection_does_not_exist'],
  ])('isInfrastructureFailure_code_%s_(%s)_isInfrastructure', (code) => {
    expect(isInfrastructureFailure(withCode(code))).toBe(true);
  });

  it('isInfrastructureFailure_nodeSocketErrorAsThrownByNet_isInfrastructure', () => {
    const e = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
      errno: -111,
      syscall: 'connect',
    });
    expect(isInfrastructureFailure(e)).toBe(true);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect: connection timeout',
    'Client has encountered a connection error and is not queryable',
    'CONNECTION TERMINATED',
  ])('isInfrastructureFailure_pgPoolMessage_%p_isInfrastructure', (message) => {
    expect(isInfrastructureFailure(new Error(message))).toBe(true);
  });

  it.each([
    ['23505', 'pg unique_violation'],
    ['23503', 'pg foreign_key_violation'],
    ['22P02', 'pg invalid_text_representation'],
    ['40001', 'pg serialization_failure'],
    ['42P01', 'pg undefined_table'],
    ['ENOENT', 'no such file'],
  ])('isInfrastructureFailure_code_%s_(%s)_isNotInfrastructure', (code) => {
    expect(isInfrastructureFailure(withCode(code))).toBe(false);
  });

  it.each([
    ['ordinary error', new Error('amount must be positive')],
    ['type error', new TypeError("Cannot read properties of undefined (reading 'ticketNumber')")],
    ['validation-like error mentioning a connection', new Error('connection reference missing in payload')],
    ['thrown string', 'ECONNREFUSED'],
    ['undefined', undefined],
    ['null', null],
    ['empty object', {}],
    ['numeric code', { code: 57 }],
  ])('isInfrastructureFailure_%s_isNotInfrastructure', (_label, error) => {
    expect(isInfrastructureFailure(error)).toBe(false);
  });

  it('isInfrastructureFailure_codeIsCaseSensitive_likeNodeAndPgCodes', () => {
    expect(isInfrastructureFailure(withCode('econnrefused'))).toBe(false);
  });
});
