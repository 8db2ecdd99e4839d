import {
  allowedRemedyActions,
  approvalMatrixFrom,
  approvalRouteFor,
  approveRemedy,
  approverLimitMinor,
  catalogueRefusal,
  CoreBooking,
  customerCapRefusal,
  DEFAULT_APPROVAL_MATRIX,
  DEFAULT_REMEDY_CATALOGUE,
  formatMoney,
  GRANTED_REMEDY_STATUSES,
  isBalanced,
  LEDGER_ACCOUNTS,
  moveRemedy,
  OurEntry,
  OurInstruction,
  payoutPostings,
  reconcile,
  REMEDY_ACTIONS,
  REMEDY_STATUSES,
  remedyCatalogueFrom,
  RemedyApprovalError,
  RemedyStatus,
  RemedyTransitionError,
  reopeningEffect,
  RemedyToReverse,
  reversalPostings,
  reverseRemedy,
  reviseRemedy,
} from './remedies';

const cny = (amountMinor: number) => ({ amountMinor, currency: 'CNY' });
const matrix = DEFAULT_APPROVAL_MATRIX; // CNY: automatic ≤ 200.00, four eyes > 2,000.00, approver 20,000.00, compliance 100,000.00, cap 50,000.00 / 365 days

describe('formatMoney', () => {
  it.each([
    [cny(0), 'CNY 0.00'],
    [cny(5), 'CNY 0.05'],
    [cny(2_000), 'CNY 20.00'],
    [cny(123_456_789), 'CNY 1,234,567.89'],
    [{ amountMinor: 1500, currency: 'JPY' }, 'JPY 1,500'],
    [{ amountMinor: 1_234, currency: 'KWD' }, 'KWD 1.234'],
  ])('%o reads %s', (money, text) => expect(formatMoney(money)).toBe(text));
});

describe('remedy catalogue', () => {
  it('allows a remedy within its limit and refuses one above it, naming the limit', () => {
    expect(catalogueRefusal(DEFAULT_REMEDY_CATALOGUE, 'goodwill', cny(500_00))).toBeNull();
    expect(catalogueRefusal(DEFAULT_REMEDY_CATALOGUE, 'goodwill', cny(500_01))).toBe('CNY 500.01 is above the catalogue limit for Goodwill payment (CNY 500.00)');
  });

  it('refuses a kind or currency it does not list', () => {
    expect(catalogueRefusal(DEFAULT_REMEDY_CATALOGUE, 'cashback', cny(1))).toBe('the catalogue has no remedy of kind cashback');
    expect(catalogueRefusal(DEFAULT_REMEDY_CATALOGUE, 'fee-refund', { amountMinor: 1, currency: 'JPY' })).toBe('Fee refund cannot be granted in JPY');
  });

  it('refuses names an object inherits as a kind or a currency, instead of throwing', () => {
    for (const kind of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(catalogueRefusal(DEFAULT_REMEDY_CATALOGUE, kind, cny(1))).toBe(`the catalogue has no remedy of kind ${kind}`);
    }
    expect(catalogueRefusal(DEFAULT_REMEDY_CATALOGUE, 'goodwill', { amountMinor: 1, currency: 'constructor' })).toBe('Goodwill payment cannot be granted in constructor');
  });

  it('is configuration: a deployment replaces it, and a malformed one names every problem', () => {
    const custom = remedyCatalogueFrom(
      JSON.stringify({ remedies: { goodwill: { maxMinor: { CNY: 100 }, title: { 'zh-CN': '慰问', en: 'Goodwill' } } }, delayInterest: { annualRate: '0.0435', basis: 'ACT/360', rounding: 'half-even' } }),
    );
    expect(catalogueRefusal(custom, 'goodwill', cny(101))).toContain('above the catalogue limit');
    expect(catalogueRefusal(custom, 'fee-refund', cny(1))).toBe('the catalogue has no remedy of kind fee-refund');
    expect(custom.delayInterest).toEqual({ annualRate: '0.0435', basis: 'ACT/360', rounding: 'half-even' });
    expect(remedyCatalogueFrom('')).toBe(DEFAULT_REMEDY_CATALOGUE);
    expect(() => remedyCatalogueFrom('{')).toThrow(/not valid JSON/);
    expect(() => remedyCatalogueFrom(JSON.stringify({ remedies: {}, delayInterest: { annualRate: '4.35%', basis: 'ACT/999', rounding: 'up' } }))).toThrow(
      /delayInterest.annualRate: a plain decimal.*delayInterest.basis.*delayInterest.rounding/,
    );
  });
});

describe('approval matrix', () => {
  it.each([
    [0, 'automatic'],
    [200_00, 'automatic'],
    [200_01, 'single'],
    [2_000_00, 'single'],
    [2_000_01, 'four-eyes'],
  ] as const)('CNY %i minor units take the %s route', (amountMinor, route) => expect(approvalRouteFor(matrix, cny(amountMinor))).toBe(route));

  it('sends a currency without a matrix to four eyes', () => expect(approvalRouteFor(matrix, { amountMinor: 1, currency: 'HKD' })).toBe('four-eyes'));

  it('takes the highest limit of the approver’s roles, lowered by the token’s own', () => {
    expect(approverLimitMinor(matrix, 'CNY', { subject: 'a', roles: ['approver'] })).toBe(20_000_00);
    expect(approverLimitMinor(matrix, 'CNY', { subject: 'a', roles: ['approver', 'compliance-officer'] })).toBe(100_000_00);
    expect(approverLimitMinor(matrix, 'CNY', { subject: 'a', roles: ['approver'], limitMinor: 5_000_00 })).toBe(5_000_00);
    expect(approverLimitMinor(matrix, 'CNY', { subject: 'a', roles: ['approver'], limitMinor: 90_000_00 })).toBe(20_000_00);
    expect(approverLimitMinor(matrix, 'CNY', { subject: 'a', roles: ['investigator'] })).toBeNull();
  });

  const remedy = (amountMinor: number, approvals: string[] = [], grantedInPeriodMinor = 0) => ({ amount: cny(amountMinor), proposedBy: 'inv-1', approvals, grantedInPeriodMinor });
  const approver = (subject: string, limitMinor?: number) => ({ subject, roles: ['approver'], limitMinor });
  const refusal = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (e instanceof RemedyApprovalError) return e.code;
      throw e;
    }
    return 'approved';
  };

  it('completes a single-route remedy with one approver', () => {
    expect(approveRemedy(matrix, remedy(1_000_00), approver('apr-1'))).toEqual({ approvals: ['apr-1'], route: 'single', complete: true });
  });

  it('needs two different approvers above the four-eyes threshold', () => {
    const first = approveRemedy(matrix, remedy(3_000_00), approver('apr-1'));
    expect(first).toEqual({ approvals: ['apr-1'], route: 'four-eyes', complete: false });
    expect(refusal(() => approveRemedy(matrix, remedy(3_000_00, first.approvals), approver('apr-1')))).toBe('already-approved');
    expect(approveRemedy(matrix, remedy(3_000_00, first.approvals), approver('apr-2'))).toEqual({ approvals: ['apr-1', 'apr-2'], route: 'four-eyes', complete: true });
  });

  it('never lets the person who decided the remedy approve it', () => {
    expect(refusal(() => approveRemedy(matrix, remedy(1_000_00), { subject: 'inv-1', roles: ['approver'] }))).toBe('proposer-cannot-approve');
  });

  it('refuses an approver whose limit is below the amount, and a role that approves nothing', () => {
    expect(refusal(() => approveRemedy(matrix, remedy(6_000_00), approver('apr-1', 5_000_00)))).toBe('over-limit');
    expect(refusal(() => approveRemedy(matrix, remedy(5_000_00), approver('apr-1', 5_000_00)))).toBe('approved');
    expect(refusal(() => approveRemedy(matrix, remedy(30_000_00), approver('apr-1')))).toBe('over-limit');
    expect(refusal(() => approveRemedy(matrix, remedy(30_000_00), { subject: 'cco', roles: ['compliance-officer'] }))).toBe('approved');
    expect(refusal(() => approveRemedy(matrix, remedy(1_00), { subject: 'x', roles: ['investigator'] }))).toBe('not-an-approver');
    expect(refusal(() => approveRemedy(matrix, { ...remedy(1_00), amount: { amountMinor: 1_00, currency: 'HKD' } }, approver('apr-1')))).toBe('no-matrix');
  });

  it('holds the customer’s cap over the period as a ceiling nobody approves past', () => {
    expect(customerCapRefusal(matrix, { amount: cny(10_000_00), grantedInPeriodMinor: 40_000_00 })).toBeNull();
    expect(customerCapRefusal(matrix, { amount: cny(10_000_01), grantedInPeriodMinor: 40_000_00 })).toBe(
      'the customer has been granted CNY 40,000.00 in the last 365 days; with CNY 10,000.01 that exceeds the cap of CNY 50,000.00',
    );
    expect(refusal(() => approveRemedy(matrix, remedy(10_000_01, [], 40_000_00), { subject: 'cco', roles: ['compliance-officer'] }))).toBe('over-customer-cap');
  });

  describe('a top-up after a later decision', () => {
    // The case paid CNY 150.00 and a review grants CNY 1,500.00: CNY 1,350.00 is new.
    const topUp = (approvals: string[] = [], grantedInPeriodMinor = 150_00) => ({ ...remedy(1_350_00, approvals, grantedInPeriodMinor), decisionMinor: 1_500_00 });

    it('takes the route of the whole decision, not of the difference', () => {
      expect(approveRemedy(matrix, { ...remedy(150_00), decisionMinor: 2_500_00 }, approver('apr-1'))).toEqual({ approvals: ['apr-1'], route: 'four-eyes', complete: false });
      expect(approveRemedy(matrix, topUp(), approver('apr-1'))).toEqual({ approvals: ['apr-1'], route: 'single', complete: true });
    });

    it('needs an approver whose limit covers the whole decision', () => {
      expect(() => approveRemedy(matrix, topUp(), approver('apr-1', 1_400_00))).toThrow('CNY 1,500.00 (the decision in all, CNY 1,350.00 of it new) is above this approver\'s limit of CNY 1,400.00');
      expect(refusal(() => approveRemedy(matrix, topUp(), approver('apr-1', 1_500_00)))).toBe('approved');
    });

    it('counts only the new money against the customer’s cap', () => {
      expect(refusal(() => approveRemedy(matrix, topUp([], 48_650_00), approver('apr-1')))).toBe('approved');
      expect(refusal(() => approveRemedy(matrix, topUp([], 48_650_01), approver('apr-1')))).toBe('over-customer-cap');
    });
  });

  it('is configuration too, and refuses a four-eyes threshold below the automatic limit', () => {
    const m = approvalMatrixFrom(JSON.stringify({ USD: { automaticUpToMinor: 0, fourEyesAboveMinor: 100, roleLimitsMinor: { approver: 1000 }, customerCap: null } }));
    expect(approvalRouteFor(m, { amountMinor: 1, currency: 'USD' })).toBe('single');
    expect(approvalRouteFor(m, cny(1))).toBe('four-eyes');
    expect(() => approvalMatrixFrom(JSON.stringify({ USD: { automaticUpToMinor: 500, fourEyesAboveMinor: 100, roleLimitsMinor: {}, customerCap: null } }))).toThrow(/fourEyesAboveMinor must not be below/);
  });
});

describe('reversing a paid remedy', () => {
  // CNY: four eyes above 2,000.00, approver 20,000.00, compliance 100,000.00. Decided by inv-1.
  const paid = (amountMinor: number, approvedBy: string[] = [], reversalApprovals: string[] = [], extra: Partial<RemedyToReverse> = {}): RemedyToReverse => ({
    amount: cny(amountMinor),
    proposedBy: 'inv-1',
    approvedBy,
    reversalApprovals,
    ...extra,
  });
  const approver = (subject: string, limitMinor?: number, roles = ['approver']) => ({ subject, roles, limitMinor });
  const refusal = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (e instanceof RemedyApprovalError) return e.code;
      throw e;
    }
    return 'accepted';
  };

  it('lets one approver with the authority take back a remedy within the single route they had no part in', () => {
    expect(reverseRemedy(matrix, paid(50_00), approver('apr-9', 100_00))).toEqual({ reversalApprovals: ['apr-9'], route: 'automatic', complete: true });
    expect(reverseRemedy(matrix, paid(1_000_00, ['apr-1']), approver('apr-9', 1_000_00))).toEqual({ reversalApprovals: ['apr-9'], route: 'single', complete: true });
  });

  it('needs an approval limit in the remedy’s currency that covers it, as approving it did', () => {
    // A token without a limit states none: the desk passes 0, which reverses no money.
    expect(refusal(() => reverseRemedy(matrix, paid(50_00), approver('apr-9', 0)))).toBe('over-limit');
    expect(() => reverseRemedy(matrix, paid(1_000_00), approver('apr-9', 999_99))).toThrow("CNY 1,000.00 is above this approver's limit of CNY 999.99");
    expect(refusal(() => reverseRemedy(matrix, paid(30_000_00, ['apr-1', 'apr-2']), approver('apr-9')))).toBe('over-limit');
    expect(refusal(() => reverseRemedy(matrix, paid(30_000_00, ['cco-1', 'cco-2']), approver('cco-9', undefined, ['compliance-officer'])))).toBe('accepted');
    expect(refusal(() => reverseRemedy(matrix, paid(1_00), approver('inv-9', undefined, ['investigator'])))).toBe('not-an-approver');
    expect(refusal(() => reverseRemedy(matrix, { ...paid(1_00), amount: { amountMinor: 1_00, currency: 'HKD' } }, approver('apr-9')))).toBe('no-matrix');
    // A top-up is weighed as its approval was: the whole decision.
    expect(refusal(() => reverseRemedy(matrix, paid(1_350_00, ['apr-1'], [], { decisionMinor: 1_500_00 }), approver('apr-9', 1_400_00)))).toBe('over-limit');
    expect(reverseRemedy(matrix, paid(150_00, [], [], { decisionMinor: 2_500_00 }), approver('apr-9')).route).toBe('four-eyes');
  });

  it('needs a second approver above the four-eyes threshold, never the one who asked', () => {
    const asked = reverseRemedy(matrix, paid(8_000_00, ['apr-1', 'apr-2']), approver('apr-9'));
    expect(asked).toEqual({ reversalApprovals: ['apr-9'], route: 'four-eyes', complete: false });
    expect(refusal(() => reverseRemedy(matrix, paid(8_000_00, ['apr-1', 'apr-2'], asked.reversalApprovals), approver('apr-9')))).toBe('requester-cannot-confirm');
    expect(refusal(() => reverseRemedy(matrix, paid(8_000_00, ['apr-1', 'apr-2'], asked.reversalApprovals), approver('apr-8', 5_000_00)))).toBe('over-limit');
    expect(reverseRemedy(matrix, paid(8_000_00, ['apr-1', 'apr-2'], asked.reversalApprovals), approver('apr-8'))).toEqual({ reversalApprovals: ['apr-9', 'apr-8'], route: 'four-eyes', complete: true });
  });

  it('lets whoever decided or approved the payout ask for its reversal, never undo it alone', () => {
    // At any amount: an approver of the payout, or its decider, asks; someone else confirms.
    for (const party of ['apr-1', 'inv-1']) {
      const asked = reverseRemedy(matrix, paid(1_000_00, ['apr-1']), approver(party));
      expect(asked).toEqual({ reversalApprovals: [party], route: 'single', complete: false });
      expect(reverseRemedy(matrix, paid(1_000_00, ['apr-1'], asked.reversalApprovals), approver('apr-9'))).toMatchObject({ complete: true });
    }
    expect(reverseRemedy(matrix, paid(50_00), approver('inv-1'))).toMatchObject({ route: 'automatic', complete: false });
    // Another party to the same payout cannot be that someone else.
    expect(refusal(() => reverseRemedy(matrix, paid(8_000_00, ['apr-1', 'apr-2'], ['apr-1']), approver('apr-2')))).toBe('payout-party-cannot-confirm');
    expect(refusal(() => reverseRemedy(matrix, paid(8_000_00, ['apr-1', 'apr-2'], ['inv-1']), approver('apr-1')))).toBe('payout-party-cannot-confirm');
    // A party may be the second pair of eyes on a reversal someone independent asked for.
    expect(reverseRemedy(matrix, paid(8_000_00, ['apr-1', 'apr-2'], ['apr-9']), approver('apr-1'))).toMatchObject({ complete: true });
  });

  it('refuses to reverse again a payout whose reversal the core refused, naming the core’s reason', () => {
    const refused = paid(50_00, [], [], { refusedReversal: 'account frozen' });
    expect(refusal(() => reverseRemedy(matrix, refused, approver('apr-9')))).toBe('reversal-refused-before');
    expect(() => reverseRemedy(matrix, refused, approver('apr-9'))).toThrow('the earlier reversal of this payout failed at the core (account frozen)');
  });
});

describe('remedy lifecycle', () => {
  // Written out by hand: every status × action, so a new status or action cannot slip past.
  const EXPECTED: Record<RemedyStatus, Partial<Record<string, RemedyStatus>>> = {
    proposed: { amend: 'proposed', approve: 'approved', reject: 'rejected', withdraw: 'withdrawn' },
    approved: { 'record-payout': 'paid', 'record-payout-failure': 'payout-failed', withdraw: 'withdrawn' },
    rejected: {},
    paid: { 'request-reversal': 'reversal-requested' },
    'payout-failed': {},
    'reversal-requested': { 'confirm-reversal': 'reversing', 'reject-reversal': 'paid' },
    reversing: { 'record-reversal': 'reversed', 'record-reversal-failure': 'paid' },
    reversed: {},
    withdrawn: {},
  };
  const cases = REMEDY_STATUSES.flatMap((s) => REMEDY_ACTIONS.map((a) => [s, a, EXPECTED[s][a] ?? null] as const));

  it('covers 9 statuses × 11 actions, 12 of them allowed', () => {
    expect(cases).toHaveLength(99);
    expect(cases.filter(([, , to]) => to).length).toBe(12);
  });

  it('takes a paid remedy back only through a request and its confirmation', () => {
    expect(allowedRemedyActions('paid')).toEqual(['request-reversal']);
    expect(() => moveRemedy('paid', 'confirm-reversal')).toThrow(RemedyTransitionError);
    expect(moveRemedy(moveRemedy('paid', 'request-reversal'), 'confirm-reversal')).toBe('reversing');
    // A request declined, or a reversal the core refused, leaves the payout standing.
    expect(moveRemedy('reversal-requested', 'reject-reversal')).toBe('paid');
    expect(moveRemedy('reversing', 'record-reversal-failure')).toBe('paid');
  });

  it.each(cases)('%s + %s → %s', (status, action, to) => {
    if (to) {
      expect(moveRemedy(status, action)).toBe(to);
    } else {
      expect(() => moveRemedy(status, action)).toThrow(RemedyTransitionError);
      try {
        moveRemedy(status, action);
      } catch (e) {
        expect((e as RemedyTransitionError).allowed).toEqual(allowedRemedyActions(status));
      }
    }
  });
});

describe('when the case is reopened', () => {
  it.each([
    ['proposed', false, 'withdraw'],
    ['approved', false, 'withdraw'],
    ['approved', true, 'stands'],
    ['paid', true, 'stands'],
    ['reversal-requested', true, 'stands'],
    ['reversing', true, 'stands'],
    ['rejected', false, 'unaffected'],
    ['payout-failed', true, 'unaffected'],
    ['reversed', true, 'unaffected'],
    ['withdrawn', false, 'unaffected'],
  ] as const)('a remedy %s (payout sent: %s) is: %s', (status, sent, effect) => expect(reopeningEffect(status, sent)).toBe(effect));

  it('covers every status', () => {
    expect(new Set(REMEDY_STATUSES.map((s) => reopeningEffect(s, true)))).toEqual(new Set(['withdraw', 'stands', 'unaffected']));
    // Whatever stands is what the next decision is compared against.
    expect(REMEDY_STATUSES.filter((s) => reopeningEffect(s, true) === 'stands')).toEqual([...GRANTED_REMEDY_STATUSES]);
  });
});

describe('a later decision against what the case granted', () => {
  it('grants the whole decision when nothing was granted before', () => {
    expect(reviseRemedy(cny(500_00), [])).toEqual({ kind: 'grant', amount: cny(500_00), grantedBefore: cny(0) });
  });

  it('grants only the difference when the decision is higher', () => {
    expect(reviseRemedy(cny(1_500_00), [cny(150_00)])).toEqual({ kind: 'grant', amount: cny(1_350_00), grantedBefore: cny(150_00) });
    expect(reviseRemedy(cny(1_000_00), [cny(400_00), cny(500_00)])).toEqual({ kind: 'grant', amount: cny(100_00), grantedBefore: cny(900_00) });
  });

  it('grants nothing more for an equal decision, nor for none on a case that had nothing', () => {
    expect(reviseRemedy(cny(150_00), [cny(150_00)])).toEqual({ kind: 'unchanged' });
    expect(reviseRemedy(null, [])).toEqual({ kind: 'unchanged' });
  });

  it('takes nothing back when the decision is lower, or grants no remedy at all', () => {
    expect(reviseRemedy(cny(60_00), [cny(100_00)])).toEqual({ kind: 'not-clawed-back', granted: cny(100_00), difference: cny(40_00) });
    expect(reviseRemedy(null, [cny(100_00)])).toEqual({ kind: 'not-clawed-back', granted: cny(100_00), difference: cny(100_00) });
  });

  it('leaves a decision in another currency than what was granted to a person', () => {
    expect(reviseRemedy({ amountMinor: 20_00, currency: 'USD' }, [cny(100_00)])).toEqual({ kind: 'other-currency', granted: [cny(100_00)] });
  });
});

describe('ledger postings', () => {
  it('books a payout as expense against the core clearing account, and a reversal line for line back', () => {
    const out = payoutPostings('goodwill', cny(20_00));
    expect(out).toEqual([
      { account: 'expense:compensation:goodwill', debitMinor: 20_00, creditMinor: 0, currency: 'CNY' },
      { account: LEDGER_ACCOUNTS.clearing, debitMinor: 0, creditMinor: 20_00, currency: 'CNY' },
    ]);
    expect(reversalPostings('goodwill', cny(20_00))).toEqual([
      { account: 'expense:compensation:goodwill', debitMinor: 0, creditMinor: 20_00, currency: 'CNY' },
      { account: LEDGER_ACCOUNTS.clearing, debitMinor: 20_00, creditMinor: 0, currency: 'CNY' },
    ]);
    expect(isBalanced(out)).toBe(true);
  });

  it('finds an entry unbalanced per currency, and an empty one', () => {
    expect(isBalanced([{ account: 'a', debitMinor: 5, creditMinor: 0, currency: 'CNY' }, { account: 'b', debitMinor: 0, creditMinor: 5, currency: 'USD' }])).toBe(false);
    expect(isBalanced([{ account: 'a', debitMinor: 5, creditMinor: 0, currency: 'CNY' }, { account: 'b', debitMinor: 0, creditMinor: 4, currency: 'CNY' }])).toBe(false);
    expect(isBalanced([])).toBe(false);
  });
});

describe('reconciliation', () => {
  const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const booked = (n: number, amountMinor = 20_00, kind: 'payout' | 'reversal' = 'payout'): OurInstruction => ({ instructionId: id(n), remedyId: id(1000 + n), kind, amount: cny(amountMinor), status: 'booked', coreReference: `CB${n}` });
  const entry = (o: OurInstruction): OurEntry => ({ instructionId: o.instructionId, postings: (o.kind === 'payout' ? payoutPostings : reversalPostings)('goodwill', o.amount) });
  const core = (o: OurInstruction): CoreBooking => ({ instructionId: o.instructionId, coreReference: o.coreReference!, direction: o.kind === 'payout' ? 'credit' : 'debit', amount: o.amount });

  it('finds nothing wrong when the three records agree, with totals per currency', () => {
    const ours = [booked(1), booked(2, 5_000_00), booked(3, 20_00, 'reversal')];
    const report = reconcile(ours, ours.map(entry), ours.map(core));
    expect(report.mismatches).toEqual([]);
    expect(report.totals).toEqual({ ours: { CNY: 5_000_00 }, core: { CNY: 5_000_00 }, ledger: { CNY: 5_000_00 } });
    expect([report.instructions, report.coreBookings, report.ledgerEntries, report.inFlight]).toEqual([3, 3, 3, 0]);
  });

  it('counts an instruction the core booked before we recorded it as in flight, not as a mismatch', () => {
    const sent: OurInstruction = { ...booked(1), status: 'instructing', coreReference: null };
    const report = reconcile([sent], [], [core(booked(1))]);
    expect(report.mismatches).toEqual([]);
    expect(report.inFlight).toBe(1);
  });

  it.each([
    ['a booking we have no record of', [], [], [core(booked(9))], ['booked-at-core-only']],
    ['a payout recorded as booked that the core does not have', [booked(1)], [entry(booked(1))], [], ['missing-at-core']],
    ['a different amount at the core', [booked(1)], [entry(booked(1))], [core(booked(1, 20_01))], ['amount-differs']],
    ['a different reference at the core', [booked(1)], [entry(booked(1))], [{ ...core(booked(1)), coreReference: 'CBX' }], ['reference-differs']],
    ['a payout the core booked as a debit', [booked(1)], [entry(booked(1))], [{ ...core(booked(1)), direction: 'debit' as const }], ['direction-differs']],
    ['a refused instruction the core booked after all', [{ ...booked(1), status: 'refused' as const, coreReference: null }], [], [core(booked(1))], ['booked-despite-refusal']],
    ['a cancelled instruction the core booked after all', [{ ...booked(1), status: 'cancelled' as const, coreReference: null }], [], [core(booked(1))], ['booked-despite-refusal']],
    ['a cancelled instruction nobody booked', [{ ...booked(1), status: 'cancelled' as const, coreReference: null }], [], [], []],
    ['a booked payout without postings', [booked(1)], [], [core(booked(1))], ['missing-postings']],
    ['postings for an instruction that was refused', [{ ...booked(1), status: 'refused' as const }], [entry(booked(1))], [], ['postings-without-booking']],
    ['an unbalanced entry', [booked(1)], [{ instructionId: id(1), postings: [{ account: LEDGER_ACCOUNTS.clearing, debitMinor: 0, creditMinor: 20_00, currency: 'CNY' }] }], [core(booked(1))], ['unbalanced-entry']],
    ['postings for the wrong amount', [booked(1)], [entry(booked(1, 19_99))], [core(booked(1))], ['postings-differ']],
    ['postings for an instruction we have no record of', [], [entry(booked(7))], [], ['postings-without-booking']],
  ] as [string, OurInstruction[], OurEntry[], CoreBooking[], string[]][])('reports %s', (_what, ours, entries, bookings, kinds) => {
    expect(reconcile(ours, entries, bookings).mismatches.map((m) => m.kind)).toEqual(kinds);
  });
});
