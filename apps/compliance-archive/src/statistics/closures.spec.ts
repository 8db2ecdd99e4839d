import { closuresOf, Milestone } from './closures';

const at = (iso: string) => new Date(iso);
const decision = (iso: string, outcome: Milestone['outcome']): Milestone => ({ kind: 'decision', at: at(iso), outcome });
const response = (iso: string): Milestone => ({ kind: 'final-response', at: at(iso), outcome: null });
const reopening = (iso: string): Milestone => ({ kind: 'reopening', at: at(iso), outcome: null });
const withdrawal = (iso: string): Milestone => ({ kind: 'withdrawal', at: at(iso), outcome: null });
const GBP = (amountMinor: number, proposedAt: string) => ({ proposedAt: at(proposedAt), amountMinor, currency: 'GBP' });

describe('closuresOf', () => {
  it('closes a reopened complaint twice, each time with the decision that answer gave and the redress it granted', () => {
    const closures = closuresOf(
      [
        decision('2025-01-16T09:00:00Z', 'not-upheld'),
        response('2025-01-16T10:00:00Z'),
        reopening('2025-05-01T08:00:00Z'),
        decision('2025-06-12T09:00:00Z', 'upheld'),
        response('2025-06-12T10:00:00Z'),
      ],
      [GBP(30_000, '2025-06-12T09:01:00Z')],
    );
    expect(closures).toEqual([
      { closedAt: at('2025-01-16T10:00:00Z'), kind: 'final-response', outcome: 'not-upheld', redress: [] },
      { closedAt: at('2025-06-12T10:00:00Z'), kind: 'final-response', outcome: 'upheld', redress: [{ currency: 'GBP', amountMinor: 30_000 }] },
    ]);
  });

  it('reads the milestones in any order', () => {
    const milestones = [response('2025-06-12T10:00:00Z'), reopening('2025-05-01T08:00:00Z'), decision('2025-06-12T09:00:00Z', 'upheld'), response('2025-01-16T10:00:00Z'), decision('2025-01-16T09:00:00Z', 'not-upheld')];
    expect(closuresOf(milestones, []).map((c) => [c.closedAt.toISOString(), c.outcome])).toEqual([
      ['2025-01-16T10:00:00.000Z', 'not-upheld'],
      ['2025-06-12T10:00:00.000Z', 'upheld'],
    ]);
  });

  it('takes the decision stamped just after its letter (clocks of two services) when none came before it in that round', () => {
    const closures = closuresOf([response('2025-01-16T10:00:00.000Z'), decision('2025-01-16T10:00:00.250Z', 'partially-upheld')], []);
    expect(closures.map((c) => c.outcome)).toEqual(['partially-upheld']);
  });

  it('counts a second letter of the same round once, and an answer without a decision on record as closed without outcome', () => {
    expect(closuresOf([response('2025-01-16T10:00:00Z'), response('2025-01-17T10:00:00Z')], [])).toEqual([
      { closedAt: at('2025-01-16T10:00:00Z'), kind: 'final-response', outcome: null, redress: [] },
    ]);
  });

  it('closes at a withdrawal before any answer, and ignores one after the answer', () => {
    expect(closuresOf([withdrawal('2025-02-01T10:00:00Z')], [])).toEqual([{ closedAt: at('2025-02-01T10:00:00Z'), kind: 'withdrawal', outcome: null, redress: [] }]);
    expect(closuresOf([decision('2025-01-16T09:00:00Z', 'upheld'), response('2025-01-16T10:00:00Z'), withdrawal('2025-02-01T10:00:00Z')], []).map((c) => c.kind)).toEqual(['final-response']);
    // Reopened, then withdrawn by the customer: the withdrawal closes it again.
    expect(closuresOf([response('2025-01-16T10:00:00Z'), reopening('2025-02-01T10:00:00Z'), withdrawal('2025-02-03T10:00:00Z')], []).map((c) => [c.kind, c.closedAt.toISOString()])).toEqual([
      ['final-response', '2025-01-16T10:00:00.000Z'],
      ['withdrawal', '2025-02-03T10:00:00.000Z'],
    ]);
  });

  it('does not close a complaint decided but not answered, nor one reopened and not answered again', () => {
    expect(closuresOf([decision('2025-06-20T10:00:00Z', 'upheld')], [GBP(2_000, '2025-06-20T10:05:00Z')])).toEqual([]);
    const reopened = closuresOf([response('2025-01-16T10:00:00Z'), reopening('2025-05-01T08:00:00Z'), decision('2025-05-20T10:00:00Z', 'upheld')], [GBP(9_900, '2025-05-20T10:01:00Z')]);
    expect(reopened).toEqual([{ closedAt: at('2025-01-16T10:00:00Z'), kind: 'final-response', outcome: null, redress: [] }]);
  });

  it('takes a low follow-up score and a reopening right after it as one return to work', () => {
    const closures = closuresOf(
      [response('2025-01-16T10:00:00Z'), reopening('2025-02-01T10:00:00Z'), reopening('2025-02-01T10:00:01Z'), decision('2025-02-10T09:00:00Z', 'upheld'), response('2025-02-10T10:00:00Z')],
      [],
    );
    expect(closures.map((c) => [c.closedAt.toISOString(), c.outcome])).toEqual([
      ['2025-01-16T10:00:00.000Z', null],
      ['2025-02-10T10:00:00.000Z', 'upheld'],
    ]);
  });

  it('takes a reopening stamped at the very instant of a letter as before it, as the index status does', () => {
    const closures = closuresOf([response('2025-01-16T10:00:00Z'), reopening('2025-02-01T10:00:00Z'), response('2025-02-01T10:00:00Z')], []);
    expect(closures.map((c) => c.closedAt.toISOString())).toEqual(['2025-01-16T10:00:00.000Z', '2025-02-01T10:00:00.000Z']);
  });

  it('gives each closure the redress proposed in its round, an amended proposal to the round it was amended in, per currency', () => {
    const closures = closuresOf(
      [decision('2025-01-16T09:00:00Z', 'upheld'), response('2025-01-16T10:00:00Z'), reopening('2025-02-01T10:00:00Z'), decision('2025-02-10T09:00:00Z', 'upheld'), response('2025-02-10T10:00:00Z')],
      [
        GBP(5_000, '2025-01-16T09:01:00Z'),
        { proposedAt: at('2025-01-16T09:02:00Z'), amountMinor: 700, currency: 'EUR' },
        GBP(1_000, '2025-01-16T09:03:00Z'),
        // Proposed in the first round, amended by the review's decision: its latest proposal is the second round's.
        GBP(25_000, '2025-02-10T09:01:00Z'),
      ],
    );
    expect(closures.map((c) => c.redress)).toEqual([
      [{ currency: 'EUR', amountMinor: 700 }, { currency: 'GBP', amountMinor: 6_000 }],
      [{ currency: 'GBP', amountMinor: 25_000 }],
    ]);
  });
});
