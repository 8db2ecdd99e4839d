import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Events } from '@complaints/contracts';
import { DeadlineClock, nextDeadlineCheck, responseDeadlineStatus } from '@complaints/domain';
import { OutboxPublisher } from '@complaints/messaging';
import { PeriodicWork, ServiceMetrics } from '@complaints/platform';
import { TriageDecisionRecord } from '../triage/triage-decision.entity';
import { TRIAGE_POLICY, TriagePolicy } from '../triage/triage-policy';

/** Clocks looked at per transaction, so one tick never holds many row locks for long. */
const PER_BATCH = 200;

/**
 * Raises a warning when a configured share of the response time is used and a breach when it is
 * over. Each decision row says when it next needs looking at, so a tick reads only the clocks that
 * are due; rows are locked with SKIP LOCKED, so every replica can run a watch.
 */
@Injectable()
export class DeadlineWatch implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DeadlineWatch');
  private readonly work = new PeriodicWork<Date>(this.logger, 'deadline check', (now) => this.checkDue(now ?? new Date()));

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    @Inject(TRIAGE_POLICY) private readonly policy: TriagePolicy,
    private readonly metrics: ServiceMetrics,
  ) {}

  /**
   * When a clock next crosses a warning fraction or a due date (`nextDeadlineCheck`): the binding
   * date is the clock's or the regulator's, whichever is earlier, and the regulator's is watched
   * whatever the clock's state (a pause does not stop it; a clock stopped after it owes a breach).
   */
  static nextCheckAt(clock: DeadlineClock, fractions: readonly number[], raised: readonly number[], regulatorDeadline: Date | null, now: Date = new Date()): Date | null {
    return nextDeadlineCheck(clock, regulatorDeadline, fractions, raised, now);
  }

  static firstCheckAt(clock: DeadlineClock, fractions: readonly number[], regulatorDeadline: Date | null): Date | null {
    return DeadlineWatch.nextCheckAt(clock, fractions, [], regulatorDeadline, new Date(Math.max(Date.now(), Date.parse(clock.startedAt))));
  }

  onApplicationBootstrap(): void {
    this.work.start(Number(process.env.DEADLINE_CHECK_INTERVAL_MS ?? 30_000), 'DEADLINE_CHECK_INTERVAL_MS is not positive: no deadline warnings are raised');
  }

  /** Looks at every clock that is due; returns how many it looked at. Never overlaps itself. */
  tick(now?: Date): Promise<number> {
    return this.work.run(now);
  }

  private async checkDue(now: Date): Promise<number> {
    let seen = 0;
    for (;;) {
      const n = await this.checkBatch(now);
      seen += n;
      if (n < PER_BATCH) return seen;
    }
  }

  private checkBatch(now: Date): Promise<number> {
    const fractions = this.policy.warnAtFractions;
    return this.dataSource.transaction(async (manager) => {
      const due = await manager
        .createQueryBuilder(TriageDecisionRecord, 'd')
        .where('d.next_check_at <= :now', { now })
        .orderBy('d.next_check_at')
        .limit(PER_BATCH)
        .setLock('pessimistic_write')
        .setOnLocked('skip_locked')
        .getMany();
      for (const d of due) {
        const status = responseDeadlineStatus(d.clock, d.regulatorDeadline, now, fractions);
        // A stopped clock is looked at only for a breach it owes: warnings no longer help anyone.
        const fresh = d.clock.state === 'stopped' ? [] : status.warningsReached.filter((f) => !d.warningsRaised.includes(f) && f < 1);
        for (const threshold of fresh) {
          await this.publisher.publish(manager, Events.DeadlineWarning, d.complaintId, {
            ticketNumber: d.ticketNumber,
            period: d.clock.period,
            responseDueBy: status.dueBy,
            threshold,
            elapsedFraction: Number(status.elapsedFraction.toFixed(4)),
          });
        }
        for (const threshold of fresh) this.metrics.deadlineWarnings.inc({ threshold: String(threshold) });
        let breachedAt = d.breachedAt;
        if (status.breached && !breachedAt) {
          breachedAt = now;
          await this.publisher.publish(manager, Events.DeadlineBreached, d.complaintId, {
            ticketNumber: d.ticketNumber,
            period: d.clock.period,
            responseDueBy: status.dueBy,
            detectedAt: now.toISOString(),
          });
          this.metrics.deadlineBreaches.inc({ regime: d.regime });
          this.logger.warn(`deadline breached: ${d.ticketNumber} was due by ${status.dueBy}`);
        }
        const warningsRaised = [...d.warningsRaised, ...fresh];
        await manager.update(
          TriageDecisionRecord,
          { complaintId: d.complaintId },
          { warningsRaised, breachedAt, nextCheckAt: breachedAt ? null : DeadlineWatch.nextCheckAt(d.clock, fractions, warningsRaised, d.regulatorDeadline, now) },
        );
      }
      return due.length;
    });
  }

  onModuleDestroy(): Promise<void> {
    return this.work.stop();
  }
}
