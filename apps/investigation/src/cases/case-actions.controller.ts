import { Body, Controller, HttpCode, Inject, Param, Post, Put, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { CaseResponseIssued, Events } from '@complaints/contracts';
import {
  approveResolution,
  assertActionAllowed,
  assertFourEyes,
  assignInvestigator,
  CaseStep,
  CaseTransitionError,
  changeInvolvedStaff,
  closeCase,
  conflictsOfInterest,
  contestDecision,
  customerRightsAt,
  escalate,
  periodOf,
  proposeResolution,
  recordFindings,
  rejectResolution,
  reopenCase,
} from '@complaints/domain';
import { Allow, AuthenticatedRequest, FieldCipher, ProblemException, UuidParameterPipe } from '@complaints/platform';
import { FIELD_CIPHER } from '../journal/field-cipher.token';
import { CaseRecord, IssuedResponse } from './case.entity';
import { AssignDto, DecisionDto, ExtensionRequestDto, FindingsDto, InvolvedStaffDto, ProposeResolutionDto, ReasonDto } from './case-requests.dto';
import { CaseEvent, CaseWorkflow, event, forEvent, StepContext, WorkflowStep } from './case-workflow';

type CaseView = Pick<CaseRecord, 'id' | 'status' | 'level' | 'reviewRound' | 'assignedTo' | 'department'> & { allowedActions: string[] };

/** Supervisors hold the approver role: they may escalate or close any case, an investigator only their own. */
const actsAsSupervisor = (request: AuthenticatedRequest): boolean => request.principal!.roles.includes('approver');

/**
 * What handlers do to a case. Each step asks libs/domain's case machine, which refuses an illegal
 * step with the allowed next ones (409) or names the rule it breaks (422, 403).
 */
@ApiTags('cases')
@Controller('v1/cases/:caseId')
export class CaseActionsController {
  constructor(
    private readonly workflow: CaseWorkflow,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  private view(found: CaseRecord): CaseView {
    return {
      id: found.id,
      status: found.status,
      level: found.level,
      reviewRound: found.reviewRound,
      assignedTo: found.assignedTo,
      department: found.department,
      allowedActions: this.workflow.allowedActions(found),
    };
  }

  /**
   * The decision goes out: the response carries the reasons, the remedy and where the customer may
   * turn. The explanation is written for the customer's letter, so it names them and quotes their
   * numbers and cannot be masked as other staff text is: the event carries it sealed, and the case
   * keeps it as written, like the proposal it came from.
   */
  private responseIssued(ctx: StepContext, moved: CaseStep, approvedBy: string | null): { issued: CaseEvent; resolution: IssuedResponse } {
    const p = moved.snapshot.proposal!;
    const f = moved.snapshot.findings!;
    const regime = this.workflow.policy.regimes[ctx.found.regime];
    const rights = customerRightsAt(ctx.now, regime, this.workflow.policy.escalationRoutes[ctx.found.regime]);
    const response: CaseResponseIssued = {
      caseId: ctx.found.id,
      ticketNumber: ctx.found.ticketNumber,
      reviewRound: moved.snapshot.reviewRound,
      outcome: p.outcome,
      explanation: p.explanation,
      liability: f.liability,
      rootCause: f.rootCause.code,
      actions: p.actions,
      remedy: p.remedy ? { type: p.remedy.type as never, amount: { amountMinor: p.remedy.amountMinor, currency: p.remedy.currency } } : null,
      decidedBy: p.proposedBy,
      approvedBy,
      issuedAt: ctx.now.toISOString(),
      rights: { reviewBy: rights.reviewBy, escalateTo: rights.escalateTo },
    };
    const { caseId: _c, ticketNumber: _t, ...resolution } = response;
    return { issued: event(Events.CaseResponseIssued, { ...response, explanation: this.cipher.encrypt(response.explanation) }), resolution };
  }

  private reviewByFor(ctx: StepContext): string {
    return customerRightsAt(ctx.now, this.workflow.policy.regimes[ctx.found.regime], []).reviewBy;
  }

  @Post('assignment')
  @HttpCode(200)
  @Allow('approver', 'triage-officer', 'administrator')
  @ApiOperation({ summary: 'Assign or reassign: a named investigator, or the best placed by workload and skill. Anyone with an interest in the case is refused (回避), with the reason' })
  assign(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: AssignDto, @Req() request: AuthenticatedRequest) {
    return this.workflow.act(caseId, request, 'case.assigned', async (ctx): Promise<WorkflowStep<CaseView>> => {
      assertActionAllowed(ctx.found.status, 'assign');
      let investigator = dto.investigator;
      let method: 'named' | 'workload-and-skill' = 'named';
      let excluded;
      // The queue a case waits in is its level's department (set on escalation and review), the
      // same one automatic assignment draws from; a case that belongs elsewhere is rerouted, not named across.
      const departments = { case: ctx.found.department, investigator: ctx.found.department };
      if (investigator) {
        const [known]: { department: string; active: boolean }[] = await ctx.manager.query(`SELECT department, active FROM investigators WHERE staff_id = $1`, [investigator]);
        if (!known || !known.active) throw new CaseTransitionError('invalid', ctx.found.status, 'assign', `${investigator} is not an active investigator in the directory`, 'investigator');
        const conflict = await this.workflow.conflictContext(ctx.manager, ctx.found);
        excluded = conflictsOfInterest(investigator, conflict, conflict.declared.includes(investigator) ? [ctx.found.complaintId] : []);
        departments.investigator = known.department;
      } else {
        const proposal = await this.workflow.proposeInvestigator(ctx.manager, ctx.found);
        if (!proposal.chosen) {
          const why = proposal.excluded.length ? `; excluded: ${proposal.excluded.map((e) => `${e.staffId} (${e.reason})`).join(', ')}` : '';
          throw new CaseTransitionError('no-candidate', ctx.found.status, 'assign', `nobody in ${ctx.found.department} is free to take the case${why}`);
        }
        investigator = proposal.chosen.staffId;
        excluded = proposal.excluded;
        method = 'workload-and-skill';
      }
      const moved = assignInvestigator(ctx.snapshot, { investigator, by: ctx.actor, at: ctx.now.toISOString(), reason: dto.reason ?? null, conflicts: excluded, departments });
      await this.workflow.recordAssignment(ctx.manager, ctx.found, investigator, ctx.actor, method, excluded, ctx.now);
      return {
        moved,
        events: [event(Events.CaseAssigned, { caseId, investigator, assignedBy: ctx.actor, method, level: ctx.found.level, reviewRound: ctx.found.reviewRound, excluded })],
        audit: { investigator, method },
        result: (after: CaseRecord) => ({ ...this.view(after), excluded }),
      };
    });
  }

  @Put('involved-staff')
  @Allow('triage-officer', 'investigator', 'approver')
  @ApiOperation({
    summary:
      'Record the staff the complaint is about: they and their line managers may not handle it, nor change this list (403). The list only grows; a supervisor may take someone off with a reason',
  })
  recordInvolvedStaff(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: InvolvedStaffDto, @Req() request: AuthenticatedRequest) {
    return this.workflow.act(caseId, request, 'case.involved-staff-recorded', async (ctx) => {
      const recorded = await this.workflow.conflictContext(ctx.manager, ctx.found);
      const change = changeInvolvedStaff(ctx.found.status, {
        current: ctx.found.involvedStaff,
        requested: dto.staffIds,
        by: ctx.actor,
        lineManagerOf: recorded.lineManagerOf,
        asSupervisor: actsAsSupervisor(request),
        reason: dto.reason,
      });
      const involvedStaff = change.involvedStaff;
      if (ctx.found.assignedTo) {
        const conflict = await this.workflow.conflictContext(ctx.manager, { ...ctx.found, involvedStaff } as CaseRecord);
        const reasons = conflictsOfInterest(ctx.found.assignedTo, conflict);
        if (reasons.length) {
          throw new ProblemException({
            type: 'https://complaints.example/problems/case-conflict-of-interest',
            title: 'The case rules refuse this',
            status: 409,
            detail: `the assigned investigator ${ctx.found.assignedTo} would have to stand aside (${reasons.map((r) => r.reason).join(', ')}): reassign the case first`,
          });
        }
      }
      // The reason goes on the record whole: the staff action record seals it (libs/platform StaffAuditTrail).
      const removal: Record<string, string> = change.reason === null ? {} : { removed: change.removed.join(','), reason: change.reason };
      return { changes: { involvedStaff }, audit: { involvedStaff: involvedStaff.join(','), ...removal }, result: { id: caseId, involvedStaff } };
    });
  }

  @Post('declared-interest')
  @HttpCode(201)
  @Allow('investigator', 'department-staff', 'approver')
  @ApiOperation({ summary: 'The caller declares a personal interest in the case and stands aside from it' })
  declareInterest(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: ReasonDto, @Req() request: AuthenticatedRequest) {
    return this.workflow.act(caseId, request, 'case.interest-declared', async (ctx) => {
      // A declared interest is often the customer by name: a relative, a neighbour, a friend.
      await ctx.manager.query(
        `INSERT INTO case_declared_interests (case_id, staff_id, reason_sealed, declared_by, declared_at) VALUES ($1, $2, $3, $2, $4)
         ON CONFLICT (case_id, staff_id) DO UPDATE SET reason_sealed = EXCLUDED.reason_sealed, reason = NULL`,
        [caseId, ctx.actor, this.cipher.encrypt(dto.reason), ctx.now],
      );
      return { audit: {}, result: { id: caseId, staffId: ctx.actor, reassignmentNeeded: ctx.found.assignedTo === ctx.actor } };
    });
  }

  @Put('findings')
  @Allow('investigator')
  @ApiOperation({ summary: 'Facts established, liability and root cause (the assigned investigator)' })
  recordFindings(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: FindingsDto, @Req() request: AuthenticatedRequest) {
    return this.workflow.act(caseId, request, 'case.findings-recorded', (ctx) => {
      const moved = recordFindings(ctx.snapshot, { facts: dto.facts, liability: dto.liability, rootCause: { code: dto.rootCause.code, detail: dto.rootCause.detail }, by: ctx.actor, at: ctx.now.toISOString() });
      return {
        moved,
        events: [event(Events.CaseFindingsRecorded, { caseId, liability: dto.liability, rootCause: dto.rootCause.code, facts: dto.facts.length, recordedBy: ctx.actor })],
        audit: { liability: dto.liability, rootCause: dto.rootCause.code },
        result: moved.snapshot.findings,
      };
    });
  }

  @Post('resolution')
  @Allow('investigator')
  @ApiOperation({ summary: 'Propose the reasoned decision: issued at once, or to a supervisor when its severity or amount needs four eyes' })
  proposeResolution(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: ProposeResolutionDto, @Req() request: AuthenticatedRequest) {
    return this.workflow.act(caseId, request, 'case.resolution-proposed', (ctx) => {
      const remedy = dto.remedy ? { type: dto.remedy.type, amountMinor: dto.remedy.amount.amountMinor, currency: dto.remedy.amount.currency } : null;
      const moved = proposeResolution(ctx.snapshot, {
        outcome: dto.outcome,
        explanation: dto.explanation,
        actions: dto.actions,
        remedy,
        policy: this.workflow.policy.approval,
        payable: this.workflow.policy.payable,
        reviewDueBy: this.reviewByFor(ctx),
        by: ctx.actor,
        at: ctx.now.toISOString(),
      });
      const p = moved.snapshot.proposal!;
      const events: CaseEvent[] = [
        event(Events.CaseResolutionProposed, {
          caseId,
          outcome: p.outcome,
          actions: p.actions,
          remedy: dto.remedy ? { type: dto.remedy.type, amount: { ...dto.remedy.amount } } : null,
          proposedBy: ctx.actor,
          needsApproval: p.needsApproval,
        }),
      ];
      let changes: Partial<CaseRecord> = {};
      if (moved.snapshot.state === 'responded') {
        const { issued, resolution } = this.responseIssued(ctx, moved, null);
        events.push(issued);
        changes = { resolution };
      }
      return { moved, changes, events, audit: { outcome: dto.outcome, needsApproval: String(p.needsApproval) }, result: (after: CaseRecord) => ({ ...this.view(after), proposal: p }) };
    });
  }

  @Post('resolution/decision')
  @HttpCode(200)
  @Allow('approver')
  @ApiOperation({ summary: 'Four eyes: a supervisor who did not propose it approves (within their authority limit) or sends it back with a reason' })
  decideResolution(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: DecisionDto, @Req() request: AuthenticatedRequest) {
    return this.workflow.act(caseId, request, `case.resolution-${dto.decision === 'approve' ? 'approved' : 'rejected'}`, (ctx) => {
      const proposedBy = ctx.snapshot.proposal?.proposedBy ?? '';
      const at = ctx.now.toISOString();
      const moved =
        dto.decision === 'approve'
          ? approveResolution(ctx.snapshot, { by: ctx.actor, at, authorityLimitsMinor: this.workflow.policy.approvalLimitsOf(request.principal!), reviewDueBy: this.reviewByFor(ctx) })
          : rejectResolution(ctx.snapshot, { by: ctx.actor, at, reason: dto.reason ?? '' });
      const events: CaseEvent[] = [
        event(Events.CaseResolutionDecided, { caseId, decision: dto.decision === 'approve' ? 'approved' : 'rejected', decidedBy: ctx.actor, proposedBy, reason: dto.reason ? forEvent(dto.reason) : null }),
      ];
      let changes: Partial<CaseRecord> = {};
      if (moved.snapshot.state === 'responded') {
        const { issued, resolution } = this.responseIssued(ctx, moved, ctx.actor);
        events.push(issued);
        changes = { resolution };
      }
      return { moved, changes, events, audit: { decision: dto.decision }, result: (after: CaseRecord) => this.view(after) };
    });
  }

  @Post('escalation')
  @HttpCode(200)
  @Allow('investigator', 'approver')
  @ApiOperation({ summary: 'Escalate: the case goes a level up, to that level’s department, and is assigned afresh (its investigator, or a supervisor)' })
  escalate(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: ReasonDto, @Req() request: AuthenticatedRequest) {
    return this.levelUp(caseId, request, 'case.escalated', (ctx) => escalate(ctx.snapshot, { by: ctx.actor, at: ctx.now.toISOString(), reason: dto.reason, asSupervisor: actsAsSupervisor(request) }), (moved) =>
      event(Events.CaseEscalated, { caseId, level: moved.snapshot.level, reason: forEvent(dto.reason), escalatedBy: request.principal!.subject }),
    );
  }

  @Post('review')
  @HttpCode(200)
  @Allow('investigator', 'triage-officer', 'approver')
  @ApiOperation({ summary: 'Log the customer’s request for a review of the decision (核查) within the window; a review case opens a level higher' })
  requestReview(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: ReasonDto, @Req() request: AuthenticatedRequest) {
    return this.levelUp(caseId, request, 'case.review-requested', (ctx) => contestDecision(ctx.snapshot, { by: ctx.actor, at: ctx.now.toISOString(), reason: dto.reason }), (moved) =>
      event(Events.CaseReviewRequested, { caseId, reviewRound: moved.snapshot.reviewRound, level: moved.snapshot.level, reason: forEvent(dto.reason), loggedBy: request.principal!.subject }),
    );
  }

  @Post('reopening')
  @HttpCode(200)
  @Allow('approver')
  @ApiOperation({ summary: 'Reopen an answered or closed case (new facts, a mistake); it is assigned afresh' })
  reopen(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: ReasonDto, @Req() request: AuthenticatedRequest) {
    return this.levelUp(caseId, request, 'case.reopened', (ctx) => reopenCase(ctx.snapshot, { by: ctx.actor, at: ctx.now.toISOString(), reason: dto.reason }), () =>
      event(Events.CaseReopened, { caseId, reason: forEvent(dto.reason), reopenedBy: request.principal!.subject }),
    );
  }

  /** A step after which the case waits for an investigator (at its level's department), assigned at once when someone is free. */
  private levelUp(caseId: string, request: AuthenticatedRequest, auditAction: string, transition: (ctx: StepContext) => CaseStep, announce: (moved: CaseStep) => CaseEvent) {
    return this.workflow.act(caseId, request, auditAction, async (ctx) => {
      const moved = transition(ctx);
      const department = this.workflow.policy.departmentAt(moved.snapshot.level, ctx.found.department);
      await this.workflow.commit(ctx.manager, ctx.found, { moved, changes: { department }, events: [announce(moved)] }, ctx.now);
      const assignedTo = await this.workflow.tryAutoAssign(ctx.manager, ctx.found, ctx.actor, ctx.now);
      return { audit: { level: String(ctx.found.level) }, result: { ...this.view(ctx.found), assignedTo } };
    });
  }

  @Post('closure')
  @HttpCode(200)
  @Allow('investigator', 'approver')
  @ApiOperation({ summary: 'Close an answered case: the customer accepted, or the review window passed (its investigator, or a supervisor)' })
  close(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: ReasonDto, @Req() request: AuthenticatedRequest) {
    return this.workflow.act(caseId, request, 'case.closed', (ctx) => {
      const moved = closeCase(ctx.snapshot, { by: ctx.actor, at: ctx.now.toISOString(), reason: dto.reason, asSupervisor: actsAsSupervisor(request) });
      return { moved, events: [event(Events.CaseClosed, { caseId, reason: forEvent(dto.reason), closedBy: ctx.actor })], result: (after: CaseRecord) => this.view(after) };
    });
  }

  @Post('extensions')
  @HttpCode(201)
  @Allow('investigator')
  @ApiOperation({ summary: 'Ask for more time (cn-cbirc: 15 → 30 days for complex cases, 60 with senior approval); a supervisor decides' })
  requestExtension(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: ExtensionRequestDto, @Req() request: AuthenticatedRequest) {
    return this.workflow.act(caseId, request, 'case.extension-requested', async (ctx) => {
      assertActionAllowed(ctx.found.status, 'request-extension');
      if (ctx.found.assignedTo !== ctx.actor) throw new CaseTransitionError('not-assigned', ctx.found.status, 'request-extension', `only the assigned investigator (${ctx.found.assignedTo ?? 'nobody'}) may ask for more time`);
      this.assertExtensionPermitted(ctx, dto.toPeriod, 'request-extension');
      const [pending] = await ctx.manager.query(`SELECT id FROM case_extension_requests WHERE case_id = $1 AND decision IS NULL`, [caseId]);
      if (pending) throw new CaseTransitionError('invalid', ctx.found.status, 'request-extension', `extension request ${pending.id} is still waiting for a decision`);
      const requestId = randomUUID();
      await ctx.manager.query(`INSERT INTO case_extension_requests (id, case_id, to_period, reason_sealed, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
        requestId,
        caseId,
        dto.toPeriod,
        this.cipher.encrypt(dto.reason),
        ctx.actor,
        ctx.now,
      ]);
      return {
        events: [event(Events.CaseExtensionRequested, { caseId, requestId, toPeriod: dto.toPeriod, reason: forEvent(dto.reason), requestedBy: ctx.actor })],
        audit: { requestId, toPeriod: dto.toPeriod },
        result: { id: requestId, caseId, toPeriod: dto.toPeriod, decision: null },
      };
    });
  }

  /** The regime decides which longer periods a case may move to, and which need a senior approver. */
  private assertExtensionPermitted(ctx: StepContext, toPeriod: string, action: 'request-extension' | 'decide-extension', seniorApprover?: boolean): void {
    const regime = this.workflow.policy.regimes[ctx.found.regime];
    const current = ctx.found.period ?? regime.responsePeriod ?? 'standard';
    let from;
    let to;
    try {
      from = periodOf(regime, current);
      to = periodOf(regime, toPeriod);
    } catch (e) {
      throw new CaseTransitionError('invalid', ctx.found.status, action, (e as Error).message);
    }
    if (!from.extendableTo.includes(toPeriod)) {
      throw new CaseTransitionError(
        'invalid',
        ctx.found.status,
        action,
        `${regime.id} does not permit extending ${current} to ${toPeriod}` + (from.extendableTo.length ? ` (permitted: ${from.extendableTo.join(', ')})` : ' (no further extension)'),
      );
    }
    if (seniorApprover === false && to.requiresSeniorApproval) {
      throw new CaseTransitionError('authority-limit', ctx.found.status, action, `extending to ${toPeriod} needs an approver from ${this.workflow.policy.seniorDepartment}`);
    }
  }

  @Post('extensions/:requestId/decision')
  @HttpCode(200)
  @Allow('approver')
  @ApiOperation({ summary: 'Approve or refuse an extension, with a reason; an approval moves the clock and the customer is told' })
  decideExtension(
    @Param('caseId', UuidParameterPipe) caseId: string,
    @Param('requestId', UuidParameterPipe) requestId: string,
    @Body() dto: DecisionDto,
    @Req() request: AuthenticatedRequest,
  ) {
    return this.workflow.act(caseId, request, `case.extension-${dto.decision === 'approve' ? 'approved' : 'rejected'}`, async (ctx) => {
      assertActionAllowed(ctx.found.status, 'decide-extension');
      const [pending]: { to_period: string; requested_by: string }[] = await ctx.manager.query(
        `SELECT to_period, requested_by FROM case_extension_requests WHERE id = $1 AND case_id = $2 AND decision IS NULL FOR UPDATE`,
        [requestId, caseId],
      );
      if (!pending) throw new CaseTransitionError('invalid', ctx.found.status, 'decide-extension', `no pending extension request ${requestId} on this case`);
      assertFourEyes(pending.requested_by, ctx.actor, { state: ctx.found.status, action: 'decide-extension' });
      if (!dto.reason?.trim()) throw new CaseTransitionError('reason-required', ctx.found.status, 'decide-extension', 'an extension decision needs a reason the customer can be told');
      const senior = request.principal!.department === this.workflow.policy.seniorDepartment;
      if (dto.decision === 'approve') this.assertExtensionPermitted(ctx, pending.to_period, 'decide-extension', senior);
      const decision = dto.decision === 'approve' ? 'approved' : 'rejected';
      await ctx.manager.query(
        `UPDATE case_extension_requests SET decision = $2, decided_by = $3, decided_at = $4, decision_reason_sealed = $5, senior_approval = $6 WHERE id = $1`,
        [requestId, decision, ctx.actor, ctx.now, this.cipher.encrypt(dto.reason), senior],
      );
      return {
        changes: decision === 'approved' ? { period: pending.to_period } : {},
        events: [
          event(Events.CaseExtensionDecided, {
            caseId,
            requestId,
            toPeriod: pending.to_period,
            decision,
            decidedBy: ctx.actor,
            requestedBy: pending.requested_by,
            seniorApproval: senior,
            reason: forEvent(dto.reason),
          }),
        ],
        audit: { requestId, decision },
        result: { id: requestId, caseId, toPeriod: pending.to_period, decision },
      };
    });
  }
}
