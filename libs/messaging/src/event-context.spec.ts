import { TransactionScope } from './event-context';

describe('TransactionScope', () => {
  it('makes a memo once, also for callers that ask before the first making has finished', async () => {
    const scope = new TransactionScope();
    let makings = 0;
    const make = async () => {
      makings += 1;
      await new Promise((r) => setTimeout(r, 5));
      return { made: makings };
    };
    const [a, b] = await Promise.all([scope.memo('head', make), scope.memo('head', make)]);
    const c = await scope.memo('head', make);
    expect(makings).toBe(1);
    expect(a).toBe(b);
    expect(c).toBe(a);
    expect(await scope.memo('other', make)).toEqual({ made: 2 });
  });

  it('runs what was registered before the commit, in order, only when finished', async () => {
    const scope = new TransactionScope();
    const ran: string[] = [];
    scope.beforeCommit(async () => void ran.push('chain head'));
    scope.beforeCommit(async () => void ran.push('index'));
    expect(ran).toEqual([]);
    await scope.finish();
    expect(ran).toEqual(['chain head', 'index']);
  });

  it('keeps nothing between scopes: each transaction starts with none', async () => {
    const first = new TransactionScope();
    await first.memo('head', async () => 'first');
    expect(await new TransactionScope().memo('head', async () => 'second')).toBe('second');
  });
});
