import { ApprovalMatrix, approvalMatrixFrom, RemedyCatalogue, remedyCatalogueFrom } from '@complaints/domain';

export const COMPENSATION_POLICY = Symbol('COMPENSATION_POLICY');

/** What a deployment decides about remedies, read once at start so a malformed setting stops the service instead of a payout. */
export interface CompensationPolicy {
  catalogue: RemedyCatalogue;
  matrix: ApprovalMatrix;
  /** How often the payout desk looks for instructions to send; not positive switches payouts off. */
  payoutIntervalMs: number;
  /** How long a claimed instruction is left to its sender before another may resend it (same instruction id). */
  payoutLeaseMs: number;
  /** Attempts on transport errors before the desk asks the core what became of the instruction and gives up if it never arrived. */
  payoutMaxAttempts: number;
  payoutBackoffMs: number;
}

const positiveOr = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got ${value}`);
  return n;
};

export function compensationPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): CompensationPolicy {
  return {
    catalogue: remedyCatalogueFrom(env.REMEDY_CATALOGUE),
    matrix: approvalMatrixFrom(env.REMEDY_APPROVAL_MATRIX),
    payoutIntervalMs: positiveOr(env.PAYOUT_CHECK_INTERVAL_MS, 2_000, 'PAYOUT_CHECK_INTERVAL_MS'),
    payoutLeaseMs: positiveOr(env.PAYOUT_CLAIM_LEASE_MS, 60_000, 'PAYOUT_CLAIM_LEASE_MS'),
    payoutMaxAttempts: Math.max(1, Math.floor(positiveOr(env.PAYOUT_MAX_ATTEMPTS, 8, 'PAYOUT_MAX_ATTEMPTS'))),
    payoutBackoffMs: positiveOr(env.PAYOUT_RETRY_BACKOFF_MS, 5_000, 'PAYOUT_RETRY_BACKOFF_MS'),
  };
}
