import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { CoreBooking, OurEntry, OurInstruction, Posting, reconcile } from '@complaints/domain';
import { Allow } from '@complaints/platform';
import { CORE_BANKING, CoreBankingPort, CoreUnavailableError } from '../payouts/core-banking';

/** Proves that our instructions, our ledger and the core's bookings tell the same story, and lists where they do not. */
@ApiTags('ledger')
@Controller('v1/ledger')
export class ReconciliationController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CORE_BANKING) private readonly core: CoreBankingPort,
  ) {}

  @Get('reconciliation')
  @Allow('compliance-officer', 'auditor', 'approver')
  @ApiOperation({ summary: 'Reconcile payouts, ledger postings and the core banking ledger; every mismatch listed' })
  async reconciliation() {
    // Our side is read first: a booking that lands after it shows as in flight rather than as a stranger.
    const instructions: { id: string; remedy_id: string; kind: 'payout' | 'reversal'; amount_minor: string; currency: string; status: OurInstruction['status']; core_reference: string | null }[] =
      await this.dataSource.query(`SELECT id, remedy_id, kind, amount_minor, currency, status, core_reference FROM payouts`);
    const postings: { instruction_id: string; account: string; debit_minor: string; credit_minor: string; currency: string }[] = await this.dataSource.query(
      `SELECT e.instruction_id, l.account, l.debit_minor, l.credit_minor, l.currency FROM ledger_entries e JOIN ledger_postings l ON l.entry_id = e.id ORDER BY e.instruction_id, l.line`,
    );
    const entries = new Map<string, Posting[]>();
    for (const p of postings) {
      const list = entries.get(p.instruction_id) ?? [];
      list.push({ account: p.account, debitMinor: Number(p.debit_minor), creditMinor: Number(p.credit_minor), currency: p.currency });
      entries.set(p.instruction_id, list);
    }
    const core: CoreBooking[] = [];
    try {
      for await (const b of this.core.bookings()) core.push({ instructionId: b.instructionId, coreReference: b.coreReference, direction: b.direction, amount: { amountMinor: b.amountMinor, currency: b.currency } });
    } catch (e) {
      if (e instanceof CoreUnavailableError) throw new ServiceUnavailableException(`cannot reconcile without the core banking ledger: ${e.message}`);
      throw e;
    }
    const report = reconcile(
      instructions.map((i) => ({ instructionId: i.id, remedyId: i.remedy_id, kind: i.kind, amount: { amountMinor: Number(i.amount_minor), currency: i.currency }, status: i.status, coreReference: i.core_reference })),
      [...entries].map(([instructionId, list]): OurEntry => ({ instructionId, postings: list })),
      core,
    );
    return { generatedAt: new Date().toISOString(), ...report, balanced: report.mismatches.length === 0 };
  }
}
