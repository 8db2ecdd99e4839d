export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, initialBackoffMs: 200, maxBackoffMs: 5000 };

/** Exponential backoff with full jitter after the given (1-based) failed attempt. */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (failedAttempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Failures of the platform itself (database or broker unreachable) are not the message's fault:
 * dead-lettering them would empty a topic into the DLQ during an outage.
 */
export function isInfrastructureFailure(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  const code = e?.code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300', '08006', '08001', '08003'].includes(code)) {
    return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e?.message ?? '');
}
