import { Body, ConflictException, Controller, Get, NotFoundException, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ComplaintRetriaged, ComplaintTriaged, ComplaintWithdrawn, EventEnvelope, Events } from '@complaints/contracts';
import { EventContext, OutboxPublisher } from '@complaints/messaging';
import { Allow, AuthenticatedRequest, StaffAuditTrail } from '@complaints/platform';
import { CaseRecord } from './case.entity';
import { RecordResolutionDto } from './record-resolution.dto';

@ApiTags('cases')
@Controller('v1/cases')
export class CasesController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    private readonly audit: StaffAuditTrail,
  ) {}

  /** A case opens when triage has routed the complaint; it lands in the department's queue. */
  @EventPattern(Events.ComplaintTriaged.pattern)
  async openCase(@Payload() event: EventEnvelope<ComplaintTriaged>, @Ctx() ctx: EventContext) {
    const triaged = event.payload;
    const opened = ctx.manager.create(CaseRecord, {
      id: randomUUID(),
      complaintId: event.complaintId,
      ticketNumber: triaged.ticketNumber,
      department: triaged.department,
      severity: triaged.severity,
      status: 'open',
      responseDueBy: new Date(triaged.responseDueBy),
      openedAt: new Date(),
      resolution: null,
    });
    // Withdrawn before the case could open: it opens already ended, so the record stays complete.
    const [withdrawal]: { withdrawn_at: Date }[] = await ctx.manager.query(`SELECT withdrawn_at FROM withdrawals WHERE complaint_id = $1`, [event.complaintId]);
    if (withdrawal) Object.assign(opened, { status: 'withdrawn', withdrawnAt: withdrawal.withdrawn_at });
    await ctx.manager.insert(CaseRecord, opened);
    await ctx.publish(Events.CaseOpened, {
      caseId: opened.id,
      ticketNumber: opened.ticketNumber,
      department: opened.department,
      severity: triaged.severity,
      responseDueBy: triaged.responseDueBy,
    });
  }

  /** A triage officer re-routed the complaint: an open case moves to the new department's queue at the new severity. */
  @EventPattern(Events.ComplaintRetriaged.pattern)
  async reroute(@Payload() event: EventEnvelope<ComplaintRetriaged>, @Ctx() ctx: EventContext) {
    const { department, severity } = event.payload.current;
    await ctx.manager.update(CaseRecord, { complaintId: event.complaintId, status: 'open' }, { department, severity });
  }

  /** The customer ended the procedure: an open case stops that day. */
  @EventPattern(Events.ComplaintWithdrawn.pattern)
  async withdraw(@Payload() event: EventEnvelope<ComplaintWithdrawn>, @Ctx() ctx: EventContext) {
    const withdrawnAt = new Date(event.payload.withdrawnAt);
    await ctx.manager.query(`INSERT INTO withdrawals (complaint_id, withdrawn_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [event.complaintId, withdrawnAt]);
    await ctx.manager.update(CaseRecord, { complaintId: event.complaintId, status: 'open' }, { status: 'withdrawn', withdrawnAt });
  }

  @Get()
  @Allow('investigator', 'department-staff', 'triage-officer', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'Cases, optionally for one complaint' })
  @ApiQuery({ name: 'complaintId', required: false })
  list(@Query('complaintId', new ParseUUIDPipe({ optional: true })) complaintId?: string) {
    return this.dataSource.getRepository(CaseRecord).find({
      where: complaintId ? { complaintId } : {},
      order: { responseDueBy: 'ASC' },
      take: 200,
    });
  }

  @Get(':caseId')
  @Allow('investigator', 'department-staff', 'triage-officer', 'compliance-officer', 'auditor')
  async get(@Param('caseId', new ParseUUIDPipe()) caseId: string) {
    const found = await this.dataSource.getRepository(CaseRecord).findOneBy({ id: caseId });
    if (!found) throw new NotFoundException(`no case ${caseId}`);
    return found;
  }

  @Post(':caseId/resolution')
  @Allow('investigator')
  @ApiOperation({ summary: 'Record the reasoned decision; a remedy goes on to compensation' })
  async recordResolution(
    @Param('caseId', new ParseUUIDPipe()) caseId: string,
    @Body() dto: RecordResolutionDto,
    @Req() request: AuthenticatedRequest,
  ) {
    return this.dataSource.transaction(async (manager) => {
      const found = await manager.findOne(CaseRecord, { where: { id: caseId }, lock: { mode: 'pessimistic_write' } });
      if (!found) throw new NotFoundException(`no case ${caseId}`);
      if (found.status !== 'open') throw new ConflictException(`case ${caseId} is already ${found.status}`);
      const resolution = {
        outcome: dto.outcome,
        explanation: dto.explanation,
        remedy: dto.remedy ? { type: dto.remedy.type, amount: { ...dto.remedy.amount } } : null,
        // The decision is signed by the verified caller, not by a name typed into the form.
        decidedBy: request.principal!.subject,
        decidedAt: new Date().toISOString(),
      };
      await manager.update(CaseRecord, { id: caseId }, { status: 'resolved', resolution });
      await this.publisher.publish(manager, Events.CaseResolved, found.complaintId, {
        caseId,
        ticketNumber: found.ticketNumber,
        outcome: resolution.outcome,
        explanation: resolution.explanation,
        remedy: resolution.remedy,
        decidedBy: resolution.decidedBy,
      });
      await this.audit.record(manager, request, found.complaintId, 'case.resolution-recorded', { caseId, outcome: dto.outcome });
      return { ...found, status: 'resolved', resolution };
    });
  }
}
