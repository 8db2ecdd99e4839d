import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CheckpointsService } from './checkpoints.service';

/** At most this many checkpoints per tick, so a long backlog is caught up over a few ticks. */
const PER_TICK = 100;
/** How often the scheduler looks: the interval itself, but at least every 5 s for the count. */
export const tickMs = (intervalMs: number) => Math.min(intervalMs, 5_000);

/**
 * Cuts checkpoints as they fall due (ARCHIVE_CHECKPOINT_EVERY entries waiting, or the oldest
 * waiting ARCHIVE_CHECKPOINT_INTERVAL_MS). Does nothing without a signing key. Every replica
 * runs one; the advisory lock in CheckpointsService.cutNext lets one of them cut at a time.
 */
@Injectable()
export class CheckpointScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ArchiveCheckpoints');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly checkpoints: CheckpointsService) {}

  onApplicationBootstrap(): void {
    if (!this.checkpoints.enabled) {
      this.logger.warn('ARCHIVE_SIGNING_KEY is not set: no archive checkpoints are made');
      return;
    }
    this.timer = setInterval(() => void this.tick(), tickMs(this.checkpoints.config.intervalMs));
    this.timer.unref();
  }

  /** One round: cuts every checkpoint that is due, then waits for the next tick. Never overlaps. */
  tick(): Promise<void> {
    this.running ??= (async () => {
      try {
        for (let i = 0; i < PER_TICK && this.timer; i++) {
          const made = await this.checkpoints.cutNext('due');
          if (!made) break;
          this.logger.log(`checkpoint of seq ${made.seqFrom}..${made.seqTo} signed with ${made.keyId}: ${made.checkpointHash}`);
        }
      } catch (e) {
        this.logger.error(`checkpoint not made: ${(e as Error).message}`);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // A checkpoint being cut finishes before the database connection closes.
    await this.running;
  }
}
