import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, UnprocessableEntityException } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Events, IMPROVEMENT_STATUSES, Role } from '@complaints/contracts';
import { OutboxPublisher } from '@complaints/messaging';
import { Allow, AuthenticatedRequest, FieldCipher, ProblemException, seesPersonalData, StaffAuditTrail, UuidParameterPipe } from '@complaints/platform';
import { CaseRecord } from '../cases/case.entity';
import { freeTextFor, rowsAsSeen } from '../cases/case-views';
import { forEvent } from '../cases/case-workflow';
import { opened } from '../cases/sealed-case-text';
import { FIELD_CIPHER } from '../journal/field-cipher.token';

type ImprovementStatus = (typeof IMPROVEMENT_STATUSES)[number];

/** Which status may follow which: an action is checked for effect only after it is done. */
const NEXT_STATUS: Record<ImprovementStatus, ImprovementStatus[]> = {
  open: ['in-progress', 'done', 'cancelled'],
  'in-progress': ['done', 'cancelled'],
  done: ['effective', 'ineffective'],
  ineffective: ['in-progress', 'cancelled'],
  effective: [],
  cancelled: [],
};

export class RaiseImprovementDto {
  @ApiProperty({ description: 'The case whose root cause this action fixes (its findings must be recorded)' })
  @IsUUID()
  sourceCaseId!: string;

  @ApiProperty({ example: 'hotline', description: 'The department that owns the fix' })
  @Matches(/^[a-z][a-z0-9-]{0,59}$/, { message: 'department must be a department code' })
  department!: string;

  @ApiProperty({ example: '开展老年客户服务话术培训并抽查录音' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  measure!: string;

  @ApiProperty({ example: '2027-01-31T00:00:00Z' })
  @IsISO8601({ strict: true })
  dueBy!: string;
}

export class ImprovementStatusDto {
  @ApiProperty({ enum: IMPROVEMENT_STATUSES })
  @IsIn(IMPROVEMENT_STATUSES)
  status!: ImprovementStatus;

  @ApiPropertyOptional({ description: 'Required for the effectiveness check (effective / ineffective) and for cancelling' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class LinkComplaintDto {
  @ApiProperty({ description: 'A case with the same root cause' })
  @IsUUID()
  caseId!: string;
}

/** The roles that move any department's action to any status (the effectiveness check still excludes the owning department). */
const STATUS_OVERSEERS: readonly Role[] = ['investigator', 'approver', 'compliance-officer'];

/** What department staff may do with their own department's action. */
const DEPARTMENT_STEPS: readonly ImprovementStatus[] = ['in-progress', 'done'];

/** A measure or an effectiveness note can quote the complaint that raised it (a name, a number, an account): both rest sealed. */
const ACTION_TEXT = ['measure', 'effectivenessNote'] as const;

const ACTION_COLUMNS = `a.id, a.source_case_id AS "sourceCaseId", a.root_cause AS "rootCause", a.department, a.measure, a.measure_sealed, a.due_by AS "dueBy", a.status,
       a.effectiveness_note AS "effectivenessNote", a.effectiveness_note_sealed, a.raised_by AS "raisedBy", a.raised_at AS "raisedAt"`;

type StoredAction = Record<string, unknown> & { measure: string | null; measure_sealed: string | null; effectivenessNote: string | null; effectiveness_note_sealed: string | null };

/** 整改: problem → owner → measure → deadline → effectiveness check, with the complaints behind it. */
@ApiTags('improvement-actions')
@Controller('v1/improvement-actions')
export class ImprovementActionsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    private readonly audit: StaffAuditTrail,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  private asWritten({ measure_sealed, effectiveness_note_sealed, ...action }: StoredAction): Record<string, unknown> {
    return { ...action, measure: opened(this.cipher, measure_sealed, action.measure), effectivenessNote: opened(this.cipher, effectiveness_note_sealed, action.effectivenessNote) };
  }

  @Post()
  @Allow('investigator', 'approver', 'compliance-officer')
  @ApiOperation({ summary: 'Raise an improvement action from a case’s root cause' })
  raise(@Body() dto: RaiseImprovementDto, @Req() request: AuthenticatedRequest) {
    const actor = request.principal!.subject;
    return this.dataSource.transaction(async (manager) => {
      const source = await manager.findOneBy(CaseRecord, { id: dto.sourceCaseId });
      if (!source) throw new NotFoundException(`no case ${dto.sourceCaseId}`);
      if (!source.findings) throw new UnprocessableEntityException(`case ${dto.sourceCaseId} has no findings yet: an improvement action starts from a recorded root cause`);
      const dueBy = new Date(dto.dueBy);
      if (dueBy <= new Date()) throw new UnprocessableEntityException(`dueBy ${dto.dueBy} is not in the future`);
      const id = randomUUID();
      const now = new Date();
      const rootCause = source.findings.rootCause.code;
      await manager.query(
        `INSERT INTO improvement_actions (id, source_case_id, root_cause, department, measure_sealed, due_by, status, raised_by, raised_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $8)`,
        [id, source.id, rootCause, dto.department, this.cipher.encrypt(dto.measure), dueBy, actor, now],
      );
      await manager.query(`INSERT INTO improvement_action_cases (action_id, case_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)`, [id, source.id, actor, now]);
      await this.publisher.publish(manager, Events.ImprovementActionRaised, source.complaintId, {
        actionId: id,
        sourceCaseId: source.id,
        rootCause,
        department: dto.department,
        measure: forEvent(dto.measure),
        dueBy: dueBy.toISOString(),
        raisedBy: actor,
      });
      await this.audit.record(manager, request, source.complaintId, 'improvement.action-raised', { actionId: id, department: dto.department });
      return { id, sourceCaseId: source.id, rootCause, department: dto.department, measure: dto.measure, dueBy: dueBy.toISOString(), status: 'open' };
    });
  }

  @Get()
  @Allow('investigator', 'approver', 'compliance-officer', 'auditor', 'department-staff')
  @ApiOperation({ summary: 'Improvement actions, by department and status (default: the open ones), with overdue flagged and linked complaints counted' })
  @ApiQuery({ name: 'department', required: false })
  @ApiQuery({ name: 'status', required: false, description: 'comma-separated; default open,in-progress,ineffective' })
  async list(@Req() request: AuthenticatedRequest, @Query('department') department?: string, @Query('status') status?: string) {
    const statuses = (status ?? 'open,in-progress,ineffective').split(',');
    for (const s of statuses) if (!(IMPROVEMENT_STATUSES as readonly string[]).includes(s)) throw new UnprocessableEntityException(`no status ${s} (known: ${IMPROVEMENT_STATUSES.join(', ')})`);
    const rows: StoredAction[] = await this.dataSource.query(
      `SELECT ${ACTION_COLUMNS}, a.updated_at AS "updatedAt",
              (a.due_by < now() AND a.status IN ('open', 'in-progress')) AS overdue,
              (SELECT count(*)::int FROM improvement_action_cases l WHERE l.action_id = a.id) AS "linkedCases"
         FROM improvement_actions a
        WHERE a.status = ANY($1) AND ($2::text IS NULL OR a.department = $2)
        ORDER BY a.department, a.due_by LIMIT 500`,
      [statuses, department ?? null],
    );
    return rowsAsSeen(rows.map((row) => this.asWritten(row)), ACTION_TEXT, freeTextFor(seesPersonalData(request.principal)));
  }

  @Post(':actionId/status')
  @HttpCode(200)
  @Allow('investigator', 'approver', 'department-staff', 'compliance-officer')
  @ApiOperation({ summary: 'Move an action on: in progress, done, then the effectiveness check (effective / ineffective, with a note) by someone outside the owning department; department staff move only their own department\'s actions, to in-progress or done' })
  updateStatus(@Param('actionId', UuidParameterPipe) actionId: string, @Body() dto: ImprovementStatusDto, @Req() request: AuthenticatedRequest) {
    const actor = request.principal!.subject;
    return this.dataSource.transaction(async (manager) => {
      const [action]: { status: ImprovementStatus; source_case_id: string; department: string }[] = await manager.query(
        `SELECT status, source_case_id, department FROM improvement_actions WHERE id = $1 FOR UPDATE`,
        [actionId],
      );
      if (!action) throw new NotFoundException(`no improvement action ${actionId}`);
      const principal = request.principal!;
      const overseer = principal.roles.some((r) => STATUS_OVERSEERS.includes(r));
      const forbidden = (detail: string) => new ProblemException({ type: 'https://complaints.example/problems/forbidden', title: 'Forbidden', status: 403, detail });
      // Department staff carry out their own department's fixes, not other departments'.
      if (!overseer && principal.department !== action.department) throw forbidden(`department staff move only their own department's actions; this one is ${action.department}'s`);
      // The owning department does not certify its own fix, whatever other role its staff hold.
      if ((dto.status === 'effective' || dto.status === 'ineffective') && principal.department === action.department) {
        throw new UnprocessableEntityException(`the effectiveness check is made by someone outside the owning department (${action.department})`);
      }
      // Dropping a fix is for the roles that oversee it, not for the department that owes it.
      if (!overseer && !DEPARTMENT_STEPS.includes(dto.status)) throw forbidden(`department staff move their department's actions to ${DEPARTMENT_STEPS.join(' or ')} only`);
      if (!NEXT_STATUS[action.status].includes(dto.status)) {
        throw new UnprocessableEntityException(`an action that is ${action.status} cannot become ${dto.status} (next: ${NEXT_STATUS[action.status].join(', ') || 'none'})`);
      }
      const checking = dto.status === 'effective' || dto.status === 'ineffective' || dto.status === 'cancelled';
      if (checking && !dto.note?.trim()) throw new UnprocessableEntityException(`${dto.status} needs a note saying what was checked or why`);
      const now = new Date();
      const note = typeof dto.note === 'string' ? this.cipher.encrypt(dto.note) : null;
      await manager.query(
        `UPDATE improvement_actions SET status = $2, effectiveness_note_sealed = coalesce($3, effectiveness_note_sealed), effectiveness_note = CASE WHEN $3::text IS NULL THEN effectiveness_note END, updated_at = $4 WHERE id = $1`,
        [actionId, dto.status, note, now],
      );
      const [source]: { complaint_id: string }[] = await manager.query(`SELECT complaint_id FROM cases WHERE id = $1`, [action.source_case_id]);
      await this.publisher.publish(manager, Events.ImprovementActionUpdated, source.complaint_id, { actionId, status: dto.status, note: dto.note ? forEvent(dto.note) : null, updatedBy: actor });
      await this.audit.record(manager, request, source.complaint_id, 'improvement.action-updated', { actionId, status: dto.status });
      return { id: actionId, status: dto.status };
    });
  }

  @Post(':actionId/cases')
  @Allow('investigator', 'approver', 'compliance-officer')
  @ApiOperation({ summary: 'Link another complaint with the same root cause to the action' })
  linkCase(@Param('actionId', UuidParameterPipe) actionId: string, @Body() dto: LinkComplaintDto, @Req() request: AuthenticatedRequest) {
    const actor = request.principal!.subject;
    return this.dataSource.transaction(async (manager) => {
      const [action] = await manager.query(`SELECT id FROM improvement_actions WHERE id = $1`, [actionId]);
      if (!action) throw new NotFoundException(`no improvement action ${actionId}`);
      const linked = await manager.findOneBy(CaseRecord, { id: dto.caseId });
      if (!linked) throw new NotFoundException(`no case ${dto.caseId}`);
      const inserted: unknown[] = await manager.query(
        `INSERT INTO improvement_action_cases (action_id, case_id, linked_by, linked_at) VALUES ($1, $2, $3, now()) ON CONFLICT DO NOTHING RETURNING case_id`,
        [actionId, dto.caseId, actor],
      );
      if (inserted.length) {
        await this.publisher.publish(manager, Events.ImprovementComplaintLinked, linked.complaintId, { actionId, caseId: dto.caseId, linkedBy: actor });
        await this.audit.record(manager, request, linked.complaintId, 'improvement.complaint-linked', { actionId });
      }
      return { actionId, caseId: dto.caseId, linked: true };
    });
  }

  @Get(':actionId')
  @Allow('investigator', 'approver', 'compliance-officer', 'auditor', 'department-staff')
  async get(@Param('actionId', UuidParameterPipe) actionId: string, @Req() request: AuthenticatedRequest) {
    const [action]: StoredAction[] = await this.dataSource.query(`SELECT ${ACTION_COLUMNS} FROM improvement_actions a WHERE a.id = $1`, [actionId]);
    if (!action) throw new NotFoundException(`no improvement action ${actionId}`);
    const cases = await this.dataSource.query(
      `SELECT c.id AS "caseId", c.ticket_number AS "ticketNumber", l.linked_at AS "linkedAt" FROM improvement_action_cases l JOIN cases c ON c.id = l.case_id WHERE l.action_id = $1 ORDER BY l.linked_at`,
      [actionId],
    );
    const [seen] = rowsAsSeen([this.asWritten(action)], ACTION_TEXT, freeTextFor(seesPersonalData(request.principal)));
    return { ...seen, cases };
  }
}
