import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Counter } from 'prom-client';
import { DataSource } from 'typeorm';
import { Events, REMEDY_TYPES } from '@complaints/contracts';
import { formatMoney, maskDigitRuns, moveRemedy, payoutPostings, reversalPostings } from '@complaints/domain';
import { OutboxPublisher } from '@complaints/messaging';
import { FieldCipher, PeriodicWork, ServiceMetrics } from '@complaints/platform';
import { COMPENSATION_POLICY, CompensationPolicy } from '../compensation-policy';
import { RemedyRecord } from '../remedies/remedy.entity';
import { FIELD_CIPHER } from '../remedies/sealed-remedy-text';
import { CORE_BANKING, CoreBankingPort, CoreOutcome, CoreUnavailableError, NoCoreBanking } from './core-banking';

type RemedyType = (typeof REMEDY_TYPES)[number];
const PER_BATCH = 20;

interface PayoutRow {
  id: string;
  remedy_id: string;
  kind: 'payout' | 'reversal';
  amount_minor: string;
  currency: string;
  customer_ref: string;
  status: string;
  attempts: number;
  correlation_id: string | null;
}

/**
 * Sends approved payouts and reversals to the core banking system and records what it booked.
 *
 * An instruction is claimed (status `instructing`, attempts + 1, a lease) and committed before it
 * is sent, so a crash after the core booked it and before we recorded it leaves a claimed row. When
 * the lease runs out the instruction is sent again with the same id, the core answers with the
 * booking it already made, and the booking is recorded once: the row is locked and must still be
 * unsettled. Rows are claimed with SKIP LOCKED, so every replica may run the desk.
 */
@Injectable()
export class PayoutDesk implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('PayoutDesk');
  private readonly work = new PeriodicWork<() => Date>(this.logger, 'sending payouts', (now) => this.sendDue(now ?? (() => new Date())));
  private readonly outcomes: Counter<'kind' | 'outcome'>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    metrics: ServiceMetrics,
    @Inject(CORE_BANKING) private readonly core: CoreBankingPort,
    @Inject(COMPENSATION_POLICY) private readonly policy: CompensationPolicy,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {
    this.outcomes = new Counter({
      name: 'compensation_payout_instructions_total',
      help: 'Instructions to core banking by kind (payout, reversal) and outcome (booked, refused, failed, retried)',
      labelNames: ['kind', 'outcome'],
      registers: [metrics.registry],
    });
  }

  onApplicationBootstrap(): void {
    if (this.core instanceof NoCoreBanking) this.logger.warn('CORE_BANKING_URL is not set: approved remedies wait and nothing is paid');
    this.work.start(this.policy.payoutIntervalMs, 'PAYOUT_CHECK_INTERVAL_MS is not positive: approved remedies are not paid out');
  }

  onModuleDestroy(): Promise<void> {
    return this.work.stop();
  }

  /** Sends what is due; returns how many instructions were settled (booked, refused or given up). Never overlaps itself. */
  tick(now?: () => Date): Promise<number> {
    return this.work.run(now);
  }

  private async sendDue(now: () => Date): Promise<number> {
    let settled = 0;
    for (;;) {
      const claimed = await this.claim(now());
      for (const payout of claimed) if (await this.send(payout, now)) settled++;
      if (claimed.length < PER_BATCH) return settled;
    }
  }

  private claim(now: Date): Promise<PayoutRow[]> {
    return this.dataSource.transaction(async (manager) => {
      const due: PayoutRow[] = await manager.query(
        `SELECT id, remedy_id, kind, amount_minor, currency, customer_ref, status, attempts, correlation_id FROM payouts
          WHERE (status = 'pending' AND next_attempt_at <= $1) OR (status = 'instructing' AND claimed_until <= $1)
          ORDER BY next_attempt_at LIMIT ${PER_BATCH} FOR UPDATE SKIP LOCKED`,
        [now],
      );
      if (due.length) {
        await manager.query(`UPDATE payouts SET status = 'instructing', attempts = attempts + 1, claimed_until = $2 WHERE id = ANY($1)`, [
          due.map((p) => p.id),
          new Date(now.getTime() + this.policy.payoutLeaseMs),
        ]);
      }
      return due.map((p) => ({ ...p, attempts: p.attempts + 1 }));
    });
  }

  private async send(payout: PayoutRow, now: () => Date): Promise<boolean> {
    const [booked]: { core_reference: string | null }[] = payout.kind === 'reversal' ? await this.dataSource.query(`SELECT core_reference FROM payouts WHERE remedy_id = $1 AND kind = 'payout'`, [payout.remedy_id]) : [];
    let outcome: CoreOutcome;
    try {
      outcome = await this.core.instruct({
        instructionId: payout.id,
        direction: payout.kind === 'payout' ? 'credit' : 'debit',
        customerRef: payout.customer_ref,
        amountMinor: Number(payout.amount_minor),
        currency: payout.currency,
        narrative: payout.kind === 'payout' ? `complaint remedy ${payout.remedy_id}` : `reversal of complaint remedy ${payout.remedy_id}`,
        reverses: booked?.core_reference ?? null,
      });
    } catch (e) {
      if (!(e instanceof CoreUnavailableError)) throw e;
      return this.retryLater(payout, e.message, now());
    }
    await this.record(payout, outcome, now());
    return true;
  }

  /**
   * The outcome is unknown. Until the attempts run out the same instruction goes again later; after
   * that the desk gives up only if the core confirms it never received it, since a payout it did
   * book must be recorded, not failed.
   */
  private async retryLater(payout: PayoutRow, error: string, now: Date): Promise<boolean> {
    this.outcomes.inc({ kind: payout.kind, outcome: 'retried' });
    if (payout.attempts >= this.policy.payoutMaxAttempts) {
      let known: CoreOutcome | null | undefined;
      try {
        known = await this.core.outcomeOf(payout.id);
      } catch {
        known = undefined;
      }
      if (known) {
        await this.record(payout, known, now);
        return true;
      }
      if (known === null) {
        await this.record(payout, { status: 'refused', reason: `no answer from core banking after ${payout.attempts} attempts (${error})` }, now, 'failed');
        return true;
      }
    }
    const backoff = this.policy.payoutBackoffMs * 2 ** Math.min(payout.attempts - 1, 6);
    await this.dataSource.query(`UPDATE payouts SET status = 'pending', next_attempt_at = $2, claimed_until = NULL, last_error = $3 WHERE id = $1 AND status = 'instructing'`, [
      payout.id,
      new Date(now.getTime() + backoff),
      error.slice(0, 500),
    ]);
    return false;
  }

  /** Records the core's answer once: the locked row must still be unsettled, else another sender already recorded it. */
  private async record(payout: PayoutRow, outcome: CoreOutcome, now: Date, refusedAs: 'refused' | 'failed' = 'refused'): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [row]: { status: string }[] = await manager.query(`SELECT status FROM payouts WHERE id = $1 FOR UPDATE`, [payout.id]);
      if (!row || (row.status !== 'instructing' && row.status !== 'pending')) return;
      const remedy = await manager.findOne(RemedyRecord, { where: { id: payout.remedy_id }, lock: { mode: 'pessimistic_write' } });
      if (!remedy) throw new Error(`payout ${payout.id} names no remedy`);
      const amount = { amountMinor: Number(payout.amount_minor), currency: payout.currency };
      const publish = <D extends Parameters<OutboxPublisher['publish']>[1]>(definition: D, payload: Parameters<OutboxPublisher['publish']>[3]) =>
        this.publisher.publish(manager, definition, remedy.complaintId, payload as never, payout.correlation_id ? { correlationId: payout.correlation_id, causationId: null } : {});

      if (outcome.status === 'booked') {
        await manager.query(`UPDATE payouts SET status = 'booked', core_reference = $2, settled_at = $3, claimed_until = NULL, last_error = NULL WHERE id = $1`, [payout.id, outcome.coreReference, now]);
        const entryId = randomUUID();
        await manager.query(`INSERT INTO ledger_entries (id, instruction_id, remedy_id, kind, posted_at, memo) VALUES ($1, $2, $3, $4, $5, $6)`, [
          entryId,
          payout.id,
          remedy.id,
          payout.kind,
          now,
          `${payout.kind} ${formatMoney(amount)} for ${remedy.type}, core ${outcome.coreReference}`,
        ]);
        const postings = payout.kind === 'payout' ? payoutPostings(remedy.type, amount) : reversalPostings(remedy.type, amount);
        for (const [line, p] of postings.entries()) {
          await manager.query(`INSERT INTO ledger_postings (entry_id, line, account, debit_minor, credit_minor, currency) VALUES ($1, $2, $3, $4, $5, $6)`, [
            entryId,
            line + 1,
            p.account,
            p.debitMinor,
            p.creditMinor,
            p.currency,
          ]);
        }
        if (payout.kind === 'payout') {
          await manager.update(RemedyRecord, { id: remedy.id }, { status: moveRemedy(remedy.status, 'record-payout'), updatedAt: now });
          await publish(Events.RemedyPaid, { remedyId: remedy.id, caseId: remedy.caseId, payoutId: payout.id, type: remedy.type as RemedyType, amount, coreReference: outcome.coreReference, paidAt: now.toISOString() });
        } else {
          await manager.update(RemedyRecord, { id: remedy.id }, { status: moveRemedy(remedy.status, 'record-reversal'), updatedAt: now });
          await publish(Events.RemedyReversed, {
            remedyId: remedy.id,
            caseId: remedy.caseId,
            payoutId: payout.id,
            amount,
            // The approver's words, whole and sealed: they name the account the money went to by mistake, and often the customer.
            reason: this.cipher.encrypt(remedy.reversalReason ?? 'reversed'),
            reversedBy: remedy.reversedBy ?? 'unknown',
            coreReference: outcome.coreReference,
          });
        }
        this.outcomes.inc({ kind: payout.kind, outcome: 'booked' });
        return;
      }

      // A core's refusal quotes the account it holds for the customer ("account 6217… closed"): kept and published with digit runs masked.
      const refusal = maskDigitRuns(outcome.reason).slice(0, 500);
      await manager.query(`UPDATE payouts SET status = $2, settled_at = $3, claimed_until = NULL, last_error = $4 WHERE id = $1`, [payout.id, refusedAs, now, refusal]);
      if (payout.kind === 'payout') {
        await manager.update(RemedyRecord, { id: remedy.id }, { status: moveRemedy(remedy.status, 'record-payout-failure'), updatedAt: now });
      } else {
        // A reversal the core refused leaves the payout standing: the remedy is paid again.
        await manager.update(RemedyRecord, { id: remedy.id }, { status: moveRemedy(remedy.status, 'record-reversal-failure'), updatedAt: now });
      }
      await publish(Events.RemedyPayoutFailed, { remedyId: remedy.id, caseId: remedy.caseId, payoutId: payout.id, amount, reason: refusal, attempts: payout.attempts });
      this.outcomes.inc({ kind: payout.kind, outcome: refusedAs });
    });
  }
}
