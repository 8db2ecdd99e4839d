import { Logger } from '@nestjs/common';
import { PeriodicWork } from './periodic-work';

const quietLogger = () => {
  const logger = new Logger('test');
  const errors: string[] = [];
  const warnings: string[] = [];
  jest.spyOn(logger, 'error').mockImplementation((m: unknown) => void errors.push(String(m)));
  jest.spyOn(logger, 'warn').mockImplementation((m: unknown) => void warnings.push(String(m)));
  return { logger, errors, warnings };
};

describe('PeriodicWork', () => {
  it('joins a run in progress instead of starting a second one', async () => {
    let release!: () => void;
    let runs = 0;
    const { logger } = quietLogger();
    const work = new PeriodicWork<number>(logger, 'counting', async (n) => {
      runs++;
      await new Promise<void>((r) => (release = r));
      return n ?? 0;
    });
    const first = work.run(3);
    const second = work.run(7);
    release();
    expect(await Promise.all([first, second])).toEqual([3, 3]);
    expect(runs).toBe(1);
    const third = work.run(7);
    release();
    expect(await third).toBe(7);
    expect(runs).toBe(2);
  });

  it('logs a failed run, answers 0 and runs again next time', async () => {
    const { logger, errors } = quietLogger();
    let fail = true;
    const work = new PeriodicWork(logger, 'sending payouts', async () => {
      if (fail) throw new Error('core banking unreachable');
      return 2;
    });
    expect(await work.run()).toBe(0);
    expect(errors).toEqual(['sending payouts failed: core banking unreachable']);
    fail = false;
    expect(await work.run()).toBe(2);
  });

  it('says so when switched off, and waits for the run in progress when stopped', async () => {
    const { logger, warnings } = quietLogger();
    let finished = false;
    const work = new PeriodicWork(logger, 'x', async () => {
      await new Promise((r) => setTimeout(r, 20));
      finished = true;
      return 1;
    });
    work.start(0, 'PAYOUT_CHECK_INTERVAL_MS is not positive: nothing is paid');
    expect(warnings).toEqual(['PAYOUT_CHECK_INTERVAL_MS is not positive: nothing is paid']);
    void work.run();
    await work.stop();
    expect(finished).toBe(true);
  });
});
