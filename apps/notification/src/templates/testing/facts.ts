/**
 * Facts for the template tests: complete final responses per regime, as investigation issues them
 * (routes as libs/domain DEFAULT_ESCALATION_ROUTES gives them, written out here so the tests read on their own).
 */
import type { EscalationRoute, MessageFacts, RegimeId } from '../message-catalogue';

export const ROUTES: Readonly<Record<RegimeId, readonly EscalationRoute[]>> = {
  'cn-cbirc': [
    { body: '国家金融监督管理总局 National Financial Regulatory Administration', contact: '12378', within: null },
    { body: '银行业纠纷调解中心 Banking dispute mediation centre', contact: 'www.cbdmc.org.cn', within: null },
  ],
  'uk-fca': [{ body: 'Financial Ombudsman Service', contact: '0800 023 4567, www.financial-ombudsman.org.uk', within: 'six months from the date of this final response' }],
  'us-cfpb': [{ body: 'Consumer Financial Protection Bureau', contact: '(855) 411-2372, www.consumerfinance.gov/complaint', within: null }],
};

/** A complete final response per regime. */
export function finalResponseFacts(regime: RegimeId, overrides: Partial<MessageFacts['final-response']> = {}): MessageFacts['final-response'] {
  const base: Record<RegimeId, MessageFacts['final-response']> = {
    'cn-cbirc': {
      ticketNumber: 'CN-20261122-000123',
      regime: 'cn-cbirc',
      outcome: 'partially-upheld',
      explanation: '经核查，您的信用卡于2026年11月3日被重复扣收年费，系我行系统批量处理异常所致。',
      remedy: { type: 'fee-refund', amount: { amountMinor: 1_200_000, currency: 'CNY' } },
      // 23:59:59.999 on 22 December in Beijing
      rights: { reviewBy: '2026-12-22T15:59:59.999Z', escalateTo: ROUTES['cn-cbirc'].map((r) => ({ ...r })) },
      issuedAt: '2026-11-22T02:00:00.000Z',
    },
    'uk-fca': {
      ticketNumber: 'UK-20260601-000045',
      regime: 'uk-fca',
      outcome: 'upheld',
      explanation: 'We charged an unarranged overdraft fee although your salary had arrived the same morning.',
      remedy: { type: 'fee-refund', amount: { amountMinor: 25_050, currency: 'GBP' } },
      rights: { reviewBy: null, escalateTo: ROUTES['uk-fca'].map((r) => ({ ...r })) },
      issuedAt: '2026-06-30T09:00:00.000Z',
    },
    'us-cfpb': {
      ticketNumber: 'US-20260915-000007',
      regime: 'us-cfpb',
      outcome: 'not-upheld',
      explanation: 'The card transaction was authorised with the chip and PIN of the card in your possession.',
      remedy: null,
      rights: { reviewBy: '2026-10-16T03:59:59.999Z', escalateTo: ROUTES['us-cfpb'].map((r) => ({ ...r })) },
      issuedAt: '2026-09-16T14:00:00.000Z',
    },
  };
  return { ...base[regime], ...overrides };
}

export function summaryResolutionFacts(regime: RegimeId, overrides: Partial<MessageFacts['summary-resolution']> = {}): MessageFacts['summary-resolution'] {
  return {
    ticketNumber: 'UK-20260602-000046',
    regime,
    explanation: 'We have refunded the £35.00 late payment fee to your account, as we agreed on the phone.',
    rights: { reviewBy: null, escalateTo: ROUTES[regime].map((r) => ({ ...r })) },
    ...overrides,
  };
}
