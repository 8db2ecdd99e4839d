import { ukBankHolidays } from '@complaints/domain';
import { StatComplaint, StatTable } from './tables';
import { buildUkReturn } from './uk-return';

const england = ukBankHolidays('ENG');
const at = (iso: string) => new Date(iso);
const Q1 = [at('2025-01-01T00:00:00Z'), at('2025-04-01T00:00:00+01:00')] as const;
const Q2 = [at('2025-04-01T00:00:00+01:00'), at('2025-07-01T00:00:00+01:00')] as const;
const total = (tables: StatTable[]) => tables[0].rows.find((r) => r.code === 'total');

/**
 * Received 6 January 2025, not upheld with its final response on 16 January, reopened on 1 May,
 * upheld with a final response on 12 June and £300 redress. The complaint index holds the first
 * answer (responded_at), the latest (closed_at) and the latest outcome; the closures hold each.
 */
const reopened: StatComplaint = {
  complaintId: 'c',
  receivedAt: at('2025-01-06T10:00:00Z'),
  channel: 'web',
  channelCode: null,
  taxonomy: 'cn-jrt0169',
  productCode: 'B03',
  causeCode: null,
  outcome: 'upheld',
  respondedAt: at('2025-01-16T10:00:00Z'),
  closedAt: at('2025-06-12T10:00:00Z'),
  redress: [{ currency: 'GBP', amountMinor: 30_000 }],
  closures: [
    { closedAt: at('2025-01-16T10:00:00Z'), kind: 'final-response', outcome: 'not-upheld', redress: [] },
    { closedAt: at('2025-06-12T10:00:00Z'), kind: 'final-response', outcome: 'upheld', redress: [{ currency: 'GBP', amountMinor: 30_000 }] },
  ],
};

describe('buildUkReturn: a complaint reopened and closed again', () => {
  it('counts the first closure in Q1 as it was then: not upheld, no redress', () => {
    expect(total(buildUkReturn([reopened], england, ...Q1))).toEqual({
      code: 'total', label: '合计', labelEn: 'Total',
      opened: 1, closed: 1, closedWithin3BusinessDays: 0, closedWithin8Weeks: 1, closedAfter8Weeks: 0, upheld: 0, upheldPercent: 0,
    });
  });

  it('counts the later closure in Q2, upheld, after eight weeks from receipt, with its redress', () => {
    expect(total(buildUkReturn([reopened], england, ...Q2))).toEqual({
      code: 'total', label: '合计', labelEn: 'Total',
      opened: 0, closed: 1, closedWithin3BusinessDays: 0, closedWithin8Weeks: 0, closedAfter8Weeks: 1, upheld: 1, upheldPercent: 100, 'redress.GBP': 300,
    });
  });

  it('counts a complaint closed twice in one period once, as its last closure left it, with the redress of both', () => {
    const twice: StatComplaint = {
      ...reopened,
      receivedAt: at('2025-04-02T09:00:00Z'),
      outcome: 'partially-upheld',
      respondedAt: at('2025-04-10T10:00:00Z'),
      closedAt: at('2025-06-20T10:00:00Z'),
      redress: [{ currency: 'GBP', amountMinor: 7_500 }],
      closures: [
        { closedAt: at('2025-04-10T10:00:00Z'), kind: 'final-response', outcome: 'not-upheld', redress: [{ currency: 'GBP', amountMinor: 5_000 }] },
        { closedAt: at('2025-06-20T10:00:00Z'), kind: 'final-response', outcome: 'partially-upheld', redress: [{ currency: 'GBP', amountMinor: 2_500 }] },
      ],
    };
    // The first answer came within eight weeks of receipt, the last (which settled it) after.
    expect(total(buildUkReturn([twice], england, ...Q2))).toMatchObject({ opened: 1, closed: 1, closedWithin8Weeks: 0, closedAfter8Weeks: 1, upheld: 1, 'redress.GBP': 75 });
  });
});
