import { randomUUID } from 'node:crypto';
import { allEventDefinitions, Events, findEventDefinition, TOPIC_CATALOGUE, TOPICS } from './catalogue';
import { eventKey } from './envelope';
import { decodeEnvelope, DecodeResult, validateEnvelope } from './validation';

const CASE_ID = randomUUID();
const CNY = (amountMinor: number) => ({ amountMinor, currency: 'CNY' });
/** The shape of a value the platform's field cipher sealed (key id, wrapped data key, iv, tag, body). */
const SEALED = 'v2:k1:' + 'A'.repeat(80) + ':' + 'B'.repeat(16) + ':' + 'C'.repeat(22) + ':' + 'D'.repeat(60);

/** One valid payload per event, keyed `type@vN`. A new event without a sample fails the first test. */
const SAMPLE_PAYLOADS: Record<string, Record<string, unknown>> = {
  'complaint.received@v1': {
    ticketNumber: 'CMP-20261120-00000042-7',
    channel: 'mobile-app',
    channelReference: null,
    receivedAt: '2026-11-20T09:30:00+08:00',
    customerRef: 'cust_0123456789abcdef01234567',
    productHint: '信用卡',
    summary: '卡号************7890被盗刷',
    language: 'zh-CN',
    amountInDispute: CNY(500_000),
    preferredReplyChannel: 'sms',
    regime: 'cn-cbirc',
    responseDueBy: '2026-12-07T15:59:59.999Z',
  },
  'complaint.triaged@v1': {
    ticketNumber: 'CMP-20261120-00000042-7',
    category: 'cards',
    severity: 'medium',
    department: 'card-centre',
    routingRule: 'keyword:card',
    reasons: ['term "信用卡" -> cards', 'money at stake'],
    regime: 'cn-cbirc',
    responseDueBy: '2026-12-07T15:59:59.999Z',
  },
  'complaint.triage-queued@v1': {
    ticketNumber: 'CMP-20261120-00000042-7',
    taxonomy: 'cn-jrt0169',
    suggestedProduct: { code: 'B03', title: '银行卡' },
    suggestedCause: { code: 'C07', title: '定价收费' },
    confidence: 0.31,
    minConfidence: 0.45,
    reasons: ['confidence 0.31 below 0.45: queued for a triage officer'],
    responseDueBy: '2026-12-07T15:59:59.999Z',
  },
  'complaint.retriaged@v1': {
    ticketNumber: 'CMP-20261120-00000042-7',
    previous: { product: 'B03', cause: 'C07', severity: 'medium', department: 'card-centre' },
    current: { product: 'B04', cause: 'C02', severity: 'high', department: 'technology' },
    routingRule: 'cn-jrt0169@v1#systems-and-devices',
    reason: 'The fee came from a failed transfer, not the card',
    actor: 'triage-officer-3',
  },
  'complaint.retriaged@v2': {
    ticketNumber: 'CMP-20261120-00000042-7',
    previous: { product: 'B03', cause: 'C07', severity: 'medium', department: 'card-centre' },
    current: { product: 'B04', cause: 'C02', severity: 'high', department: 'technology' },
    routingRule: 'cn-jrt0169@v1#systems-and-devices',
    reason: SEALED,
    actor: 'triage-officer-3',
  },
  'deadline.clock-changed@v1': {
    ticketNumber: 'CMP-20261120-00000042-7',
    change: 'extended',
    period: 'complex',
    reason: 'needs the partner bank\'s logs',
    responseDueBy: '2026-12-22T15:59:59.999Z',
    actor: 'approver-1',
  },
  'deadline.clock-changed@v2': {
    ticketNumber: 'CMP-20261120-00000042-7',
    change: 'referral-bound',
    period: 'standard',
    reason: "due by the regulator's deadline 2026-11-30T15:59:59.999Z of CMP-20261122-00000051-3, merged with it",
    responseDueBy: '2026-11-30T15:59:59.999Z',
    actor: null,
  },
  'deadline.clock-changed@v3': {
    ticketNumber: 'CMP-20261120-00000042-7',
    change: 'extended',
    period: 'complex',
    reason: 'extension to complex approved in investigation',
    responseDueBy: '2026-12-22T15:59:59.999Z',
    actor: 'approver-1',
    staffReason: SEALED,
  },
  'deadline.warning@v1': {
    ticketNumber: 'CMP-20261120-00000042-7',
    period: 'standard',
    responseDueBy: '2026-12-07T15:59:59.999Z',
    threshold: 0.75,
    elapsedFraction: 0.7512,
  },
  'deadline.breached@v1': {
    ticketNumber: 'CMP-20261120-00000042-7',
    period: 'standard',
    responseDueBy: '2026-12-07T15:59:59.999Z',
    detectedAt: '2026-12-07T16:00:30.000Z',
  },
  'incident.systemic-detected@v1': {
    incidentId: '6f1c2f1e-8a43-4d8e-9d0a-3c2b1a0f9e8d',
    taxonomy: 'cn-jrt0169',
    product: { code: 'B04', title: '支付结算' },
    cause: { code: 'C02', title: '金融机构服务设施、设备、业务系统' },
    windowStart: '2026-11-20T01:00:00.000Z',
    windowEnd: '2026-11-20T02:00:00.000Z',
    baselineMean: 0.25,
    reason: '6 complaints in 60 min against a baseline of 0.25 per window over 24 windows (threshold 5.00)',
    complaints: [{ complaintId: '9b2f3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', ticketNumber: 'CMP-20261120-00000042-7' }],
  },
  'case.opened@v1': {
    caseId: CASE_ID,
    ticketNumber: 'CMP-20261120-00000042-7',
    department: 'card-centre',
    severity: 'medium',
    responseDueBy: '2026-12-07T15:59:59.999Z',
  },
  'case.resolved@v1': {
    caseId: CASE_ID,
    ticketNumber: 'CMP-20261120-00000042-7',
    outcome: 'upheld',
    explanation: '交易非本人操作，全额退还。',
    remedy: { type: 'loss-reimbursement', amount: CNY(500_000) },
    decidedBy: 'investigator-7',
  },
  'complaint.supplemented@v1': {
    ticketNumber: 'CMP-20261120-00000042-7',
    summary: '补充：扣款时间为11月20日 10:32。',
    attachmentCount: 1,
  },
  'complaint.amended@v1': {
    ticketNumber: 'CMP-20261120-00000042-7',
    changed: ['phone', 'preferredReplyChannel'],
    preferredReplyChannel: 'email',
  },
  'complaint.amended@v2': {
    ticketNumber: 'CMP-20261120-00000042-7',
    changed: ['postalAddress', 'preferredReplyChannel'],
    preferredReplyChannel: 'letter',
    replyTo: 'v2:k1:' + 'A'.repeat(80) + ':' + 'B'.repeat(16) + ':' + 'C'.repeat(22) + ':' + 'D'.repeat(40),
  },
  'complaint.withdrawn@v1': {
    ticketNumber: 'CMP-20261120-00000042-7',
    withdrawnAt: '2026-11-21T02:00:00.000Z',
    reason: '问题已自行解决',
  },
  'complaint.referral-deadline-changed@v1': {
    ticketNumber: 'CMP-20261120-00000042-7',
    body: 'nfra',
    caseNumber: 'NFRA-2026-118',
    previousDeadline: '2026-12-05T15:59:59.999Z',
    deadline: '2026-12-19T15:59:59.999Z',
    reference: '金监消保函〔2026〕88号',
    reason: SEALED,
    changedBy: 'compliance-officer-3',
  },
  'staff.action-recorded@v1': {
    actor: 'investigator-7',
    roles: ['investigator'],
    action: 'case.resolution-recorded',
    service: 'investigation',
    method: 'POST',
    route: '/v1/cases/:caseId/resolution',
    outcome: 'succeeded',
    detail: { caseId: CASE_ID, outcome: 'upheld' },
  },
  'staff.action-recorded@v2': {
    actor: 'supervisor-3',
    roles: ['investigator', 'approver'],
    action: 'case.involved-staff-recorded',
    service: 'investigation',
    method: 'PUT',
    route: '/v1/cases/:caseId/involved-staff',
    outcome: 'succeeded',
    detail: { caseId: CASE_ID, involvedStaff: 'staff-0101', removed: 'staff-0102', reason: SEALED },
  },
  'case.assigned@v1': {
    caseId: CASE_ID,
    investigator: 'staff-0042',
    assignedBy: 'system',
    method: 'workload-and-skill',
    level: 1,
    reviewRound: 0,
    excluded: [{ staffId: 'staff-0007', reason: 'complained-about' }],
  },
  'case.task-requested@v1': { caseId: CASE_ID, taskId: randomUUID(), department: 'technology', owner: null, request: '核实跨行转账在清算系统的状态', dueBy: '2026-11-25T10:00:00Z', requestedBy: 'staff-0042' },
  'case.task-requested@v2': { caseId: CASE_ID, taskId: randomUUID(), department: 'technology', owner: null, request: SEALED, dueBy: '2026-11-25T10:00:00Z', requestedBy: 'staff-0042' },
  'case.task-completed@v1': { caseId: CASE_ID, taskId: randomUUID(), department: 'technology', result: '对方行接口超时，已重发', completedBy: 'staff-0101', late: false },
  'case.task-completed@v2': { caseId: CASE_ID, taskId: randomUUID(), department: 'technology', result: SEALED, completedBy: 'staff-0101', late: false },
  'case.task-reminder@v1': { caseId: CASE_ID, taskId: randomUUID(), department: 'technology', owner: 'staff-0101', dueBy: '2026-11-25T10:00:00Z', overdue: true },
  'case.evidence-added@v1': {
    caseId: CASE_ID,
    evidenceId: randomUUID(),
    kind: 'call-recording',
    sourceSystem: 'call-centre-recorder',
    sha256: 'cd'.repeat(32),
    size: 1024,
    stored: true,
    addedBy: 'staff-0042',
  },
  'case.findings-recorded@v1': { caseId: CASE_ID, liability: 'bank', rootCause: 'system', facts: 2, recordedBy: 'staff-0042' },
  'case.resolution-proposed@v1': { caseId: CASE_ID, outcome: 'upheld', actions: ['apology', 'fee-waiver'], remedy: { type: 'fee-waiver', amount: CNY(2_500) }, proposedBy: 'staff-0042', needsApproval: false },
  'case.resolution-decided@v1': { caseId: CASE_ID, decision: 'approved', decidedBy: 'staff-0900', proposedBy: 'staff-0042', reason: null },
  'case.resolution-decided@v2': { caseId: CASE_ID, decision: 'rejected', decidedBy: 'staff-0900', proposedBy: 'staff-0042', reason: SEALED },
  'case.extension-requested@v1': { caseId: CASE_ID, requestId: randomUUID(), toPeriod: 'complex', reason: '需对方行配合核查', requestedBy: 'staff-0042' },
  'case.extension-requested@v2': { caseId: CASE_ID, requestId: randomUUID(), toPeriod: 'complex', reason: SEALED, requestedBy: 'staff-0042' },
  'case.extension-decided@v1': {
    caseId: CASE_ID,
    requestId: randomUUID(),
    toPeriod: 'complex',
    decision: 'approved',
    decidedBy: 'staff-0900',
    requestedBy: 'staff-0042',
    seniorApproval: false,
    reason: '需对方行配合核查',
  },
  'case.extension-decided@v2': { caseId: CASE_ID, requestId: randomUUID(), toPeriod: 'complex', decision: 'approved', decidedBy: 'staff-0900', requestedBy: 'staff-0042', seniorApproval: false, reason: SEALED },
  'case.response-issued@v1': {
    caseId: CASE_ID,
    ticketNumber: 'CMP-20261120-00000042-7',
    reviewRound: 0,
    outcome: 'upheld',
    explanation: '经核查，转账因系统故障滞留，已退回并免除手续费。',
    liability: 'bank',
    rootCause: 'system',
    actions: ['correction', 'apology', 'fee-waiver'],
    remedy: { type: 'fee-waiver', amount: CNY(2_500) },
    decidedBy: 'staff-0042',
    approvedBy: null,
    issuedAt: '2026-11-22T02:00:00.000Z',
    rights: { reviewBy: '2026-12-22T15:59:59.999Z', escalateTo: [{ body: 'NFRA', contact: '12378', within: null }] },
  },
  'case.response-issued@v2': {
    caseId: CASE_ID,
    ticketNumber: 'CMP-20261120-00000042-7',
    reviewRound: 0,
    outcome: 'upheld',
    explanation: 'v2:k1:' + 'A'.repeat(80) + ':' + 'B'.repeat(16) + ':' + 'C'.repeat(22) + ':' + 'D'.repeat(120),
    liability: 'bank',
    rootCause: 'system',
    actions: ['correction', 'apology', 'fee-waiver'],
    remedy: { type: 'fee-waiver', amount: CNY(2_500) },
    decidedBy: 'staff-0042',
    approvedBy: null,
    issuedAt: '2026-11-22T02:00:00.000Z',
    rights: { reviewBy: '2026-12-22T15:59:59.999Z', escalateTo: [{ body: 'NFRA', contact: '12378', within: null }] },
  },
  'case.escalated@v1': { caseId: CASE_ID, level: 2, reason: '客户情绪激动，涉及老年客户', escalatedBy: 'staff-0042' },
  'case.escalated@v2': { caseId: CASE_ID, level: 2, reason: SEALED, escalatedBy: 'staff-0042' },
  'case.review-requested@v1': { caseId: CASE_ID, reviewRound: 1, level: 2, reason: '客户不认可答复', loggedBy: 'staff-0042' },
  'case.review-requested@v2': { caseId: CASE_ID, reviewRound: 1, level: 2, reason: SEALED, loggedBy: 'staff-0042' },
  'case.reopened@v1': { caseId: CASE_ID, reason: '发现新事实', reopenedBy: 'staff-0900' },
  'case.reopened@v2': { caseId: CASE_ID, reason: SEALED, reopenedBy: 'staff-0900' },
  'case.closed@v1': { caseId: CASE_ID, reason: '回访满意', closedBy: 'staff-0042' },
  'case.closed@v2': { caseId: CASE_ID, reason: SEALED, closedBy: 'staff-0042' },
  'improvement.action-raised@v1': {
    actionId: randomUUID(),
    sourceCaseId: CASE_ID,
    rootCause: 'people',
    department: 'hotline',
    measure: '开展老年客户服务话术培训',
    dueBy: '2027-01-31T15:59:59.999Z',
    raisedBy: 'staff-0042',
  },
  'improvement.action-raised@v2': { actionId: randomUUID(), sourceCaseId: CASE_ID, rootCause: 'people', department: 'hotline', measure: SEALED, dueBy: '2027-01-31T15:59:59.999Z', raisedBy: 'staff-0042' },
  'improvement.action-updated@v1': { actionId: randomUUID(), status: 'effective', note: '培训后三个月无同类投诉', updatedBy: 'staff-0900' },
  'improvement.action-updated@v2': { actionId: randomUUID(), status: 'in-progress', note: null, updatedBy: 'staff-0900' },
  'improvement.complaint-linked@v1': { actionId: randomUUID(), caseId: CASE_ID, linkedBy: 'staff-0042' },
  'remedy.proposed@v1': {
    remedyId: randomUUID(),
    caseId: CASE_ID,
    type: 'loss-reimbursement',
    amount: CNY(500_000),
  },
  'remedy.approved@v1': { remedyId: randomUUID(), caseId: CASE_ID, type: 'loss-reimbursement', amount: CNY(500_000), route: 'four-eyes', approvedBy: ['staff-0300', 'staff-0301'] },
  'remedy.rejected@v1': { remedyId: randomUUID(), caseId: CASE_ID, amount: CNY(60_000), reason: '超出产品补偿目录上限', rejectedBy: 'staff-0300' },
  'remedy.rejected@v2': { remedyId: randomUUID(), caseId: CASE_ID, amount: CNY(60_000), reason: SEALED, rejectedBy: 'staff-0300' },
  'remedy.paid@v1': {
    remedyId: randomUUID(),
    caseId: CASE_ID,
    payoutId: randomUUID(),
    type: 'fee-waiver',
    amount: CNY(2_000),
    coreReference: 'CB7F3A9E01D2C4B5A6',
    paidAt: '2026-11-20T02:00:00.000Z',
  },
  'remedy.payout-failed@v1': { remedyId: randomUUID(), caseId: CASE_ID, payoutId: randomUUID(), amount: CNY(3_500), reason: 'account closed', attempts: 1 },
  'remedy.reversed@v1': { remedyId: randomUUID(), caseId: CASE_ID, payoutId: randomUUID(), amount: CNY(5_000), reason: '重复补偿', reversedBy: 'staff-0300', coreReference: 'CB00AA11BB22CC33DD' },
  'remedy.reversed@v2': { remedyId: randomUUID(), caseId: CASE_ID, payoutId: randomUUID(), amount: CNY(5_000), reason: SEALED, reversedBy: 'staff-0300', coreReference: 'CB00AA11BB22CC33DD' },
  'remedy.withdrawn@v1': { remedyId: randomUUID(), caseId: CASE_ID, amount: CNY(5_000), cause: 'case-reopened', reason: '客户补充了新的交易流水', withdrawnBy: 'staff-0300' },
  'remedy.withdrawn@v2': { remedyId: randomUUID(), caseId: CASE_ID, amount: CNY(5_000), cause: 'case-reopened', reason: SEALED, withdrawnBy: 'staff-0300' },
  'notification.delivery-updated@v1': { messageId: randomUUID(), kind: 'final-response', channel: 'sms', status: 'bounced', reason: 'number not in service' },
  'survey.answered@v1': { surveyId: randomUUID(), caseId: CASE_ID, score: 2, comment: 'v1:k1:abc:def', via: 'sms', answeredAt: '2026-12-01T02:00:00.000Z' },
  'survey.review-opened@v1': { surveyId: randomUUID(), caseId: CASE_ID, score: 2, threshold: 2 },
  'notification.sent@v1': {
    messageId: randomUUID(),
    kind: 'final-response',
    channel: 'sms',
    template: 'final-response.zh-CN',
    language: 'zh-CN',
  },
  'dossier.sealed@v1': {
    dossierId: randomUUID(),
    ticketNumber: 'CMP-20261120-00000042-7',
    entries: 6,
    lastEntrySeq: 118,
    dossierHash: 'ab'.repeat(32),
  },
};

function envelopeFor(type: string, version: number, payload: unknown): Record<string, unknown> {
  return {
    eventId: randomUUID(),
    type,
    version,
    occurredAt: '2026-11-20T01:30:00.000Z',
    complaintId: randomUUID(),
    correlationId: 'req-8f2c',
    causationId: null,
    producer: 'intake',
    payload,
  };
}

const sampleEnvelope = (pattern = 'complaint.received@v1') => {
  const def = allEventDefinitions().find((d) => d.pattern === pattern)!;
  return envelopeFor(def.type, def.version, structuredClone(SAMPLE_PAYLOADS[pattern]));
};

function rejection(result: DecodeResult) {
  if (result.ok) throw new Error('expected a rejection, got an accepted envelope');
  return result;
}

describe('validateEnvelope — valid envelopes', () => {
  it('samples_existForExactlyTheDefinedEvents', () => {
    expect(Object.keys(SAMPLE_PAYLOADS).sort()).toEqual(allEventDefinitions().map((d) => d.pattern).sort());
  });

  it.each(allEventDefinitions().map((d) => [d.pattern, d] as const))(
    'validateEnvelope_validSample_%s_isAcceptedWithItsDefinition',
    (pattern, def) => {
      const candidate = envelopeFor(def.type, def.version, SAMPLE_PAYLOADS[pattern]);
      const result = validateEnvelope(candidate);
      expect(result).toEqual({ ok: true, envelope: candidate, definition: def });
    },
  );

  it.each(allEventDefinitions().map((d) => [d.pattern, d] as const))(
    'decodeEnvelope_validSample_%s_asJsonBytes_isAccepted',
    (pattern, def) => {
      const candidate = envelopeFor(def.type, def.version, SAMPLE_PAYLOADS[pattern]);
      const result = decodeEnvelope(Buffer.from(JSON.stringify(candidate), 'utf8'));
      expect(result.ok).toBe(true);
      if (result.ok) {
        expect(result.envelope).toEqual(candidate);
        expect(result.definition.pattern).toBe(pattern);
      }
    },
  );

  it('decodeEnvelope_acceptsAStringAsWellAsBytes', () => {
    expect(decodeEnvelope(JSON.stringify(sampleEnvelope())).ok).toBe(true);
  });

  it('validateEnvelope_causationIdMayBeSet_andOccurredAtMayCarryAnOffset', () => {
    const env = { ...sampleEnvelope(), causationId: randomUUID(), occurredAt: '2026-11-20T09:30:00+08:00' };
    expect(validateEnvelope(env).ok).toBe(true);
  });

  it('validateEnvelope_replyTo_mustBeSealed_neverContactDetailsInClear', () => {
    const sealed = sampleEnvelope();
    (sealed.payload as Record<string, unknown>).replyTo = 'v2:k1:' + 'A'.repeat(80) + ':' + 'B'.repeat(16) + ':' + 'C'.repeat(22) + ':' + 'D'.repeat(40);
    expect(validateEnvelope(sealed).ok).toBe(true);
    const clear = sampleEnvelope();
    (clear.payload as Record<string, unknown>).replyTo = JSON.stringify({ phone: '13800138000', email: 'wang@example.com' });
    expect(validateEnvelope(clear).ok).toBe(false);
  });

  it('validateEnvelope_responseIssuedV2_explanationMustBeSealed_whileV1StillReadsItInClear', () => {
    const clearText = '王先生您好，您尾号6222021234567890的账户……我行已致电13900001111';
    const v2 = sampleEnvelope('case.response-issued@v2');
    (v2.payload as Record<string, unknown>).explanation = clearText;
    expect(rejection(validateEnvelope(v2))).toMatchObject({ reason: 'invalid-payload', detail: expect.stringContaining('explanation') });
    const v1 = sampleEnvelope('case.response-issued@v1');
    (v1.payload as Record<string, unknown>).explanation = clearText;
    expect(validateEnvelope(v1).ok).toBe(true);
  });

  it.each([
    ['case.task-requested', 'request'],
    ['case.task-completed', 'result'],
    ['case.resolution-decided', 'reason'],
    ['case.extension-requested', 'reason'],
    ['case.extension-decided', 'reason'],
    ['case.escalated', 'reason'],
    ['case.review-requested', 'reason'],
    ['case.reopened', 'reason'],
    ['case.closed', 'reason'],
    ['improvement.action-raised', 'measure'],
    ['improvement.action-updated', 'note'],
    ['remedy.rejected', 'reason'],
    ['remedy.reversed', 'reason'],
    ['remedy.withdrawn', 'reason'],
    ['complaint.retriaged', 'reason'],
  ])('validateEnvelope_%s_v2_refusesStaffTextInClear_whileV1StillReadsIt (%s)', (type, field) => {
    const clearText = '王先生来电称尾号7890的账户被扣费';
    const v2 = sampleEnvelope(`${type}@v2`);
    (v2.payload as Record<string, unknown>)[field] = clearText;
    expect(rejection(validateEnvelope(v2))).toMatchObject({ reason: 'invalid-payload', detail: expect.stringContaining(field) });
    (v2.payload as Record<string, unknown>)[field] = SEALED;
    expect(validateEnvelope(v2).ok).toBe(true);
    const v1 = sampleEnvelope(`${type}@v1`);
    (v1.payload as Record<string, unknown>)[field] = clearText;
    expect(validateEnvelope(v1).ok).toBe(true);
  });

  it('validateEnvelope_staffActionV2_refusesFreeTextDetailsInClear_keepsCodesInClear_whileV1StillReadsThem', () => {
    const clearText = '王先生的邻居，来电 13900001111';
    const v2 = sampleEnvelope('staff.action-recorded@v2');
    const detail = (v2.payload as { detail: Record<string, string> }).detail;
    detail.reason = clearText;
    expect(rejection(validateEnvelope(v2))).toMatchObject({ reason: 'invalid-payload', detail: expect.stringMatching(/reason.*must travel sealed/) });
    // Deny by default: a detail no one has listed as a code is free text.
    detail.reason = SEALED;
    detail.newlyAdded = 'staff-0101';
    expect(rejection(validateEnvelope(v2))).toMatchObject({ reason: 'invalid-payload', detail: expect.stringContaining('newlyAdded') });
    delete detail.newlyAdded;
    expect(validateEnvelope(v2).ok).toBe(true);
    // Codes stay in clear, within v1's 500 characters; a sealed reason may hold 2,000.
    detail.caseId = 'x'.repeat(501);
    expect(rejection(validateEnvelope(v2))).toMatchObject({ reason: 'invalid-payload', detail: expect.stringContaining('caseId') });
    detail.caseId = CASE_ID;
    detail.reason = 'v2:k1:' + 'A'.repeat(80) + ':' + 'B'.repeat(16) + ':' + 'C'.repeat(22) + ':' + 'D'.repeat(8000);
    expect(validateEnvelope(v2).ok).toBe(true);
    detail.reason = 'v2:k1:' + 'A'.repeat(80) + ':' + 'B'.repeat(16) + ':' + 'C'.repeat(22) + ':' + 'D'.repeat(8100);
    expect(rejection(validateEnvelope(v2))).toMatchObject({ reason: 'invalid-payload', detail: expect.stringContaining('reason') });
    const v1 = sampleEnvelope('staff.action-recorded@v1');
    (v1.payload as { detail: Record<string, string> }).detail.reason = clearText;
    expect(validateEnvelope(v1).ok).toBe(true);
  });

  it('validateEnvelope_clockChangedV3_staffReasonMustBeSealed', () => {
    const v3 = sampleEnvelope('deadline.clock-changed@v3');
    (v3.payload as Record<string, unknown>).staffReason = '王先生要求等对方行回复';
    expect(rejection(validateEnvelope(v3))).toMatchObject({ reason: 'invalid-payload', detail: expect.stringContaining('staffReason') });
    (v3.payload as Record<string, unknown>).staffReason = null;
    expect(validateEnvelope(v3).ok).toBe(true);
  });

  it('validateEnvelope_referralDeadlineChanged_refusesTheOfficersReasonInClear', () => {
    const changed = sampleEnvelope('complaint.referral-deadline-changed@v1');
    (changed.payload as Record<string, unknown>).reason = '王先生同意等待监管回复';
    expect(rejection(validateEnvelope(changed))).toMatchObject({ reason: 'invalid-payload', detail: expect.stringContaining('reason') });
    (changed.payload as Record<string, unknown>).reason = SEALED;
    (changed.payload as Record<string, unknown>).deadline = '2026-12-19';
    expect(rejection(validateEnvelope(changed))).toMatchObject({ reason: 'invalid-payload', detail: expect.stringContaining('deadline') });
  });

  it('validateEnvelope_amendedPostalAddress_onlyFromV2', () => {
    const v2 = sampleEnvelope('complaint.amended@v2');
    expect(validateEnvelope(v2).ok).toBe(true);
    const v1 = { ...sampleEnvelope('complaint.amended@v1'), payload: v2.payload };
    expect(rejection(validateEnvelope(v1))).toMatchObject({ reason: 'invalid-payload', detail: expect.stringContaining('changed') });
  });

  it('validateEnvelope_clockChangedReferralBound_onlyFromV2_soNoConsumerOfV1MeetsAChangeItCannotRead', () => {
    const v2 = sampleEnvelope('deadline.clock-changed@v2');
    expect(validateEnvelope(v2).ok).toBe(true);
    const v1 = { ...sampleEnvelope('deadline.clock-changed@v1'), payload: v2.payload };
    expect(rejection(validateEnvelope(v1))).toMatchObject({ reason: 'invalid-payload', detail: expect.stringContaining('change') });
  });

  it('validateEnvelope_responseIssuedV2_holdsTheLongestExplanationSealed', () => {
    // 4,000 Chinese characters are 12,000 bytes of UTF-8: 16,000 base64url characters sealed.
    const sealed = 'v2:k1:' + 'A'.repeat(80) + ':' + 'B'.repeat(16) + ':' + 'C'.repeat(22) + ':' + 'D'.repeat(16_000);
    const env = sampleEnvelope('case.response-issued@v2');
    (env.payload as Record<string, unknown>).explanation = sealed;
    expect(validateEnvelope(env).ok).toBe(true);
  });

  it('validateEnvelope_nullableMoney_mayBeNull', () => {
    const env = sampleEnvelope();
    (env.payload as Record<string, unknown>).amountInDispute = null;
    expect(validateEnvelope(env).ok).toBe(true);
  });
});

describe('decodeEnvelope — malformed JSON', () => {
  it.each([
    ['truncated object', '{"eventId":'],
    ['not json', 'complaint.received'],
    ['empty string', ''],
    ['single quotes', "{'type':'complaint.received'}"],
  ])('decodeEnvelope_%s_isMalformedJson', (_label, raw) => {
    const r = rejection(decodeEnvelope(raw));
    expect(r.reason).toBe('malformed-json');
    expect(r.detail.length).toBeGreaterThan(0);
  });

  it('decodeEnvelope_nullRecordValue_isMalformedJson', () => {
    expect(decodeEnvelope(null)).toEqual({ ok: false, reason: 'malformed-json', detail: 'empty record value' });
  });

  it('decodeEnvelope_bytesThatAreNotJson_isMalformedJson', () => {
    expect(rejection(decodeEnvelope(Buffer.from([0xff, 0xfe, 0x00]))).reason).toBe('malformed-json');
  });

  it.each([
    ['a number', '42'],
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"hello"'],
  ])('decodeEnvelope_jsonThatIsNotAnObject_%s_isAnInvalidEnvelope', (_label, raw) => {
    const r = rejection(decodeEnvelope(raw));
    expect(r.reason).toBe('invalid-envelope');
    expect(r.detail).toMatch(/^\(root\): /);
  });
});

describe('validateEnvelope — envelope fields', () => {
  const REQUIRED = ['eventId', 'type', 'version', 'occurredAt', 'complaintId', 'correlationId', 'causationId', 'producer'];

  it.each(REQUIRED)('validateEnvelope_missing_%s_isAnInvalidEnvelopeNamingTheField', (field) => {
    const env = sampleEnvelope();
    delete env[field];
    const r = rejection(validateEnvelope(env));
    expect(r.reason).toBe('invalid-envelope');
    expect(r.detail).toMatch(new RegExp(`(^|; )${field}: `));
  });

  it('validateEnvelope_missingPayload_isRejected', () => {
    const env = sampleEnvelope();
    delete env.payload;
    expect(validateEnvelope(env).ok).toBe(false);
  });

  // Minor: `payload: z.unknown()` accepts a missing key, so an envelope without a payload is
  // reported as 'invalid-payload' ("(root): Required") rather than as an invalid envelope.
  it('validateEnvelope_missingPayload_isAnInvalidEnvelopeNamingPayload', () => {
    const env = sampleEnvelope();
    delete env.payload;
    const r = rejection(validateEnvelope(env));
    expect(r.reason).toBe('invalid-envelope');
    expect(r.detail).toMatch(/payload/);
  });

  it('validateEnvelope_extraEnvelopeField_isRejected_strict', () => {
    const r = rejection(validateEnvelope({ ...sampleEnvelope(), partition: 3 }));
    expect(r.reason).toBe('invalid-envelope');
    expect(r.detail).toContain("'partition'");
  });

  it.each([
    ['eventId', 'not a uuid', 'not-a-uuid'],
    ['complaintId', 'a number', 12345],
    ['version', 'zero', 0],
    ['version', 'a fraction', 1.5],
    ['version', 'a string', '1'],
    ['type', 'empty', ''],
    ['occurredAt', 'without zone', '2026-11-20 09:30'],
    ['occurredAt', 'not a date', 'yesterday'],
    ['correlationId', 'empty', ''],
    ['correlationId', '201 characters long', 'x'.repeat(201)],
    ['causationId', 'empty', ''],
    ['producer', 'empty', ''],
  ])('validateEnvelope_%s_%s_isAnInvalidEnvelope', (field, _label, value) => {
    const r = rejection(validateEnvelope({ ...sampleEnvelope(), [field]: value }));
    expect(r.reason).toBe('invalid-envelope');
    expect(r.detail).toMatch(new RegExp(`^${field}: `));
  });
});

describe('validateEnvelope — unknown events', () => {
  it('validateEnvelope_unknownType_isAnUnknownEvent', () => {
    const r = rejection(validateEnvelope(envelopeFor('complaint.teleported', 1, {})));
    expect(r).toEqual({ ok: false, reason: 'unknown-event', detail: 'no schema for complaint.teleported version 1' });
  });

  it('validateEnvelope_knownTypeWithUnknownVersion_isAnUnknownEvent', () => {
    const env = { ...sampleEnvelope(), version: 2 };
    const r = rejection(validateEnvelope(env));
    expect(r).toEqual({ ok: false, reason: 'unknown-event', detail: 'no schema for complaint.received version 2' });
  });
});

describe('validateEnvelope — payloads', () => {
  it('validateEnvelope_missingPayloadField_namesTheField', () => {
    const env = sampleEnvelope();
    delete (env.payload as Record<string, unknown>).ticketNumber;
    const r = rejection(validateEnvelope(env));
    expect(r.reason).toBe('invalid-payload');
    expect(r.detail).toMatch(/^ticketNumber: /);
  });

  it('validateEnvelope_extraPayloadField_isRejected_strict', () => {
    const env = sampleEnvelope();
    (env.payload as Record<string, unknown>).customerName = '张三';
    const r = rejection(validateEnvelope(env));
    expect(r.reason).toBe('invalid-payload');
    expect(r.detail).toMatch(/^\(root\): .*'customerName'/);
  });

  it('validateEnvelope_invalidEnumValue_namesTheField', () => {
    const env = sampleEnvelope();
    (env.payload as Record<string, unknown>).channel = 'fax';
    const r = rejection(validateEnvelope(env));
    expect(r.reason).toBe('invalid-payload');
    expect(r.detail).toMatch(/^channel: /);
  });

  it('validateEnvelope_invalidArrayElement_namesItsIndex', () => {
    const env = sampleEnvelope('complaint.triaged@v1');
    (env.payload as Record<string, unknown>).reasons = ['ok', 42];
    const r = rejection(validateEnvelope(env));
    expect(r.reason).toBe('invalid-payload');
    expect(r.detail).toMatch(/^reasons\.1: /);
  });

  it('validateEnvelope_severalProblems_areAllListed', () => {
    const env = sampleEnvelope();
    Object.assign(env.payload as Record<string, unknown>, { language: 'fr', regime: 'eu-eba' });
    const r = rejection(validateEnvelope(env));
    expect(r.detail.split('; ').map((p) => p.split(':')[0]).sort()).toEqual(['language', 'regime']);
  });

  it('validateEnvelope_payloadThatIsNotAnObject_isAnInvalidPayloadAtRoot', () => {
    const r = rejection(validateEnvelope({ ...sampleEnvelope(), payload: 'hello' }));
    expect(r.reason).toBe('invalid-payload');
    expect(r.detail).toMatch(/^\(root\): /);
  });
});

describe('validateEnvelope — money', () => {
  const withAmount = (amount: unknown) => {
    const env = sampleEnvelope();
    (env.payload as Record<string, unknown>).amountInDispute = amount;
    return validateEnvelope(env);
  };

  it('money_floatAmount_isRejectedAtItsPath', () => {
    const r = rejection(withAmount({ amountMinor: 5000.5, currency: 'CNY' }));
    expect(r.reason).toBe('invalid-payload');
    expect(r.detail).toMatch(/^amountInDispute\.amountMinor: /);
  });

  it('money_amountInMajorUnitsAsAString_isRejected', () => {
    expect(rejection(withAmount({ amountMinor: '5000.00', currency: 'CNY' })).detail).toMatch(/^amountInDispute\.amountMinor: /);
  });

  it('money_lowercaseCurrency_isRejectedWithTheIsoHint', () => {
    const r = rejection(withAmount({ amountMinor: 5000, currency: 'cny' }));
    expect(r.reason).toBe('invalid-payload');
    expect(r.detail).toBe('amountInDispute.currency: ISO 4217 code, e.g. CNY');
  });

  it.each(['CN', 'CNYY', 'RMB ', '人民币', ''])('money_currency_%p_isRejected', (currency) => {
    expect(rejection(withAmount({ amountMinor: 5000, currency })).detail).toMatch(/^amountInDispute\.currency: /);
  });

  it('money_negativeAmount_isRejected', () => {
    expect(rejection(withAmount({ amountMinor: -1, currency: 'CNY' })).detail).toMatch(/^amountInDispute\.amountMinor: /);
  });

  it('money_beyondSafeIntegers_isRejected', () => {
    const r = rejection(withAmount({ amountMinor: Number.MAX_SAFE_INTEGER + 1, currency: 'CNY' }));
    expect(r.detail).toMatch(/^amountInDispute\.amountMinor: /);
    expect(withAmount({ amountMinor: Number.MAX_SAFE_INTEGER, currency: 'CNY' }).ok).toBe(true);
  });

  it('money_extraField_isRejected', () => {
    expect(rejection(withAmount({ amountMinor: 5000, currency: 'CNY', amount: 50 })).detail).toMatch(
      /^amountInDispute: .*'amount'/,
    );
  });

  it('money_nestedInARemedy_reportsTheFullPath', () => {
    const env = sampleEnvelope('case.resolved@v1');
    (env.payload as { remedy: { amount: unknown } }).remedy.amount = { amountMinor: 1.25, currency: 'cny' };
    const r = rejection(validateEnvelope(env));
    expect(r.reason).toBe('invalid-payload');
    expect([...new Set(r.detail.split('; ').map((p) => p.split(':')[0]))].sort()).toEqual([
      'remedy.amount.amountMinor',
      'remedy.amount.currency',
    ]);
  });
});

describe('catalogue', () => {
  const defs = allEventDefinitions();

  it('catalogue_everyEventDefinition_isListedExactlyOnce_underItsOwnTopic', () => {
    for (const def of defs) {
      const listings = TOPIC_CATALOGUE.filter((entry) => entry.events.includes(def.pattern));
      expect({ event: def.pattern, topics: listings.map((l) => l.topic) }).toEqual({ event: def.pattern, topics: [def.topic] });
      expect(listings[0].events.filter((e) => e === def.pattern)).toHaveLength(1);
    }
  });

  it('catalogue_listsNoEventThatIsNotDefined', () => {
    const defined = new Set(defs.map((d) => d.pattern));
    for (const entry of TOPIC_CATALOGUE) {
      for (const e of entry.events) expect({ topic: entry.topic, event: e, defined: defined.has(e) }).toEqual({ topic: entry.topic, event: e, defined: true });
    }
    expect(TOPIC_CATALOGUE.flatMap((e) => e.events)).toHaveLength(defs.length);
  });

  it('catalogue_everyTopic_appearsInTheCatalogue_exactlyOnce', () => {
    for (const topic of Object.values(TOPICS)) {
      expect({ topic, entries: TOPIC_CATALOGUE.filter((e) => e.topic === topic).length }).toEqual({ topic, entries: 1 });
    }
    expect(TOPIC_CATALOGUE).toHaveLength(Object.values(TOPICS).length);
  });

  it('catalogue_everyDefinition_patternIsTypeAtVersion_andLookupFindsIt', () => {
    expect(defs).toHaveLength(Object.keys(Events).length);
    for (const def of defs) {
      expect(def.pattern).toBe(`${def.type}@v${def.version}`);
      expect(eventKey(def.type, def.version)).toBe(def.pattern);
      expect(findEventDefinition(def.type, def.version)).toBe(def);
    }
    expect(findEventDefinition('complaint.received', 2)).toBeUndefined();
  });

  it('catalogue_topicNames_carryTheMajorVersion', () => {
    for (const topic of Object.values(TOPICS)) expect(topic).toMatch(/^complaints\.[a-z-]+\.v\d+$/);
  });
});
