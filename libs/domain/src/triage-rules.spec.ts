import {
  assessSeverity,
  assessSpike,
  DEFAULT_SEVERITY_POLICY,
  EarlierComplaint,
  findRepeat,
  mentions,
  routeComplaint,
  RoutingTable,
  SeveritySignals,
  sketchSimilarity,
  spikeContinues,
  textSketch,
  validateRoutingTable,
} from './triage-rules';

const signals = (over: Partial<SeveritySignals> = {}): SeveritySignals => ({ text: '', amountInDispute: null, ...over });

describe('mentions', () => {
  it.each([
    ['I use the app daily', 'app', true],
    ['I am disappointed', 'app', false],
    ['the staff were courteous', 'court', false],
    ['I will take this to court.', 'court', true],
    ['我要去法院起诉', '法院', true],
    ['MY CREDIT CARD', 'credit card', true],
  ])('mentions(%s, %s) = %s', (text, term, expected) => {
    expect(mentions(text, term)).toBe(expected);
  });
});

describe('assessSeverity', () => {
  const { CNY } = DEFAULT_SEVERITY_POLICY.money;

  it.each([
    ['no signal', signals(), 'low', ['low: no severity signal']],
    ['a small amount', signals({ amountInDispute: { amountMinor: 300_00, currency: 'CNY' } }), 'medium', ['medium: money at stake 300.00 CNY']],
    ['the high threshold exactly', signals({ amountInDispute: { amountMinor: CNY.highMinor, currency: 'CNY' } }), 'high', ['high: money at stake 50000.00 CNY >= 50000.00 CNY']],
    ['one below the high threshold', signals({ amountInDispute: { amountMinor: CNY.highMinor - 1, currency: 'CNY' } }), 'medium', ['medium: money at stake 49999.99 CNY']],
    ['the critical threshold', signals({ amountInDispute: { amountMinor: CNY.criticalMinor, currency: 'CNY' } }), 'critical', ['critical: money at stake 500000.00 CNY >= 500000.00 CNY']],
    ['a currency without thresholds', signals({ amountInDispute: { amountMinor: 99_999_999_00, currency: 'JPY' } }), 'medium', ['medium: money at stake 99999999.00 JPY']],
    ['a customer aged 65', signals({ customerAge: 65 }), 'high', ['high: vulnerable customer: aged 65']],
    ['a customer aged 64', signals({ customerAge: 64 }), 'low', ['low: no severity signal']],
    ['the 75+ age band', signals({ ageBand: '75+' }), 'high', ['high: vulnerable customer: aged 75+']],
    ['the 60-64 age band', signals({ ageBand: '60-64' }), 'low', ['low: no severity signal']],
    ['declared needs', signals({ declaredNeeds: ['hearing', 'mobility'] }), 'high', ['high: vulnerable customer: declared needs hearing, mobility']],
    ['a repeat', signals({ repeatOf: 'CMP-1' }), 'medium', ['medium: repeat complaint of CMP-1']],
    ['a threat to go to the media', signals({ text: '再不处理我就找媒体曝光' }), 'high', ['high: threat to go to the media: "媒体"']],
    ['a threat to sue', signals({ text: 'I will sue the bank' }), 'high', ['high: threat to go to the court: "sue"']],
    ['a threat to go to the regulator', signals({ text: '我要向金融监管总局投诉' }), 'high', ['high: threat to go to the regulator: "监管"']],
    ['a regulator referral', signals({ regulatorReferral: { body: 'NFRA', caseNumber: 'R-1' } }), 'high', ['high: referred by NFRA (case R-1)']],
    ['a systemic incident', signals({ systemicIncidentId: 'INC-1' }), 'high', ['high: member of systemic incident INC-1']],
    ['two intensity words', signals({ text: '太过分了，简直无法接受' }), 'medium', ['medium: emotional intensity: "无法接受", "太过分"']],
    ['one intensity word and !!!', signals({ text: 'This is unacceptable!!!' }), 'medium', ['medium: emotional intensity: "unacceptable", "!!!"']],
    ['one intensity word alone', signals({ text: 'This is unacceptable.' }), 'low', ['low: no severity signal']],
  ])('%s', (_name, input, severity, reasons) => {
    expect(assessSeverity(input)).toEqual({ severity, reasons });
  });

  it('two high signals together make the complaint critical and say so', () => {
    const a = assessSeverity(signals({ customerAge: 78, text: '我要找记者曝光你们' }));
    expect(a.severity).toBe('critical');
    expect(a.reasons).toEqual(['high: vulnerable customer: aged 78', 'high: threat to go to the media: "曝光"', 'critical: 2 high signals together']);
  });

  it('the policy decides: a deployment may raise the age and the threshold count', () => {
    const policy = { ...DEFAULT_SEVERITY_POLICY, vulnerableFromAge: 70, highSignalsForCritical: 3 };
    expect(assessSeverity(signals({ customerAge: 68 }), policy).severity).toBe('low');
    expect(assessSeverity(signals({ customerAge: 78, text: 'I will sue' }), policy).severity).toBe('high');
  });
});

describe('routeComplaint', () => {
  const table: RoutingTable = {
    taxonomy: 'demo',
    version: 2,
    departments: ['operations', 'legal', 'card-centre', 'customer-service'],
    fallbackDepartment: 'customer-service',
    rules: [
      { id: 'critical-to-legal', when: { severity: ['critical'] }, department: 'legal' },
      { id: 'cards', when: { product: ['B02'] }, department: 'card-centre' },
      { id: 'transfer-systems', when: { product: ['B04'], category: ['C10'] }, department: 'operations' },
    ],
  };

  it.each([
    [{ product: 'B02', category: 'C01', severity: 'low', channel: 'web' }, 'card-centre', 'demo@v2#cards'],
    [{ product: 'B02', category: 'C01', severity: 'critical', channel: 'web' }, 'legal', 'demo@v2#critical-to-legal'],
    [{ product: 'B04', category: 'C10', severity: 'medium', channel: 'web' }, 'operations', 'demo@v2#transfer-systems'],
    [{ product: 'B04', category: 'C01', severity: 'medium', channel: 'web' }, 'customer-service', 'demo@v2#fallback'],
  ] as const)('%j goes to %s by %s', (facts, department, rule) => {
    expect(routeComplaint(table, facts)).toEqual({ department, rule });
  });

  it('validateRoutingTable names unlisted departments, repeated ids and unknown codes', () => {
    const broken: RoutingTable = {
      ...table,
      fallbackDepartment: 'nowhere',
      rules: [...table.rules, { id: 'cards', when: { product: ['B99'] }, department: 'marketing' }],
    };
    expect(validateRoutingTable(broken, { product: ['B02', 'B04'], category: ['C01', 'C10'] })).toEqual([
      'fallback department "nowhere" is not listed',
      'rule id "cards" repeats',
      'rule "cards": department "marketing" is not listed',
      'rule "cards": unknown product code "B99"',
    ]);
    expect(validateRoutingTable(table, { product: ['B02', 'B04'], category: ['C01', 'C10'] })).toEqual([]);
  });
});

describe('repeats', () => {
  const first = '我上周五通过手机银行向他行转账五万元，至今没有到账，客服说是对方银行接口故障，请尽快处理';
  const same = '上周五手机银行跨行转账五万元一直没到账，客服说对方银行接口故障，到现在还没处理';
  const other = '柜台工作人员态度很差，排队两个小时，窗口只开了一个';

  it('textSketch is stable and holds no more than k hashes', () => {
    expect(textSketch(first)).toEqual(textSketch(first));
    expect(textSketch(first, 8)).toHaveLength(8);
  });

  it('sketchSimilarity: identical texts 1, unrelated texts near 0, the same matter retold in between', () => {
    expect(sketchSimilarity(textSketch(first), textSketch(first))).toBe(1);
    expect(sketchSimilarity(textSketch(first), textSketch(other))).toBeLessThan(0.05);
    const retold = sketchSimilarity(textSketch(first), textSketch(same));
    expect(retold).toBeGreaterThan(0.2);
    expect(retold).toBeLessThan(1);
    expect(sketchSimilarity([], textSketch(first))).toBe(0);
  });

  const earlier = (over: Partial<EarlierComplaint>): EarlierComplaint => ({
    complaintId: 'c-1',
    ticketNumber: 'CMP-1',
    receivedAt: new Date('2026-11-01T02:00:00Z'),
    product: 'B04',
    category: 'C10',
    sketch: textSketch(first),
    ...over,
  });
  const now = { receivedAt: new Date('2026-11-20T02:00:00Z'), product: 'B04', category: 'C10', sketch: textSketch(same) };

  it('links to the most similar earlier complaint on the same matter within the window', () => {
    const match = findRepeat(now, [earlier({ complaintId: 'c-other', sketch: textSketch(other) }), earlier({})]);
    expect(match?.of.complaintId).toBe('c-1');
    expect(match?.reason).toMatch(/^same customer within 30 days, text similarity 0\.\d\d >= 0.15, same product and cause$/);
  });

  it('does not link outside the window, to a later complaint, or to an unrelated matter', () => {
    expect(findRepeat(now, [earlier({ receivedAt: new Date('2026-10-20T01:59:59Z') })])).toBeNull();
    expect(findRepeat(now, [earlier({ receivedAt: new Date('2026-11-21T00:00:00Z') })])).toBeNull();
    expect(findRepeat(now, [earlier({ sketch: textSketch(other) })])).toBeNull();
  });

  it('different codes need the higher similarity', () => {
    const retold = sketchSimilarity(now.sketch, textSketch(first));
    const loose = { windowDays: 30, minSimilarity: retold + 0.01, minSimilaritySameCodes: 0 };
    expect(findRepeat(now, [earlier({ category: 'C01' })], loose)).toBeNull();
    expect(findRepeat(now, [earlier({ category: 'C01' })], { ...loose, minSimilarity: retold })).not.toBeNull();
  });
});

describe('assessSpike', () => {
  const policy = { windowMinutes: 60, baselineWindows: 4, minComplaints: 5, factor: 3, baselineFloor: 1 };

  it.each([
    [5, [0, 0, 0, 0], true, 5],
    [4, [0, 0, 0, 0], false, 5],
    [8, [2, 2, 4, 4], false, 9],
    [9, [2, 2, 4, 4], true, 9],
    [9, [2, 2, 4, 4, 100], true, 9],
    [5, [], true, 5],
  ])('%i against %j: spike %s (threshold %d)', (count, baseline, spike, threshold) => {
    const a = assessSpike(count, baseline, policy);
    expect(a.spike).toBe(spike);
    expect(a.threshold).toBe(threshold);
    expect(a.reason).toContain(`${count} complaints in 60 min`);
  });
});

describe('spikeContinues (an open incident takes members only while the spike lasts)', () => {
  const policy = { windowMinutes: 60, baselineWindows: 4, minComplaints: 5, factor: 3, baselineFloor: 1 };

  it.each([
    // complaints in the last window (the arrival among them), the incident's baseline, still a spike, threshold
    [6, 0, true, 5],
    [5, 0, true, 5],
    [4, 0, false, 5], // the burst is over: normal traffic
    [1, 0, false, 5],
    [5, 1.5, true, 5], // 3 × 1.5 = 4.5, below the minimum
    [9, 3, true, 9],
    [8, 3, false, 9],
    [12, 0.2, true, 5], // a baseline below the floor counts as the floor
  ])('%i against a baseline of %p: continues %s (threshold %d)', (count, mean, continues, threshold) => {
    const a = spikeContinues(count, mean, policy);
    expect(a.spike).toBe(continues);
    expect(a.threshold).toBe(threshold);
    expect(a.baselineMean).toBe(mean);
    expect(a.reason).toBe(`${count} complaints in 60 min against the incident's baseline of ${mean.toFixed(2)} per window (threshold ${threshold.toFixed(2)})`);
  });

  it("is judged against the incident's baseline, not the windows since, which hold the incident itself", () => {
    // A burst of 10 an hour for three hours after a quiet day: the rolling baseline of the last 4
    // windows has risen to 7.5, so the same 10 would no longer count as a spike, though it still is one.
    expect(assessSpike(10, [10, 10, 10, 0], policy).spike).toBe(false);
    expect(spikeContinues(10, 0, policy).spike).toBe(true);
  });
});
