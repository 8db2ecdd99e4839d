import { HttpStatus, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { EventDefinition, EventPayload, Events } from '@complaints/contracts';
import { allowedActions, assignInvestigator, CaseSnapshot, CaseTransition, CaseTransitionError, chooseInvestigator, ConflictContext, Exclusion, StaffMember } from '@complaints/domain';
import { OutboxPublisher } from '@complaints/messaging';
import { AuthenticatedRequest, FieldCipher, ProblemException, StaffAuditTrail } from '@complaints/platform';
import { FIELD_CIPHER } from '../journal/field-cipher.token';
import { CaseRecord } from './case.entity';
import { sealedForEvent } from './sealed-case-text';
import { INVESTIGATION_POLICY, InvestigationPolicy } from './investigation-policy';

/** How each rule of the case machine answers over HTTP: state conflicts 409, refused rules 422, authority 403. */
const STATUS_OF: Record<CaseTransitionError['code'], number> = {
  'not-allowed-in-state': HttpStatus.CONFLICT,
  'conflict-of-interest': HttpStatus.UNPROCESSABLE_ENTITY,
  'caller-conflict-of-interest': HttpStatus.FORBIDDEN,
  'not-assigned': HttpStatus.FORBIDDEN,
  'four-eyes': HttpStatus.FORBIDDEN,
  'authority-limit': HttpStatus.FORBIDDEN,
  'findings-missing': HttpStatus.UNPROCESSABLE_ENTITY,
  'reason-required': HttpStatus.UNPROCESSABLE_ENTITY,
  'review-window-closed': HttpStatus.UNPROCESSABLE_ENTITY,
  'no-candidate': HttpStatus.UNPROCESSABLE_ENTITY,
  invalid: HttpStatus.UNPROCESSABLE_ENTITY,
};

/** The domain holds a remedy's money flat; a request nests it under `amount`, like all money on the wire. */
const REQUEST_PATHS: Readonly<Record<string, string>> = { 'remedy.amountMinor': 'remedy.amount.amountMinor', 'remedy.currency': 'remedy.amount.currency' };

export function caseProblem(e: CaseTransitionError): ProblemException {
  const field = e.field && { path: REQUEST_PATHS[e.field] ?? e.field, message: e.message.startsWith(`${e.field}: `) ? e.message.slice(e.field.length + 2) : e.message };
  return new ProblemException({
    type: `https://complaints.example/problems/case-${e.code}`,
    title: e.code === 'not-allowed-in-state' ? 'Not possible in the case’s current state' : 'The case rules refuse this',
    status: STATUS_OF[e.code],
    detail: e.message,
    state: e.state,
    action: e.action,
    allowed: e.allowed,
    ...(field ? { errors: [field] } : {}),
  });
}

export const snapshotOf = (c: CaseRecord): CaseSnapshot => ({
  state: c.status,
  level: c.level,
  reviewRound: c.reviewRound,
  assignedTo: c.assignedTo,
  severity: c.severity,
  findings: c.findings,
  proposal: c.proposal,
  previousDeciders: [...c.previousDeciders],
  respondedAt: c.respondedAt?.toISOString() ?? null,
  reviewDueBy: c.reviewDueBy?.toISOString() ?? null,
});

/** One event the step publishes, keyed by the case's complaint. */
export type CaseEvent = { [K in string]: { definition: EventDefinition; payload: unknown } }[string];
export const event = <D extends EventDefinition>(definition: D, payload: EventPayload<D>): CaseEvent => ({ definition, payload });

export interface WorkflowStep<T> {
  /** The machine's answer, when the step moved the case (or recorded a transition on it). */
  moved?: { snapshot: CaseSnapshot; transition: CaseTransition };
  /** Further columns the step changed. */
  changes?: Partial<CaseRecord>;
  events?: CaseEvent[];
  /** Detail for the staff audit record (strings only: it goes on the archive's record). */
  audit?: Record<string, string>;
  /** The answer; a function is called with the case as committed. */
  result: T | ((after: CaseRecord) => T);
}

export interface StepContext {
  manager: EntityManager;
  found: CaseRecord;
  snapshot: CaseSnapshot;
  actor: string;
  now: Date;
}

/** Free text staff type quotes the customer; events carry it sealed (`sealedForEvent`). */
export const forEvent = (text: string): string => sealedForEvent(text);

/**
 * Every change to a case goes through here: the row is locked, the domain's pure transition
 * decides, and the new state, the transition record, the events (outbox) and the staff audit
 * record commit together or not at all. A refused step writes nothing.
 */
@Injectable()
export class CaseWorkflow {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    private readonly audit: StaffAuditTrail,
    @Inject(INVESTIGATION_POLICY) readonly policy: InvestigationPolicy,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  async act<T>(caseId: string, request: AuthenticatedRequest, auditAction: string, step: (ctx: StepContext) => Promise<WorkflowStep<T>> | WorkflowStep<T>): Promise<T> {
    const actor = request.principal!.subject;
    try {
      return await this.dataSource.transaction(async (manager) => {
        const found = await manager.findOne(CaseRecord, { where: { id: caseId }, lock: { mode: 'pessimistic_write' } });
        if (!found) throw new NotFoundException(`no case ${caseId}`);
        const now = new Date();
        const outcome = await step({ manager, found, snapshot: snapshotOf(found), actor, now });
        await this.commit(manager, found, outcome, now);
        await this.audit.record(manager, request, found.complaintId, auditAction, { caseId, ...(outcome.audit ?? {}) });
        return typeof outcome.result === 'function' ? (outcome.result as (after: CaseRecord) => T)(found) : outcome.result;
      });
    } catch (e) {
      if (e instanceof CaseTransitionError) throw caseProblem(e);
      throw e;
    }
  }

  /** Applies a step's outcome to the locked row: state, transition record, events. */
  async commit(manager: EntityManager, found: CaseRecord, outcome: Omit<WorkflowStep<unknown>, 'result'>, now: Date, causation?: { correlationId: string; causationId: string }): Promise<void> {
    const changes: Partial<CaseRecord> = { ...(outcome.changes ?? {}) };
    if (outcome.moved) {
      const s = outcome.moved.snapshot;
      Object.assign(changes, {
        status: s.state,
        level: s.level,
        reviewRound: s.reviewRound,
        assignedTo: s.assignedTo,
        findings: s.findings,
        proposal: s.proposal,
        previousDeciders: s.previousDeciders,
        respondedAt: s.respondedAt ? new Date(s.respondedAt) : null,
        reviewDueBy: s.reviewDueBy ? new Date(s.reviewDueBy) : null,
      });
      const t = outcome.moved.transition;
      // Why a case was escalated, contested, reopened or sent back is often the customer's own
      // words, with their name and numbers.
      await manager.query(`INSERT INTO case_transitions (case_id, action, from_state, to_state, at, actor, reason_sealed) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        found.id,
        t.action,
        t.from,
        t.to,
        t.at,
        t.by,
        t.reason === null ? null : this.cipher.encrypt(t.reason),
      ]);
    }
    if (Object.keys(changes).length) {
      await manager.update(CaseRecord, { id: found.id }, { ...changes, updatedAt: now });
      Object.assign(found, changes);
    }
    for (const e of outcome.events ?? []) {
      await this.publisher.publish(manager, e.definition, found.complaintId, e.payload as never, causation ?? {});
    }
  }

  /** The directory entries of a department with their current open workload. */
  async staffOf(manager: EntityManager, department: string): Promise<StaffMember[]> {
    const rows: { staff_id: string; department: string; skills: string[]; line_manager: string | null; capacity: number; active: boolean; open_cases: string }[] = await manager.query(
      `SELECT i.*, (SELECT count(*) FROM cases c WHERE c.assigned_to = i.staff_id AND c.status IN ('investigating', 'awaiting-approval')) AS open_cases
         FROM investigators i WHERE i.department = $1`,
      [department],
    );
    return rows.map((r) => ({
      staffId: r.staff_id,
      department: r.department,
      skills: r.skills,
      lineManager: r.line_manager,
      capacity: r.capacity,
      active: r.active,
      openCases: Number(r.open_cases),
      declaredInterests: [],
    }));
  }

  /** What 回避 needs to know about a case: who it is about, their managers, who decided before, who declared an interest. */
  async conflictContext(manager: EntityManager, found: CaseRecord): Promise<ConflictContext & { declared: string[] }> {
    const involved = found.involvedStaff;
    const managers: { staff_id: string; line_manager: string | null }[] = involved.length
      ? await manager.query(`SELECT staff_id, line_manager FROM investigators WHERE staff_id = ANY($1)`, [involved])
      : [];
    const declared: { staff_id: string }[] = await manager.query(`SELECT staff_id FROM case_declared_interests WHERE case_id = $1`, [found.id]);
    return {
      complaintId: found.complaintId,
      involvedStaff: involved,
      lineManagerOf: Object.fromEntries(managers.map((m) => [m.staff_id, m.line_manager])),
      previousDeciders: found.previousDeciders,
      declared: declared.map((d) => d.staff_id),
    };
  }

  /** Picks an investigator by skill and workload among those with no interest in the case. */
  async proposeInvestigator(manager: EntityManager, found: CaseRecord): Promise<{ chosen: StaffMember | null; excluded: Exclusion[]; ctx: ConflictContext }> {
    const ctx = await this.conflictContext(manager, found);
    const staff = (await this.staffOf(manager, found.department)).map((s) => ({ ...s, declaredInterests: ctx.declared.includes(s.staffId) ? [found.complaintId] : [] }));
    const { chosen, excluded } = chooseInvestigator(staff, { department: found.department, skills: found.category ? [found.category] : [] }, ctx);
    return { chosen, excluded, ctx };
  }

  /**
   * Assigns a case waiting in its queue to the best-placed investigator with no interest in it;
   * leaves it waiting when nobody is free. Returns who was chosen.
   */
  async tryAutoAssign(manager: EntityManager, found: CaseRecord, by: string, now: Date, causation?: { correlationId: string; causationId: string }): Promise<string | null> {
    const { chosen, excluded } = await this.proposeInvestigator(manager, found);
    if (!chosen) return null;
    const moved = assignInvestigator(snapshotOf(found), { investigator: chosen.staffId, by, at: now.toISOString(), reason: 'workload and skill', conflicts: excluded, departments: { case: found.department, investigator: chosen.department } });
    await this.recordAssignment(manager, found, chosen.staffId, by, 'workload-and-skill', excluded, now);
    const assigned = event(Events.CaseAssigned, { caseId: found.id, investigator: chosen.staffId, assignedBy: by, method: 'workload-and-skill', level: found.level, reviewRound: found.reviewRound, excluded });
    await this.commit(manager, found, { moved, events: [assigned] }, now, causation);
    return chosen.staffId;
  }

  async recordAssignment(manager: EntityManager, found: CaseRecord, investigator: string, by: string, method: 'workload-and-skill' | 'named', excluded: Exclusion[], at: Date): Promise<void> {
    await manager.query(
      `INSERT INTO case_assignments (case_id, investigator, assigned_by, method, level, review_round, excluded, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [found.id, investigator, by, method, found.level, found.reviewRound, JSON.stringify(excluded), at],
    );
  }

  allowedActions(found: CaseRecord) {
    return allowedActions(found.status);
  }
}
