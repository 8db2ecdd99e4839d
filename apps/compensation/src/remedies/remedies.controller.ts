import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, UnprocessableEntityException } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsISO8601, IsNotEmpty, IsObject, IsString, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { DataSource } from 'typeorm';
import { CaseReopened, CaseResponseIssued, ComplaintReceived, EventEnvelope, Events } from '@complaints/contracts';
import { delayInterest, InterestInputError, maskDigitRuns } from '@complaints/domain';
import { EventContext } from '@complaints/messaging';
import { Allow, AuthenticatedRequest, FieldCipher, seesPersonalData, UuidParameterPipe } from '@complaints/platform';
import { COMPENSATION_POLICY, CompensationPolicy } from '../compensation-policy';
import { customerCapLockKey, moneyOf, RemedyDesk } from './remedy-desk';
import { RemedyRecord } from './remedy.entity';
import { FIELD_CIPHER, reopeningReason } from './sealed-remedy-text';

export class ReasonDto {
  @ApiProperty({ example: '客户已通过其他渠道获得退款' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;
}

export class MoneyDto {
  @ApiProperty({ example: 5_000_000, description: 'Integer minor units (fen, cents)' })
  @IsInt()
  @Min(1)
  amountMinor!: number;

  @ApiProperty({ example: 'CNY' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code' })
  currency!: string;
}

export class InterestQuoteDto {
  @ApiProperty({ type: MoneyDto, description: 'The delayed funds' })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  principal!: MoneyDto;

  @ApiProperty({ example: '2026-10-01', description: 'First day the funds were late' })
  @IsISO8601({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be a date (YYYY-MM-DD)' })
  from!: string;

  @ApiProperty({ example: '2026-10-15', description: 'The day they arrived (not counted)' })
  @IsISO8601({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be a date (YYYY-MM-DD)' })
  to!: string;
}

/** What staff see of a remedy: amounts as integers with their currency, its approvals and its payouts. */
/** Staff reasons can quote the customer (an account the money went to by mistake); roles without a need for personal data read them with digit runs masked. */
const asWritten = (text: string | null) => text;
const digitsMasked = (text: string | null) => (text === null ? null : maskDigitRuns(text));

const reasonsFor = (request: AuthenticatedRequest) => (seesPersonalData(request.principal) ? asWritten : digitsMasked);

function remedyView(r: RemedyRecord, payouts: Record<string, unknown>[] = [], text: (t: string | null) => string | null = asWritten) {
  return {
    remedyId: r.id,
    complaintId: r.complaintId,
    caseId: r.caseId,
    type: r.type,
    amount: moneyOf(r),
    status: r.status,
    route: r.route,
    proposedBy: r.proposedBy,
    approvals: r.approvals,
    holdReason: text(r.holdReason),
    rejection: r.rejectionReason ? { reason: text(r.rejectionReason), by: r.rejectedBy } : null,
    /** A reversal asked for (`by`, with its reason) and who asked for and confirmed it. */
    reversal: r.reversalReason ? { reason: text(r.reversalReason), by: r.reversedBy, approvals: r.reversalApprovals } : null,
    /** The latest reversal request an approver declined. */
    reversalRejection: r.reversalRejection
      ? { requestedBy: r.reversalRejection.requestedBy, requestReason: text(r.reversalRejection.requestReason), by: r.reversalRejection.by, reason: text(r.reversalRejection.reason), at: r.reversalRejection.at }
      : null,
    withdrawal: r.withdrawalCause ? { cause: r.withdrawalCause, reason: text(r.withdrawalReason), by: r.withdrawnBy } : null,
    /** A top-up: what the decision grants in all, and what the case's earlier remedies had granted of it. */
    topUp: r.decisionAmountMinor === null ? null : { decision: { amountMinor: Number(r.decisionAmountMinor), currency: r.currency }, grantedBefore: { amountMinor: Number(r.decisionAmountMinor) - Number(r.amountMinor), currency: r.currency } },
    caseReopened: r.caseReopenedAt ? { at: r.caseReopenedAt, reason: text(r.caseReopenReason) } : null,
    laterDecision: r.laterDecision,
    proposedAt: r.proposedAt,
    approvedAt: r.approvedAt,
    payouts,
  };
}

@ApiTags('remedies')
@Controller('v1/remedies')
export class RemediesController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly desk: RemedyDesk,
    @Inject(COMPENSATION_POLICY) private readonly policy: CompensationPolicy,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  /** Whose complaint it is (pseudonymous): the per-customer cap and the payout's destination need it. */
  @EventPattern(Events.ComplaintReceived.pattern)
  async onComplaintReceived(@Payload() event: EventEnvelope<ComplaintReceived>, @Ctx() ctx: EventContext) {
    await ctx.manager.query(
      `INSERT INTO complaint_customers (complaint_id, customer_ref, ticket_number) VALUES ($1, $2, $3) ON CONFLICT (complaint_id) DO NOTHING`,
      [event.complaintId, event.payload.customerRef, event.payload.ticketNumber],
    );
    // Topics are read independently: a decision may have arrived first, and its remedy waited for this.
    await this.desk.customerKnown(ctx.manager, (definition, payload) => ctx.publish(definition, payload), (ref) => ctx.lockFor(customerCapLockKey(ref)), event.complaintId, event.payload.customerRef, new Date(), event.correlationId);
    await ctx.manager.query(`UPDATE remedies SET customer_ref = $2 WHERE complaint_id = $1 AND customer_ref IS NULL`, [event.complaintId, event.payload.customerRef]);
  }

  /**
   * An issued response is weighed against what the case already granted: what it adds becomes a
   * proposed remedy (small ones approved and paid at once), and a later decision granting less, or
   * nothing, takes back nothing paid. A decision the case's latest one acted on supersedes (an
   * earlier round, or the same round before a reopening, arriving late) changes nothing. Both
   * versions: v2 differs only in sealing the explanation, which is not read here.
   */
  @EventPattern([Events.CaseResponseIssuedV1.pattern, Events.CaseResponseIssued.pattern])
  async onResponseIssued(@Payload() event: EventEnvelope<CaseResponseIssued>, @Ctx() ctx: EventContext) {
    const { remedy, caseId, decidedBy, reviewRound, issuedAt } = event.payload;
    await this.desk.decisionIssued(
      ctx.manager,
      (definition, payload) => ctx.publish(definition, payload),
      (ref) => ctx.lockFor(customerCapLockKey(ref)),
      { complaintId: event.complaintId, caseId, remedy, decidedBy, reviewRound, issuedAt, correlationId: event.correlationId },
      new Date(),
    );
  }

  /**
   * A reopened case's decision is withdrawn: so is every remedy of it no money has left for. A
   * reopening that came before the case's latest decision acted on was answered by it, and changes nothing.
   * Both versions: v2 seals the reason, which is opened here (`reopeningReason`) so that the remedy
   * keeps, and the withdrawal repeats, the approver's words as written (both sealed again).
   */
  @EventPattern([Events.CaseReopenedV1.pattern, Events.CaseReopened.pattern])
  async onCaseReopened(@Payload() event: EventEnvelope<CaseReopened>, @Ctx() ctx: EventContext) {
    const reopening = { ...event.payload, reason: reopeningReason(event.version, event.payload.reason, this.cipher) };
    await this.desk.caseReopened(ctx.manager, (definition, payload) => ctx.publish(definition, payload), event.complaintId, reopening, new Date(event.occurredAt), new Date());
  }

  @Get()
  @Allow('investigator', 'approver', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'Remedies of a complaint' })
  async list(@Query('complaintId', UuidParameterPipe) complaintId: string, @Req() request: AuthenticatedRequest) {
    const remedies = await this.dataSource.getRepository(RemedyRecord).find({ where: { complaintId }, order: { proposedAt: 'ASC' } });
    return remedies.map((r) => remedyView(r, [], reasonsFor(request)));
  }

  @Get('awaiting-approval')
  @Allow('approver', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'Remedies waiting for an approver, oldest first' })
  async awaitingApproval(@Req() request: AuthenticatedRequest) {
    const remedies = await this.dataSource.getRepository(RemedyRecord).find({ where: { status: 'proposed' }, order: { proposedAt: 'ASC' }, take: 500 });
    return remedies.map((r) => remedyView(r, [], reasonsFor(request)));
  }

  @Get('awaiting-reversal')
  @Allow('approver', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'Reversals asked for and waiting for a second approver’s confirmation, oldest first' })
  async awaitingReversal(@Req() request: AuthenticatedRequest) {
    const remedies = await this.dataSource.getRepository(RemedyRecord).find({ where: { status: 'reversal-requested' }, order: { updatedAt: 'ASC' }, take: 500 });
    return remedies.map((r) => remedyView(r, [], reasonsFor(request)));
  }

  @Get(':remedyId')
  @Allow('investigator', 'approver', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'A remedy with its approvals, payout instructions and ledger entries' })
  async detail(@Param('remedyId', UuidParameterPipe) remedyId: string, @Req() request: AuthenticatedRequest) {
    const remedy = await this.dataSource.getRepository(RemedyRecord).findOneBy({ id: remedyId });
    if (!remedy) throw new NotFoundException(`no remedy ${remedyId}`);
    const payouts: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT p.id AS "instructionId", p.kind, p.status, p.attempts, p.core_reference AS "coreReference", p.last_error AS "lastError", p.created_at AS "createdAt", p.settled_at AS "settledAt",
              (SELECT json_agg(json_build_object('account', l.account, 'debitMinor', l.debit_minor, 'creditMinor', l.credit_minor, 'currency', l.currency) ORDER BY l.line)
                 FROM ledger_entries e JOIN ledger_postings l ON l.entry_id = e.id WHERE e.instruction_id = p.id) AS postings
         FROM payouts p WHERE p.remedy_id = $1 ORDER BY p.created_at`,
      [remedyId],
    );
    return remedyView(remedy, payouts, reasonsFor(request));
  }

  @Post(':remedyId/approvals')
  @HttpCode(200)
  @Allow('approver', 'compliance-officer')
  @ApiOperation({ summary: 'Approve a remedy within your limit (four eyes above the threshold; never the person who decided it)' })
  async approve(@Param('remedyId', UuidParameterPipe) remedyId: string, @Req() request: AuthenticatedRequest) {
    return remedyView(await this.desk.approve(remedyId, request), [], reasonsFor(request));
  }

  @Post(':remedyId/rejection')
  @HttpCode(200)
  @Allow('approver', 'compliance-officer')
  @ApiOperation({ summary: 'Reject a proposed remedy, with the reason' })
  async reject(@Param('remedyId', UuidParameterPipe) remedyId: string, @Body() dto: ReasonDto, @Req() request: AuthenticatedRequest) {
    return remedyView(await this.desk.reject(remedyId, dto.reason, request), [], reasonsFor(request));
  }

  @Post(':remedyId/reversal')
  @HttpCode(202)
  @Allow('approver', 'compliance-officer')
  @ApiOperation({
    summary:
      'Ask for a paid remedy to be taken back, within your approval limit: a debit instruction to core banking once confirmed (at once when you may reverse it alone; a second approver above the four-eyes threshold, or when you decided or approved the payout)',
  })
  async reverse(@Param('remedyId', UuidParameterPipe) remedyId: string, @Body() dto: ReasonDto, @Req() request: AuthenticatedRequest) {
    return remedyView(await this.desk.requestReversal(remedyId, dto.reason, request), [], reasonsFor(request));
  }

  @Post(':remedyId/reversal/approvals')
  @HttpCode(200)
  @Allow('approver', 'compliance-officer')
  @ApiOperation({ summary: 'Confirm a reversal someone else asked for, within your limit (never its requester; someone with no part in the payout)' })
  async confirmReversal(@Param('remedyId', UuidParameterPipe) remedyId: string, @Req() request: AuthenticatedRequest) {
    return remedyView(await this.desk.confirmReversal(remedyId, request), [], reasonsFor(request));
  }

  @Post(':remedyId/reversal/rejection')
  @HttpCode(200)
  @Allow('approver', 'compliance-officer')
  @ApiOperation({ summary: 'Decline a reversal waiting for confirmation, with the reason: the payout stands' })
  async rejectReversal(@Param('remedyId', UuidParameterPipe) remedyId: string, @Body() dto: ReasonDto, @Req() request: AuthenticatedRequest) {
    return remedyView(await this.desk.rejectReversal(remedyId, dto.reason, request), [], reasonsFor(request));
  }

  @Post('interest-quotes')
  @HttpCode(200)
  @Allow('investigator', 'approver', 'compliance-officer')
  @ApiOperation({ summary: 'Interest for delayed funds under the catalogue’s rate, day-count basis and rounding' })
  quoteInterest(@Body() dto: InterestQuoteDto) {
    const terms = this.policy.catalogue.delayInterest;
    try {
      const quote = delayInterest({ principalMinor: dto.principal.amountMinor, annualRate: terms.annualRate, from: dto.from, to: dto.to, basis: terms.basis, rounding: terms.rounding });
      return {
        amount: { amountMinor: quote.amountMinor, currency: dto.principal.currency },
        principal: dto.principal,
        days: quote.days,
        annualRate: terms.annualRate,
        basis: terms.basis,
        rounding: terms.rounding,
        exactMinor: quote.exact,
      };
    } catch (e) {
      if (e instanceof InterestInputError) throw new UnprocessableEntityException(e.message);
      throw e;
    }
  }
}
