import { DEFAULT_SEVERITY_THRESHOLDS, KEYWORD_RULES, triageComplaint, TriageInput } from './triage-rules';

const input = (over: Partial<TriageInput> = {}): TriageInput => ({
  summary: '',
  productHint: null,
  amountInDisputeMinor: null,
  channel: 'web',
  ...over,
});

const { highMinor: HIGH, criticalMinor: CRITICAL } = DEFAULT_SEVERITY_THRESHOLDS;

describe('triageComplaint — routing by keyword rule', () => {
  it.each([
    // [summary, rule id, category, department, deciding term]
    ['我的信用卡被盗刷了', 'card', 'cards', 'card-centre', '信用卡'],
    ['银行卡被冻结', 'card', 'cards', 'card-centre', '银行卡'],
    ['跨行汇款三天未到账', 'payment', 'payment-and-settlement', 'operations', '汇款'],
    ['房贷利率上调没有通知', 'loan', 'loans', 'product', '房贷'],
    ['理财产品亏损', 'wealth', 'wealth-management', 'sales-compliance', '理财'],
    ['柜台工作人员态度恶劣', 'service', 'service-attitude', 'branch-management', '态度'],
    ['手机银行无法登录', 'digital', 'digital-channels', 'technology', '手机银行'],
  ])('triageComplaint_chinese_%s_routesTo_%s', (summary, ruleId, category, department, term) => {
    const d = triageComplaint(input({ summary }));
    expect(d).toMatchObject({ category, department, routingRule: `keyword:${ruleId}` });
    expect(d.reasons[0]).toBe(`term "${term}" -> ${category}`);
  });

  it.each([
    ['My credit card was charged twice', 'card', 'cards', 'card-centre', 'credit card'],
    ['The wire transfer never arrived', 'payment', 'payment-and-settlement', 'operations', 'transfer'],
    ['My mortgage interest rate went up', 'loan', 'loans', 'product', 'mortgage'],
    ['The investment was mis-sold to my mother', 'wealth', 'wealth-management', 'sales-compliance', 'investment'],
    ['The teller was rude to me', 'service', 'service-attitude', 'branch-management', 'rude'],
    ['I cannot use online banking since Monday', 'digital', 'digital-channels', 'technology', 'online banking'],
  ])('triageComplaint_english_%s_routesTo_%s', (summary, ruleId, category, department, term) => {
    const d = triageComplaint(input({ summary }));
    expect(d).toMatchObject({ category, department, routingRule: `keyword:${ruleId}` });
    expect(d.reasons[0]).toBe(`term "${term}" -> ${category}`);
  });

  it('triageComplaint_everyTermOfEveryRule_routesToItsOwnRule', () => {
    for (const rule of KEYWORD_RULES) {
      for (const term of rule.terms) {
        const d = triageComplaint(input({ summary: `关于 ${term} 的投诉` }));
        expect({ term, routingRule: d.routingRule, category: d.category, department: d.department }).toEqual({
          term,
          routingRule: `keyword:${rule.id}`,
          category: rule.category,
          department: rule.department,
        });
      }
    }
  });

  it('triageComplaint_matchingIsCaseInsensitive_andTheReasonQuotesTheRuleTerm', () => {
    const d = triageComplaint(input({ summary: 'MY CREDIT CARD WAS CLONED' }));
    expect(d.routingRule).toBe('keyword:card');
    expect(d.reasons[0]).toBe('term "credit card" -> cards');
  });

  it('triageComplaint_productHint_isUsedForRouting', () => {
    const d = triageComplaint(input({ productHint: '基金', summary: '客户经理承诺保本' }));
    expect(d).toMatchObject({ category: 'wealth-management', routingRule: 'keyword:wealth' });
    expect(d.reasons[0]).toBe('term "基金" -> wealth-management');
  });

  it('triageComplaint_termsOfTwoRules_firstRuleInTheTableWins', () => {
    // card comes before payment in KEYWORD_RULES
    const d = triageComplaint(input({ summary: '用信用卡转账失败' }));
    expect(d.routingRule).toBe('keyword:card');
    expect(KEYWORD_RULES.findIndex((r) => r.id === 'card')).toBeLessThan(KEYWORD_RULES.findIndex((r) => r.id === 'payment'));
  });

  it('triageComplaint_noTermMatches_goesToTheDefaultQueue', () => {
    const d = triageComplaint(input({ summary: '我想了解一下营业时间' }));
    expect(d).toEqual({
      category: 'other',
      department: 'customer-service',
      severity: 'low',
      routingRule: 'default',
      reasons: ['no routing term matched: default queue'],
    });
  });

  // Regression: terms are matched as substrings, so "refund" matches the wealth term "fund".
  it('triageComplaint_refund_isNotRoutedToWealthManagement', () => {
    expect(triageComplaint(input({ summary: 'I am still waiting for my refund' })).routingRule).not.toBe('keyword:wealth');
  });

  // Regression: "disappointed" contains the digital term "app".
  it('triageComplaint_disappointed_isNotRoutedToDigitalChannels', () => {
    expect(triageComplaint(input({ summary: 'I was disappointed by the branch' })).routingRule).not.toBe('keyword:digital');
  });
});

describe('triageComplaint — severity from the amount in dispute', () => {
  it.each([
    [null, 'low'],
    [0, 'low'],
    [1, 'medium'],
    [HIGH - 1, 'medium'],
    [HIGH, 'high'],
    [HIGH + 1, 'high'],
    [CRITICAL - 1, 'high'],
    [CRITICAL, 'critical'],
    [CRITICAL + 1, 'critical'],
  ] as const)('triageComplaint_amount_%p_isSeverity_%s', (amount, severity) => {
    expect(triageComplaint(input({ summary: '我想了解一下', amountInDisputeMinor: amount })).severity).toBe(severity);
  });

  it('triageComplaint_defaultThresholds_are50000And500000InMajorUnits', () => {
    expect(DEFAULT_SEVERITY_THRESHOLDS).toEqual({ highMinor: 50_000 * 100, criticalMinor: 500_000 * 100 });
  });

  it('triageComplaint_atAThreshold_theReasonNamesAmountAndThreshold', () => {
    expect(triageComplaint(input({ amountInDisputeMinor: HIGH })).reasons).toContain(`amount ${HIGH} >= ${HIGH}`);
    expect(triageComplaint(input({ amountInDisputeMinor: CRITICAL })).reasons).toContain(`amount ${CRITICAL} >= ${CRITICAL}`);
    expect(triageComplaint(input({ amountInDisputeMinor: 1 })).reasons).toContain('money at stake');
  });

  it('triageComplaint_customThresholds_areHonouredAtTheirBoundaries', () => {
    const t = { highMinor: 1_000, criticalMinor: 10_000 };
    const sev = (amount: number) => triageComplaint(input({ amountInDisputeMinor: amount }), t).severity;
    expect([sev(999), sev(1_000), sev(9_999), sev(10_000)]).toEqual(['medium', 'high', 'high', 'critical']);
  });

  it('triageComplaint_negativeAmount_isNotMoneyAtStake', () => {
    const d = triageComplaint(input({ amountInDisputeMinor: -500 }));
    expect(d.severity).toBe('low');
    expect(d.reasons).toEqual(['no routing term matched: default queue']);
  });
});

describe('triageComplaint — escalation and regulator referrals', () => {
  const ESCALATION = ['媒体', '监管', '起诉', '法院', '投诉到银保监', 'regulator', 'lawyer', 'court', 'media', 'newspaper'];

  it.each(ESCALATION)('triageComplaint_threatTerm_%s_raisesSeverityToHigh_andIsNamed', (term) => {
    const d = triageComplaint(input({ summary: `否则我会找 ${term}` }));
    expect(d.severity).toBe('high');
    expect(d.reasons).toContain(`threat to escalate: "${term}"`);
  });

  it('triageComplaint_threatIsCaseInsensitive', () => {
    expect(triageComplaint(input({ summary: 'I will call my LAWYER' })).reasons).toContain('threat to escalate: "lawyer"');
  });

  it('triageComplaint_threatWithSmallAmount_isHigh_andBothReasonsAreListed', () => {
    const d = triageComplaint(input({ summary: '我要去法院起诉', amountInDisputeMinor: 100 }));
    expect(d.severity).toBe('high');
    expect(d.reasons).toEqual(['no routing term matched: default queue', 'money at stake', 'threat to escalate: "起诉"']);
  });

  it('triageComplaint_threatNeverLowersACriticalAmount', () => {
    const d = triageComplaint(input({ summary: '我要找媒体曝光', amountInDisputeMinor: CRITICAL }));
    expect(d.severity).toBe('critical');
    expect(d.reasons).toContain('threat to escalate: "媒体"');
  });

  it('triageComplaint_regulatorChannel_isHigh_withItsReason', () => {
    const d = triageComplaint(input({ summary: '我想了解一下', channel: 'regulator' }));
    expect(d.severity).toBe('high');
    expect(d.reasons).toContain('referred by a regulator');
  });

  it('triageComplaint_otherChannels_areNotTreatedAsReferrals', () => {
    for (const channel of ['branch', 'hotline', 'mobile-app', 'web', 'wechat', 'email', 'chatbot']) {
      const d = triageComplaint(input({ summary: '我想了解一下', channel }));
      expect({ channel, severity: d.severity }).toEqual({ channel, severity: 'low' });
      expect(d.reasons).not.toContain('referred by a regulator');
    }
  });

  it('triageComplaint_routingAndSeverityReasons_comeInDecisionOrder', () => {
    const d = triageComplaint(
      input({ summary: '信用卡盗刷，我要找律师 lawyer', amountInDisputeMinor: HIGH, channel: 'regulator' }),
    );
    expect(d).toMatchObject({ routingRule: 'keyword:card', severity: 'high' });
    expect(d.reasons).toEqual([
      'term "信用卡" -> cards',
      `amount ${HIGH} >= ${HIGH}`,
      'threat to escalate: "lawyer"',
      'referred by a regulator',
    ]);
  });

  // Regression: "immediately" contains the escalation term "media" → severity high for an ordinary request.
  it('triageComplaint_immediately_isNotAThreatToEscalate', () => {
    const d = triageComplaint(input({ summary: 'Please fix this immediately' }));
    expect(d.severity).toBe('low');
  });

  // Regression: "courteous" contains the escalation term "court".
  it('triageComplaint_courteous_isNotAThreatToEscalate', () => {
    const d = triageComplaint(input({ summary: 'The staff were courteous but the queue was long' }));
    expect(d.severity).toBe('low');
  });
});
