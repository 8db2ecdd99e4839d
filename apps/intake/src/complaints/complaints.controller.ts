import { Body, Controller, Get, Headers, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { isValidTicketNumber } from '@complaints/domain';
import { FileComplaintDto } from '@complaints/intake-adapters';
import { Allow, CurrentPrincipal, Principal, ProblemException, RateLimited } from '@complaints/platform';
import { REPLAY_HEADER, ComplaintAcknowledgement } from './complaint-acknowledgement';
import { CustomerSelfService } from './customer-self-service';
import { AmendComplaintDto, CustomerComplaintView, SupplementDto, WithdrawDto } from './self-service.dto';
import { ComplaintIntake } from './complaint-intake.service';

/** The last four digits of the phone or ID number given with the complaint. */
const PROOF_HEADER = 'x-proof-of-identity';
const PROOF_HEADER_DOC = {
  name: 'X-Proof-Of-Identity',
  required: false,
  description: 'Last four digits of the phone or ID number given with the complaint; not needed by staff or by the logged-in customer who filed it',
};
const PROOF_LOCKOUT_DOC = {
  status: 429,
  description: 'Too many wrong proofs for this ticket, or from this customer login across tickets: Retry-After (and retryAfterSeconds in the problem) says in how many seconds a try is free again',
};

@ApiTags('complaints')
@Controller('v1/complaints')
export class ComplaintsController {
  constructor(
    private readonly intake: ComplaintIntake,
    private readonly selfService: CustomerSelfService,
  ) {}

  @Post()
  @Allow('channel-adapter')
  @RateLimited('intake')
  @ApiOperation({ summary: 'File a complaint; answers with the ticket number and the response deadline' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: "The channel's retry key: a repeat of the same request gets the original ticket; a different request under a used key is refused (422)" })
  @ApiResponse({ status: 201, type: ComplaintAcknowledgement })
  @ApiResponse({ status: 422, description: 'The Idempotency-Key was used for a different complaint' })
  @ApiHeader({ name: REPLAY_HEADER, required: false, description: 'On the answer: "true" when it repeats the answer to an earlier request with the same key' })
  async file(
    @Body() dto: FileComplaintDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() adapter: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ComplaintAcknowledgement> {
    const key = validIdempotencyKey(idempotencyKey);
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
    const ack = await this.intake.fileComplaint(dto, key, { refuseDifferentRequest: true });
    // A retry gets exactly the original answer; only the header tells it apart.
    const { replayed, ...answer } = ack;
    res.status(HttpStatus.CREATED);
    if (replayed) res.setHeader(REPLAY_HEADER, 'true');
    return answer;
  }

  @Get(':ticketNumber')
  @Allow('customer', 'channel-adapter', 'triage-officer', 'investigator', 'department-staff', 'compliance-officer', 'auditor')
  @RateLimited('lookup')
  @ApiOperation({ summary: 'Where is my complaint? The customer-facing status and timeline' })
  @ApiHeader(PROOF_HEADER_DOC)
  @ApiResponse({ status: 200, type: CustomerComplaintView })
  @ApiResponse(PROOF_LOCKOUT_DOC)
  view(
    @Param('ticketNumber') ticketNumber: string,
    @Headers(PROOF_HEADER) proof: string | undefined,
    @CurrentPrincipal() asker: Principal,
  ): Promise<CustomerComplaintView> {
    return this.selfService.view(validTicket(ticketNumber), asker, proof);
  }

  @Post(':ticketNumber/supplements')
  @Allow('customer', 'channel-adapter')
  @RateLimited('lookup')
  @ApiOperation({ summary: 'The customer adds information or attachments' })
  @ApiHeader(PROOF_HEADER_DOC)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A repeat of the same supplement gets the first answer; a different supplement under a used key is refused (422)' })
  @ApiResponse({ status: 422, description: 'The Idempotency-Key was used for a different supplement' })
  @ApiResponse(PROOF_LOCKOUT_DOC)
  supplement(
    @Param('ticketNumber') ticketNumber: string,
    @Body() dto: SupplementDto,
    @Headers(PROOF_HEADER) proof: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() asker: Principal,
  ) {
    return this.selfService.supplement(validTicket(ticketNumber), asker, proof, dto, validIdempotencyKey(idempotencyKey));
  }

  @Post(':ticketNumber/amendments')
  @Allow('customer', 'channel-adapter')
  @RateLimited('lookup')
  @ApiOperation({ summary: 'The customer corrects contact details, reply preferences or the description' })
  @ApiHeader(PROOF_HEADER_DOC)
  @ApiResponse(PROOF_LOCKOUT_DOC)
  amend(
    @Param('ticketNumber') ticketNumber: string,
    @Body() dto: AmendComplaintDto,
    @Headers(PROOF_HEADER) proof: string | undefined,
    @CurrentPrincipal() asker: Principal,
  ) {
    return this.selfService.amend(validTicket(ticketNumber), asker, proof, dto);
  }

  @Post(':ticketNumber/withdrawal')
  @Allow('customer', 'channel-adapter')
  @RateLimited('lookup')
  @ApiOperation({ summary: 'The customer withdraws: the procedure ends that day' })
  @ApiHeader(PROOF_HEADER_DOC)
  @ApiResponse(PROOF_LOCKOUT_DOC)
  withdraw(
    @Param('ticketNumber') ticketNumber: string,
    @Body() dto: WithdrawDto,
    @Headers(PROOF_HEADER) proof: string | undefined,
    @CurrentPrincipal() asker: Principal,
  ) {
    return this.selfService.withdraw(validTicket(ticketNumber), asker, proof, dto);
  }
}

function validTicket(ticketNumber: string): string {
  if (!isValidTicketNumber(ticketNumber)) {
    throw new ProblemException({
      type: 'https://complaints.example/problems/validation',
      title: 'The request is not valid',
      status: 400,
      errors: [{ path: 'path:ticketNumber', message: 'not a ticket number (CMP-YYYYMMDD-NNNNNNNN-C) or its check digit is wrong' }],
    });
  }
  return ticketNumber;
}

function validIdempotencyKey(key: string | undefined): string | null {
  if (key !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(key)) {
    throw new ProblemException({
      type: 'https://complaints.example/problems/validation',
      title: 'The request is not valid',
      status: 400,
      errors: [{ path: 'header:Idempotency-Key', message: 'must be 1-128 letters, digits or ._:-' }],
    });
  }
  return key ?? null;
}
