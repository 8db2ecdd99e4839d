import { Controller, Get, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ComplaintReceived, EventEnvelope, Events } from '@complaints/contracts';
import { triageComplaint } from '@complaints/domain';
import { EventContext } from '@complaints/messaging';
import { TriageDecisionRecord } from './triage-decision.entity';
import { Allow } from '@complaints/platform';

@ApiTags('triage')
@Controller('v1/triage')
export class ComplaintTriage {
  constructor(private readonly dataSource: DataSource) {}

  /** Classifies, weighs and routes a new complaint, and starts its deadline clock. */
  @EventPattern(Events.ComplaintReceived.pattern)
  async onComplaintReceived(@Payload() event: EventEnvelope<ComplaintReceived>, @Ctx() ctx: EventContext) {
    const received = event.payload;
    const decision = triageComplaint({
      summary: received.summary,
      productHint: received.productHint,
      amountInDisputeMinor: received.amountInDispute?.amountMinor ?? null,
      channel: received.channel,
    });
    await ctx.manager.insert(TriageDecisionRecord, {
      complaintId: event.complaintId,
      ticketNumber: received.ticketNumber,
      ...decision,
      regime: received.regime,
      clockStartedAt: new Date(received.receivedAt),
      responseDueBy: new Date(received.responseDueBy),
      decidedAt: new Date(),
    });
    await ctx.publish(Events.ComplaintTriaged, {
      ticketNumber: received.ticketNumber,
      ...decision,
      regime: received.regime,
      responseDueBy: received.responseDueBy,
    });
  }

  @Get('decisions/:complaintId')
  @Allow('triage-officer', 'investigator', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'The triage decision for a complaint, with its rule and reasons' })
  async decision(@Param('complaintId', new ParseUUIDPipe()) complaintId: string) {
    const found = await this.dataSource.getRepository(TriageDecisionRecord).findOneBy({ complaintId });
    if (!found) throw new NotFoundException(`no triage decision for complaint ${complaintId}`);
    return found;
  }
}
