import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Events } from '@complaints/contracts';
import { clockStatus, DeadlineClock } from '@complaints/domain';
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
   * When a clock next crosses a warning fraction or its due time, or null when it stands still.
   * Paused time does not run, so a paused clock needs no look until it resumes.
   */
  static nextCheckAt(clock: DeadlineClock, fractions: readonly number[], raised: readonly number[], responseDueBy: Date, now: Date = new Date()): Date | null {
    if (clock.state !== 'running') return null;
    const status = clockStatus(clock, now, fractions);
    const overdueAt = Math.min(Date.parse(clock.dueBy), responseDueBy.getTime()) + 1;
    if (status.breached || now.getTime() >= overdueAt) return now;
    // A clock that started in the past (a backlog, a restart dated earlier) may owe warnings already.
    if (fractions.some((f) => !raised.includes(f) && f <= status.elapsedFraction)) return now;
    const activeTotal = status.remainingMs / Math.max(1e-9, 1 - status.elapsedFraction);
    const next = fractions.find((f) => !raised.includes(f) && f > status.elapsedFraction);
    const at = next !== undefined ? now.getTime() + (next - status.elapsedFraction) * activeTotal : overdueAt;
    return new Date(Math.min(Math.ceil(at), overdueAt));
  }

  static firstCheckAt(clock: DeadlineClock, fractions: readonly number[], responseDueBy: Date): Date | null {
    return DeadlineWatch.nextCheckAt(clock, fractions, [], responseDueBy, new Date(Math.max(Date.now(), Date.parse(clock.startedAt))));
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
        const status = clockStatus(d.clock, now, fractions);
        const fresh = status.warningsReached.filter((f) => !d.warningsRaised.includes(f) && f < 1);
        for (const threshold of fresh) {
          await this.publisher.publish(manager, Events.DeadlineWarning, d.complaintId, {
            ticketNumber: d.ticketNumber,
            period: d.clock.period,
            responseDueBy: d.responseDueBy.toISOString(),
            threshold,
            elapsedFraction: Number(status.elapsedFraction.toFixed(4)),
          });
        }
        for (const threshold of fresh) this.metrics.deadlineWarnings.inc({ threshold: String(threshold) });
        const breached = d.clock.state === 'running' && (status.breached || now > d.responseDueBy);
        let breachedAt = d.breachedAt;
        if (breached && !breachedAt) {
          breachedAt = now;
          await this.publisher.publish(manager, Events.DeadlineBreached, d.complaintId, {
            ticketNumber: d.ticketNumber,
            period: d.clock.period,
            responseDueBy: d.responseDueBy.toISOString(),
            detectedAt: now.toISOString(),
          });
          this.metrics.deadlineBreaches.inc({ regime: d.regime });
          this.logger.warn(`deadline breached: ${d.ticketNumber} was due by ${d.responseDueBy.toISOString()}`);
        }
        const warningsRaised = [...d.warningsRaised, ...fresh];
        await manager.update(
          TriageDecisionRecord,
          { complaintId: d.complaintId },
          { warningsRaised, breachedAt, nextCheckAt: breachedAt ? null : DeadlineWatch.nextCheckAt(d.clock, fractions, warningsRaised, d.responseDueBy, now) },
        );
      }
      return due.length;
    });
  }

  onModuleDestroy(): Promise<void> {
    return this.work.stop();
  }
}
