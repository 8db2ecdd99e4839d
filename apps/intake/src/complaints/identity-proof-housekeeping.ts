import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicWork } from '@complaints/platform';
import { PROOF_LOCKOUT_WINDOW_MS } from './customer-self-service';

/** Rows one statement deletes at most, so a purge never holds many row locks, nor a proof's lock, for long. */
export const PURGE_BATCH = 1000;

/**
 * Deletes at most `$1` failed proofs that have left the lockout window (`$2` ms). Only recent failures
 * (a ticket's, a login's) are ever read, so older rows only take space. Rows are written in time order, so
 * the oldest come first in a scan; SKIP LOCKED lets replicas purge side by side without queueing.
 */
const PURGE_SQL = `DELETE FROM identity_proof_failures WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM identity_proof_failures WHERE failed_at <= now() - $2 * interval '1 millisecond'
     LIMIT $1 FOR UPDATE SKIP LOCKED))`;

/** Keeps identity_proof_failures to the failures that can still pause a ticket or a customer login (one window for both). */
@Injectable()
export class IdentityProofHousekeeping implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('IdentityProofHousekeeping');
  private readonly work = new PeriodicWork(this.logger, 'purging expired identity-proof failures', () => this.purgeExpired());

  constructor(private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    this.work.start(
      Number(process.env.IDENTITY_PROOF_PURGE_INTERVAL_MS ?? 600_000),
      'IDENTITY_PROOF_PURGE_INTERVAL_MS is not positive: failed identity proofs are kept for good',
    );
  }

  onModuleDestroy(): Promise<void> {
    return this.work.stop();
  }

  /** Purges now (or joins the purge in progress); resolves to how many failures went. */
  purge(): Promise<number> {
    return this.work.run();
  }

  private async purgeExpired(): Promise<number> {
    let purged = 0;
    for (;;) {
      const [, deleted]: [unknown, number] = await this.dataSource.query(PURGE_SQL, [PURGE_BATCH, PROOF_LOCKOUT_WINDOW_MS]);
      purged += deleted;
      if (deleted < PURGE_BATCH) return purged;
    }
  }
}
