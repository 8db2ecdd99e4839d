import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CaseReopened, EventEnvelope, Events } from '@complaints/contracts';
import { DEFAULT_APPROVAL_MATRIX, DEFAULT_REMEDY_CATALOGUE } from '@complaints/domain';
import type { EventContext } from '@complaints/messaging';
import { FieldCipher, type AuthenticatedRequest } from '@complaints/platform';
import type { CompensationPolicy } from '../compensation-policy';
import { RemediesController } from './remedies.controller';
import type { RemedyDesk } from './remedy-desk';
import { RemedyRecord } from './remedy.entity';

const ACCOUNT = '误付至账户 6222021234567890123';
const MASKED = '误付至账户 ***************0123';

/** A remedy carrying every staff reason a view shows, each naming an account. */
function remedyWithReasons(): RemedyRecord {
  return Object.assign(new RemedyRecord(), {
    id: '6ed6ebc0-17f0-48a4-b1ba-0c5fdfcf9cf3',
    complaintId: '2b1f3c9e-8a4d-4f0e-9c61-1d2e3f4a5b6c',
    caseId: '7c8d9e0f-1a2b-4c3d-8e5f-6a7b8c9d0e1f',
    type: 'fee-refund',
    amountMinor: '100000',
    decisionAmountMinor: null,
    currency: 'CNY',
    status: 'paid',
    route: 'single',
    proposedBy: 'inv-1',
    customerRef: 'CUST-1',
    approvals: [],
    holdReason: `hold: ${ACCOUNT}`,
    rejectionReason: `rejected: ${ACCOUNT}`,
    rejectedBy: 'apr-1',
    reversalReason: `reversal: ${ACCOUNT}`,
    reversedBy: 'apr-1',
    reversalApprovals: [],
    reversalRejection: { requestedBy: 'apr-1', requestReason: `asked: ${ACCOUNT}`, by: 'apr-2', reason: `declined: ${ACCOUNT}`, at: '2026-12-01T00:00:00.000Z' },
    withdrawalCause: 'case-reopened',
    withdrawalReason: `withdrawn: ${ACCOUNT}`,
    withdrawnBy: 'sup-1',
    caseReopenedAt: new Date('2026-12-01T00:00:00Z'),
    caseReopenReason: `reopened: ${ACCOUNT}`,
    laterDecision: null,
    proposedAt: new Date('2026-11-01T00:00:00Z'),
    approvedAt: null,
    updatedAt: null,
  });
}

/** Every staff reason of a view, in order. */
const reasonsIn = (view: ReturnType<RemediesController['approve']> extends Promise<infer V> ? V : never) => [
  view.holdReason,
  view.rejection?.reason,
  view.reversal?.reason,
  view.reversalRejection?.requestReason,
  view.reversalRejection?.reason,
  view.withdrawal?.reason,
  view.caseReopened?.reason,
];

/**
 * The answers to the steps staff take on a remedy show its staff reasons as GET does: whole to
 * roles that need personal data (investigators, compliance officers), digit runs masked to the rest.
 */
describe('RemediesController answers to staff steps', () => {
  const desk = {
    approve: async () => remedyWithReasons(),
    reject: async () => remedyWithReasons(),
    requestReversal: async () => remedyWithReasons(),
    confirmReversal: async () => remedyWithReasons(),
    rejectReversal: async () => remedyWithReasons(),
  } as unknown as RemedyDesk;
  const policy: CompensationPolicy = { catalogue: DEFAULT_REMEDY_CATALOGUE, matrix: DEFAULT_APPROVAL_MATRIX, payoutIntervalMs: 0, payoutLeaseMs: 1, payoutMaxAttempts: 1, payoutBackoffMs: 1 };
  const controller = new RemediesController({} as DataSource, desk, policy, new FieldCipher([{ id: 'k1', key: randomBytes(32) }], null));
  const id = '6ed6ebc0-17f0-48a4-b1ba-0c5fdfcf9cf3';
  const as = (roles: string[]) => ({ principal: { subject: 'staff-1', roles, approvalLimitMinor: 1_000_000 } }) as unknown as AuthenticatedRequest;
  const steps = {
    approve: (r: AuthenticatedRequest) => controller.approve(id, r),
    reject: (r: AuthenticatedRequest) => controller.reject(id, { reason: 'x' }, r),
    reverse: (r: AuthenticatedRequest) => controller.reverse(id, { reason: 'x' }, r),
    'confirm the reversal': (r: AuthenticatedRequest) => controller.confirmReversal(id, r),
    'reject the reversal': (r: AuthenticatedRequest) => controller.rejectReversal(id, { reason: 'x' }, r),
  };

  it.each(Object.entries(steps))('%s: masked for an approver, whole for a compliance officer', async (_step, step) => {
    const approver = reasonsIn(await step(as(['approver'])));
    expect(approver).toHaveLength(7);
    for (const reason of approver) expect(reason).toMatch(new RegExp(`: ${MASKED.replace(/\*/g, '\\*')}$`));
    for (const reason of reasonsIn(await step(as(['compliance-officer'])))) expect(reason).toMatch(new RegExp(`: ${ACCOUNT}$`));
  });
});

/**
 * case.reopened v1 carries the approver's reason in clear (digit runs masked by investigation), v2
 * sealed with the platform's keys: the desk is handed the words as written either way, so the
 * remedy keeps them and the withdrawal repeats them (both sealed again on their way out).
 */
describe('RemediesController on case.reopened', () => {
  const keys = new FieldCipher([{ id: 'k1', key: randomBytes(32) }], null);
  const policy: CompensationPolicy = { catalogue: DEFAULT_REMEDY_CATALOGUE, matrix: DEFAULT_APPROVAL_MATRIX, payoutIntervalMs: 0, payoutLeaseMs: 1, payoutMaxAttempts: 1, payoutBackoffMs: 1 };
  const reason = '王秀兰补充了新的交易流水，卡号 6222021234567890123';
  const handedOver: CaseReopened[] = [];
  const desk = { caseReopened: async (_m: unknown, _p: unknown, _c: string, reopening: CaseReopened) => void handedOver.push(reopening) } as unknown as RemedyDesk;
  const controller = new RemediesController({} as DataSource, desk, policy, keys);
  const ctx = { manager: {}, publish: async () => undefined } as unknown as EventContext;
  const envelope = (version: number, payloadReason: string): EventEnvelope<CaseReopened> => ({
    eventId: '0b7d1f4e-6c1a-4e55-9d8a-1f2e3d4c5b6a',
    type: Events.CaseReopened.type,
    version,
    occurredAt: '2026-12-07T10:00:00.000Z',
    complaintId: '2b1f3c9e-8a4d-4f0e-9c61-1d2e3f4a5b6c',
    correlationId: 'c-1',
    causationId: null,
    producer: 'investigation',
    payload: { caseId: '7c8d9e0f-1a2b-4c3d-8e5f-6a7b8c9d0e1f', reason: payloadReason, reopenedBy: 'sup-1' },
  });
  beforeEach(() => handedOver.splice(0));

  it('v2_opensTheSealedReason_andHandsTheDeskTheWordsAsWritten', async () => {
    await controller.onCaseReopened(envelope(Events.CaseReopened.version, keys.encrypt(reason)), ctx);
    expect(handedOver).toEqual([{ caseId: '7c8d9e0f-1a2b-4c3d-8e5f-6a7b8c9d0e1f', reason, reopenedBy: 'sup-1' }]);
  });

  it('v1_handsTheDeskItsClearReasonAsItArrived', async () => {
    const masked = '王秀兰补充了新的交易流水，卡号 ***************0123';
    await controller.onCaseReopened(envelope(Events.CaseReopenedV1.version, masked), ctx);
    expect(handedOver.map((r) => r.reason)).toEqual([masked]);
  });

  it('v2_whoseReasonDoesNotOpen_failsTheHandler_ratherThanStoringItUnreadable', async () => {
    const foreign = new FieldCipher([{ id: 'k9', key: randomBytes(32) }], null);
    await expect(controller.onCaseReopened(envelope(Events.CaseReopened.version, foreign.encrypt(reason)), ctx)).rejects.toThrow(/encryption key k9 is not configured/);
    expect(handedOver).toEqual([]);
  });
});
