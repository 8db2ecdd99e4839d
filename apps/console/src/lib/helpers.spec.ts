import { REMEDY_STATUSES as DOMAIN_REMEDY_STATUSES } from '@complaints/domain';
import { dayOf, daysBetween, deadlineCompliance, topRootCauses, volumesOverTime } from './aggregate';
import { formatMoney, parseMajor } from './money';
import { matchRoute, pathOf } from './routes';
import { areasFor, isExpired, readToken } from './token';
import { REMEDY_STATUSES } from './vocabulary';

const b64url = (o: unknown) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const jwt = (claims: Record<string, unknown>) => `${b64url({ alg: 'ES256', typ: 'JWT' })}.${b64url(claims)}.signature`;

describe('reading the bearer token', () => {
  it('reads subject, known roles, the approval limit and the expiry', () => {
    const identity = readToken(jwt({ sub: '审批-01', roles: ['approver', 'not-a-role'], approvalLimitMinor: 5_000_000, department: 'card-centre', exp: 1_900_000_000 }));
    expect(identity).toEqual({ subject: '审批-01', roles: ['approver'], approvalLimitMinor: 5_000_000, department: 'card-centre', expiresAt: new Date(1_900_000_000_000) });
    expect(isExpired(identity!, new Date(1_900_000_000_000))).toBe(true);
    expect(isExpired(identity!, new Date(1_899_999_999_000))).toBe(false);
  });

  it('follows a dotted roles claim (Keycloak) and refuses what is not a JWT', () => {
    expect(readToken(jwt({ sub: 'x', realm_access: { roles: ['auditor'] } }), 'realm_access.roles')?.roles).toEqual(['auditor']);
    expect(readToken('not.a-token')).toBeNull();
    expect(readToken('a.b.c')).toBeNull();
    expect(readToken(jwt({ roles: ['auditor'] }))).toBeNull();
  });

  it('opens the areas each role works in', () => {
    expect(areasFor(['investigator'])).toEqual(['queue']);
    expect(areasFor(['approver'])).toEqual(['queue', 'approvals']);
    expect(areasFor(['compliance-officer'])).toEqual(['queue', 'approvals', 'dashboard', 'compliance']);
    expect(areasFor(['auditor'])).toEqual(['queue', 'dashboard', 'compliance']);
    expect(areasFor(['channel-adapter'])).toEqual([]);
  });
});

describe('money', () => {
  it('parses major units into minor units exactly, refusing anything else', () => {
    expect(parseMajor('1,500.5', 'CNY')).toBe(150_050);
    expect(parseMajor('0.1', 'CNY')).toBe(10);
    expect(parseMajor('1200', 'JPY')).toBe(1200);
    for (const bad of ['', '0', '-5', '1.234', 'abc', '1e3', '12.5']) expect([bad, parseMajor(bad, bad === '12.5' ? 'JPY' : 'CNY')]).toEqual([bad, null]);
  });

  it('formats minor units in the reader’s language', () => {
    expect(formatMoney(150_000, 'CNY', 'en')).toBe('CN¥1,500.00');
    expect(formatMoney(150_000, 'CNY', 'zh-CN')).toBe('¥1,500.00');
  });
});

describe('the manager’s figures', () => {
  const TZ = 'Asia/Shanghai';
  it('counts complaints per Beijing day and dimension, zero days included, the tail summed as other', () => {
    const from = new Date('2026-11-20T00:00:00+08:00');
    const to = new Date('2026-11-22T12:00:00+08:00');
    const rows = [
      { receivedAt: '2026-11-19T16:30:00Z', category: 'C07', channel: 'web', productCode: 'B03' }, // 20 Nov 00:30 in Beijing
      { receivedAt: '2026-11-20T10:00:00Z', category: 'C07', channel: 'branch', productCode: 'B03' },
      { receivedAt: '2026-11-22T01:00:00Z', category: 'C02', channel: 'web', productCode: 'B04' },
      { receivedAt: '2026-11-22T02:00:00Z', category: null, channel: 'web', productCode: null },
      { receivedAt: '2026-10-01T02:00:00Z', category: 'C07', channel: 'web', productCode: 'B03' },
      { receivedAt: null, category: 'C07', channel: 'web', productCode: 'B03' },
    ];
    expect(daysBetween(from, to, TZ)).toEqual(['2026-11-20', '2026-11-21', '2026-11-22']);
    expect(volumesOverTime(rows, 'category', from, to, TZ)).toEqual({
      days: ['2026-11-20', '2026-11-21', '2026-11-22'],
      series: [
        { key: 'C07', counts: [2, 0, 0], total: 2 },
        { key: 'C02', counts: [0, 0, 1], total: 1 },
        { key: 'unclassified', counts: [0, 0, 1], total: 1 },
      ],
      total: 4,
    });
    const top1 = volumesOverTime(rows, 'channel', from, to, TZ, 1);
    expect(top1.series).toEqual([
      { key: 'web', counts: [1, 0, 2], total: 3 },
      { key: 'other', counts: [1, 0, 0], total: 1 },
    ]);
    expect(dayOf('2026-11-19T16:00:00Z', TZ)).toBe('2026-11-20');
  });

  it('counts deadline states and the share answered on time; ranks root causes', () => {
    const base = { openedAt: '2026-11-01T00:00:00Z', responseDueBy: '2026-11-11T00:00:00Z' };
    const cases = [
      { ...base, status: 'responded' as const, respondedAt: '2026-11-05T00:00:00Z', findings: { rootCause: { code: 'system' } } },
      { ...base, status: 'closed' as const, respondedAt: '2026-11-12T00:00:00Z', findings: { rootCause: { code: 'system' } } },
      { ...base, status: 'closed' as const, respondedAt: '2026-11-10T00:00:00Z', findings: { rootCause: { code: 'people' } } },
      { ...base, status: 'investigating' as const, findings: null },
    ];
    const counts = deadlineCompliance(cases, new Date('2026-11-03T00:00:00Z'));
    expect(counts).toMatchObject({ met: 2, late: 1, 'on-track': 1, breached: 0 });
    expect(counts.onTimeRate).toBeCloseTo(2 / 3, 10);
    expect(deadlineCompliance([], new Date()).onTimeRate).toBeNull();
    expect(topRootCauses(cases)).toEqual([
      { code: 'system', count: 2 },
      { code: 'people', count: 1 },
    ]);
  });
});

describe('addresses and vocabularies', () => {
  it('maps every page’s address to its page and back', () => {
    const id = '6ed6ebc0-17f0-48a4-b1ba-0c5fdfcf9cf3';
    expect(matchRoute(pathOf.case(id))).toEqual({ page: 'case', caseId: id });
    expect(matchRoute(pathOf.dossier(id.toUpperCase()))).toEqual({ page: 'dossier', complaintId: id });
    expect(matchRoute('/queue/')).toEqual({ page: 'queue' });
    expect(matchRoute('/')).toEqual({ page: 'home' });
    expect(matchRoute('/cases/not-an-id')).toEqual({ page: 'not-found' });
  });

  it('mirrors the remedy states of libs/domain', () => {
    expect([...REMEDY_STATUSES]).toEqual([...DOMAIN_REMEDY_STATUSES]);
  });
});
