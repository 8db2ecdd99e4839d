import { Body, ConflictException, Controller, ForbiddenException, Get, HttpCode, Inject, NotFoundException, Param, Post, Req, UnprocessableEntityException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ComplaintTriaged, Events, Severity } from '@complaints/contracts';
import { DeadlineClock, DeadlineClockError, extendClock, maskDigitRuns, pauseClock, resumeClock, watchAfterClockChange } from '@complaints/domain';
import { OutboxPublisher } from '@complaints/messaging';
import { Allow, AuthenticatedRequest, FieldCipher, Principal, seesPersonalData, StaffAuditTrail, UuidParameterPipe } from '@complaints/platform';
import { clockChangeAccount, FIELD_CIPHER, OFFICER_LINE, officerLine, withoutOfficerWords } from './sealed-triage-text';
import { revisionReason, SystemicIncidentRecord, TriageDecisionRecord, TriageRevisionRecord } from './triage-decision.entity';
import { TRIAGE_POLICY, TriagePolicy, UnknownTaxonomyError } from './triage-policy';
import { ClockChangeDto, ClassifyRequestDto, RetriageDto } from './triage-requests.dto';

/** Staff who read triage decisions. */
const READERS = ['triage-officer', 'investigator', 'department-staff', 'compliance-officer', 'auditor'] as const;

/** Staff write reasons that can quote a customer's phone, card or account number: masked to readers without a need for personal data. */
const staffText = (text: string): string => maskDigitRuns(text);

const withOfficerLinesMasked = (reasons: string[]): string[] => reasons.map((r) => (OFFICER_LINE.test(r) ? staffText(r) : r));

@ApiTags('triage')
@Controller('v1/triage')
export class TriageApi {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    private readonly audit: StaffAuditTrail,
    @Inject(TRIAGE_POLICY) private readonly policy: TriagePolicy,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  @Post('classify')
  @HttpCode(200)
  @Allow('triage-officer', 'investigator', 'compliance-officer', 'administrator')
  @ApiOperation({ summary: 'Dry run: product, cause, severity and department for a text, with the reasons; nothing is filed' })
  classify(@Body() dto: ClassifyRequestDto) {
    const taxonomy = dto.taxonomy ?? this.policy.taxonomy.id;
    if ((dto.amountMinor === undefined) !== (dto.currency === undefined)) {
      throw new UnprocessableEntityException('amountMinor and currency go together');
    }
    try {
      const classified = this.policy.classify(dto.text, null, taxonomy);
      const assessed = this.policy.assess(
        classified,
        {
          text: dto.text,
          channel: dto.channel ?? 'web',
          severity: {
            amountInDispute: dto.amountMinor !== undefined ? { amountMinor: dto.amountMinor, currency: dto.currency! } : null,
            customerAge: dto.customerAge ?? null,
          },
        },
        taxonomy,
      );
      return {
        taxonomy: assessed.taxonomy,
        product: assessed.product,
        category: assessed.cause,
        channelCode: assessed.channelCode,
        severity: assessed.severity,
        department: assessed.department,
        routingRule: assessed.routingRule,
        confidence: Number(assessed.confidence.toFixed(4)),
        needsTriageOfficer: assessed.needsTriageOfficer,
        models: this.policy.setup(taxonomy).modelVersions(),
        reasons: assessed.reasons,
      };
    } catch (e) {
      if (e instanceof UnknownTaxonomyError) throw new UnprocessableEntityException(e.message);
      throw e;
    }
  }

  @Get('complaints/:complaintId')
  @Allow(...READERS)
  @ApiOperation({ summary: 'The triage decision for a complaint: codes, severity, route, clock, repeats, incident and revisions' })
  async decision(@Param('complaintId', UuidParameterPipe) complaintId: string, @Req() request: AuthenticatedRequest) {
    const found = await this.dataSource.getRepository(TriageDecisionRecord).findOneBy({ complaintId });
    if (!found) throw new NotFoundException(`no triage decision for complaint ${complaintId}`);
    const revisions = await this.dataSource.getRepository(TriageRevisionRecord).find({ where: { complaintId }, order: { revisedAt: 'ASC' } });
    const clear = seesPersonalData(request.principal);
    const shown = revisions.map((r) => {
      const reason = revisionReason(r);
      return { id: r.id, complaintId: r.complaintId, revisedAt: r.revisedAt, actor: r.actor, reason: clear ? reason : staffText(reason), previous: r.previous, current: r.current };
    });
    return { ...this.present(found, request.principal), revisions: shown };
  }

  @Get('queue')
  @Allow('triage-officer', 'compliance-officer', 'auditor')
  @ApiOperation({ summary: 'Complaints the model was unsure of, the most urgent first' })
  async queue(@Req() request: AuthenticatedRequest) {
    const waiting = await this.dataSource.getRepository(TriageDecisionRecord).find({
      where: { status: 'awaiting-triage-officer' },
      order: { responseDueBy: 'ASC' },
      take: 200,
    });
    return waiting.map((d) => this.present(d, request.principal));
  }

  @Post('complaints/:complaintId/retriage')
  @Allow('triage-officer')
  @ApiOperation({ summary: 'A triage officer decides a queued complaint or corrects a decision; the reason is mandatory and audited' })
  async retriage(@Param('complaintId', UuidParameterPipe) complaintId: string, @Body() dto: RetriageDto, @Req() request: AuthenticatedRequest) {
    if (!this.policy.isTopLevelCode('product', dto.product)) throw new UnprocessableEntityException(`${dto.product} is not a top-level product code of ${this.policy.taxonomy.id}`);
    if (!this.policy.isTopLevelCode('category', dto.cause)) throw new UnprocessableEntityException(`${dto.cause} is not a top-level cause code of ${this.policy.taxonomy.id}`);
    return this.dataSource.transaction(async (manager) => {
      const found = await this.lock(manager, complaintId);
      if (found.taxonomy !== this.policy.taxonomy.id) throw new ConflictException(`complaint ${complaintId} was triaged under ${found.taxonomy}, not ${this.policy.taxonomy.id}`);
      const severity = dto.severity ?? (found.severity as Severity);
      const route = this.policy.route(dto.product, dto.cause, severity, found.channel);
      const actor = request.principal!.subject;
      const previous = { product: found.product, cause: found.category, severity: found.severity as Severity, department: found.department };
      const current = { product: dto.product, cause: dto.cause, severity, department: route.department };
      const wasQueued = found.status === 'awaiting-triage-officer';
      const words = dto.reason.trim();
      // The officer's words rest sealed, in their line of the reasons and in the revision (sealed-triage-text.ts).
      const reasons = [...found.reasons, officerLine(wasQueued, actor, words), `routed to ${route.department} by ${route.routingRule}`];
      await manager.update(
        TriageDecisionRecord,
        { complaintId },
        { status: 'routed', product: dto.product, category: dto.cause, severity, department: route.department, routingRule: route.routingRule, triagedBy: 'triage-officer', reasons: reasons.slice(-50) },
      );
      await manager.insert(TriageRevisionRecord, { id: randomUUID(), complaintId, revisedAt: new Date(), actor, reasonSealed: words, reasonInClear: '', previous, current });
      const product = this.policy.label('product', dto.product);
      const cause = this.policy.label('category', dto.cause);
      if (wasQueued) {
        // First routing: downstream services see the same event as for a machine decision.
        await this.publisher.publish(manager, Events.ComplaintTriaged, complaintId, {
          ticketNumber: found.ticketNumber,
          category: dto.cause,
          severity,
          department: route.department,
          routingRule: route.routingRule,
          // Who decided, not the words: they stay in triage, sealed (withoutOfficerWords).
          reasons: withoutOfficerWords(reasons.slice(-50)),
          regime: found.regime as ComplaintTriaged['regime'],
          responseDueBy: found.responseDueBy.toISOString(),
          taxonomy: found.taxonomy,
          product,
          cause,
          channelCode: found.channelCode,
          confidence: found.confidence,
          triagedBy: 'triage-officer',
          repeatOf: await this.repeatOf(manager, found),
          systemicIncidentId: found.systemicIncidentId,
        });
      } else {
        await this.publisher.publish(manager, Events.ComplaintRetriaged, complaintId, {
          ticketNumber: found.ticketNumber,
          previous,
          current,
          routingRule: route.routingRule,
          // v2: the words as written, sealed with the platform's PII keys; the archive opens them for the record.
          reason: this.cipher.encrypt(words),
          actor,
        });
      }
      await this.audit.record(manager, request, complaintId, wasQueued ? 'triage.decided' : 'triage.retriaged', {
        product: dto.product,
        cause: dto.cause,
        severity,
        department: route.department,
      });
      return this.present(
        { ...found, status: 'routed', product: dto.product, category: dto.cause, severity, department: route.department, routingRule: route.routingRule, triagedBy: 'triage-officer', reasons },
        request.principal,
      );
    });
  }

  @Post('complaints/:complaintId/clock')
  @Allow('investigator', 'triage-officer', 'approver')
  @ApiOperation({ summary: 'Pause (where the regime allows), resume or extend (approvers only) the response clock, with a reason' })
  async changeClock(@Param('complaintId', UuidParameterPipe) complaintId: string, @Body() dto: ClockChangeDto, @Req() request: AuthenticatedRequest) {
    const principal = request.principal!;
    if (dto.action === 'extend' && !principal.roles.includes('approver')) throw new ForbiddenException('only an approver may extend the response period');
    if (dto.action === 'pause' && !dto.pauseReason) throw new UnprocessableEntityException('pauseReason is required to pause the clock');
    if (dto.action === 'extend' && !dto.toPeriod) throw new UnprocessableEntityException('toPeriod is required to extend the clock');
    return this.dataSource.transaction(async (manager) => {
      const found = await this.lock(manager, complaintId);
      const now = new Date();
      let clock: DeadlineClock;
      try {
        if (dto.action === 'pause') clock = pauseClock(found.clock, now, dto.pauseReason!);
        else if (dto.action === 'resume') clock = resumeClock(found.clock, now);
        // Senior approval (CBIRC: 60 days) is held by approvers of the senior-management department.
        else clock = extendClock(found.clock, dto.toPeriod!, now, { id: principal.subject, senior: principal.department === 'senior-management' });
      } catch (e) {
        if (e instanceof DeadlineClockError) throw new ConflictException(`${e.code}: ${e.message}`);
        throw e;
      }
      const change = dto.action === 'pause' ? 'paused' : dto.action === 'resume' ? 'resumed' : 'extended';
      // The regulator's deadline stays watched while paused; an extension or a resume keeps only the warnings still reached.
      const watch = watchAfterClockChange(found, clock, change, now, this.policy.warnAtFractions, now);
      const { responseDueBy } = watch;
      await manager.update(TriageDecisionRecord, { complaintId }, { clock, ...watch });
      await this.publisher.publish(manager, Events.DeadlineClockChanged, complaintId, {
        ticketNumber: found.ticketNumber,
        change,
        period: clock.period,
        // Triage's own account; the words staff wrote travel sealed in `staffReason`, which notification opens for an extension's notice.
        reason: clockChangeAccount(change, clock.period, dto.pauseReason, principal.department === 'senior-management' && dto.action === 'extend'),
        responseDueBy: clock.state === 'paused' ? null : responseDueBy.toISOString(),
        actor: principal.subject,
        staffReason: this.cipher.encrypt(dto.reason.trim()),
      });
      // No staff text in the staff action record: the event above carries it sealed.
      await this.audit.record(manager, request, complaintId, `deadline.clock-${change}`, {
        period: clock.period,
        ...(dto.pauseReason ? { pauseReason: dto.pauseReason } : {}),
      });
      return this.present({ ...found, clock, ...watch }, principal);
    });
  }

  @Get('incidents')
  @Allow(...READERS)
  @ApiOperation({ summary: 'Systemic incidents, the most recent first' })
  async incidents() {
    const found = await this.dataSource.getRepository(SystemicIncidentRecord).find({ order: { detectedAt: 'DESC' }, take: 100 });
    return this.withMembers(found);
  }

  @Get('incidents/:incidentId')
  @Allow(...READERS)
  async incident(@Param('incidentId', UuidParameterPipe) incidentId: string) {
    const found = await this.dataSource.getRepository(SystemicIncidentRecord).findOneBy({ id: incidentId });
    if (!found) throw new NotFoundException(`no systemic incident ${incidentId}`);
    const [withMembers] = await this.withMembers([found]);
    return withMembers;
  }

  /** Every complaint of each incident: those that raised it and those triaged into it since, in order of receipt. */
  private async withMembers(incidents: SystemicIncidentRecord[]): Promise<SystemicIncidentRecord[]> {
    if (incidents.length === 0) return incidents;
    const rows: { incident: string; ids: string[] }[] = await this.dataSource.query(
      `SELECT systemic_incident_id AS incident, array_agg(complaint_id ORDER BY received_at, complaint_id) AS ids
         FROM triage_decisions WHERE systemic_incident_id = ANY($1) GROUP BY systemic_incident_id`,
      [incidents.map((i) => i.id)],
    );
    const members = new Map(rows.map((r) => [r.incident, r.ids]));
    return incidents.map((i) => ({ ...i, complaintIds: [...new Set([...i.complaintIds, ...(members.get(i.id) ?? [])])] }));
  }

  /** The earlier complaint triage found this one repeats, as complaint.triaged names it. */
  private async repeatOf(manager: EntityManager, found: TriageDecisionRecord): Promise<ComplaintTriaged['repeatOf']> {
    if (!found.repeatOf) return null;
    const earlier = await manager.findOne(TriageDecisionRecord, { where: { complaintId: found.repeatOf }, select: { complaintId: true, ticketNumber: true } });
    // Decisions are never deleted; a repeat recorded without its earlier decision is a fault to look into, not to hide.
    if (!earlier) throw new Error(`complaint ${found.complaintId} repeats ${found.repeatOf}, which has no triage decision`);
    return { complaintId: earlier.complaintId, ticketNumber: earlier.ticketNumber };
  }

  private async lock(manager: EntityManager, complaintId: string): Promise<TriageDecisionRecord> {
    const found = await manager.findOne(TriageDecisionRecord, { where: { complaintId }, lock: { mode: 'pessimistic_write' } });
    if (!found) throw new NotFoundException(`no triage decision for complaint ${complaintId}`);
    return found;
  }

  /**
   * The decision as staff read it: codes with their names, the clock's state; never the text
   * sketch. What triage officers wrote is masked to roles without a need for personal data.
   */
  private present(d: TriageDecisionRecord, reader: Principal | undefined) {
    const { textSketch: _sketch, nextCheckAt: _next, ...rest } = d;
    const label = (dimension: 'product' | 'category', code: string) => {
      try {
        return this.policy.label(dimension, code, d.taxonomy);
      } catch {
        return { code, title: code };
      }
    };
    return {
      ...rest,
      reasons: seesPersonalData(reader) ? d.reasons : withOfficerLinesMasked(d.reasons),
      product: label('product', d.product),
      category: label('category', d.category),
      clock: { state: d.clock.state, period: d.clock.period, startedAt: d.clock.startedAt, dueBy: d.clock.dueBy, pauses: d.clock.pauses, restarts: d.clock.restarts, extensions: d.clock.extensions },
    };
  }
}
