import { catalogueRefusal, DEFAULT_APPROVAL_MATRIX, DEFAULT_REMEDY_CATALOGUE, REMEDY_KINDS } from './remedies';
import {
  allowedActions,
  approveResolution,
  assertActionAllowed,
  assertFourEyes,
  assignInvestigator,
  CASE_ACTIONS,
  CASE_STATES,
  CaseAction,
  CaseSnapshot,
  CaseState,
  CaseStep,
  CaseTransitionError,
  CaseTransitionErrorCode,
  chooseInvestigator,
  closeCase,
  ConflictContext,
  changeInvolvedStaff,
  conflictsOfInterest,
  contestDecision,
  DEFAULT_RESOLUTION_APPROVAL_POLICY,
  escalate,
  Findings,
  isActionAllowed,
  needsResolutionApproval,
  openCase,
  PayableRemedies,
  proposeResolution,
  ProposeResolutionInput,
  recordFindings,
  RecordFindingsInput,
  rejectResolution,
  reopenCase,
  resolutionApprovalPolicyFrom,
  ResolutionProposal,
  StaffMember,
  withdrawCase,
} from './case-lifecycle';

/*
 * Cast: inv-1 investigates the first round and proposes; mgr-1 approved that decision; sup-1 assigns
 * work; inv-2 and mgr-2 are fresh faces for a reassignment, a review or an approval.
 */

const OPENED_AT = '2026-11-02T02:00:00.000Z';
const RESPONDED_AT = '2026-11-05T02:00:00.000Z';
/** End of the customer's review window for the first decision. */
const REVIEW_DUE = '2026-12-05T15:59:59.999Z';
const AT = '2026-11-10T02:00:00.000Z';
/** The case's department and the named investigator's, when they agree. */
const SAME_DEPARTMENT = { case: 'retail-ops', investigator: 'retail-ops' };
/** End of the review window of a decision issued at AT. */
const NEXT_REVIEW_DUE = '2026-12-10T15:59:59.999Z';
const MS = 1;

const FINDINGS: Findings = {
  facts: ['The transfer of 3 Nov was charged twice', 'The duplicate fee was not refunded automatically'],
  liability: 'bank',
  rootCause: { code: 'system', detail: 'Fee engine retried a timed-out posting without an idempotency key' },
  recordedBy: 'inv-1',
  recordedAt: '2026-11-04T02:00:00.000Z',
};

const PROPOSAL: ResolutionProposal = {
  outcome: 'upheld',
  explanation: 'We charged the fee twice and will refund the second charge.',
  actions: ['explanation', 'refund', 'apology'],
  remedy: { type: 'fee-refund', amountMinor: 150_000, currency: 'CNY' },
  proposedBy: 'inv-1',
  proposedAt: '2026-11-04T08:00:00.000Z',
  needsApproval: true,
};

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const OPENED: CaseSnapshot = {
  state: 'awaiting-assignment',
  level: 1,
  reviewRound: 0,
  assignedTo: null,
  severity: 'medium',
  findings: null,
  proposal: null,
  previousDeciders: [],
  respondedAt: null,
  reviewDueBy: null,
};

/** A case as it typically stands in each state; deep-frozen, so any mutation by a transition throws. */
const CASES: Record<CaseState, CaseSnapshot> = deepFreeze({
  'awaiting-assignment': OPENED,
  investigating: { ...OPENED, state: 'investigating', assignedTo: 'inv-1', findings: FINDINGS },
  'awaiting-approval': { ...OPENED, state: 'awaiting-approval', assignedTo: 'inv-1', findings: FINDINGS, proposal: PROPOSAL },
  responded: {
    ...OPENED,
    state: 'responded',
    assignedTo: 'inv-1',
    findings: FINDINGS,
    proposal: PROPOSAL,
    previousDeciders: ['inv-1', 'mgr-1'],
    respondedAt: RESPONDED_AT,
    reviewDueBy: REVIEW_DUE,
  },
  'under-review': {
    ...OPENED,
    state: 'under-review',
    level: 2,
    reviewRound: 1,
    findings: FINDINGS,
    previousDeciders: ['inv-1', 'mgr-1'],
    respondedAt: RESPONDED_AT,
    reviewDueBy: REVIEW_DUE,
  },
  closed: {
    ...OPENED,
    state: 'closed',
    assignedTo: 'inv-1',
    findings: FINDINGS,
    proposal: PROPOSAL,
    previousDeciders: ['inv-1', 'mgr-1'],
    respondedAt: RESPONDED_AT,
    reviewDueBy: REVIEW_DUE,
  },
  withdrawn: { ...OPENED, state: 'withdrawn' },
});

const caseIn = (state: CaseState, overrides: Partial<CaseSnapshot> = {}): CaseSnapshot => deepFreeze({ ...CASES[state], ...overrides });

const findingsInput = (overrides: Partial<RecordFindingsInput> = {}): RecordFindingsInput => ({
  facts: ['The fee was charged twice'],
  liability: 'bank',
  rootCause: { code: 'system', detail: 'Retry without idempotency key' },
  by: 'inv-1',
  at: AT,
  ...overrides,
});

/** What compensation pays by default. */
const PAYABLE: PayableRemedies = { catalogue: DEFAULT_REMEDY_CATALOGUE, matrix: DEFAULT_APPROVAL_MATRIX };

const proposalInput = (overrides: Partial<ProposeResolutionInput> = {}): ProposeResolutionInput => ({
  outcome: 'upheld',
  explanation: 'We charged the fee twice and will refund it.',
  actions: ['explanation', 'refund'],
  remedy: { type: 'fee-refund', amountMinor: 150_000, currency: 'CNY' },
  by: 'inv-1',
  at: AT,
  policy: DEFAULT_RESOLUTION_APPROVAL_POLICY,
  payable: PAYABLE,
  reviewDueBy: NEXT_REVIEW_DUE,
  ...overrides,
});

function expectCaseError(fn: () => unknown, code: CaseTransitionErrorCode, message?: RegExp): CaseTransitionError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CaseTransitionError);
    const err = e as CaseTransitionError;
    expect(err.code).toBe(code);
    if (message) expect(err.message).toMatch(message);
    return err;
  }
  throw new Error(`expected CaseTransitionError ${code}`);
}

// ---------------------------------------------------------------------------------------------
// The full state × action matrix
// ---------------------------------------------------------------------------------------------

/**
 * Written out by hand, independently of the implementation's table: the state each allowed action
 * leads to. Anything not listed must be refused. Actions without a transition function of their
 * own (tasks, evidence, contacts, notes, extensions) keep the state and are gated by
 * `assertActionAllowed` alone.
 */
const EXPECTED: Record<CaseState, Partial<Record<CaseAction, CaseState>>> = {
  'awaiting-assignment': {
    assign: 'investigating',
    'add-note': 'awaiting-assignment',
    escalate: 'awaiting-assignment',
    withdraw: 'withdrawn',
  },
  investigating: {
    assign: 'investigating',
    'request-task': 'investigating',
    'complete-task': 'investigating',
    'add-evidence': 'investigating',
    'log-contact': 'investigating',
    'add-note': 'investigating',
    'record-findings': 'investigating',
    'request-extension': 'investigating',
    'decide-extension': 'investigating',
    'propose-resolution': 'awaiting-approval',
    escalate: 'awaiting-assignment',
    withdraw: 'withdrawn',
  },
  'awaiting-approval': {
    'approve-resolution': 'responded',
    'reject-resolution': 'investigating',
    'complete-task': 'awaiting-approval',
    'add-evidence': 'awaiting-approval',
    'log-contact': 'awaiting-approval',
    'add-note': 'awaiting-approval',
    'decide-extension': 'awaiting-approval',
    withdraw: 'withdrawn',
  },
  responded: {
    'log-contact': 'responded',
    'add-note': 'responded',
    contest: 'under-review',
    close: 'closed',
    reopen: 'awaiting-assignment',
  },
  'under-review': {
    assign: 'investigating',
    'add-note': 'under-review',
    'log-contact': 'under-review',
    withdraw: 'withdrawn',
  },
  closed: { 'add-note': 'closed', reopen: 'awaiting-assignment' },
  withdrawn: { 'add-note': 'withdrawn' },
};

const gateOnly =
  (action: CaseAction) =>
  (c: CaseSnapshot): CaseStep | null => {
    assertActionAllowed(c.state, action);
    return null;
  };

/** One valid attempt per action; a Record, so a new action without an attempt does not compile. */
const ATTEMPT: Record<CaseAction, (c: CaseSnapshot) => CaseStep | null> = {
  assign: (c) => assignInvestigator(c, { investigator: 'inv-2', by: 'sup-1', at: AT, departments: SAME_DEPARTMENT, conflicts: [] }),
  'request-task': gateOnly('request-task'),
  'complete-task': gateOnly('complete-task'),
  'add-evidence': gateOnly('add-evidence'),
  'log-contact': gateOnly('log-contact'),
  'add-note': gateOnly('add-note'),
  'record-findings': (c) => recordFindings(c, findingsInput()),
  'request-extension': gateOnly('request-extension'),
  'decide-extension': gateOnly('decide-extension'),
  'propose-resolution': (c) => proposeResolution(c, proposalInput()),
  'approve-resolution': (c) => approveResolution(c, { by: 'mgr-2', at: AT, authorityLimitsMinor: null, reviewDueBy: NEXT_REVIEW_DUE }),
  'reject-resolution': (c) => rejectResolution(c, { by: 'mgr-2', at: AT, reason: 'Refund the interest too' }),
  escalate: (c) => escalate(c, { by: 'sup-1', at: AT, reason: 'Needs the card scheme team', asSupervisor: true }),
  contest: (c) => contestDecision(c, { by: 'cust-42', at: AT, reason: 'The interest was not refunded' }),
  close: (c) => closeCase(c, { by: 'sup-1', at: AT, reason: 'Customer accepted', asSupervisor: true }),
  reopen: (c) => reopenCase(c, { by: 'sup-1', at: AT, reason: 'New statement shows a third charge' }),
  withdraw: (c) => withdrawCase(c, { by: 'cust-42', at: AT }),
};

const COMBINATIONS = CASE_STATES.flatMap((state) => CASE_ACTIONS.map((action) => [state, action] as const));
const ALLOWED_COMBINATIONS = COMBINATIONS.filter(([s, a]) => EXPECTED[s][a] !== undefined).map(([s, a]) => [s, a, EXPECTED[s][a] as CaseState] as const);
const FORBIDDEN_COMBINATIONS = COMBINATIONS.filter(([s, a]) => EXPECTED[s][a] === undefined);

describe('the state × action matrix', () => {
  it('matrix_coversEveryStateAndEveryAction_7x17_36Allowed_83Forbidden', () => {
    expect(CASE_STATES).toHaveLength(7);
    expect(CASE_ACTIONS).toHaveLength(17);
    expect(COMBINATIONS).toHaveLength(119);
    expect(ALLOWED_COMBINATIONS).toHaveLength(36);
    expect(FORBIDDEN_COMBINATIONS).toHaveLength(83);
  });

  it.each(CASE_STATES)('allowedActions_%s_isTheHandWrittenTable_inActionOrder', (state) => {
    const expected = CASE_ACTIONS.filter((a) => EXPECTED[state][a] !== undefined);
    expect(allowedActions(state)).toEqual(expected);
    for (const a of CASE_ACTIONS) expect(isActionAllowed(state, a)).toBe(expected.includes(a));
  });

  it.each(ALLOWED_COMBINATIONS)('in_%s_%s_succeeds_andLeadsTo_%s', (state, action, target) => {
    const before = caseIn(state);
    const copy = JSON.parse(JSON.stringify(before));
    const result = ATTEMPT[action](before);
    expect(before).toEqual(copy);
    if (result === null) {
      expect(target).toBe(state); // gate-only actions never change the state
      return;
    }
    expect(result.snapshot.state).toBe(target);
    expect(result.transition).toMatchObject({ action, from: state, to: target, at: AT });
    expect(result.snapshot).not.toBe(before);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it.each(FORBIDDEN_COMBINATIONS)('in_%s_%s_isRefused_withTheAllowedNextSteps', (state, action) => {
    const err = expectCaseError(() => ATTEMPT[action](caseIn(state)), 'not-allowed-in-state');
    expect(err.state).toBe(state);
    expect(err.action).toBe(action);
    expect(err.allowed).toEqual(allowedActions(state));
    expect(err.message).toBe(`cannot ${action} a case that is ${state} (allowed: ${allowedActions(state).join(', ')})`);
  });
});

describe('assertActionAllowed', () => {
  it('assertActionAllowed_proposeOnARespondedCase_namesTheAllowedNextSteps', () => {
    const err = expectCaseError(() => assertActionAllowed('responded', 'propose-resolution'), 'not-allowed-in-state');
    expect(err.message).toBe('cannot propose-resolution a case that is responded (allowed: log-contact, add-note, contest, close, reopen)');
    expect(err.allowed).toEqual(['log-contact', 'add-note', 'contest', 'close', 'reopen']);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('CaseTransitionError');
  });

  it('assertActionAllowed_stateGateComesFirst_evenWhenTheRestOfTheInputIsWrongToo', () => {
    // wrong state AND wrong person AND no findings: the state is what the caller is told about
    expectCaseError(() => proposeResolution(caseIn('awaiting-assignment'), proposalInput({ by: 'nobody' })), 'not-allowed-in-state');
  });

  it('allowedActions_returnsAFreshArray_soCallersCannotChangeTheTable', () => {
    allowedActions('withdrawn').push('reopen');
    expect(allowedActions('withdrawn')).toEqual(['add-note']);
  });

  it('allowedActions_unknownState_isRefused', () => {
    expect(() => allowedActions('archived' as CaseState)).toThrow(/unknown case state "archived"/);
  });
});

// ---------------------------------------------------------------------------------------------
// Opening and common input checks
// ---------------------------------------------------------------------------------------------

describe('openCase', () => {
  it('openCase_isAwaitingAssignment_atLevel1_round0', () => {
    expect(openCase({ severity: 'high', at: OPENED_AT })).toEqual({ ...OPENED, severity: 'high' });
  });

  it('openCase_unknownSeverity_isRefusedAsInvalid', () => {
    const err = expectCaseError(() => openCase({ severity: 'urgent' as never, at: OPENED_AT }), 'invalid', /severity/);
    expect(err.state).toBeNull();
    expect(err.allowed).toEqual([]);
  });

  it('openCase_timeWithoutAnOffset_isRefusedAsInvalid', () => {
    expectCaseError(() => openCase({ severity: 'low', at: '2026-11-02T10:00:00' }), 'invalid', /at: must be an ISO-8601 instant/);
  });
});

describe('common input checks', () => {
  it.each([
    ['a time without offset', { at: '2026-11-10 10:00' }, /at:/],
    ['a date only', { at: '2026-11-10' }, /at:/],
    ['an impossible time', { at: '2026-13-40T99:00:00Z' }, /at:/],
    ['no actor', { by: '  ' }, /by:/],
  ])('transition_with_%s_isRefusedAsInvalid', (_what, bad, message) => {
    expectCaseError(() => escalate(caseIn('investigating'), { by: 'sup-1', at: AT, reason: 'x', asSupervisor: true, ...bad }), 'invalid', message);
  });

  it('transition_timeWithAnOffset_isStoredAsTheSameInstantInUtc', () => {
    const { transition } = escalate(caseIn('investigating'), { by: 'sup-1', at: '2026-11-10T10:00:00+08:00', reason: 'x', asSupervisor: true });
    expect(transition.at).toBe(AT);
  });
});

// ---------------------------------------------------------------------------------------------
// Assignment and 回避
// ---------------------------------------------------------------------------------------------

const CTX: ConflictContext = {
  complaintId: 'CMP-2026-000123',
  involvedStaff: ['teller-7'],
  lineManagerOf: { 'teller-7': 'branch-mgr-3' },
  previousDeciders: [],
};

describe('assignInvestigator', () => {
  const assign = (c: CaseSnapshot, investigator: string, ctx: ConflictContext = CTX, declared: string[] = []) =>
    assignInvestigator(c, { investigator, by: 'sup-1', at: AT, departments: SAME_DEPARTMENT, conflicts: conflictsOfInterest(investigator, ctx, declared) });

  it('assign_whenNoConflict_makesTheCaseInvestigating_withTheInvestigator', () => {
    const { snapshot, transition } = assign(caseIn('awaiting-assignment'), 'inv-1');
    expect(snapshot).toMatchObject({ state: 'investigating', assignedTo: 'inv-1' });
    expect(transition).toEqual({ action: 'assign', from: 'awaiting-assignment', to: 'investigating', at: AT, by: 'sup-1', reason: null });
  });

  it('assign_whenInvestigatorIsTheStaffComplainedAbout_isRefusedWithTheReason', () => {
    expectCaseError(() => assign(caseIn('awaiting-assignment'), 'teller-7'), 'conflict-of-interest', /teller-7.*complained-about/);
  });

  it('assign_whenInvestigatorIsTheLineManagerOfTheStaffComplainedAbout_isRefusedWithTheReason', () => {
    expectCaseError(() => assign(caseIn('awaiting-assignment'), 'branch-mgr-3'), 'conflict-of-interest', /line-manager-of-complained-about/);
  });

  it('assign_whenInvestigatorDeclaredAnInterest_isRefusedWithTheReason', () => {
    expectCaseError(() => assign(caseIn('awaiting-assignment'), 'inv-1', CTX, ['CMP-2026-000123']), 'conflict-of-interest', /declared-interest/);
  });

  it('assign_whenInvestigatorDecidedAnEarlierRound_isRefused_evenIfTheCallerPassedNoConflicts', () => {
    const c = caseIn('under-review');
    const err = expectCaseError(
      () => assignInvestigator(c, { investigator: 'mgr-1', by: 'sup-1', at: AT, departments: SAME_DEPARTMENT, conflicts: [] }),
      'conflict-of-interest',
      /mgr-1.*decided-earlier-round/,
    );
    expect(err.allowed).toEqual(['assign', 'log-contact', 'add-note', 'withdraw']);
  });

  it('assign_withSeveralConflicts_namesEveryReasonOnce', () => {
    const ctx = { ...CTX, previousDeciders: ['teller-7'] };
    const err = expectCaseError(
      () =>
        assignInvestigator(caseIn('under-review', { previousDeciders: ['teller-7'] }), {
          investigator: 'teller-7',
          by: 'sup-1',
          at: AT,
          departments: SAME_DEPARTMENT, conflicts: conflictsOfInterest('teller-7', ctx),
        }),
      'conflict-of-interest',
    );
    expect(err.message).toMatch(/complained-about, decided-earlier-round$/);
  });

  it('assign_conflictsOfOtherStaff_doNotBlockTheInvestigator', () => {
    const conflicts = conflictsOfInterest('teller-7', CTX);
    expect(assignInvestigator(caseIn('awaiting-assignment'), { investigator: 'inv-1', by: 'sup-1', at: AT, departments: SAME_DEPARTMENT, conflicts }).snapshot.assignedTo).toBe('inv-1');
  });

  it('assign_withoutAConflictList_isRefusedAsInvalid', () => {
    expectCaseError(
      () => assignInvestigator(caseIn('awaiting-assignment'), { investigator: 'inv-1', by: 'sup-1', at: AT } as never),
      'invalid',
      /conflicts/,
    );
  });

  it('assign_reassignWhileInvestigating_keepsTheFindings_andRecordsTheReason', () => {
    const { snapshot, transition } = assignInvestigator(caseIn('investigating'), {
      investigator: 'inv-2',
      by: 'sup-1',
      at: AT,
      reason: ' inv-1 on leave ',
      departments: SAME_DEPARTMENT, conflicts: [],
    });
    expect(snapshot).toMatchObject({ state: 'investigating', assignedTo: 'inv-2', findings: FINDINGS });
    expect(transition.reason).toBe('inv-1 on leave');
  });

  it('assign_toWhoeverAlreadyHasTheCase_isRefusedAsInvalid', () => {
    expectCaseError(() => assign(caseIn('investigating'), 'inv-1'), 'invalid', /already assigned to inv-1/);
  });

  it('assign_underReview_startsTheReviewInvestigation_atTheRaisedLevel', () => {
    expect(assign(caseIn('under-review'), 'inv-2').snapshot).toMatchObject({ state: 'investigating', assignedTo: 'inv-2', level: 2, reviewRound: 1 });
  });
});

describe('assignInvestigator: the department at the case\'s level', () => {
  const named = (c: CaseSnapshot, departments: { case: string; investigator: string }) =>
    assignInvestigator(c, { investigator: 'inv-9', by: 'sup-1', at: AT, conflicts: [], departments });

  it('assign_anInvestigatorOfAnotherDepartment_isRefused422NamingTheInvestigatorField', () => {
    const err = expectCaseError(() => named(caseIn('under-review'), { case: 'complaint-review', investigator: 'retail-ops' }), 'invalid', /inv-9 is in retail-ops.*complaint-review at level 2/);
    expect(err.field).toBe('investigator');
  });

  it('assign_atTheFirstLevel_fromAnotherDepartment_isRefusedToo', () => {
    expectCaseError(() => named(caseIn('awaiting-assignment'), { case: 'retail-ops', investigator: 'hotline' }), 'invalid', /hotline/);
  });

  it('assign_anInvestigatorOfTheCasesDepartment_isAccepted', () => {
    expect(named(caseIn('under-review'), { case: 'complaint-review', investigator: 'complaint-review' }).snapshot).toMatchObject({ state: 'investigating', assignedTo: 'inv-9', level: 2 });
  });

  it('assign_anEarlierDeciderFromTheLevelBelow_isRefusedFor回避First', () => {
    const c = caseIn('under-review');
    expectCaseError(
      () => assignInvestigator(c, { investigator: 'mgr-1', by: 'sup-1', at: AT, conflicts: [], departments: { case: 'complaint-review', investigator: 'retail-ops' } }),
      'conflict-of-interest',
      /decided-earlier-round/,
    );
  });

  it('assign_withoutTheDepartments_isRefusedAsInvalid', () => {
    expectCaseError(() => assignInvestigator(caseIn('awaiting-assignment'), { investigator: 'inv-1', by: 'sup-1', at: AT, conflicts: [] } as never), 'invalid', /departments\.case/);
  });
});

describe('changeInvolvedStaff', () => {
  const MANAGERS = { 'teller-7': 'mgr-7' };
  const change = (input: Partial<Parameters<typeof changeInvolvedStaff>[1]>) =>
    changeInvolvedStaff('investigating', { current: ['teller-7'], requested: ['teller-7'], by: 'inv-1', lineManagerOf: MANAGERS, asSupervisor: false, ...input });

  it.each([
    ['the staff complained about', 'teller-7', 'complained-about'],
    ['their line manager', 'mgr-7', 'line-manager-of-complained-about'],
  ])('changeInvolvedStaff_by%s_isRefusedAsTheCallersOwnConflict_evenToASupervisorWithAReason', (_who, by, reason) => {
    expectCaseError(() => change({ by, requested: [], asSupervisor: true, reason: 'entered by mistake' }), 'caller-conflict-of-interest', new RegExp(`${by}.*${reason}`));
    expectCaseError(() => change({ by, requested: ['teller-7', 'teller-8'] }), 'caller-conflict-of-interest');
  });

  it('changeInvolvedStaff_addingToTheList_isOpenToAnyoneWithoutAnInterest', () => {
    expect(change({ requested: ['teller-7', 'teller-8'] })).toEqual({ involvedStaff: ['teller-7', 'teller-8'], added: ['teller-8'], removed: [], reason: null });
  });

  it('changeInvolvedStaff_anEmptyCaseList_canBeFilledByAManagerOfWhoIsAdded', () => {
    expect(change({ current: [], lineManagerOf: {}, by: 'mgr-7', requested: ['teller-7'] }).added).toEqual(['teller-7']);
  });

  it('changeInvolvedStaff_takingSomeoneOff_isRefusedToANonSupervisor_evenWithAReason', () => {
    expectCaseError(() => change({ requested: [], reason: 'entered by mistake' }), 'authority-limit', /teller-7/);
  });

  it.each([undefined, null, '', '   '])('changeInvolvedStaff_takingSomeoneOffWithoutAReason(%p)_isRefusedToASupervisor', (reason) => {
    const err = expectCaseError(() => change({ requested: [], asSupervisor: true, reason }), 'reason-required');
    expect(err.field).toBe('reason');
  });

  it('changeInvolvedStaff_aSupervisorWithAReason_takesSomeoneOff_andTheReasonIsKept', () => {
    expect(change({ requested: ['teller-8'], asSupervisor: true, reason: ' wrong teller, it was 8123 ' })).toEqual({
      involvedStaff: ['teller-8'],
      added: ['teller-8'],
      removed: ['teller-7'],
      reason: 'wrong teller, it was 8123',
    });
  });

  it('changeInvolvedStaff_withoutSayingWhetherTheCallerIsASupervisor_isRefusedAsInvalid', () => {
    expectCaseError(() => change({ asSupervisor: undefined as never }), 'invalid', /asSupervisor/);
  });
});

describe('conflictsOfInterest', () => {
  it('conflictsOfInterest_uninvolvedStaff_hasNone', () => {
    expect(conflictsOfInterest('inv-1', CTX)).toEqual([]);
  });

  it.each([
    ['teller-7', [], 'complained-about'],
    ['branch-mgr-3', [], 'line-manager-of-complained-about'],
    ['inv-1', ['CMP-2026-000123'], 'declared-interest'],
  ] as const)('conflictsOfInterest_%s_isExcludedFor_%s', (staffId, declared, reason) => {
    expect(conflictsOfInterest(staffId, CTX, declared)).toEqual([{ staffId, reason }]);
  });

  it('conflictsOfInterest_previousDecider_isExcludedFor_decided-earlier-round', () => {
    expect(conflictsOfInterest('mgr-1', { ...CTX, previousDeciders: ['mgr-1'] })).toEqual([{ staffId: 'mgr-1', reason: 'decided-earlier-round' }]);
  });

  it('conflictsOfInterest_interestInAnotherComplaint_doesNotCount', () => {
    expect(conflictsOfInterest('inv-1', CTX, ['CMP-2026-000999'])).toEqual([]);
  });

  it('conflictsOfInterest_staffWithoutALineManager_excludesNoManager', () => {
    expect(conflictsOfInterest('branch-mgr-3', { ...CTX, lineManagerOf: { 'teller-7': null } })).toEqual([]);
  });

  it('conflictsOfInterest_everyReasonThatApplies_isListed', () => {
    const ctx: ConflictContext = { ...CTX, involvedStaff: ['teller-7', 'teller-8'], lineManagerOf: { 'teller-8': 'teller-7' }, previousDeciders: ['teller-7'] };
    expect(conflictsOfInterest('teller-7', ctx, [ctx.complaintId]).map((e) => e.reason)).toEqual([
      'complained-about',
      'line-manager-of-complained-about',
      'declared-interest',
      'decided-earlier-round',
    ]);
  });
});

describe('chooseInvestigator', () => {
  const member = (staffId: string, overrides: Partial<StaffMember> = {}): StaffMember => ({
    staffId,
    department: 'cards',
    skills: ['cards'],
    lineManager: 'head-cards',
    openCases: 2,
    capacity: 10,
    active: true,
    declaredInterests: [],
    ...overrides,
  });
  const NEED = { department: 'cards', skills: ['cards', 'fraud'] };

  it('chooseInvestigator_prefersMoreOfTheNeededSkills_overALighterLoad', () => {
    const staff = [member('a', { openCases: 0 }), member('b', { skills: ['fraud', 'cards', 'mortgages'], openCases: 9 })];
    expect(chooseInvestigator(staff, NEED, CTX).chosen?.staffId).toBe('b');
  });

  it('chooseInvestigator_sameSkills_prefersTheLowerLoadRatio_notTheFewerCases', () => {
    // a: 3/4 = 0.75, b: 6/20 = 0.3
    const staff = [member('a', { openCases: 3, capacity: 4 }), member('b', { openCases: 6, capacity: 20 })];
    expect(chooseInvestigator(staff, NEED, CTX).chosen?.staffId).toBe('b');
  });

  it('chooseInvestigator_fullTie_isBrokenByStaffId_whateverTheInputOrder', () => {
    const staff = [member('c'), member('a'), member('b')];
    expect(chooseInvestigator(staff, NEED, CTX).chosen?.staffId).toBe('a');
    expect(chooseInvestigator([...staff].reverse(), NEED, CTX).chosen?.staffId).toBe('a');
  });

  it('chooseInvestigator_skipsTheInactive_theFull_andOtherDepartments', () => {
    const staff = [
      member('a', { active: false, skills: ['cards', 'fraud'] }),
      member('b', { openCases: 10, capacity: 10, skills: ['cards', 'fraud'] }),
      member('c', { capacity: 0, openCases: 0, skills: ['cards', 'fraud'] }),
      member('d', { department: 'mortgages', skills: ['cards', 'fraud'] }),
      member('e', { skills: [] }),
    ];
    expect(chooseInvestigator(staff, NEED, CTX)).toEqual({ chosen: staff[4], excluded: [], consideredCount: 1 });
  });

  it('chooseInvestigator_setsAsideAndReportsEveryoneWithAConflict', () => {
    const staff = [
      member('teller-7', { skills: ['cards', 'fraud'] }),
      member('branch-mgr-3', { skills: ['cards', 'fraud'] }),
      member('x', { declaredInterests: ['CMP-2026-000123'], skills: ['cards', 'fraud'] }),
      member('y', { skills: ['cards', 'fraud'] }),
      member('z'),
    ];
    const choice = chooseInvestigator(staff, NEED, { ...CTX, previousDeciders: ['y'] });
    expect(choice.chosen?.staffId).toBe('z');
    expect(choice.excluded).toEqual([
      { staffId: 'teller-7', reason: 'complained-about' },
      { staffId: 'branch-mgr-3', reason: 'line-manager-of-complained-about' },
      { staffId: 'x', reason: 'declared-interest' },
      { staffId: 'y', reason: 'decided-earlier-round' },
    ]);
    expect(choice.consideredCount).toBe(5);
  });

  it('chooseInvestigator_whenNobodyIsLeft_choosesNobody_andExplainsWhy', () => {
    const staff = [member('teller-7'), member('branch-mgr-3'), member('off', { active: false })];
    expect(chooseInvestigator(staff, NEED, CTX)).toEqual({
      chosen: null,
      excluded: [
        { staffId: 'teller-7', reason: 'complained-about' },
        { staffId: 'branch-mgr-3', reason: 'line-manager-of-complained-about' },
      ],
      consideredCount: 2,
    });
  });

  it('chooseInvestigator_emptyDirectory_choosesNobody', () => {
    expect(chooseInvestigator([], NEED, CTX)).toEqual({ chosen: null, excluded: [], consideredCount: 0 });
  });

  it('chooseInvestigator_doesNotReorderOrChangeTheDirectory', () => {
    const staff = deepFreeze([member('c'), member('a', { openCases: 9 }), member('b')]);
    const copy = JSON.parse(JSON.stringify(staff));
    chooseInvestigator(staff, NEED, CTX);
    expect(staff).toEqual(copy);
  });

  it('chooseInvestigator_choiceFeedsAssign_withItsExclusions', () => {
    const staff = [member('teller-7', { skills: ['cards', 'fraud'] }), member('z')];
    const { chosen, excluded } = chooseInvestigator(staff, NEED, CTX);
    const { snapshot } = assignInvestigator(caseIn('awaiting-assignment'), { investigator: chosen!.staffId, by: 'system', at: AT, departments: SAME_DEPARTMENT, conflicts: excluded });
    expect(snapshot.assignedTo).toBe('z');
    expectCaseError(
      () => assignInvestigator(caseIn('awaiting-assignment'), { investigator: 'teller-7', by: 'sup-1', at: AT, departments: SAME_DEPARTMENT, conflicts: excluded }),
      'conflict-of-interest',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Findings and proposal
// ---------------------------------------------------------------------------------------------

describe('recordFindings', () => {
  it('recordFindings_byTheAssignee_recordsThem_withoutChangingState', () => {
    const { snapshot, transition } = recordFindings(caseIn('investigating', { findings: null }), findingsInput({ facts: [' Charged twice '] }));
    expect(snapshot.findings).toEqual({
      facts: ['Charged twice'],
      liability: 'bank',
      rootCause: { code: 'system', detail: 'Retry without idempotency key' },
      recordedBy: 'inv-1',
      recordedAt: AT,
    });
    expect(snapshot.state).toBe('investigating');
    expect(transition).toMatchObject({ action: 'record-findings', from: 'investigating', to: 'investigating' });
  });

  it('recordFindings_bySomeoneOtherThanTheAssignee_isRefused', () => {
    expectCaseError(() => recordFindings(caseIn('investigating'), findingsInput({ by: 'inv-2' })), 'not-assigned', /only the assigned investigator \(inv-1\)/);
  });

  it('recordFindings_fiftyFacts_areAccepted', () => {
    const facts = Array.from({ length: 50 }, (_, i) => `fact ${i}`);
    expect(recordFindings(caseIn('investigating'), findingsInput({ facts })).snapshot.findings?.facts).toHaveLength(50);
  });

  it.each([
    ['no facts', { facts: [] }, /facts: must list 1 to 50/],
    ['51 facts', { facts: Array.from({ length: 51 }, (_, i) => `fact ${i}`) }, /facts: must list 1 to 50 facts, got 51/],
    ['a blank fact', { facts: ['ok', '  '] }, /facts\[1\]/],
    ['facts not a list', { facts: 'charged twice' as never }, /facts/],
    ['an unknown liability', { liability: 'nobody' as never }, /liability: must be one of bank, customer/],
    ['an unknown root cause', { rootCause: { code: 'weather' as never, detail: 'x' } }, /rootCause.code/],
    ['a root cause without detail', { rootCause: { code: 'system' as const, detail: '' } }, /rootCause.detail/],
    ['no root cause', { rootCause: null as never }, /rootCause/],
  ])('recordFindings_with_%s_isRefusedAsInvalid', (_what, bad, message) => {
    expectCaseError(() => recordFindings(caseIn('investigating'), findingsInput(bad as Partial<RecordFindingsInput>)), 'invalid', message);
  });
});

describe('proposeResolution', () => {
  it('propose_withoutFindings_isRefused', () => {
    expectCaseError(() => proposeResolution(caseIn('investigating', { findings: null }), proposalInput()), 'findings-missing');
  });

  it('propose_bySomeoneOtherThanTheAssignee_isRefused', () => {
    expectCaseError(() => proposeResolution(caseIn('investigating'), proposalInput({ by: 'mgr-1' })), 'not-assigned');
  });

  it('propose_needingApproval_waitsForIt_andIsNotYetIssued', () => {
    const { snapshot } = proposeResolution(caseIn('investigating'), proposalInput());
    expect(snapshot).toMatchObject({ state: 'awaiting-approval', respondedAt: null, reviewDueBy: null, previousDeciders: [] });
    expect(snapshot.proposal).toEqual({
      outcome: 'upheld',
      explanation: 'We charged the fee twice and will refund it.',
      actions: ['explanation', 'refund'],
      remedy: { type: 'fee-refund', amountMinor: 150_000, currency: 'CNY' },
      proposedBy: 'inv-1',
      proposedAt: AT,
      needsApproval: true,
    });
  });

  it('propose_notNeedingApproval_isIssuedDirectly_andStartsTheReviewWindow', () => {
    const { snapshot, transition } = proposeResolution(caseIn('investigating'), proposalInput({ remedy: { type: 'fee-refund', amountMinor: 5_000, currency: 'CNY' } }));
    expect(snapshot).toMatchObject({ state: 'responded', respondedAt: AT, reviewDueBy: NEXT_REVIEW_DUE, previousDeciders: ['inv-1'] });
    expect(snapshot.proposal?.needsApproval).toBe(false);
    expect(transition).toMatchObject({ from: 'investigating', to: 'responded', by: 'inv-1' });
  });

  it('propose_explanationAlone_isEnough_forANotUpheldDecision', () => {
    const { snapshot } = proposeResolution(caseIn('investigating'), proposalInput({ outcome: 'not-upheld', actions: ['explanation'], remedy: null }));
    expect(snapshot).toMatchObject({ state: 'responded', proposal: { actions: ['explanation'], remedy: null } });
  });

  it('propose_highSeverity_needsApproval_evenWithoutMoney', () => {
    const c = caseIn('investigating', { severity: 'high' });
    expect(proposeResolution(c, proposalInput({ actions: ['explanation', 'apology'], remedy: null })).snapshot.state).toBe('awaiting-approval');
  });

  it('propose_aReviewDecision_needsApproval', () => {
    const c = caseIn('investigating', { reviewRound: 1, level: 2, assignedTo: 'inv-2', previousDeciders: ['inv-1', 'mgr-1'] });
    expect(proposeResolution(c, proposalInput({ by: 'inv-2', actions: ['explanation'], remedy: null })).snapshot.state).toBe('awaiting-approval');
  });

  it.each([
    ['no actions', { actions: [] }, /actions: must list at least one/],
    ['an unknown action', { actions: ['explanation', 'free-gift'] as never }, /actions\[1\]/],
    ['an unknown outcome', { outcome: 'maybe' as never }, /outcome/],
    ['a blank explanation', { explanation: ' ' }, /explanation/],
    ['a refund without a remedy', { remedy: null }, /remedy: required for refund/],
    ['a zero remedy', { remedy: { type: 'fee-refund', amountMinor: 0, currency: 'CNY' } }, /remedy.amountMinor/],
    ['a fractional remedy', { remedy: { type: 'fee-refund', amountMinor: 10.5, currency: 'CNY' } }, /remedy.amountMinor/],
    ['a lower-case currency', { remedy: { type: 'fee-refund', amountMinor: 100, currency: 'cny' } }, /remedy.currency/],
    ['a review window ending before the decision', { remedy: null, actions: ['explanation'], reviewDueBy: '2026-11-09T00:00:00Z' }, /reviewDueBy: .* is not after/],
    ['no review window for a direct decision', { remedy: null, actions: ['explanation'], reviewDueBy: undefined as never }, /reviewDueBy/],
  ] as const)('propose_with_%s_isRefusedAsInvalid', (_what, bad, message) => {
    expectCaseError(() => proposeResolution(caseIn('investigating'), proposalInput(bad as Partial<ProposeResolutionInput>)), 'invalid', message);
  });

  describe('a remedy compensation would refuse', () => {
    const propose = (remedy: { type: string; amountMinor: number; currency: string }, payable: PayableRemedies = PAYABLE) =>
      proposeResolution(caseIn('investigating'), proposalInput({ actions: ['explanation', 'compensation'], remedy, payable }));

    it.each([
      ['a type the catalogue does not have', { type: 'refund', amountMinor: 100, currency: 'CNY' }, 'remedy.type', /remedy.type: the remedy catalogue has no remedy of type refund \(it has fee-waiver, fee-refund/],
      ['a type inherited by every object', { type: 'constructor', amountMinor: 100, currency: 'CNY' }, 'remedy.type', /no remedy of type constructor/],
      ['a currency it does not pay that remedy in', { type: 'fee-refund', amountMinor: 100, currency: 'EUR' }, 'remedy.currency', /remedy.currency: Fee refund cannot be granted in EUR/],
      ['an amount above the catalogue maximum', { type: 'fee-waiver', amountMinor: 1_000_01, currency: 'CNY' }, 'remedy.amountMinor', /remedy.amountMinor: CNY 1,000.01 is above the catalogue limit for Fee waiver \(CNY 1,000.00\)/],
    ])('propose_with_%s_isRefused_namingTheField', (_what, remedy, field, message) => {
      const err = expectCaseError(() => propose(remedy), 'invalid', message);
      expect(err.field).toBe(field);
      expect(err).toMatchObject({ state: 'investigating', action: 'propose-resolution' });
    });

    it('propose_exactlyTheCatalogueMaximum_isAccepted', () => {
      expect(propose({ type: 'fee-waiver', amountMinor: 1_000_00, currency: 'CNY' }).snapshot.proposal?.remedy).toEqual({ type: 'fee-waiver', amountMinor: 1_000_00, currency: 'CNY' });
    });

    it('propose_aKindTheDeploymentsCatalogueLeftOut_isRefused', () => {
      const { goodwill: _dropped, ...remedies } = DEFAULT_REMEDY_CATALOGUE.remedies;
      const payable = { ...PAYABLE, catalogue: { ...DEFAULT_REMEDY_CATALOGUE, remedies } };
      expect(propose({ type: 'goodwill', amountMinor: 100, currency: 'CNY' }).snapshot.proposal?.remedy?.type).toBe('goodwill');
      expect(expectCaseError(() => propose({ type: 'goodwill', amountMinor: 100, currency: 'CNY' }, payable), 'invalid', /no remedy of type goodwill/).field).toBe('remedy.type');
    });

    it('propose_aCurrencyWithoutAnApprovalMatrix_isRefused_sinceNobodyCouldApprovePayingIt', () => {
      const { USD: _dropped, ...matrix } = DEFAULT_APPROVAL_MATRIX;
      const err = expectCaseError(() => propose({ type: 'fee-refund', amountMinor: 100, currency: 'USD' }, { ...PAYABLE, matrix }), 'invalid', /no approval matrix is configured for USD/);
      expect(err.field).toBe('remedy.currency');
    });

    it('propose_refusesExactlyWhatCompensationsOwnCatalogueRuleRefuses_overEveryKindCurrencyAndAmount', () => {
      const amounts = [1, 50_00, 100_00, 300_00, 300_01, 500_00, 1_000_00, 2_000_00, 10_000_00, 10_000_01, 50_000_00, 50_000_01];
      const remedies = REMEDY_KINDS.flatMap((type) => ['CNY', 'USD', 'GBP', 'EUR', 'JPY'].flatMap((currency) => amounts.map((amountMinor) => ({ type, amountMinor, currency }))));
      const refusedHere = (remedy: (typeof remedies)[number]) => {
        try {
          propose(remedy);
          return false;
        } catch {
          return true;
        }
      };
      const refusedThere = remedies.filter((r) => catalogueRefusal(DEFAULT_REMEDY_CATALOGUE, r.type, r) !== null);
      expect(refusedThere.length).toBeGreaterThan(0);
      expect(refusedThere.length).toBeLessThan(remedies.length);
      expect(remedies.filter(refusedHere)).toEqual(refusedThere);
    });

    it('propose_withoutTheRulesCompensationPaysBy_isRefusedAsInvalid', () => {
      expectCaseError(() => proposeResolution(caseIn('investigating'), proposalInput({ payable: undefined as never })), 'invalid', /payable/);
    });

    it('propose_withoutARemedy_needsNoCatalogue', () => {
      const { snapshot } = proposeResolution(caseIn('investigating'), proposalInput({ actions: ['explanation'], remedy: null, payable: { catalogue: { ...DEFAULT_REMEDY_CATALOGUE, remedies: {} }, matrix: {} } }));
      expect(snapshot.state).toBe('responded');
    });
  });

  it('propose_repeatedActions_areRecordedOnce', () => {
    const { snapshot } = proposeResolution(caseIn('investigating'), proposalInput({ actions: ['explanation', 'refund', 'explanation'] }));
    expect(snapshot.proposal?.actions).toEqual(['explanation', 'refund']);
  });
});

// ---------------------------------------------------------------------------------------------
// Approval (four-eyes, authority limit)
// ---------------------------------------------------------------------------------------------

describe('approveResolution', () => {
  const approve = (by: string, authorityLimitsMinor: Record<string, number> | null, c = caseIn('awaiting-approval')) =>
    approveResolution(c, { by, at: AT, authorityLimitsMinor, reviewDueBy: NEXT_REVIEW_DUE });
  const inUsd = (amountMinor: number) => caseIn('awaiting-approval', { proposal: { ...PROPOSAL, remedy: { type: 'fee-refund', amountMinor, currency: 'USD' } } });

  it('approve_bySecondPerson_issuesTheDecision_andRecordsBothDeciders', () => {
    const { snapshot, transition } = approve('mgr-2', { CNY: 200_000 });
    expect(snapshot).toMatchObject({ state: 'responded', respondedAt: AT, reviewDueBy: NEXT_REVIEW_DUE, proposal: PROPOSAL, previousDeciders: ['inv-1', 'mgr-2'] });
    expect(transition).toEqual({ action: 'approve-resolution', from: 'awaiting-approval', to: 'responded', at: AT, by: 'mgr-2', reason: null });
  });

  it('approve_byTheProposer_isRefused_fourEyes', () => {
    const err = expectCaseError(() => approve('inv-1', null), 'four-eyes', /inv-1/);
    expect(err.state).toBe('awaiting-approval');
    expect(err.action).toBe('approve-resolution');
    expect(err.allowed).toEqual(allowedActions('awaiting-approval'));
  });

  it('approve_aboveTheApproversAuthorityLimit_isRefused', () => {
    expectCaseError(() => approve('mgr-2', { CNY: 149_999 }), 'authority-limit', /150000 CNY .* authority limit of 149999 CNY/);
  });

  it('approve_exactlyAtTheAuthorityLimit_isAllowed', () => {
    expect(approve('mgr-2', { CNY: 150_000 }).snapshot.state).toBe('responded');
  });

  it('approve_aRemedyInACurrencyTheApproverHasNoLimitIn_isRefused_howeverHighTheirOtherLimits', () => {
    const err = expectCaseError(() => approve('mgr-2', { CNY: 10_000_000 }, inUsd(100)), 'authority-limit', /mgr-2 has no authority to approve a remedy in USD \(their limits are in CNY/);
    expect(err.state).toBe('awaiting-approval');
  });

  it('approve_readsTheLimitOfTheRemedysOwnCurrency', () => {
    const limits = { CNY: 10_000_000, USD: 149_999 };
    expectCaseError(() => approve('mgr-2', limits, inUsd(150_000)), 'authority-limit', /150000 USD .* authority limit of 149999 USD/);
    expect(approve('mgr-2', limits, inUsd(149_999)).snapshot.state).toBe('responded');
    expect(approve('mgr-2', limits).snapshot.state).toBe('responded');
  });

  it('approve_withNoLimitsAtAll_approvesNoMoney', () => {
    expectCaseError(() => approve('mgr-2', {}), 'authority-limit', /no authority to approve a remedy in CNY \(their limits are in no currency/);
  });

  it('approve_withoutMoney_isWithinAnyLimit', () => {
    const c = caseIn('awaiting-approval', { proposal: { ...PROPOSAL, actions: ['explanation'], remedy: null } });
    expect(approve('mgr-2', {}, c).snapshot.state).toBe('responded');
  });

  it.each([
    ['a negative limit', { CNY: -1 }, /authorityLimitsMinor.CNY/],
    ['a fractional limit', { CNY: 1.5 }, /authorityLimitsMinor.CNY/],
    ['a limit that is not a currency', { yuan: 100 }, /authorityLimitsMinor.yuan/],
    ['a single number', 150_000 as never, /authorityLimitsMinor: must be an object/],
  ])('approve_with_%s_isRefusedAsInvalid', (_what, limits, message) => {
    expectCaseError(() => approve('mgr-2', limits), 'invalid', message);
  });

  it('approve_aReviewDecision_byWhoeverDecidedTheEarlierRound_isRefused', () => {
    const c = caseIn('awaiting-approval', { reviewRound: 1, level: 2, previousDeciders: ['inv-0', 'mgr-1'], proposal: { ...PROPOSAL, proposedBy: 'inv-1' } });
    expectCaseError(() => approve('mgr-1', null, c), 'conflict-of-interest', /decided-earlier-round/);
    expect(approve('mgr-2', null, c).snapshot.previousDeciders).toEqual(['inv-0', 'mgr-1', 'inv-1', 'mgr-2']);
  });

  it('approve_previousDeciders_areNotDuplicated', () => {
    const c = caseIn('awaiting-approval', { previousDeciders: ['inv-1'] });
    expect(approve('mgr-2', null, c).snapshot.previousDeciders).toEqual(['inv-1', 'mgr-2']);
  });

  it('approve_withoutAProposal_isRefusedAsInvalid', () => {
    expectCaseError(() => approve('mgr-2', null, caseIn('awaiting-approval', { proposal: null })), 'invalid', /no proposal/);
  });
});

describe('rejectResolution', () => {
  it('reject_sendsTheCaseBackToTheInvestigator_withoutTheProposal', () => {
    const { snapshot, transition } = rejectResolution(caseIn('awaiting-approval'), { by: 'mgr-2', at: AT, reason: 'Add the interest' });
    expect(snapshot).toMatchObject({ state: 'investigating', assignedTo: 'inv-1', proposal: null, findings: FINDINGS });
    expect(transition.reason).toBe('Add the interest');
  });

  it('reject_byTheProposer_isRefused_fourEyes', () => {
    expectCaseError(() => rejectResolution(caseIn('awaiting-approval'), { by: 'inv-1', at: AT, reason: 'changed my mind' }), 'four-eyes');
  });

  it.each([[''], ['   '], [undefined]])('reject_withReason_%p_isRefused', (reason) => {
    expectCaseError(
      () => rejectResolution(caseIn('awaiting-approval'), { by: 'mgr-2', at: AT, reason: reason as string }),
      'reason-required',
      /cannot reject-resolution without a reason/,
    );
  });
});

describe('assertFourEyes', () => {
  it('assertFourEyes_differentPeople_passes', () => {
    expect(() => assertFourEyes('inv-1', 'mgr-1')).not.toThrow();
  });

  it('assertFourEyes_samePerson_isRefused_evenWithoutCaseContext', () => {
    const err = expectCaseError(() => assertFourEyes('inv-1', 'inv-1'), 'four-eyes');
    expect(err.state).toBeNull();
    expect(err.allowed).toEqual([]);
  });

  it('assertFourEyes_withCaseContext_carriesTheAllowedNextSteps', () => {
    const err = expectCaseError(() => assertFourEyes('inv-1', 'inv-1', { state: 'investigating', action: 'decide-extension' }), 'four-eyes');
    expect(err.action).toBe('decide-extension');
    expect(err.allowed).toEqual(allowedActions('investigating'));
  });
});

// ---------------------------------------------------------------------------------------------
// Escalation, review, close, reopen, withdrawal
// ---------------------------------------------------------------------------------------------

describe('escalate', () => {
  it('escalate_byTheAssignee_raisesTheLevel_andReleasesTheInvestigator', () => {
    const { snapshot } = escalate(caseIn('investigating'), { by: 'inv-1', at: AT, reason: 'Outside our authority', asSupervisor: false });
    expect(snapshot).toMatchObject({ state: 'awaiting-assignment', level: 2, assignedTo: null, findings: FINDINGS });
  });

  it('escalate_byAnInvestigatorWhoIsNotTheAssignee_isRefused', () => {
    const err = expectCaseError(
      () => escalate(caseIn('investigating'), { by: 'inv-2', at: AT, reason: 'Outside our authority', asSupervisor: false }),
      'not-assigned',
      /only the assigned investigator \(inv-1\) or a supervisor may escalate; inv-2 is neither/,
    );
    expect(err).toMatchObject({ state: 'investigating', action: 'escalate' });
  });

  it('escalate_aCaseNobodyIsAssigned_isForASupervisorOnly', () => {
    expectCaseError(() => escalate(caseIn('awaiting-assignment'), { by: 'inv-1', at: AT, reason: 'x', asSupervisor: false }), 'not-assigned', /\(nobody\)/);
    expect(escalate(caseIn('awaiting-assignment'), { by: 'sup-1', at: AT, reason: 'x', asSupervisor: true }).snapshot.level).toBe(2);
  });

  it('escalate_byASupervisor_ofSomeoneElsesCase_isAllowed', () => {
    const { transition } = escalate(caseIn('investigating'), { by: 'sup-1', at: AT, reason: 'Outside our authority', asSupervisor: true });
    expect(transition).toMatchObject({ action: 'escalate', by: 'sup-1', to: 'awaiting-assignment' });
  });

  it('escalate_withoutSayingWhetherTheActorIsASupervisor_isRefusedAsInvalid', () => {
    expectCaseError(() => escalate(caseIn('investigating'), { by: 'inv-1', at: AT, reason: 'x' } as never), 'invalid', /asSupervisor: must be true or false/);
  });

  it('escalate_withoutReason_isRefused', () => {
    expectCaseError(() => escalate(caseIn('investigating'), { by: 'inv-1', at: AT, reason: '', asSupervisor: false }), 'reason-required');
  });
});

describe('contestDecision', () => {
  const contest = (at: string, c = caseIn('responded')) => contestDecision(c, { by: 'cust-42', at, reason: 'The interest is missing' });

  it('contest_startsAReview_oneLevelUp_keepingTheFindings', () => {
    const { snapshot, transition } = contest(AT);
    expect(snapshot).toMatchObject({
      state: 'under-review',
      reviewRound: 1,
      level: 2,
      assignedTo: null,
      proposal: null,
      findings: FINDINGS,
      previousDeciders: ['inv-1', 'mgr-1'],
    });
    expect(transition).toEqual({ action: 'contest', from: 'responded', to: 'under-review', at: AT, by: 'cust-42', reason: 'The interest is missing' });
  });

  it('contest_exactlyAtTheEndOfTheReviewWindow_isAllowed', () => {
    expect(contest(REVIEW_DUE).snapshot.state).toBe('under-review');
  });

  it('contest_sameInstantWrittenInLocalTime_isAllowed', () => {
    expect(contest('2026-12-05T23:59:59.999+08:00').snapshot.state).toBe('under-review');
  });

  it('contest_oneMillisecondAfterTheReviewWindow_isRefused_namingTheDate', () => {
    const late = new Date(Date.parse(REVIEW_DUE) + MS).toISOString();
    const err = expectCaseError(() => contest(late), 'review-window-closed', /closed at 2026-12-05T15:59:59.999Z/);
    expect(err.allowed).toEqual(['log-contact', 'add-note', 'contest', 'close', 'reopen']);
  });

  it('contest_withoutReason_isRefused', () => {
    expectCaseError(() => contestDecision(caseIn('responded'), { by: 'cust-42', at: AT, reason: ' ' }), 'reason-required');
  });

  it('contest_withoutARecordedReviewWindow_isRefusedAsInvalid', () => {
    expectCaseError(() => contest(AT, caseIn('responded', { reviewDueBy: null })), 'invalid', /no review window/);
  });
});

describe('closeCase, reopenCase, withdrawCase', () => {
  it('close_aRespondedCase_closesIt_keepingTheDecision', () => {
    const { snapshot, transition } = closeCase(caseIn('responded'), { by: 'sup-1', at: AT, asSupervisor: true });
    expect(snapshot).toEqual({ ...CASES.responded, state: 'closed' });
    expect(transition.reason).toBeNull();
  });

  it('close_byTheAssignee_isAllowed', () => {
    expect(closeCase(caseIn('responded'), { by: 'inv-1', at: AT, asSupervisor: false }).snapshot.state).toBe('closed');
  });

  it('close_byAnInvestigatorWhoIsNotTheAssignee_isRefused', () => {
    expectCaseError(
      () => closeCase(caseIn('responded'), { by: 'inv-2', at: AT, reason: 'Customer accepted', asSupervisor: false }),
      'not-assigned',
      /only the assigned investigator \(inv-1\) or a supervisor may close; inv-2 is neither/,
    );
  });

  it('close_withoutSayingWhetherTheActorIsASupervisor_isRefusedAsInvalid', () => {
    expectCaseError(() => closeCase(caseIn('responded'), { by: 'inv-1', at: AT } as never), 'invalid', /asSupervisor/);
  });

  it.each(['responded', 'closed'] as const)('reopen_from_%s_goesBackToAssignment_withoutInvestigatorOrProposal', (state) => {
    const { snapshot } = reopenCase(caseIn(state), { by: 'sup-1', at: AT, reason: 'New statement' });
    expect(snapshot).toMatchObject({ state: 'awaiting-assignment', assignedTo: null, proposal: null, findings: FINDINGS, previousDeciders: ['inv-1', 'mgr-1'] });
  });

  it('reopen_withoutReason_isRefused', () => {
    expectCaseError(() => reopenCase(caseIn('closed'), { by: 'sup-1', at: AT, reason: '' }), 'reason-required');
  });

  it('withdraw_whileAwaitingApproval_endsTheCase', () => {
    const { snapshot, transition } = withdrawCase(caseIn('awaiting-approval'), { by: 'cust-42', at: AT });
    expect(snapshot.state).toBe('withdrawn');
    expect(transition).toEqual({ action: 'withdraw', from: 'awaiting-approval', to: 'withdrawn', at: AT, by: 'cust-42', reason: null });
  });
});

describe('a whole case', () => {
  it('case_decidedContestedAndReviewed_byDifferentPeopleAtEachStep', () => {
    let c = openCase({ severity: 'medium', at: OPENED_AT });
    c = assignInvestigator(c, { investigator: 'inv-1', by: 'sup-1', at: '2026-11-02T03:00:00Z', departments: SAME_DEPARTMENT, conflicts: [] }).snapshot;
    c = recordFindings(c, findingsInput({ at: '2026-11-03T03:00:00Z' })).snapshot;
    c = proposeResolution(c, proposalInput({ at: '2026-11-04T03:00:00Z' })).snapshot;
    c = approveResolution(c, { by: 'mgr-1', at: RESPONDED_AT, authorityLimitsMinor: { CNY: 500_000 }, reviewDueBy: REVIEW_DUE }).snapshot;
    c = contestDecision(c, { by: 'cust-42', at: AT, reason: 'Interest missing' }).snapshot;
    expect(c).toMatchObject({ state: 'under-review', level: 2, reviewRound: 1, previousDeciders: ['inv-1', 'mgr-1'] });

    for (const decider of ['inv-1', 'mgr-1']) {
      expectCaseError(() => assignInvestigator(c, { investigator: decider, by: 'sup-1', at: AT, departments: SAME_DEPARTMENT, conflicts: [] }), 'conflict-of-interest');
    }
    c = assignInvestigator(c, { investigator: 'inv-2', by: 'sup-2', at: AT, departments: SAME_DEPARTMENT, conflicts: [] }).snapshot;
    // a small review decision still needs approval: reviewDecisionsNeedApproval
    c = proposeResolution(c, proposalInput({ by: 'inv-2', at: AT, actions: ['explanation', 'refund'], remedy: { type: 'fee-refund', amountMinor: 100, currency: 'CNY' } })).snapshot;
    expect(c.state).toBe('awaiting-approval');
    expectCaseError(() => approveResolution(c, { by: 'mgr-1', at: AT, authorityLimitsMinor: null, reviewDueBy: NEXT_REVIEW_DUE }), 'conflict-of-interest');
    c = approveResolution(c, { by: 'mgr-2', at: AT, authorityLimitsMinor: null, reviewDueBy: NEXT_REVIEW_DUE }).snapshot;
    c = closeCase(c, { by: 'sup-1', at: '2026-12-11T00:00:00Z', reason: 'Review window ended', asSupervisor: true }).snapshot;
    expect(c).toMatchObject({ state: 'closed', previousDeciders: ['inv-1', 'mgr-1', 'inv-2', 'mgr-2'], reviewDueBy: NEXT_REVIEW_DUE });
  });
});

// ---------------------------------------------------------------------------------------------
// Approval policy
// ---------------------------------------------------------------------------------------------

describe('needsResolutionApproval', () => {
  const P = DEFAULT_RESOLUTION_APPROVAL_POLICY;
  it.each([
    ['low severity, no money, first round', 'low', null, 0, false],
    ['high severity', 'high', null, 0, true],
    ['critical severity', 'critical', null, 0, true],
    ['just under the CNY threshold', 'medium', { amountMinor: 99_999, currency: 'CNY' }, 0, false],
    ['exactly the CNY threshold', 'medium', { amountMinor: 100_000, currency: 'CNY' }, 0, true],
    ['exactly the GBP threshold', 'low', { amountMinor: 10_000, currency: 'GBP' }, 0, true],
    ['a currency without a threshold, however small', 'low', { amountMinor: 1, currency: 'HKD' }, 0, true],
    ['a review decision', 'low', null, 1, true],
  ] as const)('needsResolutionApproval_%s_is_%s', (_what, severity, remedy, round, expected) => {
    expect(needsResolutionApproval(P, severity, remedy, round)).toBe(expected);
  });

  it('needsResolutionApproval_reviewDecisions_canBeExemptedByPolicy', () => {
    expect(needsResolutionApproval({ ...P, reviewDecisionsNeedApproval: false }, 'low', null, 1)).toBe(false);
  });

  it('needsResolutionApproval_inheritedObjectKeys_areNotThresholds', () => {
    expect(needsResolutionApproval(P, 'low', { amountMinor: 1, currency: 'constructor' }, 0)).toBe(true);
  });
});

describe('resolutionApprovalPolicyFrom', () => {
  it.each([[undefined], [null], [''], ['  ']])('policyFrom_%p_isTheDefault', (input) => {
    expect(resolutionApprovalPolicyFrom(input)).toEqual(DEFAULT_RESOLUTION_APPROVAL_POLICY);
  });

  it('policyFrom_returnsACopy_notTheDefaultItself', () => {
    const p = resolutionApprovalPolicyFrom(undefined);
    p.severities.push('low');
    expect(DEFAULT_RESOLUTION_APPROVAL_POLICY.severities).toEqual(['high', 'critical']);
  });

  it('policyFrom_jsonText_isParsed_andLeftOutSettingsKeepTheirDefault', () => {
    expect(resolutionApprovalPolicyFrom('{"severities":["critical"],"reviewDecisionsNeedApproval":false}')).toEqual({
      severities: ['critical'],
      amountThresholdMinor: DEFAULT_RESOLUTION_APPROVAL_POLICY.amountThresholdMinor,
      reviewDecisionsNeedApproval: false,
    });
  });

  it('policyFrom_thresholds_replaceTheDefaultTable_soADroppedCurrencyAlwaysNeedsApproval', () => {
    const p = resolutionApprovalPolicyFrom({ amountThresholdMinor: { CNY: 50_000 } });
    expect(p.amountThresholdMinor).toEqual({ CNY: 50_000 });
    expect(needsResolutionApproval(p, 'low', { amountMinor: 1, currency: 'GBP' }, 0)).toBe(true);
  });

  it.each([
    ['not JSON', '{severities:', /not valid JSON/],
    ['a list', [], /expected an object, got \[\]/],
    ['an unknown setting', { threshold: 5 }, /threshold: unknown setting/],
    ['an unknown severity', { severities: ['urgent'] }, /severities: must be a list drawn from low, medium, high, critical/],
    ['severities not a list', { severities: 'high' }, /severities:/],
    ['thresholds not an object', { amountThresholdMinor: 5 }, /amountThresholdMinor: expected an object/],
    ['a lower-case currency', { amountThresholdMinor: { cny: 5 } }, /amountThresholdMinor.cny: not an ISO 4217/],
    ['a negative threshold', { amountThresholdMinor: { CNY: -1 } }, /amountThresholdMinor.CNY: must be a non-negative whole number/],
    ['a fractional threshold', { amountThresholdMinor: { CNY: 1.5 } }, /amountThresholdMinor.CNY/],
    ['a threshold as text', { amountThresholdMinor: { CNY: '1000' } }, /amountThresholdMinor.CNY/],
    ['a non-boolean flag', { reviewDecisionsNeedApproval: 'yes' }, /reviewDecisionsNeedApproval: must be true or false/],
  ])('policyFrom_%s_isRefusedNamingTheField', (_what, input, message) => {
    expect(() => resolutionApprovalPolicyFrom(input)).toThrow(message);
  });

  it('policyFrom_everyProblem_isReportedTogether', () => {
    expect(() => resolutionApprovalPolicyFrom({ severities: ['x'], reviewDecisionsNeedApproval: 1 })).toThrow(
      /^invalid resolution approval policy: severities: .*; reviewDecisionsNeedApproval: /,
    );
  });
});
