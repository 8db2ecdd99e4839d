import { DeadlineRegime, localDay, RegimeId, RestDayCalendar, reviewDueBy } from './deadlines';
import { calendarFor } from './calendars';

/** Where a customer who is not satisfied may turn, as the final response must tell them. */
export interface EscalationRoute {
  body: string;
  contact: string;
  /** How long the customer has, in the regulator's words; null where no limit is set. */
  within: string | null;
}

/**
 * Defaults per regime. Bodies and contacts are public: the NFRA consumer hotline 12378 (CBIRC
 * Order 2020 No. 3 points customers to the regulator and to mediation), the Financial Ombudsman
 * Service (DISP 1.6.2: six months from the final response), the CFPB portal. Deployments name
 * their own mediation body and local office through configuration.
 */
export const DEFAULT_ESCALATION_ROUTES: Readonly<Record<RegimeId, readonly EscalationRoute[]>> = {
  'cn-cbirc': [
    { body: '国家金融监督管理总局 National Financial Regulatory Administration', contact: '12378', within: null },
    { body: '银行业纠纷调解中心 Banking dispute mediation centre', contact: 'www.cbdmc.org.cn', within: null },
  ],
  'uk-fca': [{ body: 'Financial Ombudsman Service', contact: '0800 023 4567, www.financial-ombudsman.org.uk', within: 'six months from the date of this final response' }],
  'us-cfpb': [{ body: 'Consumer Financial Protection Bureau', contact: '(855) 411-2372, www.consumerfinance.gov/complaint', within: null }],
};

export interface CustomerRightsStatement {
  /** End of the window to ask the bank itself for a review (cn-cbirc 核查: 30 days). */
  reviewBy: string;
  escalateTo: EscalationRoute[];
}

/**
 * The rights a final response states, counted from the moment it is issued. A regime without a
 * review period of its own (DISP, CFPB) gets the bank's own review window of `fallbackReviewDays`
 * calendar days: asking the bank to look again costs the customer nothing under any regime.
 */
export function customerRightsAt(
  issuedAt: Date,
  regime: DeadlineRegime,
  routes: readonly EscalationRoute[] = DEFAULT_ESCALATION_ROUTES[regime.id],
  calendar: RestDayCalendar = calendarFor(regime),
  fallbackReviewDays = 30,
): CustomerRightsStatement {
  const reviewBy = regime.reviewPeriod
    ? reviewDueBy(issuedAt, regime, calendar)
    : localDay(issuedAt, regime.timeZone).plus({ days: fallbackReviewDays }).endOf('day').toJSDate();
  return {
    reviewBy: reviewBy.toISOString(),
    escalateTo: routes.map((r) => ({ ...r })),
  };
}
