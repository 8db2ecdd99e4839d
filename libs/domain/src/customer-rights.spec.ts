import { DateTime } from 'luxon';
import { customerRightsAt, DEFAULT_ESCALATION_ROUTES, EscalationRoute } from './customer-rights';
import { DEFAULT_REGIMES, reviewDueBy } from './deadlines';

const CN = DEFAULT_REGIMES['cn-cbirc'];
const UK = DEFAULT_REGIMES['uk-fca'];
const US = DEFAULT_REGIMES['us-cfpb'];

/** The end of the local day `days` after the local day of `at`, computed here with luxon alone. */
const endOfLocalDayAfter = (at: Date, zone: string, days: number): string =>
  DateTime.fromJSDate(at, { zone }).startOf('day').plus({ days }).endOf('day').toUTC().toISO()!;

describe('customerRightsAt', () => {
  describe('cn-cbirc: the regime’s own review window (核查)', () => {
    it('reviewBy_isTheRegimesReviewWindowEnd_rolledPastARestDay', () => {
      // Thu 5 Nov 2026, 10:00 in Shanghai: 30 days on is Sat 5 Dec, a rest day, so the window runs to Mon 7 Dec.
      const issuedAt = new Date('2026-11-05T02:00:00Z');
      const rights = customerRightsAt(issuedAt, CN);
      expect(rights.reviewBy).toBe(reviewDueBy(issuedAt, CN).toISOString());
      expect(rights.reviewBy).toBe('2026-12-07T15:59:59.999Z');
      // Not the plain 30-calendar-day fallback of regimes without a review window.
      expect(rights.reviewBy).not.toBe(endOfLocalDayAfter(issuedAt, CN.timeZone, 30));
    });

    it('escalateTo_namesTheRegulatorsHotline12378AndMediation', () => {
      const rights = customerRightsAt(new Date('2026-11-05T02:00:00Z'), CN);
      expect(rights.escalateTo.map((r) => r.contact)).toContain('12378');
      expect(rights.escalateTo).toEqual(DEFAULT_ESCALATION_ROUTES['cn-cbirc']);
      expect(rights.escalateTo.some((r) => r.body.includes('调解'))).toBe(true);
    });
  });

  describe('uk-fca: no review period of its own', () => {
    it('reviewBy_isTheEndOfTheLondonDay30DaysLater_acrossTheClockChange', () => {
      // Tue 10 Mar 2026 (GMT) + 30 days = Thu 9 Apr (BST): 24:00 London is 23:00 UTC.
      const issuedAt = new Date('2026-03-10T12:00:00Z');
      const rights = customerRightsAt(issuedAt, UK);
      expect(UK.reviewPeriod).toBeUndefined();
      expect(rights.reviewBy).toBe('2026-04-09T22:59:59.999Z');
      expect(rights.reviewBy).toBe(endOfLocalDayAfter(issuedAt, 'Europe/London', 30));
    });

    it('reviewBy_countsFromTheLondonDay_notTheUtcDay', () => {
      // 23:30 UTC on 30 June is already 1 July in London: 30 days on is 31 July.
      const rights = customerRightsAt(new Date('2026-06-30T23:30:00Z'), UK);
      expect(rights.reviewBy).toBe('2026-07-31T22:59:59.999Z');
    });

    it('fallbackReviewDays_setsTheBanksOwnWindow', () => {
      const issuedAt = new Date('2026-03-10T12:00:00Z');
      expect(customerRightsAt(issuedAt, UK, undefined, undefined, 14).reviewBy).toBe('2026-03-24T23:59:59.999Z');
    });

    it('escalateTo_isTheFinancialOmbudsmanServiceWithItsSixMonthLimit', () => {
      const rights = customerRightsAt(new Date('2026-03-10T12:00:00Z'), UK);
      expect(rights.escalateTo).toEqual([
        { body: 'Financial Ombudsman Service', contact: expect.stringContaining('www.financial-ombudsman.org.uk'), within: 'six months from the date of this final response' },
      ]);
    });
  });

  it('usCfpb_reviewByIsTheEndOfTheNewYorkDay30DaysLater_andTheRouteIsTheCfpb', () => {
    const issuedAt = new Date('2026-11-05T03:00:00Z'); // still 4 Nov in New York
    const rights = customerRightsAt(issuedAt, US);
    expect(rights.reviewBy).toBe(endOfLocalDayAfter(issuedAt, 'America/New_York', 30));
    expect(rights.reviewBy).toBe('2026-12-05T04:59:59.999Z');
    expect(rights.escalateTo.map((r) => r.body)).toEqual(['Consumer Financial Protection Bureau']);
  });

  describe('routes are copied, never shared', () => {
    it('customRoutes_areReturnedAsCopies_soChangingTheResultLeavesTheConfigurationAlone', () => {
      const custom: EscalationRoute[] = [{ body: '上海银行业纠纷调解中心', contact: '021-00000000', within: '收到答复之日起30日内' }];
      const rights = customerRightsAt(new Date('2026-11-05T02:00:00Z'), CN, custom);
      expect(rights.escalateTo).toEqual(custom);
      expect(rights.escalateTo).not.toBe(custom);
      expect(rights.escalateTo[0]).not.toBe(custom[0]);

      rights.escalateTo[0].contact = 'changed';
      rights.escalateTo.push({ body: 'another', contact: 'x', within: null });
      expect(custom).toEqual([{ body: '上海银行业纠纷调解中心', contact: '021-00000000', within: '收到答复之日起30日内' }]);
    });

    it('defaultRoutes_areReturnedAsCopies_soChangingTheResultLeavesTheDefaultsAlone', () => {
      const before = JSON.parse(JSON.stringify(DEFAULT_ESCALATION_ROUTES)) as typeof DEFAULT_ESCALATION_ROUTES;
      const first = customerRightsAt(new Date('2026-03-10T12:00:00Z'), UK);
      first.escalateTo[0].body = 'changed';
      first.escalateTo[0].within = null;
      first.escalateTo.push({ body: 'another', contact: 'x', within: null });

      expect(DEFAULT_ESCALATION_ROUTES).toEqual(before);
      expect(customerRightsAt(new Date('2026-03-10T12:00:00Z'), UK).escalateTo).toEqual(before['uk-fca']);
    });
  });
});
