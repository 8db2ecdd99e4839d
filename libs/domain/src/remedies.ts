import { z } from 'zod';
import { CURRENCY_EXPONENTS } from './money';
import { DAY_COUNT_BASES, ROUNDING_MODES, DayCountBasis, RoundingMode } from './interest';

/*
 * Remedies (补偿) as pure rules: what the catalogue allows, who must approve, how a payout is
 * booked in double entry, and whether our records and the core banking system's agree. Amounts
 * are integer minor units with their ISO 4217 currency; nothing here reads a clock or a table,
 * the caller passes both in.
 */

/** A voucher is booked at the core like the others: a credit the customer spends on future fees instead of cash. */
export const REMEDY_KINDS = ['fee-waiver', 'fee-refund', 'delay-interest', 'loss-reimbursement', 'goodwill', 'voucher'] as const;
export type RemedyKind = (typeof REMEDY_KINDS)[number];

export interface Money {
  amountMinor: number;
  currency: string;
}

export const formatMoney = (m: Money): string => {
  const exponent = CURRENCY_EXPONENTS[m.currency] ?? 2;
  const digits = String(m.amountMinor).padStart(exponent + 1, '0');
  const whole = exponent ? digits.slice(0, -exponent) : digits;
  return `${m.currency} ${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${exponent ? '.' + digits.slice(-exponent) : ''}`;
};

// ---------------------------------------------------------------------------------------------
// Catalogue
// ---------------------------------------------------------------------------------------------

const minorAmounts = z.record(z.string().regex(/^[A-Z]{3}$/), z.number().int().positive().refine(Number.isSafeInteger));

const CatalogueEntrySchema = z
  .object({
    /** The most one remedy of this kind may be, per currency; a currency not listed cannot be granted. */
    maxMinor: minorAmounts,
    /** Customer-facing titles for letters and the console. */
    title: z.object({ 'zh-CN': z.string().min(1), en: z.string().min(1) }).strict(),
  })
  .strict();

const InterestTermsSchema = z
  .object({
    annualRate: z.string().regex(/^\d+(\.\d{1,10})?$/, 'a plain decimal such as "0.0435"'),
    basis: z.enum(DAY_COUNT_BASES),
    rounding: z.enum(ROUNDING_MODES),
  })
  .strict();

export const RemedyCatalogueSchema = z
  .object({
    remedies: z.record(z.enum(REMEDY_KINDS), CatalogueEntrySchema),
    /** Interest for delayed funds: the rate the bank pays, its day-count basis and rounding. */
    delayInterest: InterestTermsSchema,
  })
  .strict();
export type RemedyCatalogue = z.infer<typeof RemedyCatalogueSchema>;
export type InterestTerms = { annualRate: string; basis: DayCountBasis; rounding: RoundingMode };

/**
 * The default catalogue: limits a mid-sized bank might start from. A deployment replaces it with
 * `REMEDY_CATALOGUE` (JSON of the same shape); the rate is the one-year deposit benchmark.
 */
export const DEFAULT_REMEDY_CATALOGUE: RemedyCatalogue = {
  remedies: {
    'fee-waiver': { maxMinor: { CNY: 1_000_00, USD: 200_00, GBP: 200_00 }, title: { 'zh-CN': '费用减免', en: 'Fee waiver' } },
    'fee-refund': { maxMinor: { CNY: 10_000_00, USD: 2_000_00, GBP: 2_000_00 }, title: { 'zh-CN': '退还费用', en: 'Fee refund' } },
    'delay-interest': { maxMinor: { CNY: 10_000_00, USD: 2_000_00, GBP: 2_000_00 }, title: { 'zh-CN': '资金延误利息', en: 'Interest for delayed funds' } },
    'loss-reimbursement': { maxMinor: { CNY: 50_000_00, USD: 10_000_00, GBP: 10_000_00 }, title: { 'zh-CN': '直接损失赔偿', en: 'Reimbursement of direct loss' } },
    goodwill: { maxMinor: { CNY: 500_00, USD: 100_00, GBP: 100_00 }, title: { 'zh-CN': '致歉补偿', en: 'Goodwill payment' } },
    voucher: { maxMinor: { CNY: 300_00, USD: 50_00, GBP: 50_00 }, title: { 'zh-CN': '费用抵用券', en: 'Fee voucher' } },
  },
  delayInterest: { annualRate: '0.015', basis: 'ACT/365F', rounding: 'half-up' },
};

/** Parses `REMEDY_CATALOGUE`; empty means the default. Refuses anything malformed with every problem named. */
export function remedyCatalogueFrom(json: string | undefined): RemedyCatalogue {
  if (!json || !json.trim()) return DEFAULT_REMEDY_CATALOGUE;
  return parseConfig('remedy catalogue', RemedyCatalogueSchema, json);
}

/** Why the catalogue does not allow this remedy, or null when it does. */
export function catalogueRefusal(catalogue: RemedyCatalogue, kind: string, amount: Money): string | null {
  // Own keys only: a kind or currency such as "constructor" must not find Object.prototype's.
  const entry = Object.hasOwn(catalogue.remedies, kind) ? catalogue.remedies[kind as RemedyKind] : undefined;
  if (!entry) return `the catalogue has no remedy of kind ${kind}`;
  const max = Object.hasOwn(entry.maxMinor, amount.currency) ? entry.maxMinor[amount.currency] : undefined;
  if (max === undefined) return `${entry.title.en} cannot be granted in ${amount.currency}`;
  if (amount.amountMinor > max) return `${formatMoney(amount)} is above the catalogue limit for ${entry.title.en} (${formatMoney({ amountMinor: max, currency: amount.currency })})`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Approval matrix
// ---------------------------------------------------------------------------------------------

const CurrencyMatrixSchema = z
  .object({
    /** Up to this the issued case decision is approval enough. */
    automaticUpToMinor: z.number().int().nonnegative(),
    /** Above this two different approvers must approve, neither of them the proposer. */
    fourEyesAboveMinor: z.number().int().nonnegative(),
    /** The most each role may approve; a token's approvalLimitMinor can only lower it. */
    roleLimitsMinor: z.record(z.string().min(1), z.number().int().nonnegative()),
    /** What one customer may receive in total within a rolling period. */
    customerCap: z.object({ amountMinor: z.number().int().positive(), periodDays: z.number().int().positive().max(3660) }).strict().nullable(),
  })
  .strict()
  .refine((m) => m.fourEyesAboveMinor >= m.automaticUpToMinor, 'fourEyesAboveMinor must not be below automaticUpToMinor');

export const ApprovalMatrixSchema = z.record(z.string().regex(/^[A-Z]{3}$/), CurrencyMatrixSchema);
export type ApprovalMatrix = z.infer<typeof ApprovalMatrixSchema>;
export type CurrencyMatrix = z.infer<typeof CurrencyMatrixSchema>;

export const DEFAULT_APPROVAL_MATRIX: ApprovalMatrix = {
  CNY: { automaticUpToMinor: 200_00, fourEyesAboveMinor: 2_000_00, roleLimitsMinor: { approver: 20_000_00, 'compliance-officer': 100_000_00 }, customerCap: { amountMinor: 50_000_00, periodDays: 365 } },
  USD: { automaticUpToMinor: 25_00, fourEyesAboveMinor: 300_00, roleLimitsMinor: { approver: 3_000_00, 'compliance-officer': 15_000_00 }, customerCap: { amountMinor: 7_500_00, periodDays: 365 } },
  GBP: { automaticUpToMinor: 25_00, fourEyesAboveMinor: 250_00, roleLimitsMinor: { approver: 2_500_00, 'compliance-officer': 12_000_00 }, customerCap: { amountMinor: 6_000_00, periodDays: 365 } },
};

export function approvalMatrixFrom(json: string | undefined): ApprovalMatrix {
  if (!json || !json.trim()) return DEFAULT_APPROVAL_MATRIX;
  return parseConfig('approval matrix', ApprovalMatrixSchema, json);
}

export const APPROVAL_ROUTES = ['automatic', 'single', 'four-eyes'] as const;
export type ApprovalRoute = (typeof APPROVAL_ROUTES)[number];

export interface RemedyToApprove {
  /** What this remedy pays. */
  amount: Money;
  /**
   * For a top-up after a later decision: what that decision grants in all, of which `amount` is
   * the part not granted before. The route and the approvers' limits weigh the whole, so a remedy
   * granted in steps over reviews needs the approvals it would have needed at once.
   */
  decisionMinor?: number;
  /** Who decided the remedy (the case's decision maker): never its approver. */
  proposedBy: string;
  approvals: readonly string[];
  /** What the customer has already been granted (approved, paying or paid) within the cap's period, same currency. */
  grantedInPeriodMinor: number;
}

export interface RemedyApprover {
  subject: string;
  roles: readonly string[];
  /** The token's own limit, if it carries one. */
  limitMinor?: number;
}

export const APPROVAL_REFUSALS = [
  'no-matrix',
  'not-an-approver',
  'over-limit',
  'proposer-cannot-approve',
  'already-approved',
  'over-customer-cap',
  // Reversals (reverseRemedy):
  'requester-cannot-confirm',
  'payout-party-cannot-confirm',
  'reversal-refused-before',
] as const;
export type ApprovalRefusalCode = (typeof APPROVAL_REFUSALS)[number];

export class RemedyApprovalError extends Error {
  constructor(
    readonly code: ApprovalRefusalCode,
    message: string,
  ) {
    super(message);
  }
}

/** Which route an amount takes; a currency without a matrix has no automatic route. */
export function approvalRouteFor(matrix: ApprovalMatrix, amount: Money): ApprovalRoute {
  const m = matrix[amount.currency];
  if (!m) return 'four-eyes';
  if (amount.amountMinor <= m.automaticUpToMinor) return 'automatic';
  return amount.amountMinor > m.fourEyesAboveMinor ? 'four-eyes' : 'single';
}

export const approvalsNeeded = (route: ApprovalRoute): number => ({ automatic: 0, single: 1, 'four-eyes': 2 })[route];

/** The cap's refusal, or null when the remedy fits in what the customer may still receive. */
export function customerCapRefusal(matrix: ApprovalMatrix, remedy: Pick<RemedyToApprove, 'amount' | 'grantedInPeriodMinor'>): string | null {
  const cap = matrix[remedy.amount.currency]?.customerCap;
  if (!cap) return null;
  const total = remedy.grantedInPeriodMinor + remedy.amount.amountMinor;
  if (total <= cap.amountMinor) return null;
  const money = (amountMinor: number) => formatMoney({ amountMinor, currency: remedy.amount.currency });
  return `the customer has been granted ${money(remedy.grantedInPeriodMinor)} in the last ${cap.periodDays} days; with ${money(remedy.amount.amountMinor)} that exceeds the cap of ${money(cap.amountMinor)}`;
}

/** How much this approver may approve alone: the highest of their roles' limits, lowered by their token's own. */
export function approverLimitMinor(matrix: ApprovalMatrix, currency: string, approver: RemedyApprover): number | null {
  const m = matrix[currency];
  if (!m) return null;
  const byRole = approver.roles.map((r) => m.roleLimitsMinor[r]).filter((v): v is number => v !== undefined);
  if (!byRole.length) return null;
  const limit = Math.max(...byRole);
  return approver.limitMinor === undefined ? limit : Math.min(limit, approver.limitMinor);
}

/** The amount the route and the limits weigh: the whole decision, for a top-up; the cap weighs only the new money. */
export const decisionOf = (remedy: Pick<RemedyToApprove, 'amount' | 'decisionMinor'>): Money => ({
  amountMinor: Math.max(remedy.decisionMinor ?? 0, remedy.amount.amountMinor),
  currency: remedy.amount.currency,
});

/** The approver's limit in the remedy's currency; refuses a currency without a matrix and roles that approve nothing. */
function limitOfApprover(matrix: ApprovalMatrix, currency: string, approver: RemedyApprover): number {
  if (!matrix[currency]) throw new RemedyApprovalError('no-matrix', `no approval matrix is configured for ${currency}`);
  const limit = approverLimitMinor(matrix, currency, approver);
  if (limit === null) throw new RemedyApprovalError('not-an-approver', `none of the roles ${approver.roles.join(', ') || '(none)'} may approve remedies in ${currency}`);
  return limit;
}

/** Refuses an approver whose limit is below the decision (the whole decision, on a top-up). */
function requireWithinLimit(remedy: Pick<RemedyToApprove, 'amount' | 'decisionMinor'>, limit: number): Money {
  const decision = decisionOf(remedy);
  if (decision.amountMinor > limit) {
    const what = decision.amountMinor > remedy.amount.amountMinor ? `${formatMoney(decision)} (the decision in all, ${formatMoney(remedy.amount)} of it new)` : formatMoney(decision);
    throw new RemedyApprovalError('over-limit', `${what} is above this approver's limit of ${formatMoney({ amountMinor: limit, currency: remedy.amount.currency })}`);
  }
  return decision;
}

/**
 * Records one approver's approval; says whether the remedy is now fully approved. Refuses the
 * proposer, anyone approving twice, anyone whose limit is below the decision, and any approval that
 * would take the customer over the cap (a cap is a ceiling nobody approves past; the remedy can
 * only be rejected or reissued smaller).
 */
export function approveRemedy(matrix: ApprovalMatrix, remedy: RemedyToApprove, approver: RemedyApprover): { approvals: string[]; route: ApprovalRoute; complete: boolean } {
  const limit = limitOfApprover(matrix, remedy.amount.currency, approver);
  if (approver.subject === remedy.proposedBy) throw new RemedyApprovalError('proposer-cannot-approve', 'the remedy was decided by the same person: someone else must approve it');
  if (remedy.approvals.includes(approver.subject)) throw new RemedyApprovalError('already-approved', 'this approver has already approved the remedy: a second pair of eyes must be someone else');
  const decision = requireWithinLimit(remedy, limit);
  const cap = customerCapRefusal(matrix, remedy);
  if (cap) throw new RemedyApprovalError('over-customer-cap', cap);
  const route = approvalRouteFor(matrix, decision);
  const approvals = [...remedy.approvals, approver.subject];
  return { approvals, route, complete: approvals.length >= Math.max(1, approvalsNeeded(route)) };
}

// ---------------------------------------------------------------------------------------------
// Reversal of a paid remedy
// ---------------------------------------------------------------------------------------------

export interface RemedyToReverse {
  /** What the remedy paid (and the reversal takes back). */
  amount: Money;
  /** On a top-up, the whole decision: a reversal is weighed as the approval of the same remedy was. */
  decisionMinor?: number;
  /** Who decided the remedy. */
  proposedBy: string;
  /** Who approved its payout (none when the decision alone granted it). */
  approvedBy: readonly string[];
  /** Who asked for the reversal (first) and who confirmed it, so far. */
  reversalApprovals: readonly string[];
  /** Why an earlier reversal of this payout failed at the core (refused, or never received), when one did. */
  refusedReversal?: string | null;
}

/**
 * One approver's step in taking a paid remedy back: the first asks for the reversal, a second
 * confirms it. Taking money back from a customer's account needs the same authority as paying it:
 *
 * - every step needs an approver whose limit in the remedy's currency covers what approving the
 *   same remedy needed (the whole decision, on a top-up); a token without the limit claim comes
 *   here as a limit of 0, as for an approval, and reverses nothing;
 * - above the four-eyes threshold two different approvers: the one who asks never confirms;
 * - whoever had a part in the payout (decided the remedy or approved it) may ask for its reversal,
 *   since they are often the ones who find the mistake, but never undo it alone: a reversal they
 *   ask for needs the confirmation of someone who had no part in it, at any amount, and they
 *   cannot confirm one asked for by another party to the payout;
 * - a payout whose reversal the core refused is not reversed again (see `reversalRefusedBefore`).
 *
 * Says whether the reversal is now complete: the debit instruction is sent once it is.
 */
export function reverseRemedy(matrix: ApprovalMatrix, remedy: RemedyToReverse, approver: RemedyApprover): { reversalApprovals: string[]; route: ApprovalRoute; complete: boolean } {
  if (remedy.refusedReversal) throw reversalRefusedBefore(remedy.refusedReversal);
  const limit = limitOfApprover(matrix, remedy.amount.currency, approver);
  if (remedy.reversalApprovals.includes(approver.subject)) {
    throw new RemedyApprovalError('requester-cannot-confirm', 'this approver has already asked for (or confirmed) the reversal: someone else must confirm it');
  }
  const partyToPayout = (subject: string) => subject === remedy.proposedBy || remedy.approvedBy.includes(subject);
  if (remedy.reversalApprovals.length > 0 && partyToPayout(approver.subject) && remedy.reversalApprovals.every(partyToPayout)) {
    throw new RemedyApprovalError('payout-party-cannot-confirm', 'this approver decided or approved the payout, and so did whoever asked for its reversal: someone who had no part in the payout must confirm it');
  }
  const decision = requireWithinLimit(remedy, limit);
  const route = approvalRouteFor(matrix, decision);
  const reversalApprovals = [...remedy.reversalApprovals, approver.subject];
  const complete = reversalApprovals.length >= Math.max(1, approvalsNeeded(route)) && reversalApprovals.some((s) => !partyToPayout(s));
  return { reversalApprovals, route, complete };
}

/**
 * The core refused (or never received) the debit that was to take this payout back. That is
 * final here, as a refused payout is: the core's reason (a closed or frozen account, too little
 * money) does not go away by sending the same debit again, and a bank does not keep debiting a
 * customer who complained. A person recovers the money outside compensation, with the customer.
 */
export function reversalRefusedBefore(coreReason: string): RemedyApprovalError {
  return new RemedyApprovalError('reversal-refused-before', `the earlier reversal of this payout failed at the core (${coreReason}): it is not sent again; the money is recovered outside compensation`);
}

// ---------------------------------------------------------------------------------------------
// Remedy lifecycle
// ---------------------------------------------------------------------------------------------

export const REMEDY_STATUSES = ['proposed', 'approved', 'rejected', 'paid', 'payout-failed', 'reversal-requested', 'reversing', 'reversed', 'withdrawn'] as const;
export type RemedyStatus = (typeof REMEDY_STATUSES)[number];

export const REMEDY_ACTIONS = [
  'amend',
  'approve',
  'reject',
  'record-payout',
  'record-payout-failure',
  'request-reversal',
  'confirm-reversal',
  'reject-reversal',
  'record-reversal',
  'record-reversal-failure',
  'withdraw',
] as const;
export type RemedyAction = (typeof REMEDY_ACTIONS)[number];

const REMEDY_MOVES: Record<RemedyStatus, Partial<Record<RemedyAction, RemedyStatus>>> = {
  proposed: { amend: 'proposed', approve: 'approved', reject: 'rejected', withdraw: 'withdrawn' },
  // An approved remedy is withdrawn only while its payout is unsent: see reopeningEffect.
  approved: { 'record-payout': 'paid', 'record-payout-failure': 'payout-failed', withdraw: 'withdrawn' },
  rejected: {},
  // A reversal is asked for and then confirmed (reverseRemedy says by whom); one approver who may
  // reverse alone does both at once. Declining the request leaves the payout standing, and so does
  // a debit the core refused: paid again, but reverseRemedy refuses a second reversal of it.
  paid: { 'request-reversal': 'reversal-requested' },
  'payout-failed': {},
  'reversal-requested': { 'confirm-reversal': 'reversing', 'reject-reversal': 'paid' },
  reversing: { 'record-reversal': 'reversed', 'record-reversal-failure': 'paid' },
  reversed: {},
  withdrawn: {},
};

/** What the customer counts as granted: approved (its payout under way), paid, or paid and not yet taken back. */
export const GRANTED_REMEDY_STATUSES = ['approved', 'paid', 'reversal-requested', 'reversing'] as const satisfies readonly RemedyStatus[];
export const isGranted = (status: RemedyStatus): boolean => (GRANTED_REMEDY_STATUSES as readonly RemedyStatus[]).includes(status);

export class RemedyTransitionError extends Error {
  constructor(
    readonly status: RemedyStatus,
    readonly action: RemedyAction,
    readonly allowed: RemedyAction[],
  ) {
    super(`a remedy that is ${status} cannot ${action.replace(/-/g, ' ')}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`);
  }
}

export const allowedRemedyActions = (status: RemedyStatus): RemedyAction[] => Object.keys(REMEDY_MOVES[status]) as RemedyAction[];

/** The status after an action, or a RemedyTransitionError naming what is allowed instead. */
export function moveRemedy(status: RemedyStatus, action: RemedyAction): RemedyStatus {
  const next = REMEDY_MOVES[status][action];
  if (!next) throw new RemedyTransitionError(status, action, allowedRemedyActions(status));
  return next;
}

// ---------------------------------------------------------------------------------------------
// When the case's decision changes
// ---------------------------------------------------------------------------------------------

export type ReopeningEffect = 'withdraw' | 'stands' | 'unaffected';

/**
 * What reopening the case does to one of its remedies. The decision behind the remedy is withdrawn,
 * and so is the remedy while no money can have left for it: proposed, or approved with its payout
 * not sent yet. Once the payout was sent the core may have booked it, and money that went out is
 * not taken back because the case is looked at again: the remedy stands and the next decision is
 * compared against it. Remedies that pay nothing (rejected, failed, reversed, withdrawn) are left.
 */
export function reopeningEffect(status: RemedyStatus, payoutSent: boolean): ReopeningEffect {
  if (status === 'proposed') return 'withdraw';
  if (status === 'approved') return payoutSent ? 'stands' : 'withdraw';
  return isGranted(status) ? 'stands' : 'unaffected';
}

export type RemedyRevision =
  /** Pay this: the whole decision when nothing was granted before, else the difference (a top-up). */
  | { kind: 'grant'; amount: Money; grantedBefore: Money }
  /** The decision grants what was granted already, or nothing on a case that had nothing. */
  | { kind: 'unchanged' }
  /** The decision grants less than was granted: the difference stays with the customer. */
  | { kind: 'not-clawed-back'; granted: Money; difference: Money }
  /** Granted in another currency than decided: no amount to compare, so a person looks at it. */
  | { kind: 'other-currency'; granted: Money[] };

/**
 * A later decision on the case (a review's, or the one after a reopening) against what the case's
 * earlier remedies granted. Money only goes to the customer: a higher decision grants the
 * difference, an equal one nothing more, and a lower one (or none) takes nothing back, since a
 * bank does not recover compensation it paid because a later decision valued the complaint lower.
 */
export function reviseRemedy(decided: Money | null, granted: readonly Money[]): RemedyRevision {
  const currency = decided?.currency ?? granted[0]?.currency;
  if (currency === undefined) return { kind: 'unchanged' };
  if (granted.some((g) => g.currency !== currency)) return { kind: 'other-currency', granted: [...granted] };
  const money = (amountMinor: number): Money => ({ amountMinor, currency });
  const before = granted.reduce((sum, g) => sum + g.amountMinor, 0);
  const now = decided?.amountMinor ?? 0;
  if (now > before) return { kind: 'grant', amount: money(now - before), grantedBefore: money(before) };
  if (now === before) return { kind: 'unchanged' };
  return { kind: 'not-clawed-back', granted: money(before), difference: money(before - now) };
}

// ---------------------------------------------------------------------------------------------
// Ledger
// ---------------------------------------------------------------------------------------------

/** Our side of the money: compensation is an expense by kind, settled through the core banking clearing account. */
export const LEDGER_ACCOUNTS = {
  expense: (kind: string) => `expense:compensation:${kind}`,
  clearing: 'liability:core-banking-clearing',
} as const;

export interface Posting {
  account: string;
  debitMinor: number;
  creditMinor: number;
  currency: string;
}

/** A payout: the expense is recognised and the money leaves through the core clearing account. */
export function payoutPostings(kind: string, amount: Money): Posting[] {
  return [
    { account: LEDGER_ACCOUNTS.expense(kind), debitMinor: amount.amountMinor, creditMinor: 0, currency: amount.currency },
    { account: LEDGER_ACCOUNTS.clearing, debitMinor: 0, creditMinor: amount.amountMinor, currency: amount.currency },
  ];
}

/** A reversal undoes the payout's postings line for line. */
export function reversalPostings(kind: string, amount: Money): Posting[] {
  return payoutPostings(kind, amount).map((p) => ({ ...p, debitMinor: p.creditMinor, creditMinor: p.debitMinor }));
}

/** Debits equal credits in every currency of the entry. */
export function isBalanced(postings: readonly Posting[]): boolean {
  const sums = new Map<string, bigint>();
  for (const p of postings) sums.set(p.currency, (sums.get(p.currency) ?? 0n) + BigInt(p.debitMinor) - BigInt(p.creditMinor));
  return postings.length > 0 && [...sums.values()].every((s) => s === 0n);
}

// ---------------------------------------------------------------------------------------------
// Reconciliation
// ---------------------------------------------------------------------------------------------

export type InstructionKind = 'payout' | 'reversal';

/** One instruction to the core as we recorded it. */
export interface OurInstruction {
  instructionId: string;
  remedyId: string;
  kind: InstructionKind;
  amount: Money;
  /** booked: we recorded the core's booking; pending or instructing: not settled yet; refused, failed or cancelled (never sent): nothing should be booked. */
  status: 'pending' | 'instructing' | 'booked' | 'refused' | 'failed' | 'cancelled';
  coreReference: string | null;
}

/** The postings of our ledger entry for an instruction (none when nothing was posted). */
export interface OurEntry {
  instructionId: string;
  postings: Posting[];
}

/** A booking as the core banking system reports it. */
export interface CoreBooking {
  instructionId: string;
  coreReference: string;
  direction: 'credit' | 'debit';
  amount: Money;
}

export const MISMATCH_KINDS = [
  'booked-at-core-only',
  'missing-at-core',
  'amount-differs',
  'reference-differs',
  'direction-differs',
  'booked-despite-refusal',
  'missing-postings',
  'postings-without-booking',
  'unbalanced-entry',
  'postings-differ',
] as const;
export type MismatchKind = (typeof MISMATCH_KINDS)[number];

export interface Mismatch {
  kind: MismatchKind;
  instructionId: string;
  remedyId: string | null;
  detail: string;
}

export interface Reconciliation {
  instructions: number;
  coreBookings: number;
  ledgerEntries: number;
  /** Sent and not answered yet: neither a mismatch nor settled. */
  inFlight: number;
  totals: { ours: Record<string, number>; core: Record<string, number>; ledger: Record<string, number> };
  mismatches: Mismatch[];
}

const signed = (kind: InstructionKind | 'credit' | 'debit', amountMinor: number) => (kind === 'payout' || kind === 'credit' ? amountMinor : -amountMinor);
const add = (totals: Record<string, number>, currency: string, amount: number) => void (totals[currency] = (totals[currency] ?? 0) + amount);

/**
 * Three records must tell the same story: our instructions, our ledger entries and the core's
 * bookings. Each booking must answer exactly one instruction we recorded as booked, with the same
 * amount, reference and direction, and each such instruction must have one balanced entry whose
 * clearing line moves that amount. Instructions still in flight are counted, not flagged.
 */
export function reconcile(ours: readonly OurInstruction[], entries: readonly OurEntry[], core: readonly CoreBooking[]): Reconciliation {
  const mismatches: Mismatch[] = [];
  const byId = new Map(ours.map((o) => [o.instructionId, o]));
  const entryById = new Map<string, OurEntry>();
  for (const e of entries) entryById.set(e.instructionId, e);
  const bookingById = new Map<string, CoreBooking>();
  const totals = { ours: {} as Record<string, number>, core: {} as Record<string, number>, ledger: {} as Record<string, number> };
  let inFlight = 0;

  for (const b of core) {
    bookingById.set(b.instructionId, b);
    add(totals.core, b.amount.currency, signed(b.direction, b.amount.amountMinor));
    const o = byId.get(b.instructionId);
    if (!o) mismatches.push({ kind: 'booked-at-core-only', instructionId: b.instructionId, remedyId: null, detail: `the core booked ${formatMoney(b.amount)} (${b.coreReference}) for an instruction we have no record of` });
  }

  for (const o of ours) {
    const b = bookingById.get(o.instructionId);
    const m = (kind: MismatchKind, detail: string) => mismatches.push({ kind, instructionId: o.instructionId, remedyId: o.remedyId, detail });
    if (o.status === 'booked') add(totals.ours, o.amount.currency, signed(o.kind, o.amount.amountMinor));
    if (o.status === 'pending' || o.status === 'instructing') {
      // Booked at the core and not recorded by us yet is the window a crash leaves; the payout desk closes it.
      inFlight++;
    } else if (o.status === 'booked' && !b) {
      m('missing-at-core', `we recorded ${formatMoney(o.amount)} as booked (${o.coreReference}) but the core has no such booking`);
    } else if ((o.status === 'refused' || o.status === 'failed' || o.status === 'cancelled') && b) {
      m('booked-despite-refusal', `we recorded the instruction as ${o.status} but the core booked ${formatMoney(b.amount)} (${b.coreReference})`);
    }
    if (b && o.status === 'booked') {
      if (b.amount.amountMinor !== o.amount.amountMinor || b.amount.currency !== o.amount.currency) m('amount-differs', `ours ${formatMoney(o.amount)}, core ${formatMoney(b.amount)}`);
      if (b.coreReference !== o.coreReference) m('reference-differs', `ours ${o.coreReference}, core ${b.coreReference}`);
      const expected = o.kind === 'payout' ? 'credit' : 'debit';
      if (b.direction !== expected) m('direction-differs', `a ${o.kind} should be a ${expected} to the customer, the core booked a ${b.direction}`);
    }

    const e = entryById.get(o.instructionId);
    if (o.status === 'booked' && !e) m('missing-postings', `booked ${formatMoney(o.amount)} with no ledger entry`);
    if (o.status !== 'booked' && e) m('postings-without-booking', `a ledger entry exists for an instruction that is ${o.status}`);
    if (e) {
      if (!isBalanced(e.postings)) m('unbalanced-entry', 'debits and credits of the entry differ');
      const clearing = e.postings.filter((p) => p.account === LEDGER_ACCOUNTS.clearing && p.currency === o.amount.currency).reduce((s, p) => s + p.creditMinor - p.debitMinor, 0);
      if (clearing !== signed(o.kind, o.amount.amountMinor)) m('postings-differ', `the clearing account moved ${clearing} minor units for a ${o.kind} of ${formatMoney(o.amount)}`);
      for (const p of e.postings) if (p.account === LEDGER_ACCOUNTS.clearing) add(totals.ledger, p.currency, p.creditMinor - p.debitMinor);
    }
  }
  for (const e of entries) {
    if (!byId.has(e.instructionId)) mismatches.push({ kind: 'postings-without-booking', instructionId: e.instructionId, remedyId: null, detail: 'a ledger entry for an instruction we have no record of' });
  }
  return { instructions: ours.length, coreBookings: core.length, ledgerEntries: entries.length, inFlight, totals, mismatches };
}

// ---------------------------------------------------------------------------------------------

function parseConfig<T>(what: string, schema: z.ZodType<T>, json: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new Error(`invalid ${what}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
