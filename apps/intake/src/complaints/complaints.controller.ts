import { Body, Controller, Get, Headers, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { isValidTicketNumber } from '@complaints/domain';
import { Allow, CurrentPrincipal, Principal, ProblemException, RateLimited } from '@complaints/platform';
import { REPLAY_HEADER, ComplaintAcknowledgement, ComplaintStatusView } from './complaint-acknowledgement';
import { ComplaintIntake } from './complaint-intake.service';
import { FileComplaintDto } from '@complaints/intake-adapters';

@ApiTags('complaints')
@Controller('v1/complaints')
export class ComplaintsController {
  constructor(private readonly intake: ComplaintIntake) {}

  @Post()
  @Allow('channel-adapter')
  @RateLimited('intake')
  @ApiOperation({ summary: 'File a complaint; answers with the ticket number and the response deadline' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: "The channel's retry key: a repeat gets the original ticket" })
  @ApiResponse({ status: 201, type: ComplaintAcknowledgement })
  @ApiHeader({ name: REPLAY_HEADER, required: false, description: 'On the answer: "true" when it repeats the answer to an earlier request with the same key' })
  async file(
    @Body() dto: FileComplaintDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() adapter: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ComplaintAcknowledgement> {
    if (idempotencyKey !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(idempotencyKey)) {
      throw new ProblemException({
        type: 'https://complaints.example/problems/validation',
        title: 'The request is not valid',
        status: 400,
        errors: [{ path: 'header:Idempotency-Key', message: 'must be 1-128 letters, digits or ._:-' }],
      });
    }
    // An adapter speaks for its own channel only: the branch system cannot file as WeChat.
    if (adapter.channel !== dto.channel) {
      throw new ProblemException({
        type: 'https://complaints.example/problems/wrong-channel',
        title: 'Forbidden',
        status: 403,
        detail: adapter.channel
          ? `this adapter files for channel "${adapter.channel}", not "${dto.channel}"`
          : 'the token names no channel; channel adapters need a channel claim',
      });
    }
    const ack = await this.intake.fileComplaint(dto, idempotencyKey ?? null);
    // A retry gets exactly the original answer; only the header tells it apart.
    const { replayed, ...answer } = ack;
    res.status(HttpStatus.CREATED);
    if (replayed) res.setHeader(REPLAY_HEADER, 'true');
    return answer;
  }

  @Get(':ticketNumber/status')
  @Allow('customer', 'channel-adapter', 'triage-officer', 'investigator', 'department-staff', 'compliance-officer', 'auditor')
  @RateLimited('lookup')
  @ApiOperation({ summary: 'Where is my complaint?' })
  @ApiResponse({ status: 200, type: ComplaintStatusView })
  status(@Param('ticketNumber') ticketNumber: string, @CurrentPrincipal() asker: Principal): Promise<ComplaintStatusView> {
    if (!isValidTicketNumber(ticketNumber)) {
      throw new ProblemException({
        type: 'https://complaints.example/problems/validation',
        title: 'The request is not valid',
        status: 400,
        errors: [{ path: 'path:ticketNumber', message: 'not a ticket number (CMP-YYYYMMDD-NNNNNNNN-C) or its check digit is wrong' }],
      });
    }
    return this.intake.statusOf(ticketNumber, asker);
  }
}
