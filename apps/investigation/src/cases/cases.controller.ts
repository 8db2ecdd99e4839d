import { Controller, Get, Inject, NotFoundException, Param, Query, Req } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { DataSource, FindOptionsWhere, In } from 'typeorm';
import { ComplaintRetriaged, ComplaintTriaged, ComplaintWithdrawn, DeadlineClockChanged, EventEnvelope, EventPayload, Events } from '@complaints/contracts';
import { CASE_STATES, CaseState, openCase, reopenCase, withdrawCase } from '@complaints/domain';
import { EventContext } from '@complaints/messaging';
import { Allow, AuthenticatedRequest, FieldCipher, OptionalUuidParameterPipe, ProblemException, seesPersonalData, UuidParameterPipe } from '@complaints/platform';
import { FIELD_CIPHER } from '../journal/field-cipher.token';
import { CaseRecord } from './case.entity';
import { caseAsSeen, freeTextFor, rowsAsSeen } from './case-views';
import { CaseWorkflow, event, forEvent, snapshotOf } from './case-workflow';
import { opened } from './sealed-case-text';

/** Who reopens a case after a low survey score, on its transitions and events. */
const FOLLOW_UP_SURVEY = 'follow-up-survey';

const READERS = ['investigator', 'department-staff', 'triage-officer', 'approver', 'compliance-officer', 'auditor'] as const;

@ApiTags('cases')
@Controller('v1/cases')
export class CasesController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly workflow: CaseWorkflow,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  /**
   * A case opens when triage has routed the complaint and lands in the department's queue; it is
   * assigned at once to the best-placed investigator with no interest in it, or waits in the queue.
   */
  @EventPattern(Events.ComplaintTriaged.pattern)
  async openCase(@Payload() env: EventEnvelope<ComplaintTriaged>, @Ctx() ctx: EventContext) {
    const triaged = env.payload;
    const now = new Date();
    const snapshot = openCase({ severity: triaged.severity, at: now.toISOString() });
    const regime = this.workflow.policy.regimes[triaged.regime];
    const opened = ctx.manager.create(CaseRecord, {
      id: randomUUID(),
      complaintId: env.complaintId,
      ticketNumber: triaged.ticketNumber,
      department: triaged.department,
      severity: triaged.severity,
      category: triaged.product?.code ?? triaged.category,
      status: snapshot.state,
      regime: triaged.regime,
      period: regime.responsePeriod ?? 'standard',
      level: snapshot.level,
      reviewRound: snapshot.reviewRound,
      assignedTo: null,
      involvedStaff: [],
      previousDeciders: [],
      findings: null,
      proposal: null,
      withdrawnAt: null,
      responseDueBy: new Date(triaged.responseDueBy),
      openedAt: now,
      respondedAt: null,
      reviewDueBy: null,
      resolution: null,
      updatedAt: now,
    });
    // Withdrawn before the case could open: it opens already ended, so the record stays complete.
    const [withdrawal]: { withdrawn_at: Date }[] = await ctx.manager.query(`SELECT withdrawn_at FROM withdrawals WHERE complaint_id = $1`, [env.complaintId]);
    if (withdrawal) Object.assign(opened, { status: 'withdrawn', withdrawnAt: withdrawal.withdrawn_at });
    await ctx.manager.insert(CaseRecord, opened);
    await ctx.publish(Events.CaseOpened, {
      caseId: opened.id,
      ticketNumber: opened.ticketNumber,
      department: opened.department,
      severity: triaged.severity,
      responseDueBy: triaged.responseDueBy,
    });
    if (!withdrawal) await this.workflow.tryAutoAssign(ctx.manager, opened, 'system', now, { correlationId: ctx.envelope.correlationId, causationId: ctx.envelope.eventId });
  }

  /**
   * A triage officer re-routed the complaint: a case not yet decided moves to the new department's
   * queue at the new severity. v2 seals the officer's reason, which is not read here; v1 is still read.
   */
  @EventPattern([Events.ComplaintRetriagedV1.pattern, Events.ComplaintRetriaged.pattern])
  async reroute(@Payload() env: EventEnvelope<ComplaintRetriaged>, @Ctx() ctx: EventContext) {
    const { department, severity } = env.payload.current;
    await ctx.manager.update(CaseRecord, { complaintId: env.complaintId, status: In(['awaiting-assignment', 'investigating']), level: 1 }, { department, severity });
  }

  /**
   * The clock moved (extension, pause, restart), or a merged regulator's referral binds the case to
   * its earlier deadline (`referral-bound`, v2): the case shows the date the complaint is due.
   */
  @EventPattern([Events.DeadlineClockChangedV1.pattern, Events.DeadlineClockChangedV2.pattern, Events.DeadlineClockChanged.pattern])
  async followClock(@Payload() env: EventEnvelope<DeadlineClockChanged>, @Ctx() ctx: EventContext) {
    const { period, responseDueBy } = env.payload;
    await ctx.manager.update(CaseRecord, { complaintId: env.complaintId }, { period, ...(responseDueBy ? { responseDueBy: new Date(responseDueBy) } : {}) });
  }

  /** The customer ended the procedure: a case not yet answered stops that day. */
  @EventPattern(Events.ComplaintWithdrawn.pattern)
  async withdraw(@Payload() env: EventEnvelope<ComplaintWithdrawn>, @Ctx() ctx: EventContext) {
    const withdrawnAt = new Date(env.payload.withdrawnAt);
    await ctx.manager.query(`INSERT INTO withdrawals (complaint_id, withdrawn_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [env.complaintId, withdrawnAt]);
    const found = await ctx.manager.findOne(CaseRecord, { where: { complaintId: env.complaintId }, lock: { mode: 'pessimistic_write' } });
    if (!found || !this.workflow.allowedActions(found).includes('withdraw')) return;
    const moved = withdrawCase(snapshotOf(found), { by: 'customer', at: withdrawnAt.toISOString() });
    await this.workflow.commit(ctx.manager, found, { moved, changes: { withdrawnAt } }, new Date());
  }

  /**
   * 回访不满意: the follow-up survey scored at or below the threshold, so the complaint is looked at
   * again. The case is reopened and assigned afresh, as the survey's review promises; the archive
   * counts the complaint open until the case is answered or closed anew. A case already back in
   * work (reopened by staff, under a customer's review) is left as it is.
   */
  @EventPattern(Events.SurveyReviewOpened.pattern)
  async reopenAfterLowSurveyScore(@Payload() env: EventEnvelope<EventPayload<typeof Events.SurveyReviewOpened>>, @Ctx() ctx: EventContext) {
    const { caseId, score, threshold } = env.payload;
    const found = await ctx.manager.findOne(CaseRecord, { where: { id: caseId, complaintId: env.complaintId }, lock: { mode: 'pessimistic_write' } });
    // Surveys follow closed cases: a survey for a case this service never opened is an error to look into, not to skip.
    if (!found) throw new Error(`survey ${env.payload.surveyId} names case ${caseId} of complaint ${env.complaintId}, which has no such case here`);
    if (!this.workflow.allowedActions(found).includes('reopen')) return;
    const now = new Date();
    const reason = `回访不满意复查 / follow-up survey scored ${score} (at or below ${threshold})`;
    const moved = reopenCase(snapshotOf(found), { by: FOLLOW_UP_SURVEY, at: now.toISOString(), reason });
    const causation = { correlationId: ctx.envelope.correlationId, causationId: ctx.envelope.eventId };
    const department = this.workflow.policy.departmentAt(moved.snapshot.level, found.department);
    await this.workflow.commit(ctx.manager, found, { moved, changes: { department }, events: [event(Events.CaseReopened, { caseId, reason: forEvent(reason), reopenedBy: FOLLOW_UP_SURVEY })] }, now, causation);
    await this.workflow.tryAutoAssign(ctx.manager, found, 'system', now, causation);
  }

  @Get()
  @Allow(...READERS)
  @ApiOperation({ summary: 'Case queue: by department, state, assignee or complaint, soonest deadline first (free text masked for roles that do not need personal data)' })
  @ApiQuery({ name: 'complaintId', required: false })
  @ApiQuery({ name: 'department', required: false })
  @ApiQuery({ name: 'status', required: false, enum: CASE_STATES })
  @ApiQuery({ name: 'assignedTo', required: false, description: '`me` for the caller' })
  async list(
    @Req() request: AuthenticatedRequest,
    @Query('complaintId', OptionalUuidParameterPipe) complaintId?: string,
    @Query('department') department?: string,
    @Query('status') status?: string,
    @Query('assignedTo') assignedTo?: string,
  ) {
    const where: FindOptionsWhere<CaseRecord> = {};
    if (complaintId) where.complaintId = complaintId;
    if (department) where.department = department;
    if (status) {
      const statuses = status.split(',');
      for (const s of statuses) {
        if (!(CASE_STATES as readonly string[]).includes(s)) {
          throw new ProblemException({ type: 'https://complaints.example/problems/validation', title: 'The request is not valid', status: 400, errors: [{ path: 'query:status', message: `one or more of ${CASE_STATES.join(', ')}` }] });
        }
      }
      where.status = In(statuses as CaseState[]);
    }
    if (assignedTo) where.assignedTo = assignedTo === 'me' ? request.principal!.subject : assignedTo;
    const text = freeTextFor(seesPersonalData(request.principal));
    const found = await this.dataSource.getRepository(CaseRecord).find({ where, order: { responseDueBy: 'ASC' }, take: 200 });
    return found.map((c) => caseAsSeen(c, text));
  }

  @Get(':caseId')
  @Allow(...READERS)
  @ApiOperation({ summary: 'The whole case: state and allowed next steps, assignments, tasks, evidence, contacts, notes, approvals, transitions (free text masked for roles that do not need personal data)' })
  async get(@Param('caseId', UuidParameterPipe) caseId: string, @Req() request: AuthenticatedRequest) {
    const found = await this.dataSource.getRepository(CaseRecord).findOneBy({ id: caseId });
    if (!found) throw new NotFoundException(`no case ${caseId}`);
    const q = (sql: string) => this.dataSource.query(sql, [caseId]);
    const [transitions, assignments, tasks, evidence, contacts, notes, extensions, interests] = await Promise.all([
      q(`SELECT action, from_state AS "from", to_state AS "to", at, actor AS "by", reason, reason_sealed FROM case_transitions WHERE case_id = $1 ORDER BY id`),
      q(`SELECT investigator, assigned_by AS "assignedBy", method, level, review_round AS "reviewRound", excluded, at FROM case_assignments WHERE case_id = $1 ORDER BY id`),
      q(`SELECT id, department, owner, request, request_sealed, due_by AS "dueBy", status, result, result_sealed, requested_by AS "requestedBy", requested_at AS "requestedAt", completed_by AS "completedBy", completed_at AS "completedAt" FROM case_tasks WHERE case_id = $1 ORDER BY requested_at`),
      q(`SELECT id, kind, source_system AS "sourceSystem", reference, description, description_sealed, sha256, size::int AS size, content_type AS "contentType", storage_key IS NOT NULL AS stored, added_by AS "addedBy", added_at AS "addedAt" FROM case_evidence WHERE case_id = $1 ORDER BY added_at`),
      q(`SELECT id, at, direction, channel, outcome, summary_sealed, logged_by AS "loggedBy" FROM case_contacts WHERE case_id = $1 ORDER BY at`),
      q(`SELECT id, at, author, body_sealed FROM case_notes WHERE case_id = $1 ORDER BY at`),
      q(`SELECT id, to_period AS "toPeriod", reason, reason_sealed, requested_by AS "requestedBy", requested_at AS "requestedAt", decision, decided_by AS "decidedBy", decided_at AS "decidedAt", decision_reason AS "decisionReason", decision_reason_sealed, senior_approval AS "seniorApproval" FROM case_extension_requests WHERE case_id = $1 ORDER BY requested_at`),
      q(`SELECT staff_id AS "staffId", reason, reason_sealed, declared_by AS "declaredBy", declared_at AS "declaredAt" FROM case_declared_interests WHERE case_id = $1`),
    ]);
    // Contacts and notes quote the customer at length: in clear only for roles whose work needs it.
    const clear = seesPersonalData(request.principal);
    const open = (sealed: string) => (clear ? this.cipher.decrypt(sealed) : '(masked)');
    const text = freeTextFor(clear);
    const unseal = (sealed: string | null, asWritten: string | null) => opened(this.cipher, sealed, asWritten);
    const taskRows = tasks.map(({ request_sealed, result_sealed, ...t }: { request_sealed: string | null; result_sealed: string | null; request: string | null; result: string | null }) => ({
      ...t,
      request: unseal(request_sealed, t.request),
      result: unseal(result_sealed, t.result),
    }));
    const evidenceRows = evidence.map(({ description_sealed, ...e }: { description_sealed: string | null; description: string | null }) => ({ ...e, description: unseal(description_sealed, e.description) }));
    const withReason = ({ reason_sealed, ...r }: { reason_sealed: string | null; reason: string | null }) => ({ ...r, reason: unseal(reason_sealed, r.reason) });
    const extensionRows = extensions.map(({ reason_sealed, decision_reason_sealed, ...x }: { reason_sealed: string | null; decision_reason_sealed: string | null; reason: string | null; decisionReason: string | null }) => ({
      ...x,
      reason: unseal(reason_sealed, x.reason),
      decisionReason: unseal(decision_reason_sealed, x.decisionReason),
    }));
    return {
      ...caseAsSeen(found, text),
      allowedActions: this.workflow.allowedActions(found),
      declaredInterests: rowsAsSeen(interests.map(withReason), ['reason'], text),
      transitions: rowsAsSeen(transitions.map(withReason), ['reason'], text),
      assignments,
      tasks: rowsAsSeen(taskRows, ['request', 'result'], text),
      evidence: rowsAsSeen(evidenceRows, ['description'], text),
      contacts: contacts.map(({ summary_sealed, ...c }: { summary_sealed: string }) => ({ ...c, summary: open(summary_sealed) })),
      notes: notes.map(({ body_sealed, ...n }: { body_sealed: string }) => ({ ...n, body: open(body_sealed) })),
      extensions: rowsAsSeen(extensionRows, ['reason', 'decisionReason'], text),
    };
  }
}
