import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicWork } from '@complaints/platform';
import { CustomerMessage } from '../messages/customer-message.entity';
import { CustomerDelivery } from './customer-delivery';
import { MANDATORY_KINDS } from './rate-limit';

/**
 * Sends held messages when their time comes: the end of the customer's quiet hours, room under the
 * per-customer limit, or the retry after a provider's temporary failure. Each message is claimed
 * with SKIP LOCKED in a transaction of its own, so every replica may run the watch, no message
 * goes twice, and one that fails does not take the others' sends back with it. Mandatory kinds go
 * first, so they are never kept waiting behind others for the limit.
 */
@Injectable()
export class HeldMessages implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('HeldMessages');
  private readonly work = new PeriodicWork<Date>(this.logger, 'sending held messages', (now) => this.sendDue(now ?? new Date()));

  constructor(
    private readonly dataSource: DataSource,
    private readonly delivery: CustomerDelivery,
  ) {}

  onApplicationBootstrap(): void {
    this.work.start(Number(process.env.NOTIFICATION_DUE_CHECK_INTERVAL_MS ?? 60_000), 'NOTIFICATION_DUE_CHECK_INTERVAL_MS is not positive: held messages are not sent');
  }

  onModuleDestroy(): Promise<void> {
    return this.work.stop();
  }

  /** Sends (or holds again) every message due at `now`; returns how many were handled. Never overlaps itself. */
  tick(now?: Date): Promise<number> {
    return this.work.run(now);
  }

  private async sendDue(now: Date): Promise<number> {
    let handled = 0;
    // Messages that failed unexpectedly on this turn are left for the next one, not retried in a loop.
    const skipped: string[] = [];
    for (;;) {
      const claim: { id: string | null } = { id: null };
      try {
        await this.dataSource.transaction(async (manager) => {
          const [due]: { id: string }[] = await manager.query(
            `SELECT id FROM customer_messages
              WHERE status = 'deferred' AND not_before <= $1 AND NOT (id = ANY($2::uuid[]))
              ORDER BY kind = ANY($3) DESC, not_before, created_at
              LIMIT 1 FOR UPDATE SKIP LOCKED`,
            [now, skipped, MANDATORY_KINDS],
          );
          if (!due) return;
          claim.id = due.id;
          const row = await manager.findOneByOrFail(CustomerMessage, { id: due.id });
          await this.delivery.sendHeld(manager, row, now);
        });
      } catch (e) {
        if (claim.id === null) throw e;
        skipped.push(claim.id);
        this.logger.error(`held message ${claim.id} could not be sent: ${(e as Error).message}`);
        continue;
      }
      if (claim.id === null) return handled;
      handled += 1;
    }
  }
}
