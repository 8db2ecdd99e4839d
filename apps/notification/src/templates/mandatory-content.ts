/**
 * What a final response (and a UK summary resolution) must tell the customer, per regime, and the check that
 * it does before anything is sent.
 *
 *  - cn-cbirc: 《银行保险机构消费投诉处理管理办法》(CBIRC Order 2020 No. 3) — the decision and its reasons, the
 *    remedy (or that there is none), the right to ask the bank for a review (核查) and by when, and where else
 *    the customer may turn (the regulator's hotline, mediation).
 *  - uk-fca: DISP 1.6.2 — the decision and reasons, the remedy or none, the right to refer the complaint to the
 *    Financial Ombudsman Service with its contact, the six-month limit, and the FOS leaflet or website.
 *    Summary resolution (DISP 1.5.4): that the complaint is considered resolved, and the FOS referral right.
 *  - us-cfpb: the decision, reasons, remedy or none, and the external routes (the CFPB).
 *
 * An element is present only if both hold: the facts carry it (a non-empty explanation, a review date, a
 * route with a contact, ...) and the rendered text really says it (the ticket number, the review date as
 * formatted, each route's contact, the explanation, the catalogue's wording for the decision). The second
 * half catches a catalogue edit that drops a sentence; the first catches facts that would leave the
 * sentence saying nothing.
 */
import {
  EscalationRoute,
  formatDay,
  formatMoney,
  InvalidFactError,
  Language,
  MessageFacts,
  MissingFactError,
  OUTCOMES,
  Outcome,
  plainText,
  RegimeId,
  renderMessage,
  RenderedMessage,
} from './message-catalogue';

export type FinalResponseElement =
  | 'ticket-number'
  | 'decision'
  | 'reasons'
  | 'remedy-or-none'
  | 'review-right'
  | 'review-deadline'
  | 'external-routes'
  | 'ombudsman-referral'
  | 'ombudsman-time-limit'
  | 'ombudsman-leaflet-or-website';

export type SummaryResolutionElement = 'ticket-number' | 'resolved-statement' | 'ombudsman-referral' | 'external-routes';

/** The named elements a final response must contain, in the order they are reported. */
export const FINAL_RESPONSE_ELEMENTS: Readonly<Record<RegimeId, readonly FinalResponseElement[]>> = {
  'cn-cbirc': ['ticket-number', 'decision', 'reasons', 'remedy-or-none', 'review-right', 'review-deadline', 'external-routes'],
  'uk-fca': ['ticket-number', 'decision', 'reasons', 'remedy-or-none', 'ombudsman-referral', 'ombudsman-time-limit', 'ombudsman-leaflet-or-website'],
  'us-cfpb': ['ticket-number', 'decision', 'reasons', 'remedy-or-none', 'external-routes'],
};

/** Summary resolution is a DISP 1.5 notion; elsewhere the same message must at least point to the external routes. */
export const SUMMARY_RESOLUTION_ELEMENTS: Readonly<Record<RegimeId, readonly SummaryResolutionElement[]>> = {
  'cn-cbirc': ['ticket-number', 'resolved-statement', 'external-routes'],
  'uk-fca': ['ticket-number', 'resolved-statement', 'ombudsman-referral'],
  'us-cfpb': ['ticket-number', 'resolved-statement', 'external-routes'],
};

/**
 * The catalogue's wording the check looks for (final-response@v1, summary-resolution@v1). A new catalogue
 * version that rewords these sentences must update them here; the tests render every kind to keep both in step.
 */
export const REQUIRED_WORDING: Readonly<
  Record<Language, { decision: Readonly<Record<Outcome, string>>; noRemedy: string; reviewRight: string; resolved: string }>
> = {
  'zh-CN': {
    decision: { upheld: '您的投诉成立', 'partially-upheld': '您的投诉部分成立', 'not-upheld': '您的投诉不成立' },
    noRemedy: '本次处理不涉及补偿或其他补救措施',
    reviewRight: '向我行申请核查',
    resolved: '您的投诉现已解决',
  },
  en: {
    decision: {
      upheld: 'we have upheld your complaint',
      'partially-upheld': 'we have partially upheld your complaint',
      'not-upheld': 'we have not upheld your complaint',
    },
    noRemedy: 'we are not offering you any compensation or other remedy',
    reviewRight: 'ask us to review this decision',
    resolved: 'your complaint has now been resolved',
  },
};

export const FINANCIAL_OMBUDSMAN_WEBSITE = 'www.financial-ombudsman.org.uk';
const FOS_NAME = 'Financial Ombudsman Service';
const FOS_BODY = /financial ombudsman service|金融申诉专员/i;
const SIX_MONTHS = /\b(six|6)\s+months?\b|六个月|6\s*个月/i;

/** The message was not sent: it lacks elements the regime requires. */
export class MandatoryContentError extends Error {
  constructor(
    readonly kind: 'final-response' | 'summary-resolution',
    readonly regime: RegimeId,
    readonly missing: string[],
  ) {
    super(`${kind} under ${regime} lacks required content: ${missing.join(', ')}`);
    this.name = 'MandatoryContentError';
  }
}

// ---------------------------------------------------------------------------------------------------------

const nonBlank = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;

/** `text` contains `fragment`, compared in the plain-text layout the renderer produces. */
const says = (text: string | null, fragment: string) => text === null || plainText(text).includes(plainText(fragment));

const attempt = <T>(fn: () => T): T | null => {
  try {
    return fn();
  } catch {
    return null;
  }
};

function routesOf(rights: unknown): EscalationRoute[] {
  const list = (rights as { escalateTo?: unknown } | null | undefined)?.escalateTo;
  return Array.isArray(list) ? (list as EscalationRoute[]) : [];
}

const isOmbudsmanRoute = (route: EscalationRoute | null | undefined): boolean => nonBlank(route?.body) && FOS_BODY.test(route.body);

type Facts = Partial<MessageFacts['final-response']> | Partial<MessageFacts['summary-resolution']>;

/**
 * Whether one element is present. `text` is the rendered body, or null to judge the facts alone (used when
 * the facts are too incomplete to render at all).
 */
function present(element: FinalResponseElement | SummaryResolutionElement, regime: RegimeId, facts: Facts, language: Language, text: string | null): boolean {
  const wording = REQUIRED_WORDING[language];
  const routes = routesOf(facts.rights);
  const ombudsman = routes.find(isOmbudsmanRoute);
  switch (element) {
    case 'ticket-number':
      return nonBlank(facts.ticketNumber) && says(text, facts.ticketNumber);
    case 'decision': {
      const outcome = (facts as Partial<MessageFacts['final-response']>).outcome;
      return OUTCOMES.includes(outcome as Outcome) && says(text, wording.decision[outcome as Outcome]);
    }
    case 'reasons':
      return nonBlank(facts.explanation) && says(text, facts.explanation);
    case 'remedy-or-none': {
      const remedy = (facts as Partial<MessageFacts['final-response']>).remedy;
      if (remedy === null) return says(text, wording.noRemedy);
      if (!remedy || !nonBlank(remedy.type) || !remedy.amount) return false;
      const amount = attempt(() => formatMoney(remedy.amount, language, regime));
      return amount !== null && says(text, amount);
    }
    case 'review-right':
      return says(text, wording.reviewRight);
    case 'review-deadline': {
      const reviewBy = (facts.rights as { reviewBy?: unknown } | undefined)?.reviewBy;
      if (!nonBlank(reviewBy)) return false;
      const day = attempt(() => formatDay(reviewBy, regime, language));
      return day !== null && says(text, day);
    }
    case 'external-routes':
      return routes.length > 0 && routes.every((r) => nonBlank(r?.body) && nonBlank(r.contact) && says(text, r.contact));
    case 'ombudsman-referral':
      return !!ombudsman && nonBlank(ombudsman.contact) && says(text, ombudsman.contact) && says(text, FOS_NAME);
    case 'ombudsman-time-limit':
      return !!ombudsman && nonBlank(ombudsman.within) && SIX_MONTHS.test(ombudsman.within) && says(text, ombudsman.within);
    case 'ombudsman-leaflet-or-website':
      return text === null || text.toLowerCase().includes(FINANCIAL_OMBUDSMAN_WEBSITE);
    case 'resolved-statement':
      return says(text, wording.resolved);
  }
}

function expectKind(rendered: RenderedMessage, kind: RenderedMessage['kind']) {
  if (rendered.kind !== kind) throw new TypeError(`expected a rendered ${kind}, got ${rendered.kind}`);
}

/** The elements the regime requires that the facts or the rendered final response lack (empty: complete). */
export function missingFinalResponseElements(regime: RegimeId, facts: MessageFacts['final-response'], rendered: RenderedMessage): string[] {
  expectKind(rendered, 'final-response');
  return FINAL_RESPONSE_ELEMENTS[regime].filter((e) => !present(e, regime, facts, rendered.language, rendered.body));
}

/** The same for a summary resolution communication (DISP 1.5.4 under uk-fca). */
export function missingSummaryResolutionElements(regime: RegimeId, facts: MessageFacts['summary-resolution'], rendered: RenderedMessage): string[] {
  expectKind(rendered, 'summary-resolution');
  return SUMMARY_RESOLUTION_ELEMENTS[regime].filter((e) => !present(e, regime, facts, rendered.language, rendered.body));
}

/**
 * Renders and checks in one step. Where the facts are too incomplete to render (a blank explanation, a route
 * without a contact), the elements those facts leave out are reported instead of the rendering error.
 */
function renderChecked<K extends 'final-response' | 'summary-resolution'>(
  kind: K,
  elements: Readonly<Record<RegimeId, readonly (FinalResponseElement | SummaryResolutionElement)[]>>,
  language: Language,
  facts: MessageFacts[K],
): RenderedMessage {
  const regime = facts?.regime;
  if (regime === undefined || regime === null) throw new MissingFactError(kind, 'regime');
  if (!Object.hasOwn(elements, regime)) throw new InvalidFactError(kind, 'regime', `must be one of ${Object.keys(elements).join(', ')}, got "${regime}"`);
  let rendered: RenderedMessage;
  try {
    rendered = renderMessage(kind, language, facts);
  } catch (e) {
    if (e instanceof MissingFactError) {
      const missing = elements[regime].filter((el) => !present(el, regime, facts, language, null));
      if (missing.length) throw new MandatoryContentError(kind, regime, missing);
    }
    throw e;
  }
  const missing = elements[regime].filter((el) => !present(el, regime, facts, language, rendered.body));
  if (missing.length) throw new MandatoryContentError(kind, regime, missing);
  return rendered;
}

/** A final response that says everything its regime requires, or MandatoryContentError naming every gap. */
export function renderFinalResponse(language: Language, facts: MessageFacts['final-response']): RenderedMessage {
  return renderChecked('final-response', FINAL_RESPONSE_ELEMENTS, language, facts);
}

/** A summary resolution communication that says everything required, or MandatoryContentError. */
export function renderSummaryResolution(language: Language, facts: MessageFacts['summary-resolution']): RenderedMessage {
  return renderChecked('summary-resolution', SUMMARY_RESOLUTION_ELEMENTS, language, facts);
}
