import { addYears, ComplaintStanding, DEFAULT_RETENTION_YEARS, retentionPlan, retentionYearsFromEnv } from './retention-policy';

const at = (iso: string) => new Date(iso);
const complaint = (complaintId: string, customerRef: string, regime: string | null, closedAt: string | null): ComplaintStanding => ({
  complaintId,
  ticketNumber: `CMP-${complaintId}`,
  customerRef,
  keyIds: [`sk_${customerRef}`],
  regime,
  closedAt: closedAt ? at(closedAt) : null,
});
const NONE = new Map<string, string[]>();

describe('retention periods (ARCHIVE_RETENTION_YEARS)', () => {
  it('defaults: uk-fca 3, cn-cbirc 5, us-cfpb 3 years after closure', () => {
    expect(retentionYearsFromEnv({})).toEqual({ 'uk-fca': 3, 'cn-cbirc': 5, 'us-cfpb': 3 });
    expect(DEFAULT_RETENTION_YEARS['uk-fca']).toBe(3);
  });

  it('takes JSON per regime; a regime left out keeps its default', () => {
    expect(retentionYearsFromEnv({ ARCHIVE_RETENTION_YEARS: '{"uk-fca":6}' })).toEqual({ 'uk-fca': 6, 'cn-cbirc': 5, 'us-cfpb': 3 });
  });

  it.each([['not json', /must be JSON/], ['[3]', /JSON object/], ['{"eu-eba":3}', /unknown regime eu-eba/], ['{"uk-fca":0}', /from 1 to 100/], ['{"uk-fca":2.5}', /whole number/], ['{"uk-fca":"3"}', /whole number/]])(
    'refuses %s',
    (raw, message) => expect(() => retentionYearsFromEnv({ ARCHIVE_RETENTION_YEARS: raw })).toThrow(message),
  );

  it('counts calendar years in UTC', () => {
    expect(addYears(at('2020-03-15T08:00:00.000Z'), 3).toISOString()).toBe('2023-03-15T08:00:00.000Z');
    expect(addYears(at('2024-02-29T12:00:00.000Z'), 1).toISOString()).toBe('2025-03-01T12:00:00.000Z');
  });
});

describe('which customers a purge erases', () => {
  const years = retentionYearsFromEnv({});

  it('is due exactly when the retention period after closure has run', () => {
    const list = [complaint('a', 'cust_a', 'uk-fca', '2020-03-15T08:00:00.000Z')];
    expect(retentionPlan(list, NONE, years, at('2023-03-15T07:59:59.999Z'))).toMatchObject({ due: [], heldBack: [], notYetDue: 1 });
    const plan = retentionPlan(list, NONE, years, at('2023-03-15T08:00:00.000Z'));
    expect(plan.due).toEqual([
      {
        customerRef: 'cust_a',
        keyIds: ['sk_cust_a'],
        complaints: [{ complaintId: 'a', ticketNumber: 'CMP-a', regime: 'uk-fca', closedAt: '2020-03-15T08:00:00.000Z', retainedUntil: '2023-03-15T08:00:00.000Z' }],
      },
    ]);
  });

  it('uses each regime\'s own period', () => {
    const list = [complaint('cn', 'cust_cn', 'cn-cbirc', '2020-01-01T00:00:00Z'), complaint('us', 'cust_us', 'us-cfpb', '2020-01-01T00:00:00Z')];
    expect(retentionPlan(list, NONE, years, at('2024-06-01T00:00:00Z')).due.map((c) => c.customerRef)).toEqual(['cust_us']);
    expect(retentionPlan(list, NONE, years, at('2025-01-01T00:00:00Z')).due.map((c) => c.customerRef)).toEqual(['cust_cn', 'cust_us']);
  });

  it('erases a customer only when every one of their complaints is due', () => {
    const list = [complaint('old', 'cust_x', 'uk-fca', '2015-01-01T00:00:00Z'), complaint('open', 'cust_x', 'uk-fca', null)];
    expect(retentionPlan(list, NONE, years, at('2026-01-01T00:00:00Z'))).toMatchObject({ due: [], notYetDue: 1 });
    const recent = [complaint('old', 'cust_x', 'uk-fca', '2015-01-01T00:00:00Z'), complaint('recent', 'cust_x', 'uk-fca', '2025-06-01T00:00:00Z')];
    expect(retentionPlan(recent, NONE, years, at('2026-01-01T00:00:00Z'))).toMatchObject({ due: [], notYetDue: 1 });
  });

  it('never erases a complaint of unknown regime', () => {
    expect(retentionPlan([complaint('u', 'cust_u', null, '2000-01-01T00:00:00Z')], NONE, years, at('2026-01-01T00:00:00Z'))).toMatchObject({ due: [], notYetDue: 1 });
  });

  it('holds back a customer with an active hold on any complaint, and names the hold', () => {
    const list = [complaint('a1', 'cust_a', 'uk-fca', '2015-01-01T00:00:00Z'), complaint('a2', 'cust_a', 'uk-fca', '2016-01-01T00:00:00Z'), complaint('b', 'cust_b', 'uk-fca', '2015-01-01T00:00:00Z')];
    const plan = retentionPlan(list, new Map([['a2', ['hold-1']]]), years, at('2026-01-01T00:00:00Z'));
    expect(plan.due.map((c) => c.customerRef)).toEqual(['cust_b']);
    expect(plan.heldBack).toEqual([
      expect.objectContaining({
        customerRef: 'cust_a',
        holds: [{ complaintId: 'a2', holdId: 'hold-1' }],
        complaints: [expect.not.objectContaining({ keeps: expect.anything() }), expect.objectContaining({ complaintId: 'a2', keeps: 'legal-hold', holds: ['hold-1'] })],
      }),
    ]);
    // released: due again
    expect(retentionPlan(list, NONE, years, at('2026-01-01T00:00:00Z')).due.map((c) => c.customerRef)).toEqual(['cust_a', 'cust_b']);
  });

  it('destroys every key the customer\'s complaints are sealed under, once', () => {
    const list = [
      { ...complaint('a1', 'cust_a', 'uk-fca', '2015-01-01T00:00:00Z'), keyIds: ['sk_cust_a', 'sk_own_a1'] },
      complaint('a2', 'cust_a', 'uk-fca', '2015-02-01T00:00:00Z'),
    ];
    expect(retentionPlan(list, NONE, years, at('2026-01-01T00:00:00Z')).due[0].keyIds).toEqual(['sk_cust_a', 'sk_own_a1']);
  });
});
