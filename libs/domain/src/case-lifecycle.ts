import { ApprovalMatrix, catalogueRefusal, RemedyCatalogue, RemedyKind } from './remedies';
import type { SeverityLevel } from './triage-rules';

/*
 * The investigation case's lifecycle as pure functions over a plain JSON snapshot, which the
 * investigation service persists as is together with the transitions returned. Nothing here reads
 * a clock, a calendar, a staff directory or a limit table: the caller passes times, due dates,
 * conflicts and authority limits in, so the same inputs always give the same answer and a
 * decision can be replayed from the audit trail. No function mutates its arguments.
 *
 * One table (`allowedActions`) says what may happen in each state, and every transition checks it
 * before anything else, so a request that is wrong for the state is always refused the same way
 * (409 with the allowed next steps) whatever else may be wrong with it.
 *
 * The controls come from CBIRC Order 2020 No. 3 (银行保险机构消费投诉处理管理办法): staff complained
 * about must not handle the complaint (回避), a decision the customer contests is looked at again
 * (核查) by someone other than who made it, and a decision needs a second pair of eyes when the
 * firm's policy says so (four-eyes).
 */

export const CASE_STATES = [
  'awaiting-assignment',
  'investigating',
  'awaiting-approval',
  'responded',
  'under-review',
  'closed',
  'withdrawn',
] as const;
export type CaseState = (typeof CASE_STATES)[number];

export const CASE_ACTIONS = [
  'assign',
  'request-task',
  'complete-task',
  'add-evidence',
  'log-contact',
  'add-note',
  'record-findings',
  'request-extension',
  'decide-extension',
  'propose-resolution',
  'approve-resolution',
  'reject-resolution',
  'escalate',
  'contest',
  'close',
  'reopen',
  'withdraw',
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

export const LIABILITIES = ['bank', 'customer', 'third-party', 'shared', 'undetermined'] as const;
export type Liability = (typeof LIABILITIES)[number];

/** Root-cause families, so complaint MI can be aggregated for 溯源整改 (tracing causes and fixing them). */
export const ROOT_CAUSE_CODES = ['people', 'process', 'system', 'product', 'third-party', 'customer', 'external'] as const;
export type RootCauseCode = (typeof ROOT_CAUSE_CODES)[number];

export const RESOLUTION_ACTIONS = ['explanation', 'correction', 'apology', 'fee-waiver', 'refund', 'compensation', 'staff-coaching'] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

export const CASE_OUTCOMES = ['upheld', 'partially-upheld', 'not-upheld'] as const;
export type CaseOutcome = (typeof CASE_OUTCOMES)[number];

export type CaseSeverity = SeverityLevel;
const SEVERITIES: readonly CaseSeverity[] = ['low', 'medium', 'high', 'critical'];

/**
 * Actions that pay the customer something. They need a stated remedy, otherwise the amount would
 * escape the approval threshold and the approver's authority limit.
 */
const MONEY_ACTIONS: readonly ResolutionAction[] = ['fee-waiver', 'refund', 'compensation'];

const MAX_FACTS = 50;

// ---------------------------------------------------------------------------------------------
// What may happen in each state
// ---------------------------------------------------------------------------------------------

const ALLOWED: Readonly<Record<CaseState, readonly CaseAction[]>> = {
  // Nobody owns the case yet, so there is nobody to do or ask for work.
  'awaiting-assignment': ['assign', 'add-note', 'escalate', 'withdraw'],
  investigating: [
    'assign',
    'request-task',
    'complete-task',
    'add-evidence',
    'log-contact',
    'add-note',
    'record-findings',
    'request-extension',
    'decide-extension',
    'propose-resolution',
    'escalate',
    'withdraw',
  ],
  // The proposal is frozen while it is being approved; tasks already running may still finish and
  // an extension already asked for may still be decided, since the deadline keeps running.
  'awaiting-approval': [
    'approve-resolution',
    'reject-resolution',
    'complete-task',
    'add-evidence',
    'log-contact',
    'add-note',
    'decide-extension',
    'withdraw',
  ],
  // Answered: the customer may contest within the review window; new facts reopen the case.
  responded: ['log-contact', 'add-note', 'contest', 'close', 'reopen'],
  // A review is decided at a higher level, so it first needs a new investigator there.
  'under-review': ['assign', 'add-note', 'log-contact', 'withdraw'],
  closed: ['add-note', 'reopen'],
  // The procedure ended at the customer's request; only the record may still be annotated.
  withdrawn: ['add-note'],
};

/** What may be done to a case in `state`, in the order of `CASE_ACTIONS` (a new array each call). */
export function allowedActions(state: CaseState): CaseAction[] {
  const allowed = ALLOWED[state];
  if (!allowed) throw new Error(`unknown case state ${JSON.stringify(state)} (known: ${CASE_STATES.join(', ')})`);
  return CASE_ACTIONS.filter((a) => allowed.includes(a));
}

export const isActionAllowed = (state: CaseState, action: CaseAction): boolean => allowedActions(state).includes(action);

export type CaseTransitionErrorCode =
  | 'not-allowed-in-state'
  | 'conflict-of-interest'
  | 'caller-conflict-of-interest'
  | 'not-assigned'
  | 'four-eyes'
  | 'findings-missing'
  | 'reason-required'
  | 'review-window-closed'
  | 'authority-limit'
  | 'no-candidate'
  | 'invalid';

export class CaseTransitionError extends Error {
  /** The next steps open from `state`, so the API can answer 409 with them (empty without a state). */
  readonly allowed: CaseAction[];

  /**
   * `state` and `action` are null only for checks made outside a case transition (opening a case,
   * a four-eyes check on an extension decision made without case context). `field` names the
   * input the refusal is about, when it is about one the caller can correct.
   */
  constructor(
    readonly code: CaseTransitionErrorCode,
    readonly state: CaseState | null,
    readonly action: CaseAction | null,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'CaseTransitionError';
    this.allowed = state === null ? [] : allowedActions(state);
  }
}

export function assertActionAllowed(state: CaseState, action: CaseAction): void {
  const allowed = allowedActions(state);
  if (!allowed.includes(action)) {
    throw new CaseTransitionError('not-allowed-in-state', state, action, `cannot ${action} a case that is ${state} (allowed: ${allowed.join(', ')})`);
  }
}

/**
 * The person who asked for something may not also grant it (an extension, a resolution). Exact
 * comparison of staff ids: the ids come from the identity provider, not from free text.
 */
export function assertFourEyes(requestedBy: string, decidedBy: string, context?: { state: CaseState; action: CaseAction }): void {
  if (requestedBy === decidedBy) {
    throw new CaseTransitionError(
      'four-eyes',
      context?.state ?? null,
      context?.action ?? null,
      `${decidedBy} asked for this and may not also decide it: a second person must (four-eyes)`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The snapshot
// ---------------------------------------------------------------------------------------------

export interface Findings {
  /** 1..50 non-empty statements of fact established by the investigation. */
  facts: string[];
  liability: Liability;
  rootCause: { code: RootCauseCode; detail: string };
  recordedBy: string;
  recordedAt: string;
}

export interface Remedy {
  type: string;
  /** Positive, in minor units of `currency`. */
  amountMinor: number;
  /** ISO 4217. */
  currency: string;
}

export interface ResolutionProposal {
  outcome: CaseOutcome;
  /** What the customer is told and why; every decision must be explained, whatever else it offers. */
  explanation: string;
  actions: ResolutionAction[];
  remedy: Remedy | null;
  proposedBy: string;
  proposedAt: string;
  needsApproval: boolean;
}

export interface CaseSnapshot {
  state: CaseState;
  /** 1 = the routed department; each escalation or review raises it (a review is decided at a higher level). */
  level: number;
  /** 0 for the first decision; each 核查 review the customer asks for adds one. */
  reviewRound: number;
  assignedTo: string | null;
  severity: CaseSeverity;
  findings: Findings | null;
  /** The decision being approved, or once responded the decision issued. */
  proposal: ResolutionProposal | null;
  /** Who issued a decision in earlier rounds: they may not review their own decision. */
  previousDeciders: string[];
  /** ISO instant the last decision was issued. */
  respondedAt: string | null;
  /** ISO instant: end of the customer's review window for the last decision. */
  reviewDueBy: string | null;
}

export interface CaseTransition {
  action: CaseAction;
  from: CaseState;
  to: CaseState;
  at: string;
  by: string;
  reason: string | null;
}

export interface CaseStep {
  snapshot: CaseSnapshot;
  transition: CaseTransition;
}

/** Every transition is attributed and timed. `at` is an ISO-8601 instant with its offset (or Z). */
export interface TransitionInput {
  by: string;
  at: string;
}

export interface ReasonedInput extends TransitionInput {
  reason: string;
}

// ---------------------------------------------------------------------------------------------
// Validation helpers
// ---------------------------------------------------------------------------------------------

/*
 * A time without an offset would be read in the host's zone, so the same input could mean
 * different instants on different machines; it is refused instead.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const CURRENCY = /^[A-Z]{3}$/;
const show = (v: unknown): string => JSON.stringify(v) ?? String(v);
const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
/** Own keys only: a currency or kind such as `constructor` must not find what an object inherits. */
const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

function checks(state: CaseState | null, action: CaseAction | null) {
  const fail = (code: CaseTransitionErrorCode, message: string, field: string | null = null): never => {
    throw new CaseTransitionError(code, state, action, message, field);
  };
  return {
    fail,
    /** The instant, normalised to the `toISOString` form the snapshot stores. */
    instant(v: unknown, field: string): string {
      if (typeof v !== 'string' || !ISO_INSTANT.test(v) || Number.isNaN(Date.parse(v))) {
        return fail('invalid', `${field}: must be an ISO-8601 instant with an offset, got ${show(v)}`);
      }
      return new Date(v).toISOString();
    },
    text(v: unknown, field: string): string {
      if (typeof v !== 'string' || v.trim() === '') return fail('invalid', `${field}: must be a non-empty string, got ${show(v)}`);
      return v.trim();
    },
    optionalText(v: unknown, field: string): string | null {
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string') return fail('invalid', `${field}: must be a string, got ${show(v)}`);
      return v.trim() === '' ? null : v.trim();
    },
    reason(v: unknown): string {
      if (v !== undefined && v !== null && typeof v !== 'string') return fail('invalid', `reason: must be a string, got ${show(v)}`);
      if (typeof v !== 'string' || v.trim() === '') return fail('reason-required', `cannot ${action} without a reason`);
      return v.trim();
    },
    oneOf<T extends string>(v: unknown, known: readonly T[], field: string): T {
      if (!known.includes(v as T)) return fail('invalid', `${field}: must be one of ${known.join(', ')}, got ${show(v)}`);
      return v as T;
    },
  };
}

type Checks = ReturnType<typeof checks>;

/** The state gate first, then who and when. */
function begin(c: CaseSnapshot, action: CaseAction, input: TransitionInput): { check: Checks; by: string; at: string } {
  assertActionAllowed(c.state, action);
  const check = checks(c.state, action);
  return { check, by: check.text(input.by, 'by'), at: check.instant(input.at, 'at') };
}

const copyFindings = (f: Findings): Findings => ({ ...f, facts: [...f.facts], rootCause: { ...f.rootCause } });
const copyProposal = (p: ResolutionProposal): ResolutionProposal => ({ ...p, actions: [...p.actions], remedy: p.remedy && { ...p.remedy } });

/** A deep copy, so neither the caller's snapshot nor the returned one can change the other. */
function copyOf(c: CaseSnapshot): CaseSnapshot {
  return {
    ...c,
    findings: c.findings && copyFindings(c.findings),
    proposal: c.proposal && copyProposal(c.proposal),
    previousDeciders: [...c.previousDeciders],
  };
}

function step(from: CaseSnapshot, to: CaseSnapshot, action: CaseAction, by: string, at: string, reason: string | null): CaseStep {
  return { snapshot: to, transition: { action, from: from.state, to: to.state, at, by, reason } };
}

const withDecider = (deciders: readonly string[], ...more: string[]): string[] => [...new Set([...deciders, ...more])];

/** The end of a review window must come after the decision it belongs to. */
function reviewWindowEnd(check: Checks, v: unknown, at: string): string {
  const due = check.instant(v, 'reviewDueBy');
  if (Date.parse(due) <= Date.parse(at)) check.fail('invalid', `reviewDueBy: ${due} is not after the decision at ${at}`);
  return due;
}

// ---------------------------------------------------------------------------------------------
// Transitions
// ---------------------------------------------------------------------------------------------

export interface OpenCaseInput {
  severity: CaseSeverity;
  /** Kept for symmetry with the transitions; the opening itself is recorded by the caller's event. */
  at: string;
}

export function openCase(input: OpenCaseInput): CaseSnapshot {
  const check = checks(null, null);
  check.instant(input.at, 'at');
  return {
    state: 'awaiting-assignment',
    level: 1,
    reviewRound: 0,
    assignedTo: null,
    severity: check.oneOf(input.severity, SEVERITIES, 'severity'),
    findings: null,
    proposal: null,
    previousDeciders: [],
    respondedAt: null,
    reviewDueBy: null,
  };
}

export interface AssignInvestigatorInput extends TransitionInput {
  investigator: string;
  reason?: string | null;
  /**
   * The exclusions from `conflictsOfInterest` (or `chooseInvestigator`'s `excluded`); required, even
   * when empty, so that an assignment can never skip the 回避 check by leaving it out.
   */
  conflicts: Exclusion[];
  /**
   * The department that handles the case at its current level and the investigator's own, from the
   * staff directory; required, so that naming someone cannot skip the check by leaving it out.
   */
  departments: { case: string; investigator: string };
}

/**
 * Assign (or reassign) the investigator. Refused for anyone with a conflict of interest, for
 * anyone who decided the case before (a 核查 review must be made by someone else), and for anyone
 * outside the department that handles the case at its level: an escalated or reviewed case is
 * decided a level higher, so a colleague of the level below must not be named to it. Conflicts are
 * checked first, so the answer names the 回避 reason whenever there is one.
 */
export function assignInvestigator(c: CaseSnapshot, input: AssignInvestigatorInput): CaseStep {
  const { check, by, at } = begin(c, 'assign', input);
  const investigator = check.text(input.investigator, 'investigator');
  const reason = check.optionalText(input.reason, 'reason');
  if (!Array.isArray(input.conflicts)) {
    check.fail('invalid', 'conflicts: must be the list from conflictsOfInterest (empty when there are none)');
  }
  if (c.state === 'investigating' && c.assignedTo === investigator) check.fail('invalid', `the case is already assigned to ${investigator}`);
  const reasons = new Set<ExclusionReason>(input.conflicts.filter((e) => e.staffId === investigator).map((e) => e.reason));
  if (c.previousDeciders.includes(investigator)) reasons.add('decided-earlier-round');
  if (reasons.size > 0) {
    check.fail('conflict-of-interest', `${investigator} must not investigate this case (回避): ${[...reasons].join(', ')}`);
  }
  const departments = input.departments as Partial<AssignInvestigatorInput['departments']> | undefined;
  const caseDepartment = check.text(departments?.case, 'departments.case');
  const ownDepartment = check.text(departments?.investigator, 'departments.investigator');
  if (ownDepartment !== caseDepartment) {
    check.fail('invalid', `investigator: ${investigator} is in ${ownDepartment}, but the case is handled by ${caseDepartment} at level ${c.level}`, 'investigator');
  }
  return step(c, { ...copyOf(c), state: 'investigating', assignedTo: investigator }, 'assign', by, at, reason);
}

export interface RecordFindingsInput extends TransitionInput {
  facts: string[];
  liability: Liability;
  rootCause: { code: RootCauseCode; detail: string };
}

function assertAssignee(c: CaseSnapshot, check: Checks, by: string, action: CaseAction): void {
  if (c.assignedTo !== by) {
    check.fail('not-assigned', `only the assigned investigator (${c.assignedTo ?? 'nobody'}) may ${action}; ${by} is not`);
  }
}

/** Record (or replace) what the investigation established. Not a change of state. */
export function recordFindings(c: CaseSnapshot, input: RecordFindingsInput): CaseStep {
  const { check, by, at } = begin(c, 'record-findings', input);
  assertAssignee(c, check, by, 'record-findings');
  const facts = input.facts;
  if (!Array.isArray(facts) || facts.length < 1 || facts.length > MAX_FACTS) {
    check.fail('invalid', `facts: must list 1 to ${MAX_FACTS} facts, got ${Array.isArray(facts) ? facts.length : show(facts)}`);
  }
  const cleanFacts = facts.map((f, i) => check.text(f, `facts[${i}]`));
  const liability = check.oneOf(input.liability, LIABILITIES, 'liability');
  if (!isPlainObject(input.rootCause)) check.fail('invalid', `rootCause: must be { code, detail }, got ${show(input.rootCause)}`);
  const rootCause = {
    code: check.oneOf(input.rootCause.code, ROOT_CAUSE_CODES, 'rootCause.code'),
    detail: check.text(input.rootCause.detail, 'rootCause.detail'),
  };
  const findings: Findings = { facts: cleanFacts, liability, rootCause, recordedBy: by, recordedAt: at };
  return step(c, { ...copyOf(c), findings }, 'record-findings', by, at, null);
}

/**
 * What compensation pays, from the configuration it reads itself (`REMEDY_CATALOGUE`,
 * `REMEDY_APPROVAL_MATRIX`): a decision must not promise the customer a remedy that compensation
 * would then refuse, or that nobody there could approve.
 */
export interface PayableRemedies {
  catalogue: RemedyCatalogue;
  matrix: ApprovalMatrix;
}

export interface ProposeResolutionInput extends TransitionInput {
  outcome: CaseOutcome;
  explanation: string;
  actions: ResolutionAction[];
  remedy: Remedy | null;
  policy: ResolutionApprovalPolicy;
  payable: PayableRemedies;
  /** End of the customer's review window, used only if the decision is issued without approval. */
  reviewDueBy: string;
}

function remedyOf(check: Checks, v: unknown): Remedy | null {
  if (v === null || v === undefined) return null;
  if (!isPlainObject(v)) return check.fail('invalid', `remedy: must be { type, amountMinor, currency } or null, got ${show(v)}`, 'remedy');
  const amount = v.amountMinor;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    check.fail('invalid', `remedy.amountMinor: must be a positive whole number of minor units, got ${show(amount)}`, 'remedy.amountMinor');
  }
  if (typeof v.currency !== 'string' || !CURRENCY.test(v.currency)) {
    check.fail('invalid', `remedy.currency: must be an ISO 4217 code, got ${show(v.currency)}`, 'remedy.currency');
  }
  if (typeof v.type !== 'string' || v.type.trim() === '') check.fail('invalid', `remedy.type: must be a non-empty string, got ${show(v.type)}`, 'remedy.type');
  return { type: (v.type as string).trim(), amountMinor: amount as number, currency: v.currency as string };
}

/**
 * The remedy judged by compensation's own rule (`catalogueRefusal`: a kind it grants, in a currency
 * it grants it in, up to its maximum), and refused for a currency without an approval matrix,
 * which compensation could never approve. Each refusal names the field to correct.
 */
function assertPayable(check: Checks, payable: PayableRemedies, remedy: Remedy): void {
  if (!isPlainObject(payable) || !isPlainObject(payable.catalogue) || !isPlainObject(payable.catalogue.remedies) || !isPlainObject(payable.matrix)) {
    check.fail('invalid', 'payable: must be the remedy catalogue and approval matrix compensation pays by');
  }
  const kinds = payable.catalogue.remedies;
  if (!hasOwn(kinds, remedy.type)) {
    check.fail('invalid', `remedy.type: the remedy catalogue has no remedy of type ${remedy.type} (it has ${Object.keys(kinds).join(', ') || 'none'})`, 'remedy.type');
  }
  const refusal = catalogueRefusal(payable.catalogue, remedy.type, remedy);
  if (refusal !== null) {
    const field = hasOwn(kinds[remedy.type as RemedyKind]!.maxMinor, remedy.currency) ? 'remedy.amountMinor' : 'remedy.currency';
    check.fail('invalid', `${field}: ${refusal}`, field);
  }
  if (!hasOwn(payable.matrix, remedy.currency)) {
    check.fail('invalid', `remedy.currency: no approval matrix is configured for ${remedy.currency}, so compensation could not approve paying it`, 'remedy.currency');
  }
}

/**
 * The investigator proposes the decision. It goes to approval when the policy says so, otherwise
 * it is issued at once and the review window starts.
 */
export function proposeResolution(c: CaseSnapshot, input: ProposeResolutionInput): CaseStep {
  const { check, by, at } = begin(c, 'propose-resolution', input);
  assertAssignee(c, check, by, 'propose-resolution');
  if (!c.findings) check.fail('findings-missing', 'record the findings before proposing a resolution: a decision must rest on established facts');
  const outcome = check.oneOf(input.outcome, CASE_OUTCOMES, 'outcome');
  const explanation = check.text(input.explanation, 'explanation');
  if (!Array.isArray(input.actions) || input.actions.length === 0) {
    check.fail('invalid', `actions: must list at least one of ${RESOLUTION_ACTIONS.join(', ')} ('explanation' alone will do)`);
  }
  const actions = [...new Set(input.actions.map((a, i) => check.oneOf(a, RESOLUTION_ACTIONS, `actions[${i}]`)))];
  const remedy = remedyOf(check, input.remedy);
  const paying = actions.filter((a) => MONEY_ACTIONS.includes(a));
  if (paying.length > 0 && !remedy) check.fail('invalid', `remedy: required for ${paying.join(', ')} (the amount decides who must approve it)`, 'remedy');
  if (remedy) assertPayable(check, input.payable, remedy);

  const needsApproval = needsResolutionApproval(input.policy, c.severity, remedy, c.reviewRound);
  const proposal: ResolutionProposal = { outcome, explanation, actions, remedy, proposedBy: by, proposedAt: at, needsApproval };
  if (needsApproval) return step(c, { ...copyOf(c), state: 'awaiting-approval', proposal }, 'propose-resolution', by, at, null);

  const reviewDueBy = reviewWindowEnd(check, input.reviewDueBy, at);
  const next: CaseSnapshot = {
    ...copyOf(c),
    state: 'responded',
    proposal,
    respondedAt: at,
    reviewDueBy,
    previousDeciders: withDecider(c.previousDeciders, by),
  };
  return step(c, next, 'propose-resolution', by, at, null);
}

export interface ApproveResolutionInput extends TransitionInput {
  /**
   * The most the approver may approve, per ISO 4217 currency, in minor units; null = no limit. A
   * limit holds only in its own currency: a remedy in a currency not listed is beyond their authority.
   */
  authorityLimitsMinor: Readonly<Record<string, number>> | null;
  reviewDueBy: string;
}

function authorityLimitsOf(check: Checks, v: unknown): Readonly<Record<string, number>> | null {
  if (v === null) return null;
  if (!isPlainObject(v)) return check.fail('invalid', `authorityLimitsMinor: must be an object of currency: minor units, or null, got ${show(v)}`);
  for (const [currency, limit] of Object.entries(v)) {
    if (!CURRENCY.test(currency) || typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0) {
      check.fail('invalid', `authorityLimitsMinor.${currency}: must be an ISO 4217 code with a non-negative whole number of minor units, got ${show(limit)}`);
    }
  }
  return v as Record<string, number>;
}

function pendingProposal(c: CaseSnapshot, check: Checks): ResolutionProposal {
  return c.proposal ?? check.fail('invalid', 'the case has no proposal awaiting approval');
}

/**
 * A second person approves and the decision is issued. An approver who decided the case in an
 * earlier round may not approve its review, for the same reason they may not investigate it.
 */
export function approveResolution(c: CaseSnapshot, input: ApproveResolutionInput): CaseStep {
  const { check, by, at } = begin(c, 'approve-resolution', input);
  const proposal = pendingProposal(c, check);
  assertFourEyes(proposal.proposedBy, by, { state: c.state, action: 'approve-resolution' });
  if (c.previousDeciders.includes(by)) {
    check.fail('conflict-of-interest', `${by} must not approve this decision (回避): decided-earlier-round`);
  }
  const limits = authorityLimitsOf(check, input.authorityLimitsMinor);
  if (proposal.remedy && limits !== null) {
    const { amountMinor, currency } = proposal.remedy;
    if (!hasOwn(limits, currency)) {
      check.fail(
        'authority-limit',
        `${by} has no authority to approve a remedy in ${currency} (their limits are in ${Object.keys(limits).join(', ') || 'no currency'}; a limit in one currency does not cover another)`,
      );
    }
    if (amountMinor > limits[currency]) {
      check.fail('authority-limit', `${amountMinor} ${currency} (minor units) is above ${by}'s authority limit of ${limits[currency]} ${currency}: a more senior approver must approve it`);
    }
  }
  const reviewDueBy = reviewWindowEnd(check, input.reviewDueBy, at);
  const next: CaseSnapshot = {
    ...copyOf(c),
    state: 'responded',
    respondedAt: at,
    reviewDueBy,
    previousDeciders: withDecider(c.previousDeciders, proposal.proposedBy, by),
  };
  return step(c, next, 'approve-resolution', by, at, null);
}

/** Back to the investigator, with the reason, and the proposal discarded. */
export function rejectResolution(c: CaseSnapshot, input: ReasonedInput): CaseStep {
  const { check, by, at } = begin(c, 'reject-resolution', input);
  const reason = check.reason(input.reason);
  const proposal = pendingProposal(c, check);
  assertFourEyes(proposal.proposedBy, by, { state: c.state, action: 'reject-resolution' });
  return step(c, { ...copyOf(c), state: 'investigating', proposal: null }, 'reject-resolution', by, at, reason);
}

export interface SupervisedInput {
  /**
   * The actor acts as a supervisor, as the caller knows from their role. Required, so that leaving
   * it out cannot skip the check.
   */
  asSupervisor: boolean;
}

/**
 * Escalating or closing takes the case out of its investigator's hands: the investigator may do
 * it to their own case, a supervisor to any.
 */
function assertAssigneeOrSupervisor(c: CaseSnapshot, check: Checks, by: string, asSupervisor: unknown, action: CaseAction): void {
  if (typeof asSupervisor !== 'boolean') check.fail('invalid', `asSupervisor: must be true or false, got ${show(asSupervisor)}`);
  if (!asSupervisor && c.assignedTo !== by) {
    check.fail('not-assigned', `only the assigned investigator (${c.assignedTo ?? 'nobody'}) or a supervisor may ${action}; ${by} is neither`);
  }
}

export interface EscalateInput extends ReasonedInput, SupervisedInput {}

/** Up one level, where the case waits for an investigator of its own. */
export function escalate(c: CaseSnapshot, input: EscalateInput): CaseStep {
  const { check, by, at } = begin(c, 'escalate', input);
  assertAssigneeOrSupervisor(c, check, by, input.asSupervisor, 'escalate');
  const reason = check.reason(input.reason);
  const next: CaseSnapshot = { ...copyOf(c), state: 'awaiting-assignment', level: c.level + 1, assignedTo: null };
  return step(c, next, 'escalate', by, at, reason);
}

/**
 * The customer asks for a 核查 review of the decision. Allowed up to and including the end of the
 * window; the review is decided a level higher by someone new, on the findings established so far.
 */
export function contestDecision(c: CaseSnapshot, input: ReasonedInput): CaseStep {
  const { check, by, at } = begin(c, 'contest', input);
  const reason = check.reason(input.reason);
  if (c.reviewDueBy === null) check.fail('invalid', 'the case has no review window recorded for its decision');
  const due = c.reviewDueBy as string;
  if (Date.parse(at) > Date.parse(due)) {
    check.fail('review-window-closed', `the review window closed at ${due}; a review asked for at ${at} is too late`);
  }
  const next: CaseSnapshot = {
    ...copyOf(c),
    state: 'under-review',
    reviewRound: c.reviewRound + 1,
    level: c.level + 1,
    assignedTo: null,
    proposal: null,
  };
  return step(c, next, 'contest', by, at, reason);
}

export interface CloseCaseInput extends TransitionInput, SupervisedInput {
  reason?: string | null;
}

export function closeCase(c: CaseSnapshot, input: CloseCaseInput): CaseStep {
  const { check, by, at } = begin(c, 'close', input);
  assertAssigneeOrSupervisor(c, check, by, input.asSupervisor, 'close');
  const reason = check.optionalText(input.reason, 'reason');
  return step(c, { ...copyOf(c), state: 'closed' }, 'close', by, at, reason);
}

/** New facts or a mistake: the case goes back to be assigned afresh, its decision withdrawn. */
export function reopenCase(c: CaseSnapshot, input: ReasonedInput): CaseStep {
  const { check, by, at } = begin(c, 'reopen', input);
  const reason = check.reason(input.reason);
  return step(c, { ...copyOf(c), state: 'awaiting-assignment', assignedTo: null, proposal: null }, 'reopen', by, at, reason);
}

export interface WithdrawCaseInput extends TransitionInput {
  reason?: string | null;
}

export function withdrawCase(c: CaseSnapshot, input: WithdrawCaseInput): CaseStep {
  const { check, by, at } = begin(c, 'withdraw', input);
  const reason = check.optionalText(input.reason, 'reason');
  return step(c, { ...copyOf(c), state: 'withdrawn' }, 'withdraw', by, at, reason);
}

// ---------------------------------------------------------------------------------------------
// Approval policy
// ---------------------------------------------------------------------------------------------

export interface ResolutionApprovalPolicy {
  severities: CaseSeverity[];
  /** Per ISO 4217 currency, in minor units: a remedy of at least this much needs approval. */
  amountThresholdMinor: Readonly<Record<string, number>>;
  reviewDecisionsNeedApproval: boolean;
}

export const DEFAULT_RESOLUTION_APPROVAL_POLICY: ResolutionApprovalPolicy = {
  severities: ['high', 'critical'],
  amountThresholdMinor: { CNY: 100000, GBP: 10000, USD: 10000, EUR: 10000 },
  reviewDecisionsNeedApproval: true,
};

/**
 * A remedy in a currency without a threshold always needs approval: an unconfigured currency
 * must not become a way round the second pair of eyes.
 */
export function needsResolutionApproval(
  policy: ResolutionApprovalPolicy,
  severity: CaseSeverity,
  remedy: Pick<Remedy, 'amountMinor' | 'currency'> | null,
  reviewRound: number,
): boolean {
  if (policy.severities.includes(severity)) return true;
  if (remedy) {
    const threshold = Object.prototype.hasOwnProperty.call(policy.amountThresholdMinor, remedy.currency)
      ? policy.amountThresholdMinor[remedy.currency]
      : undefined;
    if (threshold === undefined || remedy.amountMinor >= threshold) return true;
  }
  return reviewRound > 0 && policy.reviewDecisionsNeedApproval;
}

const POLICY_KEYS = ['severities', 'amountThresholdMinor', 'reviewDecisionsNeedApproval'];

/**
 * The policy from configuration: an object, or its JSON text as read from an environment variable;
 * nothing (undefined, null, blank) gives the default. Settings left out keep their default, but a
 * given `amountThresholdMinor` replaces the default table as a whole, so a currency dropped from it
 * falls back to "always needs approval" rather than to a threshold nobody configured. All problems
 * are reported together, each naming its field.
 */
export function resolutionApprovalPolicyFrom(json: unknown): ResolutionApprovalPolicy {
  const d = DEFAULT_RESOLUTION_APPROVAL_POLICY;
  const policy: ResolutionApprovalPolicy = {
    severities: [...d.severities],
    amountThresholdMinor: { ...d.amountThresholdMinor },
    reviewDecisionsNeedApproval: d.reviewDecisionsNeedApproval,
  };
  const fail = (problems: string[]): never => {
    throw new Error(`invalid resolution approval policy: ${problems.join('; ')}`);
  };
  let o: unknown = json;
  if (typeof o === 'string') {
    try {
      o = o.trim() === '' ? undefined : JSON.parse(o);
    } catch (e) {
      fail([`not valid JSON (${(e as Error).message})`]);
    }
  }
  if (o === undefined || o === null) return policy;
  if (!isPlainObject(o)) return fail([`expected an object, got ${show(o)}`]);

  const problems: string[] = [];
  for (const k of Object.keys(o)) if (!POLICY_KEYS.includes(k)) problems.push(`${k}: unknown setting (known: ${POLICY_KEYS.join(', ')})`);
  if (o.severities !== undefined) {
    const v = o.severities;
    if (!Array.isArray(v) || v.some((s) => !SEVERITIES.includes(s as CaseSeverity))) {
      problems.push(`severities: must be a list drawn from ${SEVERITIES.join(', ')}, got ${show(v)}`);
    } else policy.severities = [...new Set(v as CaseSeverity[])];
  }
  if (o.amountThresholdMinor !== undefined) {
    const v = o.amountThresholdMinor;
    if (!isPlainObject(v)) problems.push(`amountThresholdMinor: expected an object of currency: minor units, got ${show(v)}`);
    else {
      const table: Record<string, number> = {};
      for (const [currency, amount] of Object.entries(v)) {
        if (!CURRENCY.test(currency)) problems.push(`amountThresholdMinor.${currency}: not an ISO 4217 currency code`);
        else if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 0) {
          problems.push(`amountThresholdMinor.${currency}: must be a non-negative whole number of minor units, got ${show(amount)}`);
        } else table[currency] = amount;
      }
      policy.amountThresholdMinor = table;
    }
  }
  if (o.reviewDecisionsNeedApproval !== undefined) {
    if (typeof o.reviewDecisionsNeedApproval !== 'boolean') {
      problems.push(`reviewDecisionsNeedApproval: must be true or false, got ${show(o.reviewDecisionsNeedApproval)}`);
    } else policy.reviewDecisionsNeedApproval = o.reviewDecisionsNeedApproval;
  }
  if (problems.length > 0) fail(problems);
  return policy;
}

// ---------------------------------------------------------------------------------------------
// 回避 and choosing an investigator
// ---------------------------------------------------------------------------------------------

export type ExclusionReason = 'complained-about' | 'line-manager-of-complained-about' | 'declared-interest' | 'decided-earlier-round';

export interface Exclusion {
  staffId: string;
  reason: ExclusionReason;
}

export interface StaffMember {
  staffId: string;
  department: string;
  skills: string[];
  lineManager: string | null;
  openCases: number;
  capacity: number;
  active: boolean;
  /** Complaint ids the member declared an interest in. */
  declaredInterests: string[];
}

export interface ConflictContext {
  complaintId: string;
  /** Staff the complaint is about. */
  involvedStaff: string[];
  /** Line manager of each involved staff member, from the staff directory. */
  lineManagerOf: Readonly<Record<string, string | null>>;
  previousDeciders: string[];
}

/**
 * Every reason `staffId` must stand aside (回避). A line manager is excluded along with the person
 * complained about, since they would be judging their own team's conduct. Declared interests live
 * on the staff record, not in the case's context, hence the separate argument.
 */
export function conflictsOfInterest(staffId: string, ctx: ConflictContext, declaredInterests: readonly string[] = []): Exclusion[] {
  const reasons: ExclusionReason[] = [];
  if (ctx.involvedStaff.includes(staffId)) reasons.push('complained-about');
  if (ctx.involvedStaff.some((s) => Object.prototype.hasOwnProperty.call(ctx.lineManagerOf, s) && ctx.lineManagerOf[s] === staffId)) {
    reasons.push('line-manager-of-complained-about');
  }
  if (declaredInterests.includes(ctx.complaintId)) reasons.push('declared-interest');
  if (ctx.previousDeciders.includes(staffId)) reasons.push('decided-earlier-round');
  return reasons.map((reason) => ({ staffId, reason }));
}

export interface ChangeInvolvedStaffInput {
  /** The list as recorded on the case. */
  current: readonly string[];
  /** The list the caller asks for. */
  requested: readonly string[];
  by: string;
  /** Line manager of each staff member on the recorded list, from the staff directory. */
  lineManagerOf: Readonly<Record<string, string | null>>;
  /** Required, so that leaving it out cannot let someone off the list. */
  asSupervisor: boolean;
  /** Why someone comes off the list; required then. */
  reason?: string | null;
}

export interface InvolvedStaffChange {
  involvedStaff: string[];
  added: string[];
  removed: string[];
  /** Given only when someone came off the list. */
  reason: string | null;
}

/**
 * A change to who the complaint is about. Taking someone off the list lifts their 回避 and their
 * line manager's, so whoever is on it, or manages someone on it, may not change it at all; for the
 * rest the list only grows, except that a supervisor may take someone off with a reason for the
 * record (a name entered by mistake). Refusals of the caller answer 403, a missing reason 422.
 */
export function changeInvolvedStaff(state: CaseState, input: ChangeInvolvedStaffInput): InvolvedStaffChange {
  const check = checks(state, null);
  const by = check.text(input.by, 'by');
  if (typeof input.asSupervisor !== 'boolean') check.fail('invalid', `asSupervisor: must be true or false, got ${show(input.asSupervisor)}`);
  const own = conflictsOfInterest(by, { complaintId: '', involvedStaff: [...input.current], lineManagerOf: input.lineManagerOf, previousDeciders: [] });
  if (own.length > 0) {
    check.fail('caller-conflict-of-interest', `${by} may not change who the complaint is about (回避): ${own.map((e) => e.reason).join(', ')}`);
  }
  const added = input.requested.filter((s) => !input.current.includes(s));
  const removed = input.current.filter((s) => !input.requested.includes(s));
  let reason: string | null = null;
  if (removed.length > 0) {
    if (!input.asSupervisor) {
      check.fail('authority-limit', `only a supervisor may take staff off the list (${removed.join(', ')}); anyone may add to it`);
    }
    if (input.reason !== undefined && input.reason !== null && typeof input.reason !== 'string') check.fail('invalid', `reason: must be a string, got ${show(input.reason)}`);
    if (typeof input.reason !== 'string' || input.reason.trim() === '') {
      check.fail('reason-required', `taking ${removed.join(', ')} off the list needs a reason for the record`, 'reason');
    }
    reason = (input.reason as string).trim();
  }
  return { involvedStaff: [...input.requested], added, removed, reason };
}

export interface InvestigatorChoice {
  chosen: StaffMember | null;
  /** Candidates set aside for a conflict of interest, so an empty choice can be explained. */
  excluded: Exclusion[];
  /** Candidates that were active, in the department and had capacity, before conflicts were checked. */
  consideredCount: number;
}

/**
 * The best-placed investigator: the most of the needed skills, then the lightest relative load,
 * then the staff id, so the same directory always gives the same choice. Only active members of
 * the department with room for another case are candidates; anyone with a conflict is set aside.
 */
export function chooseInvestigator(staff: StaffMember[], need: { department: string; skills: string[] }, ctx: ConflictContext): InvestigatorChoice {
  const wanted = [...new Set(need.skills)];
  const candidates = staff.filter((s) => s.active && s.department === need.department && s.capacity > 0 && s.openCases < s.capacity);
  const excluded: Exclusion[] = [];
  const eligible: { member: StaffMember; skills: number; load: number }[] = [];
  for (const member of candidates) {
    const conflicts = conflictsOfInterest(member.staffId, ctx, member.declaredInterests);
    if (conflicts.length > 0) excluded.push(...conflicts);
    else eligible.push({ member, skills: wanted.filter((k) => member.skills.includes(k)).length, load: member.openCases / member.capacity });
  }
  eligible.sort(
    (a, b) =>
      b.skills - a.skills ||
      a.load - b.load ||
      (a.member.staffId < b.member.staffId ? -1 : a.member.staffId > b.member.staffId ? 1 : 0),
  );
  return { chosen: eligible[0]?.member ?? null, excluded, consideredCount: candidates.length };
}
