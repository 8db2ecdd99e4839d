import { Controller, Get, ParseUUIDPipe, Query } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CaseResolved, EventEnvelope, Events } from '@complaints/contracts';
import { EventContext } from '@complaints/messaging';
import { RemedyRecord } from './remedy.entity';
import { Allow } from '@complaints/platform';

@ApiTags('remedies')
@Controller('v1/remedies')
export class RemediesController {
  constructor(private readonly dataSource: DataSource) {}

  /** A resolution that grants a remedy becomes a proposed remedy, awaiting approval and payout. */
  @EventPattern(Events.CaseResolved.pattern)
  async onCaseResolved(@Payload() event: EventEnvelope<CaseResolved>, @Ctx() ctx: EventContext) {
    const { remedy, caseId } = event.payload;
    if (!remedy) return;
    const proposed = ctx.manager.create(RemedyRecord, {
      id: randomUUID(),
      complaintId: event.complaintId,
      caseId,
      type: remedy.type,
      amountMinor: String(remedy.amount.amountMinor),
      currency: remedy.amount.currency,
      status: 'proposed',
      proposedAt: new Date(),
    });
    await ctx.manager.insert(RemedyRecord, proposed);
    await ctx.publish(Events.RemedyProposed, {
      remedyId: proposed.id,
      caseId,
      type: remedy.type,
      amount: remedy.amount,
    });
  }

  @Get()
  @Allow('investigator', 'approver', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'Remedies of a complaint' })
  list(@Query('complaintId', new ParseUUIDPipe()) complaintId: string) {
    return this.dataSource.getRepository(RemedyRecord).find({ where: { complaintId }, order: { proposedAt: 'ASC' } });
  }
}
