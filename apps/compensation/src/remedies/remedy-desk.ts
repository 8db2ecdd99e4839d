import { Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { CaseReopened, EventDefinition, EventPayload, Events, REMEDY_TYPES, REMEDY_WITHDRAWAL_CAUSES } from '@complaints/contracts';
import {
  allowedRemedyActions,
  approvalRouteFor,
  approveRemedy,
  catalogueRefusal,
  customerCapRefusal,
  decisionOf,
  formatMoney,
  GRANTED_REMEDY_STATUSES,
  isGranted,
  Money,
  moveRemedy,
  reopeningEffect,
  RemedyAction,
  RemedyApprovalError,
  RemedyApprover,
  RemedyRevision,
  RemedyToApprove,
  RemedyToReverse,
  RemedyTransitionError,
  reverseRemedy,
  reviseRemedy,
} from '@complaints/domain';
import { currentCorrelation, OutboxPublisher } from '@complaints/messaging';
import { AuthenticatedRequest, FieldCipher, Principal, ProblemException, StaffAuditTrail } from '@complaints/platform';
import { COMPENSATION_POLICY, CompensationPolicy } from '../compensation-policy';
import { LaterDecisionRecord, RemedyApprovalRecord, RemedyRecord } from './remedy.entity';
import { FIELD_CIPHER } from './sealed-remedy-text';

type RemedyType = (typeof REMEDY_TYPES)[number];
type WithdrawalCause = (typeof REMEDY_WITHDRAWAL_CAUSES)[number];

/** A decision the customer received on the case: the first, a review's (核查), or the one after a reopening. */
export interface IssuedDecision {
  complaintId: string;
  caseId: string;
  remedy: { type: RemedyType; amount: Money } | null;
  decidedBy: string;
  reviewRound: number;
  /** When investigation issued it: within a round, a decision after a reopening is the later one. */
  issuedAt: string;
  correlationId: string;
}
type Publish = <D extends EventDefinition>(definition: D, payload: EventPayload<D>) => Promise<unknown>;
/**
 * Takes the customer's cap lock (`customerCapLockKey`) for the rest of the transaction. An event
 * handler passes `EventContext.lockFor`, which never waits while its batch holds another lock; a
 * request takes it with `lockCustomerCap`.
 */
export type CustomerCapLock = (customerRef: string) => Promise<void>;

const UNKNOWN_CUSTOMER = 'the complaint’s customer is not known to compensation yet';

/** Who stands behind a refusal the rules made rather than a person. */
export const CATALOGUE_POLICY = 'remedy-catalogue';

const STATUS_OF: Record<string, number> = {
  'no-matrix': 422,
  'not-an-approver': 403,
  'over-limit': 403,
  'proposer-cannot-approve': 403,
  'already-approved': 409,
  'over-customer-cap': 422,
  'requester-cannot-confirm': 403,
  'payout-party-cannot-confirm': 403,
  'reversal-refused-before': 409,
};

export function approvalProblem(e: RemedyApprovalError): ProblemException {
  return new ProblemException({
    type: `https://complaints.example/problems/remedy-${e.code}`,
    title: e.code === 'reversal-refused-before' ? 'The payout is not reversed again' : 'The approval rules refuse this',
    status: STATUS_OF[e.code] ?? 422,
    detail: e.message,
    code: e.code,
  });
}

export function transitionProblem(e: RemedyTransitionError): ProblemException {
  return new ProblemException({
    type: 'https://complaints.example/problems/remedy-not-allowed-in-status',
    title: 'Not possible in the remedy’s current status',
    status: 409,
    detail: e.message,
    remedyStatus: e.status,
    action: e.action,
    allowed: e.allowed,
  });
}

/**
 * The advisory lock that serialises the decisions counting against one customer's cap (see
 * `grantedInPeriod`). Hashed with `hashtext` like `EventContext.lockFor`, so a request and an event
 * handler contend for the same lock; a hash collision only serialises two customers needlessly.
 */
export const customerCapLockKey = (customerRef: string) => `remedy-cap:${customerRef}`;

/** Transaction-scoped: released at commit or rollback, never held across requests. */
export function lockCustomerCap(manager: EntityManager): CustomerCapLock {
  return async (customerRef) => {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [customerCapLockKey(customerRef)]);
  };
}

export const moneyOf = (r: RemedyRecord) => ({ amountMinor: Number(r.amountMinor), currency: r.currency });

/**
 * The caller as the approval rules see them, for approving and for reversing alike. Without the
 * `approvalLimitMinor` claim the token states no authority: it approves (or takes back) no money,
 * as in investigation, rather than the whole of its role's limit (an identity provider that forgot
 * the claim must not widen anyone's). The claim is read once, by the token verifier.
 */
const approverOf = (principal: Principal): RemedyApprover => ({ subject: principal.subject, roles: principal.roles, limitMinor: principal.approvalLimitMinor ?? 0 });

const approvalRecordOf = (principal: Principal, at: Date): RemedyApprovalRecord => ({ approver: principal.subject, roles: [...principal.roles], at: at.toISOString() });

/** What the approval rules weigh: the new money, and on a top-up the whole decision it completes. */
const toApprove = (r: RemedyRecord): Pick<RemedyToApprove, 'amount' | 'decisionMinor'> => ({
  amount: moneyOf(r),
  decisionMinor: r.decisionAmountMinor === null ? undefined : Number(r.decisionAmountMinor),
});

const decisionName = (d: IssuedDecision) => (d.reviewRound > 0 ? `the review decision (round ${d.reviewRound})` : 'the decision');

/** Why a later decision paid nothing more, in the words staff read on the remedy and the archive on the event. */
function laterDecisionNote(d: IssuedDecision, revision: Exclude<RemedyRevision, { kind: 'grant' }>): string {
  const decided = d.remedy ? `grants ${formatMoney(d.remedy.amount)}` : 'grants no remedy';
  switch (revision.kind) {
    case 'unchanged':
      return d.remedy ? `${decisionName(d)} ${decided}, what the case’s remedies already granted` : `${decisionName(d)} ${decided}`;
    case 'not-clawed-back':
      return `${decisionName(d)} ${decided}, less than the ${formatMoney(revision.granted)} already granted: the bank does not claw back the ${formatMoney(revision.difference)}`;
    case 'other-currency':
      return `${decisionName(d)} ${decided}, but the case’s remedies were granted as ${revision.granted.map(formatMoney).join(' and ')}: nothing more is paid until a person compares them`;
  }
}

/**
 * Every change to a remedy: the row is locked (after the customer's cap lock when the change can
 * count against the cap), the domain decides (catalogue, approval matrix,
 * cap, lifecycle), and the new status, the payout instruction, the events and the staff audit
 * commit together. A refusal writes nothing.
 */
@Injectable()
export class RemedyDesk {
  private readonly logger = new Logger('RemedyDesk');

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    private readonly audit: StaffAuditTrail,
    @Inject(COMPENSATION_POLICY) private readonly policy: CompensationPolicy,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  /**
   * A reason on its way into a remedy event (remedy.rejected, remedy.withdrawn@v2): sealed with the
   * platform's PII keys, whole. Staff write the customer's name as often as their numbers, and no
   * mask finds a name; the archive opens it on the way in.
   */
  private sealedForEvent(text: string): string {
    return this.cipher.encrypt(text);
  }

  /**
   * A decision issued on the case, weighed against what the case's remedies already granted
   * (`reviseRemedy`). What it adds is proposed: the catalogue refuses what it does not allow, and an
   * amount within the automatic limit and the customer's cap is approved at once and its payout
   * queued. A proposal still waiting is amended to the new decision, or withdrawn when the decision
   * adds nothing; what was paid is never taken back, and a lower decision is noted for staff.
   * A decision older than the case’s latest one acted on changes nothing (`recordAsLatest`).
   */
  async decisionIssued(manager: EntityManager, publish: Publish, lockCustomer: CustomerCapLock, decision: IssuedDecision, now: Date): Promise<RemedyRecord | null> {
    const { complaintId, caseId, decidedBy } = decision;
    if (!(await this.recordAsLatest(manager, decision, now))) return null;
    // Most decisions without a remedy are on cases that never had one: those take no lock.
    if (!decision.remedy && !(await manager.exists(RemedyRecord, { where: { caseId } }))) return null;
    const customer: { customer_ref: string }[] = await manager.query(`SELECT customer_ref FROM complaint_customers WHERE complaint_id = $1`, [complaintId]);
    const customerRef = customer[0]?.customer_ref ?? null;
    // The customer's cap lock before the remedies' rows: the order every path keeps (see grantedInPeriod).
    if (customerRef) await lockCustomer(customerRef);
    const onCase = await manager.find(RemedyRecord, { where: { caseId }, order: { proposedAt: 'ASC' }, lock: { mode: 'pessimistic_write' } });
    const waiting = onCase.find((r) => r.status === 'proposed') ?? null;
    const standing = onCase.filter((r) => isGranted(r.status));
    const revision = reviseRemedy(decision.remedy?.amount ?? null, standing.map(moneyOf));

    if (revision.kind !== 'grant') {
      const note = laterDecisionNote(decision, revision);
      if (waiting) await this.withdraw(manager, publish, waiting, { cause: 'later-decision', reason: note, by: decidedBy }, now);
      const latest = standing[standing.length - 1];
      if (latest && revision.kind !== 'unchanged') await this.noteLaterDecision(manager, latest, decision, revision, note, now);
      return null;
    }

    const { type, amount: decided } = decision.remedy!;
    const topUp = revision.grantedBefore.amountMinor > 0;
    const terms = {
      type,
      amountMinor: String(revision.amount.amountMinor),
      currency: revision.amount.currency,
      decisionAmountMinor: topUp ? String(decided.amountMinor) : null,
    };
    let remedy: RemedyRecord;
    if (waiting) {
      // A review (核查) issues the decision again: the same remedy is not proposed, let alone paid, twice.
      const same = (Object.keys(terms) as (keyof typeof terms)[]).every((k) => waiting[k] === terms[k]);
      if (same) return null;
      // The later decision changed what waits for approval: the proposal is amended in place and approved afresh.
      moveRemedy(waiting.status, 'amend');
      Object.assign(waiting, { ...terms, proposedBy: decidedBy, approvals: [], holdReason: null, updatedAt: now });
      remedy = waiting;
    } else {
      remedy = manager.create(RemedyRecord, {
        id: randomUUID(),
        complaintId,
        caseId,
        ...terms,
        status: 'proposed',
        route: null,
        proposedBy: decidedBy,
        customerRef,
        approvals: [],
        holdReason: null,
        rejectionReason: null,
        rejectedBy: null,
        reversalReason: null,
        reversedBy: null,
        reversalApprovals: [],
        reversalRejection: null,
        withdrawalCause: null,
        withdrawalReason: null,
        withdrawnBy: null,
        caseReopenedAt: null,
        caseReopenReason: null,
        laterDecision: null,
        proposedAt: now,
        approvedAt: null,
        updatedAt: now,
      });
    }
    remedy.route = this.routeOf(remedy);
    const amount = moneyOf(remedy);
    await publish(Events.RemedyProposed, { remedyId: remedy.id, caseId, type, amount, ...(topUp ? { grantedBefore: revision.grantedBefore } : {}) });

    // The catalogue limits one remedy of a kind: a top-up is held to it together with what it tops up.
    const refusal = catalogueRefusal(this.policy.catalogue, type, decided);
    if (refusal) {
      Object.assign(remedy, { status: moveRemedy('proposed', 'reject'), rejectionReason: refusal, rejectedBy: CATALOGUE_POLICY });
      await manager.save(RemedyRecord, remedy);
      // The catalogue's own words, but in the field the event seals for every rejection.
      await publish(Events.RemedyRejected, { remedyId: remedy.id, caseId, amount, reason: this.sealedForEvent(refusal), rejectedBy: CATALOGUE_POLICY });
      return remedy;
    }
    await this.approveIfWithinDecision(manager, publish, lockCustomer, remedy, now, decision.correlationId);
    return remedy;
  }

  /**
   * The case was reopened: its decision is withdrawn, and with it every remedy of the case no money
   * can have left for (`reopeningEffect`). A payout counts as sent once the payout desk has claimed
   * it; an unsent one is held under its row lock and cancelled with its remedy, so the desk never
   * sends it. An approval racing the reopening either committed first (its payout, unsent, is
   * cancelled here) or waits for the remedy's row and then finds it withdrawn. What stands is
   * marked, so staff see that the case was looked at again after the money went out.
   *
   * The reopening's moment is kept on the case (the latest of those seen): a decision issued before
   * it, handled after it, is one the reopening voided and changes nothing (`recordAsLatest`).
   *
   * A reopening made before the case's latest decision acted on is the one that decision answered
   * (a replayed dead letter, a consumer group reset): acting on it would withdraw the remedies of the
   * decision that followed it, so it changes nothing. case.reopened carries no round; the moment it
   * happened is compared with the moment the decision was issued, both stamped by investigation,
   * one after the other under the case's row lock.
   */
  async caseReopened(manager: EntityManager, publish: Publish, complaintId: string, reopening: CaseReopened, reopenedAt: Date, now: Date): Promise<void> {
    // A row to lock even before any decision: a decision handled at the same time waits for this
    // reopening, or this reopening for it and then sees it.
    // The row keeps the latest reopening seen, whichever came first: a decision issued before it,
    // arriving later (a replayed dead letter), was voided by it and is refused (`recordAsLatest`).
    const [latest]: { review_round: number | null; issued_at: Date | null }[] = await manager.query(
      `INSERT INTO case_decisions AS latest (case_id, complaint_id, reopened_at, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (case_id) DO UPDATE SET reopened_at = GREATEST(latest.reopened_at, EXCLUDED.reopened_at), updated_at = EXCLUDED.updated_at
       RETURNING review_round, issued_at`,
      [reopening.caseId, complaintId, reopenedAt, now],
    );
    if (latest?.issued_at && reopenedAt < latest.issued_at) {
      this.logger.log(
        `case ${reopening.caseId}: reopening of ${reopenedAt.toISOString()} precedes the decision already acted on (round ${latest.review_round}, issued ${latest.issued_at.toISOString()}): nothing withdrawn`,
      );
      return;
    }
    const onCase = await manager.find(RemedyRecord, { where: { caseId: reopening.caseId }, order: { proposedAt: 'ASC' }, lock: { mode: 'pessimistic_write' } });
    for (const remedy of onCase) {
      const unsent = remedy.status === 'approved' ? await this.holdUnsentPayout(manager, remedy.id) : null;
      const sent = remedy.status === 'approved' ? unsent === null : remedy.status !== 'proposed';
      const effect = reopeningEffect(remedy.status, sent);
      if (effect === 'withdraw') {
        if (unsent) await manager.query(`UPDATE payouts SET status = 'cancelled', settled_at = $2, last_error = $3 WHERE id = $1`, [unsent, now, 'not sent: the case was reopened']);
        await this.withdraw(manager, publish, remedy, { cause: 'case-reopened', reason: reopening.reason, by: reopening.reopenedBy }, now);
      } else if (effect === 'stands') {
        Object.assign(remedy, { caseReopenedAt: now, caseReopenReason: reopening.reason, updatedAt: now });
        await manager.save(RemedyRecord, remedy);
      }
    }
  }

  /**
   * Records the decision as the case's latest acted on, unless one of a later round, or of the same
   * round issued later (the decision after a reopening), was acted on already, or the case was
   * reopened after the decision was issued (the reopening voided it, even when it reached
   * compensation first): false then, and the decision changes nothing. The processed-event mark catches the same event again only; this
   * catches an earlier decision under an event id of its own (a replayed dead letter, a consumer
   * group reset after the marks were pruned). One statement, in the handler's transaction: the
   * case's row stays locked until the remedies it decides commit, so two decisions of a case are
   * weighed one after the other, never both against the same latest.
   */
  private async recordAsLatest(manager: EntityManager, decision: IssuedDecision, now: Date): Promise<boolean> {
    const recorded: unknown[] = await manager.query(
      `INSERT INTO case_decisions AS latest (case_id, complaint_id, review_round, issued_at, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (case_id) DO UPDATE SET review_round = EXCLUDED.review_round, issued_at = EXCLUDED.issued_at, updated_at = EXCLUDED.updated_at
        WHERE (latest.review_round IS NULL OR (latest.review_round, latest.issued_at) <= (EXCLUDED.review_round, EXCLUDED.issued_at))
          AND (latest.reopened_at IS NULL OR latest.reopened_at <= EXCLUDED.issued_at)
       RETURNING case_id`,
      [decision.caseId, decision.complaintId, decision.reviewRound, decision.issuedAt, now],
    );
    if (recorded.length > 0) return true;
    const [latest]: { review_round: number | null; issued_at: Date | null; reopened_at: Date | null }[] = await manager.query(
      `SELECT review_round, issued_at, reopened_at FROM case_decisions WHERE case_id = $1`,
      [decision.caseId],
    );
    const why =
      latest.reopened_at && latest.reopened_at > new Date(decision.issuedAt)
        ? `the case was reopened after it (${latest.reopened_at.toISOString()})`
        : `it is superseded by the one already acted on (round ${latest.review_round}, issued ${latest.issued_at?.toISOString()})`;
    this.logger.log(`case ${decision.caseId}: ${decisionName(decision)} issued ${decision.issuedAt} changes nothing: ${why}`);
    return false;
  }

  /** The remedy's payout instruction, locked, while it has never been sent; null once the payout desk has it. */
  private async holdUnsentPayout(manager: EntityManager, remedyId: string): Promise<string | null> {
    // A row someone else holds is the desk claiming or recording it: as good as sent, so it is skipped, not waited for.
    const [row]: { id: string }[] = await manager.query(
      `SELECT id FROM payouts WHERE remedy_id = $1 AND kind = 'payout' AND status = 'pending' AND attempts = 0 FOR UPDATE SKIP LOCKED`,
      [remedyId],
    );
    return row?.id ?? null;
  }

  private async withdraw(manager: EntityManager, publish: Publish, remedy: RemedyRecord, withdrawal: { cause: WithdrawalCause; reason: string; by: string }, now: Date): Promise<void> {
    Object.assign(remedy, {
      status: moveRemedy(remedy.status, 'withdraw'),
      withdrawalCause: withdrawal.cause,
      withdrawalReason: withdrawal.reason,
      withdrawnBy: withdrawal.by,
      holdReason: null,
      updatedAt: now,
    });
    await manager.save(RemedyRecord, remedy);
    await publish(Events.RemedyWithdrawn, {
      remedyId: remedy.id,
      caseId: remedy.caseId,
      amount: moneyOf(remedy),
      cause: withdrawal.cause,
      reason: this.sealedForEvent(withdrawal.reason),
      withdrawnBy: withdrawal.by,
    });
  }

  /** A later decision that paid nothing more stays on the case's latest remedy, where staff look. */
  private async noteLaterDecision(manager: EntityManager, remedy: RemedyRecord, decision: IssuedDecision, revision: Extract<RemedyRevision, { kind: 'not-clawed-back' | 'other-currency' }>, note: string, now: Date): Promise<void> {
    const laterDecision: LaterDecisionRecord = {
      outcome: revision.kind,
      decided: decision.remedy ? { type: decision.remedy.type, ...decision.remedy.amount } : null,
      granted: revision.kind === 'other-currency' ? revision.granted : [revision.granted],
      reviewRound: decision.reviewRound,
      decidedBy: decision.decidedBy,
      at: now.toISOString(),
      note,
    };
    Object.assign(remedy, { laterDecision, updatedAt: now });
    await manager.save(RemedyRecord, remedy);
  }

  private routeOf(remedy: RemedyRecord) {
    return approvalRouteFor(this.policy.matrix, decisionOf(toApprove(remedy)));
  }

  /**
   * The complaint's customer has become known (its complaint.received came after the decision,
   * topics being read independently): a remedy held only for that is looked at again.
   */
  async customerKnown(manager: EntityManager, publish: Publish, lockCustomer: CustomerCapLock, complaintId: string, customerRef: string, now: Date, correlationId: string): Promise<void> {
    // Most complaints have no remedy waiting: those take no lock another complaint of the customer could meet.
    if (!(await manager.exists(RemedyRecord, { where: { complaintId, status: 'proposed', customerRef: IsNull() } }))) return;
    await lockCustomer(customerRef);
    const held = await manager.find(RemedyRecord, { where: { complaintId, status: 'proposed' }, lock: { mode: 'pessimistic_write' } });
    for (const remedy of held.filter((r) => r.customerRef === null)) {
      Object.assign(remedy, { customerRef, route: this.routeOf(remedy), holdReason: null, updatedAt: now });
      await this.approveIfWithinDecision(manager, publish, lockCustomer, remedy, now, correlationId);
    }
  }

  /** An amount the decision alone may grant is approved and queued for payout at once, unless the customer's cap or an unknown customer holds it for a person. */
  private async approveIfWithinDecision(manager: EntityManager, publish: Publish, lockCustomer: CustomerCapLock, remedy: RemedyRecord, now: Date, correlationId: string): Promise<void> {
    if (remedy.route === 'automatic') {
      const hold = remedy.customerRef
        ? customerCapRefusal(this.policy.matrix, { amount: moneyOf(remedy), grantedInPeriodMinor: await this.grantedInPeriod(manager, lockCustomer, remedy, now) })
        : UNKNOWN_CUSTOMER;
      if (!hold) return this.markApproved(manager, publish, remedy, now, correlationId);
      // Not refused: a person decides whether a smaller remedy or none is right.
      Object.assign(remedy, { route: 'single', holdReason: hold });
    }
    await manager.save(RemedyRecord, remedy);
  }

  async approve(remedyId: string, request: AuthenticatedRequest): Promise<RemedyRecord> {
    const principal = request.principal!;
    // An approval can complete the remedy and so add to the customer's granted sum: it takes the cap lock first.
    return this.change(remedyId, request, 'remedy.approve', 'approve', { customerFirst: true }, async (manager, remedy, now, publish) => {
      if (!remedy.customerRef) {
        throw new ProblemException({ type: 'https://complaints.example/problems/remedy-customer-unknown', title: 'The customer is not known yet', status: 409, detail: 'the complaint’s customer has not reached compensation yet; try again shortly' });
      }
      const decided = approveRemedy(
        this.policy.matrix,
        { ...toApprove(remedy), proposedBy: remedy.proposedBy ?? '', approvals: remedy.approvals.map((a) => a.approver), grantedInPeriodMinor: await this.grantedInPeriod(manager, lockCustomerCap(manager), remedy, now) },
        approverOf(principal),
      );
      remedy.approvals = [...remedy.approvals, approvalRecordOf(principal, now)];
      remedy.route = decided.route === 'automatic' ? 'single' : decided.route;
      if (decided.complete) await this.markApproved(manager, publish, remedy, now, currentCorrelation()?.correlationId ?? null);
      else await manager.save(RemedyRecord, remedy);
      return { approvals: String(remedy.approvals.length), complete: String(decided.complete) };
    });
  }

  async reject(remedyId: string, reason: string, request: AuthenticatedRequest): Promise<RemedyRecord> {
    const actor = request.principal!.subject;
    return this.change(remedyId, request, 'remedy.reject', 'reject', { customerFirst: false }, async (manager, remedy, now, publish) => {
      Object.assign(remedy, { status: moveRemedy(remedy.status, 'reject'), rejectionReason: reason, rejectedBy: actor, updatedAt: now });
      await manager.save(RemedyRecord, remedy);
      await publish(Events.RemedyRejected, { remedyId: remedy.id, caseId: remedy.caseId, amount: moneyOf(remedy), reason: this.sealedForEvent(reason), rejectedBy: actor });
      return {};
    });
  }

  /**
   * Asks for a paid remedy to be taken back (paid in error, or to the wrong customer), with the
   * reason. The rules are `reverseRemedy`: an approver who may reverse it alone (within their limit,
   * below four eyes, no part in the payout) completes it at once and its debit instruction is
   * queued; otherwise it waits as `reversal-requested` for a second approver's confirmation.
   */
  async requestReversal(remedyId: string, reason: string, request: AuthenticatedRequest): Promise<RemedyRecord> {
    const principal = request.principal!;
    return this.change(remedyId, request, 'remedy.reverse', 'request-reversal', { customerFirst: false }, async (manager, remedy, now) => {
      const decided = reverseRemedy(this.policy.matrix, await this.toReverse(manager, remedy), approverOf(principal));
      Object.assign(remedy, {
        status: moveRemedy(remedy.status, 'request-reversal'),
        reversalReason: reason,
        reversedBy: principal.subject,
        reversalApprovals: [approvalRecordOf(principal, now)],
        updatedAt: now,
      });
      return this.reversalStep(manager, remedy, decided.complete, now);
    });
  }

  /** A second approver confirms a reversal someone else asked for: its debit instruction is queued. */
  async confirmReversal(remedyId: string, request: AuthenticatedRequest): Promise<RemedyRecord> {
    const principal = request.principal!;
    return this.change(remedyId, request, 'remedy.reversal-confirm', 'confirm-reversal', { customerFirst: false }, async (manager, remedy, now) => {
      const decided = reverseRemedy(this.policy.matrix, await this.toReverse(manager, remedy), approverOf(principal));
      Object.assign(remedy, { reversalApprovals: [...remedy.reversalApprovals, approvalRecordOf(principal, now)], updatedAt: now });
      return this.reversalStep(manager, remedy, decided.complete, now);
    });
  }

  /** Declines a reversal waiting for confirmation: the payout stands, and the request is kept with the reason it was declined. */
  async rejectReversal(remedyId: string, reason: string, request: AuthenticatedRequest): Promise<RemedyRecord> {
    const actor = request.principal!.subject;
    return this.change(remedyId, request, 'remedy.reversal-reject', 'reject-reversal', { customerFirst: false }, async (manager, remedy, now) => {
      Object.assign(remedy, {
        status: moveRemedy(remedy.status, 'reject-reversal'),
        reversalRejection: { requestedBy: remedy.reversedBy ?? 'unknown', requestReason: remedy.reversalReason ?? '', by: actor, reason, at: now.toISOString() },
        reversalReason: null,
        reversedBy: null,
        reversalApprovals: [],
        updatedAt: now,
      });
      await manager.save(RemedyRecord, remedy);
      return {};
    });
  }

  /** A complete reversal moves on and queues its debit in the same transaction; an incomplete one waits for its confirmation. */
  private async reversalStep(manager: EntityManager, remedy: RemedyRecord, complete: boolean, now: Date): Promise<Record<string, string>> {
    if (complete) remedy.status = moveRemedy(remedy.status, 'confirm-reversal');
    await manager.save(RemedyRecord, remedy);
    if (complete) await this.queueInstruction(manager, remedy, 'reversal', now, currentCorrelation()?.correlationId ?? null);
    return { approvals: String(remedy.reversalApprovals.length), complete: String(complete) };
  }

  /**
   * What the reversal rules weigh. A payout has at most one reversal instruction (`UNIQUE
   * (remedy_id, kind)` on payouts): one that exists while the remedy is paid was refused by the
   * core, or never arrived, and `reverseRemedy` refuses a second attempt with 409 before anything
   * is written (see `reversalRefusedBefore` for why a bank does not simply debit again).
   */
  private async toReverse(manager: EntityManager, remedy: RemedyRecord): Promise<RemedyToReverse> {
    const [earlier]: { status: string; last_error: string | null }[] = await manager.query(
      `SELECT status, last_error FROM payouts WHERE remedy_id = $1 AND kind = 'reversal' AND status IN ('refused', 'failed')`,
      [remedy.id],
    );
    return {
      ...toApprove(remedy),
      proposedBy: remedy.proposedBy ?? '',
      approvedBy: remedy.approvals.map((a) => a.approver),
      reversalApprovals: remedy.status === 'reversal-requested' ? remedy.reversalApprovals.map((a) => a.approver) : [],
      refusedReversal: earlier ? (earlier.last_error ?? `the reversal instruction ${earlier.status}`) : null,
    };
  }

  private async change(
    remedyId: string,
    request: AuthenticatedRequest,
    auditAction: string,
    action: RemedyAction,
    { customerFirst }: { customerFirst: boolean },
    step: (manager: EntityManager, remedy: RemedyRecord, now: Date, publish: Publish) => Promise<Record<string, string>>,
  ): Promise<RemedyRecord> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        if (customerFirst) {
          // Read without a lock only to learn whose cap; the customer of a remedy, once known, never changes.
          const unlocked = await manager.findOne(RemedyRecord, { where: { id: remedyId }, select: { id: true, customerRef: true } });
          if (unlocked?.customerRef) await lockCustomerCap(manager)(unlocked.customerRef);
        }
        const remedy = await manager.findOne(RemedyRecord, { where: { id: remedyId }, lock: { mode: 'pessimistic_write' } });
        if (!remedy) throw new NotFoundException(`no remedy ${remedyId}`);
        if (!allowedRemedyActions(remedy.status).includes(action)) moveRemedy(remedy.status, action);
        const now = new Date();
        const publish: Publish = (definition, payload) => this.publisher.publish(manager, definition, remedy.complaintId, payload);
        const detail = await step(manager, remedy, now, publish);
        await this.audit.record(manager, request, remedy.complaintId, auditAction, { remedyId, caseId: remedy.caseId, ...detail });
        return remedy;
      });
    } catch (e) {
      if (e instanceof RemedyApprovalError) throw approvalProblem(e);
      if (e instanceof RemedyTransitionError) throw transitionProblem(e);
      throw e;
    }
  }

  private async markApproved(manager: EntityManager, publish: Publish, remedy: RemedyRecord, now: Date, correlationId: string | null): Promise<void> {
    Object.assign(remedy, { status: moveRemedy(remedy.status, 'approve'), approvedAt: now, holdReason: null, updatedAt: now });
    await manager.save(RemedyRecord, remedy);
    await this.queueInstruction(manager, remedy, 'payout', now, correlationId);
    await publish(Events.RemedyApproved, {
      remedyId: remedy.id,
      caseId: remedy.caseId,
      type: remedy.type as RemedyType,
      amount: moneyOf(remedy),
      route: remedy.route ?? 'automatic',
      approvedBy: remedy.approvals.map((a) => a.approver),
    });
  }

  /** The instruction's id is fixed here, before anything is sent: it is what makes every resend the same payout. */
  private async queueInstruction(manager: EntityManager, remedy: RemedyRecord, kind: 'payout' | 'reversal', now: Date, correlationId: string | null): Promise<void> {
    await manager.query(
      `INSERT INTO payouts (id, remedy_id, kind, amount_minor, currency, customer_ref, status, attempts, next_attempt_at, created_at, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7, $8)`,
      [randomUUID(), remedy.id, kind, remedy.amountMinor, remedy.currency, remedy.customerRef, now, correlationId],
    );
  }

  /**
   * What the customer was granted in the cap's period: approved remedies not taken back since.
   * Every decision that can add to this sum (a person's approval, the automatic approval of a
   * proposal or of a remedy whose customer just became known; nothing else approves) reads it
   * here, under the customer's cap lock held to the end of the transaction. So two decisions for
   * one customer are serialised, and the second sees the first's approval: READ COMMITTED takes a
   * fresh snapshot per statement, and the sum runs after the lock is granted. Without the lock two
   * approvals of different remedies each summed the other's as not yet approved and both passed.
   *
   * Why no deadlock: the customer lock is taken BEFORE the remedy's row lock on every path
   * (`change()` for an approval reads the customer unlocked first, `decisionIssued()` and
   * `customerKnown()` know it from the complaint), so nobody holds a remedy row while waiting for
   * the customer lock, which a holder of the customer lock might wait for in turn. Taking it here
   * again is then a no-op; it matters only if the customer became known between that unlocked read
   * and the row lock (a remedy's customer is set once, never changed). An event handler takes it
   * through `EventContext.lockFor`, which never waits while its batch holds another lock.
   */
  private async grantedInPeriod(manager: EntityManager, lockCustomer: CustomerCapLock, remedy: RemedyRecord, now: Date): Promise<number> {
    if (!remedy.customerRef) return 0;
    await lockCustomer(remedy.customerRef);
    const cap = this.policy.matrix[remedy.currency]?.customerCap;
    if (!cap) return 0;
    const since = new Date(now.getTime() - cap.periodDays * 86_400_000);
    const [row]: { total: string | null }[] = await manager.query(
      `SELECT sum(amount_minor) AS total FROM remedies
        WHERE customer_ref = $1 AND currency = $2 AND id <> $3 AND approved_at >= $4 AND status = ANY($5)`,
      [remedy.customerRef, remedy.currency, remedy.id, since, [...GRANTED_REMEDY_STATUSES]],
    );
    return Number(row?.total ?? 0);
  }
}
