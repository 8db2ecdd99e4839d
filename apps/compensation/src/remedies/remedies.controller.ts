import { Controller, Get, ParseUUIDPipe, Query } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CaseResponseIssued, EventEnvelope, Events } from '@complaints/contracts';
import { EventContext } from '@complaints/messaging';
import { RemedyRecord } from './remedy.entity';
import { Allow } from '@complaints/platform';

@ApiTags('remedies')
@Controller('v1/remedies')
export class RemediesController {
  constructor(private readonly dataSource: DataSource) {}

  /** An issued response that grants a remedy becomes a proposed remedy, awaiting approval and payout. */
  @EventPattern(Events.CaseResponseIssued.pattern)
  async onResponseIssued(@Payload() event: EventEnvelope<CaseResponseIssued>, @Ctx() ctx: EventContext) {
    const { remedy, caseId } = event.payload;
    if (!remedy) return;
    // A review (核查) issues the decision again: the same remedy is not proposed, let alone paid, twice.
    const earlier = await ctx.manager.findOne(RemedyRecord, { where: { caseId }, lock: { mode: 'pessimistic_write' } });
    if (earlier) {
      const same = earlier.type === remedy.type && earlier.amountMinor === String(remedy.amount.amountMinor) && earlier.currency === remedy.amount.currency;
      if (same || earlier.status !== 'proposed') return;
      // The review changed the remedy before anything was paid: the proposal is amended in place.
      await ctx.manager.update(RemedyRecord, { id: earlier.id }, { type: remedy.type, amountMinor: String(remedy.amount.amountMinor), currency: remedy.amount.currency });
      await ctx.publish(Events.RemedyProposed, { remedyId: earlier.id, caseId, type: remedy.type, amount: remedy.amount });
      return;
    }
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
