import { Body, Controller, ForbiddenException, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { Events } from '@complaints/contracts';
import { assertActionAllowed, CaseTransitionError } from '@complaints/domain';
import { Allow, AuthenticatedRequest, FieldCipher, UuidParameterPipe } from '@complaints/platform';
import { CaseWorkflow, event, forEvent } from '../cases/case-workflow';
import { FIELD_CIPHER } from '../journal/field-cipher.token';

export class TaskRequestDto {
  @ApiProperty({ example: 'technology', description: 'The department asked to help' })
  @Matches(/^[a-z][a-z0-9-]{0,59}$/, { message: 'department must be a department code such as technology' })
  department!: string;

  @ApiPropertyOptional({ description: 'A named owner in that department' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._@-]{1,200}$/, { message: 'owner must be a staff id' })
  owner?: string;

  @ApiProperty({ example: '请核实该笔跨行转账在清算系统中的状态' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  request!: string;

  @ApiProperty({ example: '2026-11-25T10:00:00Z' })
  @IsISO8601({ strict: true }, { message: 'dueBy must be an ISO 8601 time' })
  dueBy!: string;
}

export class TaskResultDto {
  @ApiProperty({ example: '对方行接口超时，款项已于今日退回' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  result!: string;
}

/** Work asked of other departments (technology, operations, product, a branch), with a recorded result. */
@ApiTags('cases')
@Controller('v1/cases/:caseId/tasks')
export class CaseTasksController {
  constructor(
    private readonly workflow: CaseWorkflow,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  @Post()
  @Allow('investigator')
  @ApiOperation({ summary: 'Ask another department for work on the case, with an owner and a due date; its owner is reminded before it falls due' })
  requestTask(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: TaskRequestDto, @Req() request: AuthenticatedRequest) {
    return this.workflow.act(caseId, request, 'case.task-requested', async (ctx) => {
      assertActionAllowed(ctx.found.status, 'request-task');
      if (ctx.found.assignedTo !== ctx.actor) throw new CaseTransitionError('not-assigned', ctx.found.status, 'request-task', `only the assigned investigator (${ctx.found.assignedTo ?? 'nobody'}) may ask other departments for work`);
      const dueBy = new Date(dto.dueBy);
      if (dueBy <= ctx.now) throw new CaseTransitionError('invalid', ctx.found.status, 'request-task', `dueBy ${dto.dueBy} is not in the future`);
      const taskId = randomUUID();
      await ctx.manager.query(
        `INSERT INTO case_tasks (id, case_id, department, owner, request_sealed, due_by, status, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8)`,
        [taskId, caseId, dto.department, dto.owner ?? null, this.cipher.encrypt(dto.request), dueBy, ctx.actor, ctx.now],
      );
      return {
        events: [event(Events.CaseTaskRequested, { caseId, taskId, department: dto.department, owner: dto.owner ?? null, request: forEvent(dto.request), dueBy: dueBy.toISOString(), requestedBy: ctx.actor })],
        audit: { taskId, department: dto.department },
        result: { id: taskId, caseId, department: dto.department, owner: dto.owner ?? null, dueBy: dueBy.toISOString(), status: 'open' },
      };
    });
  }

  @Post(':taskId/result')
  @HttpCode(200)
  @Allow('department-staff', 'investigator')
  @ApiOperation({ summary: 'Record the department’s result: staff of that department (its owner when one was named) or the investigator' })
  completeTask(
    @Param('caseId', UuidParameterPipe) caseId: string,
    @Param('taskId', UuidParameterPipe) taskId: string,
    @Body() dto: TaskResultDto,
    @Req() request: AuthenticatedRequest,
  ) {
    return this.workflow.act(caseId, request, 'case.task-completed', async (ctx) => {
      assertActionAllowed(ctx.found.status, 'complete-task');
      const [task]: { department: string; owner: string | null; status: string; due_by: Date }[] = await ctx.manager.query(
        `SELECT department, owner, status, due_by FROM case_tasks WHERE id = $1 AND case_id = $2 FOR UPDATE`,
        [taskId, caseId],
      );
      if (!task) throw new CaseTransitionError('invalid', ctx.found.status, 'complete-task', `no task ${taskId} on this case`);
      if (task.status === 'done') throw new CaseTransitionError('invalid', ctx.found.status, 'complete-task', `task ${taskId} already has its result`);
      const principal = request.principal!;
      const isInvestigator = ctx.found.assignedTo === ctx.actor;
      const ofDepartment = principal.roles.includes('department-staff') && principal.department === task.department && (!task.owner || task.owner === ctx.actor);
      if (!isInvestigator && !ofDepartment) {
        throw new ForbiddenException(`the result of a ${task.department} task is recorded by ${task.owner ?? `staff of ${task.department}`} or the assigned investigator`);
      }
      const late = ctx.now > task.due_by;
      await ctx.manager.query(`UPDATE case_tasks SET status = 'done', result_sealed = $2, completed_by = $3, completed_at = $4 WHERE id = $1`, [taskId, this.cipher.encrypt(dto.result), ctx.actor, ctx.now]);
      return {
        events: [event(Events.CaseTaskCompleted, { caseId, taskId, department: task.department, result: forEvent(dto.result), completedBy: ctx.actor, late })],
        audit: { taskId, late: String(late) },
        result: { id: taskId, caseId, status: 'done', late },
      };
    });
  }
}
