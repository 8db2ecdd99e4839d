import { DateTime } from 'luxon';
import { CURRENCY_EXPONENTS, RestDayCalendar } from '@complaints/domain';
import { inPeriod, KEY_COLUMNS, StatClosure, StatColumn, StatComplaint, StatTable, TOTAL, UNCLASSIFIED, UNKNOWN_CODE } from './tables';

export const UK_ZONE = 'Europe/London';

/**
 * The last day a complaint received at `receivedAt` may be answered and still count as resolved
 * "by close of business on the third business day following the day on which it is received"
 * (DISP 1.5.1R): the local date of receipt, then `days` business days after it.
 */
export function businessDayDeadline(receivedAt: Date, days: number, calendar: RestDayCalendar, zone = UK_ZONE): DateTime {
  let day = DateTime.fromJSDate(receivedAt, { zone }).startOf('day');
  for (let counted = 0; counted < days; ) {
    day = day.plus({ days: 1 });
    if (!calendar.isRestDay(day)) counted += 1;
  }
  return day;
}

export type ClosedWithin = 'within-3-business-days' | 'within-8-weeks' | 'after-8-weeks';

/**
 * How fast a complaint was closed: by close of the third business day after the day of receipt
 * (local UK date, weekends and bank holidays not counted), else within eight weeks of receipt
 * (DISP 1.6.2R, to the instant), else later.
 */
export function closedWithin(receivedAt: Date, closedAt: Date, calendar: RestDayCalendar, zone = UK_ZONE): ClosedWithin {
  const closedDay = DateTime.fromJSDate(closedAt, { zone }).startOf('day');
  if (closedDay <= businessDayDeadline(receivedAt, 3, calendar, zone)) return 'within-3-business-days';
  const eightWeeks = DateTime.fromJSDate(receivedAt, { zone }).plus({ weeks: 8 });
  return DateTime.fromJSDate(closedAt, { zone }) <= eightWeeks ? 'within-8-weeks' : 'after-8-weeks';
}

/** Minor units to major units of the currency, for display (2 decimals where ISO 4217 does not say). */
export const majorUnits = (minor: number, currency: string) => minor / 10 ** (CURRENCY_EXPONENTS[currency] ?? 2);

export interface ProductLabel {
  name: string;
  nameEn?: string;
}

/** The closures of a complaint given without them: once, at its (first) answer or withdrawal. */
function closuresOrRow(c: StatComplaint): StatClosure[] {
  if (c.closures) return c.closures;
  const closedAt = c.respondedAt ?? c.closedAt;
  return closedAt ? [{ closedAt, kind: c.respondedAt ? 'final-response' : 'withdrawal', outcome: c.outcome, redress: c.redress }] : [];
}

/**
 * The FCA complaints return (DISP 1.10 / DISP 1 Annex 1R) shape, by product, for [from, to):
 * complaints opened (received) in the period; complaints closed in the period (final response
 * sent, or withdrawn) split by how fast; upheld (upheld or partially upheld) among those closed,
 * count and percent; redress for the complaints closed, total per currency.
 *
 * A complaint reopened after its answer is closed again by its next one (`closuresOf`): each
 * return counts the closures in its own period with the decision each gave, so a return drawn
 * later for an earlier period says what was decided then. One closed twice in the period counts
 * once, as its last closure there left it (speed measured from receipt to that closure), with the
 * redress of all its closures there.
 */
export function buildUkReturn(
  complaints: StatComplaint[],
  calendar: RestDayCalendar,
  from: Date,
  to: Date,
  productLabel: (code: string) => ProductLabel | null = () => null,
): StatTable[] {
  interface Tally {
    opened: number;
    closed: number;
    within3: number;
    within8w: number;
    later: number;
    upheld: number;
    redress: Map<string, number>;
  }
  const empty = (): Tally => ({ opened: 0, closed: 0, within3: 0, within8w: 0, later: 0, upheld: 0, redress: new Map() });
  const byProduct = new Map<string, Tally>();
  const total = empty();
  const currencies = new Set<string>();
  for (const c of complaints) {
    const product = c.productCode ?? UNCLASSIFIED.code;
    const opened = inPeriod(c.receivedAt, from, to);
    const closures = c.receivedAt === null ? [] : closuresOrRow(c).filter((x) => inPeriod(x.closedAt, from, to));
    const last = closures.reduce<StatClosure | null>((latest, x) => (!latest || x.closedAt > latest.closedAt ? x : latest), null);
    if (!opened && !last) continue;
    const tally = byProduct.get(product) ?? empty();
    byProduct.set(product, tally);
    for (const t of [tally, total]) {
      if (opened) t.opened += 1;
      if (!last) continue;
      t.closed += 1;
      const speed = closedWithin(c.receivedAt!, last.closedAt, calendar);
      if (speed === 'within-3-business-days') t.within3 += 1;
      else if (speed === 'within-8-weeks') t.within8w += 1;
      else t.later += 1;
      if (last.outcome === 'upheld' || last.outcome === 'partially-upheld') t.upheld += 1;
      for (const r of closures.flatMap((x) => x.redress)) {
        currencies.add(r.currency);
        t.redress.set(r.currency, (t.redress.get(r.currency) ?? 0) + r.amountMinor);
      }
    }
  }
  const money = [...currencies].sort();
  const columns: StatColumn[] = [
    ...KEY_COLUMNS,
    { key: 'opened', title: 'Complaints opened', type: 'count' },
    { key: 'closed', title: 'Complaints closed', type: 'count' },
    { key: 'closedWithin3BusinessDays', title: 'Closed within 3 business days', type: 'count' },
    { key: 'closedWithin8Weeks', title: 'Closed after 3 business days, within 8 weeks', type: 'count' },
    { key: 'closedAfter8Weeks', title: 'Closed after 8 weeks', type: 'count' },
    { key: 'upheld', title: 'Upheld (incl. partially)', type: 'count' },
    { key: 'upheldPercent', title: 'Upheld %', type: 'percent' },
    ...money.map((cur) => ({ key: `redress.${cur}`, title: `Redress ${cur}`, type: 'money' as const })),
  ];
  const row = (label: { code: string; label: string; labelEn: string }, t: Tally) => ({
    ...label,
    opened: t.opened,
    closed: t.closed,
    closedWithin3BusinessDays: t.within3,
    closedWithin8Weeks: t.within8w,
    closedAfter8Weeks: t.later,
    upheld: t.upheld,
    upheldPercent: t.closed ? Math.round((t.upheld / t.closed) * 1000) / 10 : null,
    ...Object.fromEntries(money.map((cur) => [`redress.${cur}`, majorUnits(t.redress.get(cur) ?? 0, cur)])),
  });
  const codes = [...byProduct.keys()].sort((a, b) => (a === UNCLASSIFIED.code ? 1 : b === UNCLASSIFIED.code ? -1 : a.localeCompare(b)));
  const rows = codes.map((code) => {
    if (code === UNCLASSIFIED.code) return row(UNCLASSIFIED, byProduct.get(code)!);
    const found = productLabel(code);
    return row(found ? { code, label: found.name, labelEn: found.nameEn ?? found.name } : { code, label: code, labelEn: UNKNOWN_CODE.labelEn }, byProduct.get(code)!);
  });
  rows.push(row(TOTAL, total));
  return [{ sheet: 'products', title: 'Complaints return by product (FCA DISP 1.10)', columns, rows }];
}
