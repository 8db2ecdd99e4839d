import type { DataSource } from 'typeorm';
import { DEFAULT_APPROVAL_MATRIX, DEFAULT_REMEDY_CATALOGUE } from '@complaints/domain';
import type { AuthenticatedRequest } from '@complaints/platform';
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
  const controller = new RemediesController({} as DataSource, desk, policy);
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
