import { ukBankHolidays, weekendsOnly } from '@complaints/domain';
import { StatComplaint } from './tables';
import { buildUkReturn, businessDayDeadline, closedWithin } from './uk-return';

const england = ukBankHolidays('ENG');
const at = (iso: string) => new Date(iso);

describe('business days for the FCA 3-business-day rule', () => {
  it('skips Good Friday and Easter Monday: received Thursday 2026-04-02, answered Thursday 2026-04-09, is within 3 business days', () => {
    expect(businessDayDeadline(at('2026-04-02T09:00:00Z'), 3, england).toISODate()).toBe('2026-04-09');
    expect(closedWithin(at('2026-04-02T09:00:00Z'), at('2026-04-09T16:59:00Z'), england)).toBe('within-3-business-days');
    // Late on the third business day still counts (close of business is the day's end here).
    expect(closedWithin(at('2026-04-02T09:00:00Z'), at('2026-04-09T22:59:59Z'), england)).toBe('within-3-business-days');
    // Midnight in London (BST) is the next day.
    expect(closedWithin(at('2026-04-02T09:00:00Z'), at('2026-04-09T23:00:00Z'), england)).toBe('within-8-weeks');
    expect(closedWithin(at('2026-04-02T09:00:00Z'), at('2026-04-10T08:00:00Z'), england)).toBe('within-8-weeks');
    // Counting weekends only, the same answer would be late: the holidays make the difference.
    expect(closedWithin(at('2026-04-02T09:00:00Z'), at('2026-04-09T12:00:00Z'), weekendsOnly)).toBe('within-8-weeks');
  });

  it('starts counting the day after receipt, on the London date, whatever the UTC date', () => {
    // Friday 20 November: Monday 23, Tuesday 24, Wednesday 25.
    expect(businessDayDeadline(at('2026-11-20T16:00:00Z'), 3, england).toISODate()).toBe('2026-11-25');
    // Received on a Saturday: the same three days follow.
    expect(businessDayDeadline(at('2026-11-21T10:00:00Z'), 3, england).toISODate()).toBe('2026-11-25');
    // 23:30 UTC on Wednesday 3 June is 00:30 on Thursday 4 June in London (BST): Friday 5, Monday 8, Tuesday 9.
    expect(businessDayDeadline(at('2026-06-03T23:30:00Z'), 3, england).toISODate()).toBe('2026-06-09');
    expect(closedWithin(at('2026-06-03T23:30:00Z'), at('2026-06-09T12:00:00Z'), england)).toBe('within-3-business-days');
    // Christmas 2026: Thursday 24 (1), Friday 25 and Monday 28 (Boxing Day substitute) off, Tuesday 29 (2), Wednesday 30 (3).
    expect(businessDayDeadline(at('2026-12-23T12:00:00Z'), 3, england).toISODate()).toBe('2026-12-30');
    expect(closedWithin(at('2026-12-23T12:00:00Z'), at('2026-12-31T09:00:00Z'), england)).toBe('within-8-weeks');
  });

  it('counts eight weeks to the instant of receipt', () => {
    expect(closedWithin(at('2026-01-05T10:00:00Z'), at('2026-03-02T10:00:00Z'), england)).toBe('within-8-weeks');
    expect(closedWithin(at('2026-01-05T10:00:00Z'), at('2026-03-02T10:00:01Z'), england)).toBe('after-8-weeks');
  });
});

const complaint = (over: Partial<StatComplaint>): StatComplaint => ({
  complaintId: 'c',
  receivedAt: null,
  channel: null,
  channelCode: null,
  taxonomy: null,
  productCode: null,
  causeCode: null,
  outcome: null,
  respondedAt: null,
  closedAt: null,
  redress: [],
  ...over,
});

describe('buildUkReturn', () => {
  const from = at('2026-04-01T00:00:00+01:00');
  const to = at('2026-07-01T00:00:00+01:00');
  const fixtures: StatComplaint[] = [
    // B03: received in the period, answered within 3 business days (Easter), upheld, £120.50.
    complaint({ productCode: 'B03', receivedAt: at('2026-04-02T09:00:00Z'), respondedAt: at('2026-04-09T12:00:00Z'), closedAt: at('2026-04-09T12:00:00Z'), outcome: 'upheld', redress: [{ currency: 'GBP', amountMinor: 12_050 }] }),
    // B03: received before the period, closed in it after 8 weeks, partially upheld, £10 and 5 EUR.
    complaint({ productCode: 'B03', receivedAt: at('2026-01-05T10:00:00Z'), respondedAt: at('2026-04-20T10:00:00Z'), closedAt: at('2026-04-20T10:00:00Z'), outcome: 'partially-upheld', redress: [{ currency: 'GBP', amountMinor: 1_000 }, { currency: 'EUR', amountMinor: 500 }] }),
    // B03: received in the period, still open.
    complaint({ productCode: 'B03', receivedAt: at('2026-05-01T10:00:00Z') }),
    // B02: received and answered in the period within 8 weeks, not upheld (received on the early May bank holiday).
    complaint({ productCode: 'B02', receivedAt: at('2026-05-04T10:00:00Z'), respondedAt: at('2026-05-20T10:00:00Z'), outcome: 'not-upheld' }),
    // B02: answered without a recorded decision (closed_at null), within 3 business days.
    complaint({ productCode: 'B02', receivedAt: at('2026-06-01T10:00:00Z'), respondedAt: at('2026-06-02T10:00:00Z') }),
    // Unclassified: withdrawn in the period (closed_at, no response).
    complaint({ receivedAt: at('2026-06-10T10:00:00Z'), closedAt: at('2026-06-11T10:00:00Z') }),
    // Outside the period on both counts: received and closed before it.
    complaint({ productCode: 'B02', receivedAt: at('2026-02-02T10:00:00Z'), respondedAt: at('2026-03-02T10:00:00Z'), outcome: 'upheld', redress: [{ currency: 'GBP', amountMinor: 99_999 }] }),
    // Received in the period, answered after it: opened only.
    complaint({ productCode: 'B02', receivedAt: at('2026-06-30T10:00:00Z'), respondedAt: at('2026-07-02T10:00:00Z'), outcome: 'upheld' }),
  ];

  it('counts opened, closed by speed, upheld and redress per product, hand-computed', () => {
    const [table] = buildUkReturn(fixtures, england, from, to, (code) => (code === 'B03' ? { name: '银行卡', nameEn: 'Bank cards' } : null));
    expect(table.columns.map((c) => c.key)).toEqual([
      'code', 'label', 'labelEn', 'opened', 'closed', 'closedWithin3BusinessDays', 'closedWithin8Weeks', 'closedAfter8Weeks', 'upheld', 'upheldPercent', 'redress.EUR', 'redress.GBP',
    ]);
    expect(table.rows).toEqual([
      { code: 'B02', label: 'B02', labelEn: 'code not in the taxonomy', opened: 3, closed: 2, closedWithin3BusinessDays: 1, closedWithin8Weeks: 1, closedAfter8Weeks: 0, upheld: 0, upheldPercent: 0, 'redress.EUR': 0, 'redress.GBP': 0 },
      { code: 'B03', label: '银行卡', labelEn: 'Bank cards', opened: 2, closed: 2, closedWithin3BusinessDays: 1, closedWithin8Weeks: 0, closedAfter8Weeks: 1, upheld: 2, upheldPercent: 100, 'redress.EUR': 5, 'redress.GBP': 130.5 },
      { code: 'unclassified', label: '尚未分类', labelEn: 'not yet classified', opened: 1, closed: 1, closedWithin3BusinessDays: 1, closedWithin8Weeks: 0, closedAfter8Weeks: 0, upheld: 0, upheldPercent: 0, 'redress.EUR': 0, 'redress.GBP': 0 },
      { code: 'total', label: '合计', labelEn: 'Total', opened: 6, closed: 5, closedWithin3BusinessDays: 3, closedWithin8Weeks: 1, closedAfter8Weeks: 1, upheld: 2, upheldPercent: 40, 'redress.EUR': 5, 'redress.GBP': 130.5 },
    ]);
  });

  it('gives no upheld percent where nothing closed, and an empty period only the total', () => {
    const [table] = buildUkReturn(fixtures, england, at('2026-08-01T00:00:00Z'), at('2026-09-01T00:00:00Z'));
    expect(table.rows).toEqual([{ code: 'total', label: '合计', labelEn: 'Total', opened: 0, closed: 0, closedWithin3BusinessDays: 0, closedWithin8Weeks: 0, closedAfter8Weeks: 0, upheld: 0, upheldPercent: null }]);
  });
});
