import { taxonomyById, topLevelCodes } from '@complaints/taxonomy';
import { buildJrt0169, topLevelOf } from './jrt0169';
import { StatComplaint, StatTable } from './tables';

const jrt = taxonomyById('cn-jrt0169');
const from = new Date('2026-11-01T00:00:00+08:00');
const to = new Date('2026-12-01T00:00:00+08:00');

const complaint = (over: Partial<StatComplaint>): StatComplaint => ({
  complaintId: 'c',
  receivedAt: new Date('2026-11-10T02:00:00Z'),
  channel: null,
  channelCode: null,
  taxonomy: 'cn-jrt0169',
  productCode: null,
  causeCode: null,
  outcome: null,
  respondedAt: null,
  closedAt: null,
  redress: [],
  ...over,
});

const fixtures: StatComplaint[] = [
  complaint({ channel: 'mobile-app', channelCode: 'A010303', productCode: 'B03', causeCode: 'C07' }),
  complaint({ channel: 'mobile-app', channelCode: 'A010303', productCode: 'B03', causeCode: 'C10' }),
  complaint({ channel: 'branch', channelCode: 'A0101', productCode: 'B02', causeCode: 'C07' }),
  // No triage codes yet: channel from the intake channel's mapping, B and C not yet classified.
  complaint({ channel: 'hotline' }),
  // A code JR/T 0169 does not have (another taxonomy's).
  complaint({ channel: 'web', channelCode: 'A010301', productCode: 'credit-card', causeCode: 'C07' }),
  // Before the period (31 October, Beijing time) and at its exclusive end: not counted.
  complaint({ receivedAt: new Date('2026-10-31T15:59:59Z'), channelCode: 'A0101', productCode: 'B01', causeCode: 'C01' }),
  complaint({ receivedAt: new Date('2026-11-30T16:00:00Z'), channelCode: 'A0101', productCode: 'B01', causeCode: 'C01' }),
];

const counts = (table: StatTable, column = 'complaints') => Object.fromEntries(table.rows.filter((r) => Number(r[column]) > 0).map((r) => [r.code, r[column]]));

describe('buildJrt0169', () => {
  const [a, b, c, bxc] = buildJrt0169(fixtures, jrt, from, to);

  it('has a row for every code of each dimension, zero or not, then not yet classified and the total', () => {
    expect(a.rows.map((r) => r.code)).toEqual([...jrt.channel!.codes.map((x) => x.code), 'unclassified', 'total']);
    expect(b.rows.map((r) => r.code)).toEqual([...jrt.product.codes.map((x) => x.code), 'unclassified', 'unknown', 'total']);
    expect(c.rows.map((r) => r.code)).toEqual([...jrt.category.codes.map((x) => x.code), 'unclassified', 'total']);
    expect(b.rows.find((r) => r.code === 'B07')).toEqual({ code: 'B07', label: '国库', labelEn: 'Treasury (government bonds and treasury services)', complaints: 0 });
    expect(b.rows.find((r) => r.code === 'unclassified')).toEqual({ code: 'unclassified', label: '尚未分类', labelEn: 'not yet classified', complaints: 1 });
  });

  it('counts each code with its sub-codes (hand-computed)', () => {
    // Channels: A010303 ×2, A0101, A010302 (hotline mapped), A010301 — all under A01; A0103 holds four of them.
    expect(counts(a)).toEqual({ A01: 5, A0101: 1, A0103: 4, A010301: 1, A010302: 1, A010303: 2, total: 5 });
    expect(counts(b)).toEqual({ B02: 1, B03: 2, unclassified: 1, unknown: 1, total: 5 });
    expect(counts(c)).toEqual({ C07: 3, C10: 1, unclassified: 1, total: 5 });
  });

  it('crosses B by C on top-level codes, with totals that add up', () => {
    expect(bxc.columns.map((col) => col.key)).toEqual(['code', 'label', 'labelEn', ...topLevelCodes(jrt.category).map((x) => x.code), 'unclassified', 'total']);
    expect(bxc.rows.map((r) => r.code)).toEqual([...topLevelCodes(jrt.product).map((x) => x.code), 'unclassified', 'unknown', 'total']);
    const row = (code: string) => bxc.rows.find((r) => r.code === code)!;
    expect({ C07: row('B03').C07, C10: row('B03').C10, total: row('B03').total }).toEqual({ C07: 1, C10: 1, total: 2 });
    expect({ C07: row('B02').C07, total: row('B02').total }).toEqual({ C07: 1, total: 1 });
    expect({ unclassified: row('unclassified').unclassified, total: row('unclassified').total }).toEqual({ unclassified: 1, total: 1 });
    expect({ C07: row('unknown').C07 }).toEqual({ C07: 1 });
    expect({ C07: row('total').C07, C10: row('total').C10, unclassified: row('total').unclassified, total: row('total').total }).toEqual({ C07: 3, C10: 1, unclassified: 1, total: 5 });
    expect(row('B07').total).toBe(0);
  });

  it('finds the top-level code of a sub-code', () => {
    expect(topLevelOf(jrt.channel!, 'A010303')?.code).toBe('A01');
    expect(topLevelOf(jrt.channel!, 'A02')?.code).toBe('A02');
    expect(topLevelOf(jrt.channel!, 'Z9')).toBeNull();
  });
});
