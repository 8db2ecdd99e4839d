import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { createTestBed, eventually, TestBed } from '@complaints/testing';
import { EventContext, LockContended, OutboxPublisher, TransactionScope } from '@complaints/messaging';
import { receivedEvent } from './fixtures';

/**
 * `EventContext.lockFor` on real PostgreSQL: records sharing a transaction take locks shared between
 * complaints (triage's spike watch per product and cause) without ever closing a deadlock cycle.
 */
describe('advisory locks taken by handlers that share a transaction (real Postgres)', () => {
  let bed: TestBed;
  let publisher: OutboxPublisher;
  // Advisory locks are database-wide: keys of this bed's own, so parallel suites never meet them.
  const key = (name: string) => `${bed.id}:${name}`;

  beforeEach(async () => {
    bed = await createTestBed();
    publisher = new OutboxPublisher('intake', bed.messaging.topicPrefix, bed.schema);
  });
  afterEach(() => bed.teardown());

  const contextIn = (manager: EntityManager, scope = new TransactionScope()) =>
    new EventContext(receivedEvent(randomUUID(), 'lock'), manager, { topic: 'direct', partition: 0, offset: '0' }, publisher, scope);

  /** Resolves for every caller once `parties` of them have called. */
  const barrier = (parties: number) => {
    let arrived = 0;
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return () => {
      arrived += 1;
      if (arrived === parties) open();
      return opened;
    };
  };

  it('two transactions taking two locks in opposite orders: one yields with LockContended, none deadlocks', async () => {
    const bothHoldOne = barrier(2);
    const takeBoth = (first: string, second: string) =>
      bed.dataSource.transaction(async (manager) => {
        const ctx = contextIn(manager);
        await ctx.lockFor(first);
        await bothHoldOne();
        await ctx.lockFor(second);
      });

    const results = await Promise.allSettled([takeBoth(key('a'), key('b')), takeBoth(key('b'), key('a'))]);

    const refusals = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    // Waiting while holding a lock would have PostgreSQL break the cycle with a deadlock error instead.
    for (const refusal of refusals) expect(refusal).toBeInstanceOf(LockContended);
  });

  it('a transaction that holds no lock waits for a held one and takes it when the holder commits', async () => {
    let commitHolder!: () => void;
    const holderMayCommit = new Promise<void>((resolve) => (commitHolder = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const holder = bed.dataSource.transaction(async (manager) => {
      await contextIn(manager).lockFor(key('spike'));
      holding();
      await holderMayCommit;
    });
    await held;

    let waiterPid = 0;
    let taken = false;
    const waiter = bed.dataSource.transaction(async (manager) => {
      waiterPid = (await manager.query('SELECT pg_backend_pid() AS pid'))[0].pid;
      await contextIn(manager).lockFor(key('spike'));
      taken = true;
    });
    await eventually(
      async () => waiterPid > 0 && Number((await bed.dataSource.query(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid = $1`, [waiterPid]))[0].n) === 1,
      { what: 'the second transaction to wait for the lock' },
    );
    expect(taken).toBe(false);

    commitHolder();
    await holder;
    await waiter;
    expect(taken).toBe(true);
  });

  it('a transaction takes several free locks, and the same lock again without asking PostgreSQL', async () => {
    await bed.dataSource.transaction(async (manager) => {
      const scope = new TransactionScope();
      const first = contextIn(manager, scope);
      await first.lockFor(key('x'));
      // Another record of the same transaction: its context shares the scope, so its locks.
      const second = contextIn(manager, scope);
      await second.lockFor(key('y'));
      await second.lockFor(key('x'));
      expect([...scope.heldLocks].sort()).toEqual([key('x'), key('y')]);
      const { n } = (await manager.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()`))[0];
      expect(n).toBe(2);
    });
    // Released at commit: a transaction holding another lock can take them at once.
    await bed.dataSource.transaction(async (manager) => {
      const ctx = contextIn(manager);
      await ctx.lockFor(key('z'));
      await ctx.lockFor(key('x'));
      await ctx.lockFor(key('y'));
    });
  });
});
