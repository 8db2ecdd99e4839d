import { DEFAULT_APPROVAL_MATRIX, DEFAULT_ESCALATION_ROUTES, DEFAULT_REGIMES, DEFAULT_REMEDY_CATALOGUE, DEFAULT_RESOLUTION_APPROVAL_POLICY } from '@complaints/domain';
import { InvestigationPolicy } from './investigation-policy';

const HOUR = 3_600_000;
const policyFrom = (env: NodeJS.ProcessEnv) => InvestigationPolicy.fromEnvironment(env);

describe('InvestigationPolicy.fromEnvironment', () => {
  it('emptyEnvironment_givesTheDefaults', () => {
    const policy = policyFrom({});
    expect(policy.regimes).toEqual(DEFAULT_REGIMES);
    expect(policy.approval).toEqual(DEFAULT_RESOLUTION_APPROVAL_POLICY);
    expect(policy.escalationRoutes).toEqual(DEFAULT_ESCALATION_ROUTES);
    expect(policy.levelDepartments).toEqual({ '2': 'complaint-review', '3': 'senior-management' });
    expect(policy.seniorDepartment).toBe('senior-management');
    expect(policy.taskReminderLeadMs).toBe(24 * HOUR);
    expect(policy.payable).toEqual({ catalogue: DEFAULT_REMEDY_CATALOGUE, matrix: DEFAULT_APPROVAL_MATRIX });
  });

  it('emptyValues_countAsUnset_forTheJsonSettings', () => {
    const policy = policyFrom({ RESOLUTION_APPROVAL_POLICY: '', ESCALATION_ROUTES: '', CASE_LEVEL_DEPARTMENTS: '' });
    expect(policy.approval).toEqual(DEFAULT_RESOLUTION_APPROVAL_POLICY);
    expect(policy.escalationRoutes).toEqual(DEFAULT_ESCALATION_ROUTES);
    expect(policy.levelDepartments).toEqual({ '2': 'complaint-review', '3': 'senior-management' });
  });

  describe('RESOLUTION_APPROVAL_POLICY', () => {
    it('json_isUsed_withSettingsLeftOutKeepingTheirDefault', () => {
      const policy = policyFrom({ RESOLUTION_APPROVAL_POLICY: JSON.stringify({ severities: ['critical'], amountThresholdMinor: { CNY: 500000 } }) });
      expect(policy.approval).toEqual({ severities: ['critical'], amountThresholdMinor: { CNY: 500000 }, reviewDecisionsNeedApproval: true });
    });

    it('malformedJson_throwsNamingTheVariable', () => {
      expect(() => policyFrom({ RESOLUTION_APPROVAL_POLICY: '{severities: [critical]}' })).toThrow('RESOLUTION_APPROVAL_POLICY must be JSON');
    });

    it('anInvalidPolicy_isRefused', () => {
      expect(() => policyFrom({ RESOLUTION_APPROVAL_POLICY: JSON.stringify({ severities: ['urgent'] }) })).toThrow(/severities/);
    });
  });

  describe('ESCALATION_ROUTES', () => {
    it('routesOfARegime_replaceItsDefaults_andLeaveTheOthers', () => {
      const policy = policyFrom({ ESCALATION_ROUTES: JSON.stringify({ 'cn-cbirc': [{ body: '上海银行业纠纷调解中心', contact: '021-00000000' }] }) });
      expect(policy.escalationRoutes['cn-cbirc']).toEqual([{ body: '上海银行业纠纷调解中心', contact: '021-00000000', within: null }]);
      expect(policy.escalationRoutes['uk-fca']).toEqual(DEFAULT_ESCALATION_ROUTES['uk-fca']);
      expect(policy.escalationRoutes['us-cfpb']).toEqual(DEFAULT_ESCALATION_ROUTES['us-cfpb']);
    });

    it('anUnknownRegime_throwsNamingIt', () => {
      expect(() => policyFrom({ ESCALATION_ROUTES: JSON.stringify({ 'eu-eba': [{ body: 'FIN-NET', contact: 'x', within: null }] }) })).toThrow('ESCALATION_ROUTES: unknown regime eu-eba');
    });

    it.each([
      ['not a list', { 'uk-fca': { body: 'x', contact: 'y' } }],
      ['a route without a contact', { 'uk-fca': [{ body: 'x' }] }],
      ['a route that is null', { 'uk-fca': [null] }],
    ])('routesThatAre_%s_throwNamingTheRegime', (_case, routes) => {
      expect(() => policyFrom({ ESCALATION_ROUTES: JSON.stringify(routes) })).toThrow('ESCALATION_ROUTES.uk-fca must be a list of { body, contact, within }');
    });

    it('malformedJson_throwsNamingTheVariable', () => {
      expect(() => policyFrom({ ESCALATION_ROUTES: '[' })).toThrow('ESCALATION_ROUTES must be JSON');
    });

    it.each(['toString', '__proto__', 'constructor'])('aRegimeNamed_%s_isUnknown_notAPropertyEveryObjectHas', (name) => {
      const routes = `{${JSON.stringify(name)}: [{ "body": "x", "contact": "y", "within": null }]}`;
      expect(() => policyFrom({ ESCALATION_ROUTES: routes })).toThrow(`ESCALATION_ROUTES: unknown regime ${name}`);
    });
  });

  describe('CASE_LEVEL_DEPARTMENTS', () => {
    it('aValidMap_replacesTheDefaultOne', () => {
      const policy = policyFrom({ CASE_LEVEL_DEPARTMENTS: JSON.stringify({ '2': 'review-desk', '9': 'board' }) });
      expect(policy.levelDepartments).toEqual({ '2': 'review-desk', '9': 'board' });
      expect(policy.departmentAt(2, 'ops')).toBe('review-desk');
      expect(policy.departmentAt(3, 'ops')).toBe('ops');
      expect(policy.departmentAt(9, 'ops')).toBe('board');
    });

    it.each([
      ['level 1 (the routed department’s)', { '1': 'ops' }],
      ['level 10', { '10': 'board' }],
      ['a level that is not a number', { two: 'review-desk' }],
      ['an empty department', { '2': '' }],
      ['a department that is not text', { '2': 7 }],
      ['a list', ['review-desk']],
      ['a bare number', 5],
    ])('levelsWith_%s_throw', (_case, levels) => {
      expect(() => policyFrom({ CASE_LEVEL_DEPARTMENTS: JSON.stringify(levels) })).toThrow('CASE_LEVEL_DEPARTMENTS maps levels 2..9 to department names');
    });

    it('malformedJson_throwsNamingTheVariable', () => {
      expect(() => policyFrom({ CASE_LEVEL_DEPARTMENTS: "{'2': 'x'}" })).toThrow('CASE_LEVEL_DEPARTMENTS must be JSON');
    });
  });

  describe('TASK_REMINDER_LEAD_HOURS', () => {
    it('aPositiveNumber_isTheLeadInMilliseconds', () => {
      expect(policyFrom({ TASK_REMINDER_LEAD_HOURS: '4' }).taskReminderLeadMs).toBe(4 * HOUR);
      expect(policyFrom({ TASK_REMINDER_LEAD_HOURS: '0.5' }).taskReminderLeadMs).toBe(HOUR / 2);
    });

    it('anEmptyValue_countsAsUnset', () => {
      expect(policyFrom({ TASK_REMINDER_LEAD_HOURS: '' }).taskReminderLeadMs).toBe(24 * HOUR);
    });

    it.each(['0', '-1', 'soon', 'Infinity'])('leadHoursOf_%s_throws', (value) => {
      expect(() => policyFrom({ TASK_REMINDER_LEAD_HOURS: value })).toThrow('TASK_REMINDER_LEAD_HOURS must be a positive number');
    });
  });

  describe('REMEDY_CATALOGUE and REMEDY_APPROVAL_MATRIX, as compensation reads them', () => {
    it('json_isUsed', () => {
      const remedies = { goodwill: { maxMinor: { CNY: 100_00 }, title: { 'zh-CN': '致歉补偿', en: 'Goodwill payment' } } };
      const matrix = { CNY: { automaticUpToMinor: 0, fourEyesAboveMinor: 0, roleLimitsMinor: { approver: 50_00 }, customerCap: null } };
      const policy = policyFrom({ REMEDY_CATALOGUE: JSON.stringify({ ...DEFAULT_REMEDY_CATALOGUE, remedies }), REMEDY_APPROVAL_MATRIX: JSON.stringify(matrix) });
      expect(policy.payable).toEqual({ catalogue: { ...DEFAULT_REMEDY_CATALOGUE, remedies }, matrix });
    });

    it.each([
      ['REMEDY_CATALOGUE', '{"remedies": {"cashback": {}}}', /remedy catalogue/],
      ['REMEDY_APPROVAL_MATRIX', '{"cny": {}}', /approval matrix/],
    ])('an invalid %s_stopsTheStart', (name, value, message) => {
      expect(() => policyFrom({ [name]: value })).toThrow(message);
    });
  });

  it('seniorDepartment_isRead', () => {
    expect(policyFrom({ SENIOR_DEPARTMENT: 'head-office' }).seniorDepartment).toBe('head-office');
  });

  it('deadlineRegimeOverrides_reachTheRegimes', () => {
    const policy = policyFrom({ DEADLINE_REGIME_OVERRIDES: JSON.stringify({ 'cn-cbirc': { periods: { standard: { days: 10 } } } }) });
    expect(policy.regimes['cn-cbirc'].periods!.standard.days).toBe(10);
    expect(policy.regimes['uk-fca']).toEqual(DEFAULT_REGIMES['uk-fca']);
  });
});

describe('InvestigationPolicy.departmentAt', () => {
  const policy = InvestigationPolicy.fromEnvironment({});

  it('level1_isTheRoutedDepartment', () => {
    expect(policy.departmentAt(1, 'ops')).toBe('ops');
  });

  it('level2_isComplaintReview', () => {
    expect(policy.departmentAt(2, 'ops')).toBe('complaint-review');
  });

  it('level3_isSeniorManagement', () => {
    expect(policy.departmentAt(3, 'ops')).toBe('senior-management');
  });

  it('aLevelWithoutADepartment_staysWithTheRoutedOne', () => {
    expect(policy.departmentAt(4, 'ops')).toBe('ops');
  });
});

describe('InvestigationPolicy.approvalLimitsOf', () => {
  const policy = InvestigationPolicy.fromEnvironment({});
  const approver = (approvalLimitMinor?: number) => ({ subject: 'sup-1', roles: ['approver' as const], approvalLimitMinor });

  it('theTokensLimit_lowersTheMatrixLimitOfEachCurrency_neverRaisesIt', () => {
    // Approver limits of the default matrix: CNY 20,000.00, USD 3,000.00, GBP 2,500.00.
    expect(policy.approvalLimitsOf(approver(1_000_000))).toEqual({ CNY: 1_000_000, USD: 300_000, GBP: 250_000 });
    expect(policy.approvalLimitsOf(approver(100_000_000))).toEqual({ CNY: 2_000_000, USD: 300_000, GBP: 250_000 });
  });

  it('aTokenWithoutALimit_approvesNoMoney', () => {
    expect(policy.approvalLimitsOf(approver())).toEqual({ CNY: 0, USD: 0, GBP: 0 });
  });

  it('aCurrencyWithoutAMatrix_givesNoLimitAtAll', () => {
    expect(policy.approvalLimitsOf(approver(1_000_000))).not.toHaveProperty('EUR');
  });

  it('rolesTheMatrixGivesNoLimit_approveNoCurrency', () => {
    expect(policy.approvalLimitsOf({ subject: 'inv-1', roles: ['investigator'], approvalLimitMinor: 1_000_000 })).toEqual({});
  });
});
