import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { EventDefinition, EventPayload, Events, REMEDY_TYPES } from '@complaints/contracts';
import {
  allowedRemedyActions,
  approvalRouteFor,
  approveRemedy,
  catalogueRefusal,
  customerCapRefusal,
  maskDigitRuns,
  moveRemedy,
  RemedyAction,
  RemedyApprovalError,
  RemedyTransitionError,
} from '@complaints/domain';
import { currentCorrelation, OutboxPublisher } from '@complaints/messaging';
import { AuthenticatedRequest, ProblemException, StaffAuditTrail } from '@complaints/platform';
import { COMPENSATION_POLICY, CompensationPolicy } from '../compensation-policy';
import { RemedyRecord } from './remedy.entity';

type RemedyType = (typeof REMEDY_TYPES)[number];
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
};

export function approvalProblem(e: RemedyApprovalError): ProblemException {
  return new ProblemException({
    type: `https://complaints.example/problems/remedy-${e.code}`,
    title: 'The approval rules refuse this',
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
 * Every change to a remedy: the row is locked (after the customer's cap lock when the change can
 * count against the cap), the domain decides (catalogue, approval matrix,
 * cap, lifecycle), and the new status, the payout instruction, the events and the staff audit
 * commit together. A refusal writes nothing.
 */
@Injectable()
export class RemedyDesk {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    private readonly audit: StaffAuditTrail,
    @Inject(COMPENSATION_POLICY) private readonly policy: CompensationPolicy,
  ) {}

  /**
   * A decision that grants a remedy. The catalogue refuses what it does not allow; an amount
   * within the automatic limit and the customer's cap is approved at once and its payout queued.
   */
  async propose(
    manager: EntityManager,
    publish: Publish,
    lockCustomer: CustomerCapLock,
    decision: { complaintId: string; caseId: string; type: RemedyType; amount: { amountMinor: number; currency: string }; decidedBy: string; correlationId: string },
    now: Date,
  ): Promise<RemedyRecord | null> {
    const { complaintId, caseId, type, amount, decidedBy } = decision;
    const customer: { customer_ref: string }[] = await manager.query(`SELECT customer_ref FROM complaint_customers WHERE complaint_id = $1`, [complaintId]);
    const customerRef = customer[0]?.customer_ref ?? null;
    // The customer's cap lock before the remedy's row: the order every path keeps (see grantedInPeriod).
    if (customerRef) await lockCustomer(customerRef);
    // A review (核查) issues the decision again: the same remedy is not proposed, let alone paid, twice.
    const earlier = await manager.findOne(RemedyRecord, { where: { caseId }, lock: { mode: 'pessimistic_write' } });
    let remedy: RemedyRecord;
    if (earlier) {
      const same = earlier.type === type && earlier.amountMinor === String(amount.amountMinor) && earlier.currency === amount.currency;
      if (same || earlier.status !== 'proposed') return null;
      // The review changed the remedy before anything was approved: the proposal is amended in place.
      moveRemedy(earlier.status, 'amend');
      Object.assign(earlier, { type, amountMinor: String(amount.amountMinor), currency: amount.currency, proposedBy: decidedBy, approvals: [], holdReason: null, updatedAt: now });
      remedy = earlier;
    } else {
      remedy = manager.create(RemedyRecord, {
        id: randomUUID(),
        complaintId,
        caseId,
        type,
        amountMinor: String(amount.amountMinor),
        currency: amount.currency,
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
        proposedAt: now,
        approvedAt: null,
        updatedAt: now,
      });
    }
    remedy.route = approvalRouteFor(this.policy.matrix, amount);
    await publish(Events.RemedyProposed, { remedyId: remedy.id, caseId, type, amount });

    const refusal = catalogueRefusal(this.policy.catalogue, type, amount);
    if (refusal) {
      Object.assign(remedy, { status: moveRemedy('proposed', 'reject'), rejectionReason: refusal, rejectedBy: CATALOGUE_POLICY });
      await manager.save(RemedyRecord, remedy);
      await publish(Events.RemedyRejected, { remedyId: remedy.id, caseId, amount, reason: refusal, rejectedBy: CATALOGUE_POLICY });
      return remedy;
    }
    await this.approveIfWithinDecision(manager, publish, lockCustomer, remedy, now, decision.correlationId);
    return remedy;
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
      Object.assign(remedy, { customerRef, route: approvalRouteFor(this.policy.matrix, moneyOf(remedy)), holdReason: null, updatedAt: now });
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
        { amount: moneyOf(remedy), proposedBy: remedy.proposedBy ?? '', approvals: remedy.approvals.map((a) => a.approver), grantedInPeriodMinor: await this.grantedInPeriod(manager, lockCustomerCap(manager), remedy, now) },
        { subject: principal.subject, roles: principal.roles, limitMinor: principal.approvalLimitMinor },
      );
      remedy.approvals = [...remedy.approvals, { approver: principal.subject, roles: [...principal.roles], at: now.toISOString() }];
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
      await publish(Events.RemedyRejected, { remedyId: remedy.id, caseId: remedy.caseId, amount: moneyOf(remedy), reason: maskDigitRuns(reason), rejectedBy: actor });
      return {};
    });
  }

  /** Takes a paid remedy back (paid in error, or to the wrong customer): a debit instruction of its own, booked like the payout. */
  async reverse(remedyId: string, reason: string, request: AuthenticatedRequest): Promise<RemedyRecord> {
    const actor = request.principal!.subject;
    return this.change(remedyId, request, 'remedy.reverse', 'reverse', { customerFirst: false }, async (manager, remedy, now) => {
      Object.assign(remedy, { status: moveRemedy(remedy.status, 'reverse'), reversalReason: reason, reversedBy: actor, updatedAt: now });
      await manager.save(RemedyRecord, remedy);
      await this.queueInstruction(manager, remedy, 'reversal', now, currentCorrelation()?.correlationId ?? null);
      return {};
    });
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
   * (`change()` for an approval reads the customer unlocked first, `propose()` and
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
        WHERE customer_ref = $1 AND currency = $2 AND id <> $3 AND approved_at >= $4 AND status IN ('approved', 'paid', 'reversing')`,
      [remedy.customerRef, remedy.currency, remedy.id, since],
    );
    return Number(row?.total ?? 0);
  }
}
