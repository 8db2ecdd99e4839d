import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Events } from '@complaints/contracts';
import { DeadlineRegime, deadlineDueBy, redactPersonalText } from '@complaints/domain';
import { OutboxPublisher } from '@complaints/messaging';
import { HasVisibleText, IsDeadline } from '@complaints/intake-adapters';
import { AuthenticatedRequest, FieldCipher, ProblemException, RequestValidationException, seesPersonalData, StaffAuditTrail } from '@complaints/platform';
import { personalValuesOf } from './complaint-intake.service';
import { ComplaintRecord } from './complaint.entity';
import { FIELD_CIPHER, INTAKE_REGIME } from './tokens';

export const MAX_DEADLINE_CHANGE_REASON = 2000;

/** What a compliance or triage officer records when a regulator moves the deadline of its referral. */
export class ChangeRegulatorDeadlineDto {
  @ApiProperty({
    description:
      "The regulator's new deadline. Without an offset it is read in the regime's time zone (Asia/Shanghai for cn-cbirc): a date alone (2026-12-20) runs to the end of that day there; not one already past",
    example: '2026-12-20',
  })
  @IsDeadline()
  deadline!: string;

  @ApiProperty({ description: "The regulator's reference for the change (its letter or notice number)", example: '金监消保函〔2026〕88号', maxLength: 100 })
  @IsString()
  @HasVisibleText()
  @MaxLength(100)
  @Matches(/^[^\r\n]+$/, { message: 'reference must be one line' })
  reference!: string;

  @ApiProperty({ description: 'Why, in the officer\'s words; may quote the customer, so it rests and travels sealed', maxLength: MAX_DEADLINE_CHANGE_REASON })
  @IsString()
  @HasVisibleText()
  @MaxLength(MAX_DEADLINE_CHANGE_REASON)
  reason!: string;
}

/** A change as `regulator_deadline_changes` keeps it. */
class RegulatorDeadlineChangeRecorded {
  @ApiProperty({ type: String, nullable: true, description: 'The deadline before the change; null when the referral came without one' }) previousDeadline!: string | null;
  @ApiProperty() deadline!: string;
  @ApiProperty() reference!: string;
  @ApiProperty() changedAt!: string;
  @ApiProperty() changedBy!: string;
}

export class RegulatorDeadlineChange extends RegulatorDeadlineChangeRecorded {
  @ApiProperty() complaintId!: string;
  @ApiProperty() ticketNumber!: string;
  @ApiProperty({ description: 'false when this repeated the latest change (same deadline and reference): nothing was recorded or published again' }) changed!: boolean;
}

export class RecordedRegulatorDeadlineChange extends RegulatorDeadlineChangeRecorded {
  @ApiProperty({ description: "The officer's reason: as written for investigators and compliance officers, the customer's details taken out for other roles" }) reason!: string;
}

export class RegulatorDeadlineHistory {
  @ApiProperty() complaintId!: string;
  @ApiProperty() ticketNumber!: string;
  @ApiProperty({ description: 'The referring body (nfra, pboc, ...)' }) body!: string;
  @ApiProperty({ description: "The regulator's case number" }) caseNumber!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The deadline now, as the regulator last set it; null when it never gave one' }) deadline!: string | null;
  @ApiProperty({ type: [RecordedRegulatorDeadlineChange], description: 'Every change recorded, oldest first' }) changes!: RecordedRegulatorDeadlineChange[];
  @ApiProperty({ enum: ['clear', 'masked'] }) personalData!: 'clear' | 'masked';
}

/** Complaint statuses after which a regulator's deadline no longer means anything. */
const ENDED_STATUSES = ['withdrawn', 'closed'];

const recorded = (row: ChangeRow): RegulatorDeadlineChangeRecorded => ({
  previousDeadline: row.previous_deadline?.toISOString() ?? null,
  deadline: row.deadline.toISOString(),
  reference: row.reference,
  changedAt: row.changed_at.toISOString(),
  changedBy: row.changed_by,
});

const notAReferral = (ticketNumber: string) =>
  new ProblemException({
    type: 'https://complaints.example/problems/not-a-regulator-referral',
    title: 'Not a regulator referral',
    status: 409,
    detail: `complaint ${ticketNumber} was not referred by a regulator: it has no regulator's deadline to change`,
  });

interface ChangeRow {
  changed_at: Date;
  previous_deadline: Date | null;
  deadline: Date;
  reference: string;
  changed_by: string;
}

/**
 * A regulator's referral whose deadline the regulator moved (监管转办延期, or a shorter one): the
 * referral on the complaint takes the new deadline, the change is kept in
 * `regulator_deadline_changes` (the officer's reason sealed), and `complaint.referral-deadline-changed`
 * tells triage, which owns the binding due date, in the same transaction, with a staff action.
 */
@Injectable()
export class RegulatorDeadlines {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    private readonly audit: StaffAuditTrail,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
    @Inject(INTAKE_REGIME) private readonly regime: DeadlineRegime,
  ) {}

  async change(complaintId: string, dto: ChangeRegulatorDeadlineDto, request: AuthenticatedRequest, now = new Date()): Promise<RegulatorDeadlineChange> {
    const deadline = deadlineDueBy(dto.deadline, this.regime.timeZone);
    if (deadline === null) {
      throw new RequestValidationException([{ path: 'deadline', message: 'deadline must be a calendar date or date-time such as 2026-11-20T10:00:00+08:00' }]);
    }
    if (deadline <= now) throw new RequestValidationException([{ path: 'deadline', message: `deadline has already passed in ${this.regime.timeZone}` }]);
    const reference = dto.reference.trim();
    const changedBy = request.principal!.subject;
    return this.dataSource.transaction(async (manager) => {
      const record = await manager.findOne(ComplaintRecord, { where: { id: complaintId }, lock: { mode: 'pessimistic_write' } });
      if (!record) throw new NotFoundException(`no complaint ${complaintId}`);
      const referral = record.regulatorReferral;
      if (!referral) throw notAReferral(record.ticketNumber);
      if (ENDED_STATUSES.includes(record.status)) {
        throw new ProblemException({
          type: 'https://complaints.example/problems/complaint-ended',
          title: 'The complaint has ended',
          status: 409,
          detail: `complaint ${record.ticketNumber} is ${record.status}: its regulator's deadline no longer binds anything`,
        });
      }
      const [latest]: ChangeRow[] = await manager.query(
        `SELECT changed_at, previous_deadline, deadline, reference, changed_by FROM regulator_deadline_changes
          WHERE complaint_id = $1 ORDER BY seq DESC LIMIT 1`,
        [record.id],
      );
      const current = referral.deadline === undefined ? null : deadlineDueBy(referral.deadline, this.regime.timeZone);
      const view = (row: ChangeRow, changed: boolean): RegulatorDeadlineChange => ({ complaintId: record.id, ticketNumber: record.ticketNumber, ...recorded(row), changed });
      // The same change again (a double click, a client's retry): answered with the change recorded, nothing written.
      if (latest && latest.deadline.getTime() === deadline.getTime() && latest.reference === reference && current?.getTime() === deadline.getTime()) {
        return view(latest, false);
      }
      if (current?.getTime() === deadline.getTime()) {
        throw new ProblemException({
          type: 'https://complaints.example/problems/regulator-deadline-unchanged',
          title: "The regulator's deadline is already that",
          status: 409,
          detail: `complaint ${record.ticketNumber} is already due to the regulator by ${deadline.toISOString()}`,
        });
      }
      // Changes of one complaint are recorded in the order they take its lock: `seq`, and a time taken under the lock.
      const changedAt = new Date();
      const row: ChangeRow = { changed_at: changedAt, previous_deadline: current, deadline, reference, changed_by: changedBy };
      await manager.query(
        `INSERT INTO regulator_deadline_changes (id, complaint_id, changed_at, previous_deadline, deadline, reference, reason_sealed, changed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [randomUUID(), record.id, changedAt, current, deadline, reference, this.cipher.encrypt(dto.reason), changedBy],
      );
      await manager.update(ComplaintRecord, { id: record.id }, { regulatorReferral: { ...referral, deadline: deadline.toISOString() } });
      await this.publisher.publish(manager, Events.ComplaintReferralDeadlineChanged, record.id, {
        ticketNumber: record.ticketNumber,
        body: referral.body,
        caseNumber: referral.caseNumber,
        previousDeadline: current?.toISOString() ?? null,
        deadline: deadline.toISOString(),
        reference,
        // The officer's words may quote the customer: sealed, like the staff text of the v2 events.
        reason: this.cipher.encrypt(dto.reason),
        changedBy,
      });
      // The codes and dates of the change; the officer's words are on the complaint and in the event, sealed.
      await this.audit.record(manager, request, record.id, 'complaint.regulator-deadline-changed', {
        previousDeadline: current?.toISOString() ?? 'none',
        deadline: deadline.toISOString(),
        reference,
      });
      return view(row, true);
    });
  }

  /**
   * The referral's deadline now and every change recorded to it, oldest first: what a compliance
   * officer shows the regulator when asked why the bank answered when it did. The reasons are
   * opened for the roles that see personal data and have the customer's details taken out for the
   * others, as the complaint's description is (`staffView`); the reading is on the record first.
   */
  async history(complaintId: string, request: AuthenticatedRequest): Promise<RegulatorDeadlineHistory> {
    const viewer = request.principal!;
    return this.dataSource.transaction(async (manager) => {
      const record = await manager.findOneBy(ComplaintRecord, { id: complaintId });
      if (!record) throw new NotFoundException(`no complaint ${complaintId}`);
      const referral = record.regulatorReferral;
      if (!referral) throw notAReferral(record.ticketNumber);
      const rows: (ChangeRow & { reason_sealed: string })[] = await manager.query(
        `SELECT changed_at, previous_deadline, deadline, reference, changed_by, reason_sealed FROM regulator_deadline_changes
          WHERE complaint_id = $1 ORDER BY seq`,
        [record.id],
      );
      const clear = seesPersonalData(viewer);
      const known = clear ? [] : personalValuesOf(this.cipher, record);
      const current = referral.deadline === undefined ? null : deadlineDueBy(referral.deadline, this.regime.timeZone);
      await this.audit.record(manager, request, record.id, 'complaint.regulator-deadline-viewed', { personalData: clear ? 'clear' : 'masked' });
      return {
        complaintId: record.id,
        ticketNumber: record.ticketNumber,
        body: referral.body,
        caseNumber: referral.caseNumber,
        deadline: current?.toISOString() ?? null,
        changes: rows.map((row) => {
          const reason = this.cipher.decrypt(row.reason_sealed);
          return { ...recorded(row), reason: clear ? reason : redactPersonalText(reason, known) };
        }),
        personalData: clear ? 'clear' : 'masked',
      };
    });
  }
}
