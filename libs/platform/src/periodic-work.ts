import { Logger } from '@nestjs/common';

/**
 * Work a service does on a timer rather than on an event: reminders, deadline checks, held
 * messages, payouts. A run never overlaps the one before (a caller during a run joins it), a failed
 * run is logged and left to the next, and stopping waits for the run in progress so a shutdown
 * does not cut a batch in half.
 */
export class PeriodicWork<Arg = void> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly logger: Logger,
    /** What the work does, for the log: "sending held messages". */
    private readonly what: string,
    private readonly work: (arg?: Arg) => Promise<number>,
  ) {}

  /** Runs every `intervalMs`; an interval that is not a positive number switches the work off and says so. */
  start(intervalMs: number, whenOff: string): void {
    if (!(intervalMs > 0)) {
      this.logger.warn(whenOff);
      return;
    }
    this.timer = setInterval(() => void this.run(), intervalMs);
    this.timer.unref();
  }

  /** One run now (or the one in progress); resolves to what the work counted, 0 when it failed. */
  run(arg?: Arg): Promise<number> {
    this.running ??= this.work(arg)
      .catch((e) => {
        this.logger.error(`${this.what} failed: ${(e as Error).message}`);
        return 0;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
