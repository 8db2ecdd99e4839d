import {
  FINAL_RESPONSE_ELEMENTS,
  MandatoryContentError,
  missingFinalResponseElements,
  missingSummaryResolutionElements,
  renderFinalResponse,
  renderSummaryResolution,
  SUMMARY_RESOLUTION_ELEMENTS,
} from './mandatory-content';
import { LANGUAGES, MessageFacts, MissingFactError, REGIME_IDS, RegimeId, renderMessage } from './message-catalogue';
import { finalResponseFacts, ROUTES, summaryResolutionFacts } from './testing/facts';

/** The MandatoryContentError a call throws (fails the test if it throws nothing or something else). */
function refusal(fn: () => unknown): MandatoryContentError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MandatoryContentError);
    return e as MandatoryContentError;
  }
  throw new Error('expected MandatoryContentError, nothing was thrown');
}

const withRights = (regime: RegimeId, rights: Partial<MessageFacts['final-response']['rights']>) =>
  finalResponseFacts(regime, { rights: { ...finalResponseFacts(regime).rights, ...rights } });

describe('the elements each regime requires', () => {
  it('are the named elements of CBIRC Order 2020 No. 3, DISP 1.6.2 and the CFPB', () => {
    expect(FINAL_RESPONSE_ELEMENTS['cn-cbirc']).toEqual(['ticket-number', 'decision', 'reasons', 'remedy-or-none', 'review-right', 'review-deadline', 'external-routes']);
    expect(FINAL_RESPONSE_ELEMENTS['uk-fca']).toEqual([
      'ticket-number',
      'decision',
      'reasons',
      'remedy-or-none',
      'ombudsman-referral',
      'ombudsman-time-limit',
      'ombudsman-leaflet-or-website',
    ]);
    expect(FINAL_RESPONSE_ELEMENTS['us-cfpb']).toEqual(['ticket-number', 'decision', 'reasons', 'remedy-or-none', 'external-routes']);
    expect(SUMMARY_RESOLUTION_ELEMENTS['uk-fca']).toEqual(['ticket-number', 'resolved-statement', 'ombudsman-referral']);
  });
});

describe('renderFinalResponse', () => {
  describe.each(REGIME_IDS)('%s', (regime) => {
    it.each(LANGUAGES)('passes a complete final response in %s', (language) => {
      const facts = finalResponseFacts(regime);
      const rendered = renderFinalResponse(language, facts);
      expect(rendered).toEqual(renderMessage('final-response', language, facts));
      expect(rendered.templateId).toBe('final-response@v1');
      expect(missingFinalResponseElements(regime, facts, rendered)).toEqual([]);
    });

    it.each(LANGUAGES)('passes in %s without a remedy, since the letter says none is offered', (language) => {
      expect(() => renderFinalResponse(language, finalResponseFacts(regime, { remedy: null }))).not.toThrow();
    });

    it.each(LANGUAGES)('refuses an empty explanation in %s: reasons', (language) => {
      for (const explanation of ['', '   \n ']) {
        const error = refusal(() => renderFinalResponse(language, finalResponseFacts(regime, { explanation })));
        expect(error.missing).toEqual(['reasons']);
        expect(error).toMatchObject({ kind: 'final-response', regime });
        expect(error.message).toBe(`final-response under ${regime} lacks required content: reasons`);
      }
    });

    it.each(LANGUAGES)('refuses an empty ticket number in %s: ticket-number', (language) => {
      expect(refusal(() => renderFinalResponse(language, finalResponseFacts(regime, { ticketNumber: '' }))).missing).toEqual(['ticket-number']);
    });
  });

  describe.each(LANGUAGES)('in %s', (language) => {
    it('refuses a cn-cbirc response with no review date: review-deadline', () => {
      const error = refusal(() => renderFinalResponse(language, withRights('cn-cbirc', { reviewBy: null })));
      expect(error.missing).toEqual(['review-deadline']);
      expect(error.regime).toBe('cn-cbirc');
    });

    it('refuses a response with no escalation route: external-routes, or the ombudsman elements under uk-fca', () => {
      expect(refusal(() => renderFinalResponse(language, withRights('cn-cbirc', { escalateTo: [] }))).missing).toEqual(['external-routes']);
      expect(refusal(() => renderFinalResponse(language, withRights('us-cfpb', { escalateTo: [] }))).missing).toEqual(['external-routes']);
      expect(refusal(() => renderFinalResponse(language, withRights('uk-fca', { escalateTo: [] }))).missing).toEqual(['ombudsman-referral', 'ombudsman-time-limit']);
    });

    it('refuses a route without a contact: external-routes', () => {
      const escalateTo = [ROUTES['cn-cbirc'][0], { body: '银行业纠纷调解中心', contact: ' ', within: null }];
      expect(refusal(() => renderFinalResponse(language, withRights('cn-cbirc', { escalateTo }))).missing).toEqual(['external-routes']);
    });

    it('refuses uk-fca without the six-month limit of the Financial Ombudsman Service: ombudsman-time-limit', () => {
      const noLimit = [{ ...ROUTES['uk-fca'][0], within: null }];
      expect(refusal(() => renderFinalResponse(language, withRights('uk-fca', { escalateTo: noLimit }))).missing).toEqual(['ombudsman-time-limit']);
      const wrongLimit = [{ ...ROUTES['uk-fca'][0], within: '30 days from the date of this letter' }];
      expect(refusal(() => renderFinalResponse(language, withRights('uk-fca', { escalateTo: wrongLimit }))).missing).toEqual(['ombudsman-time-limit']);
    });

    it('refuses uk-fca whose only route is not the Financial Ombudsman Service', () => {
      const error = refusal(() => renderFinalResponse(language, withRights('uk-fca', { escalateTo: [...ROUTES['us-cfpb']] })));
      expect(error.missing).toEqual(['ombudsman-referral', 'ombudsman-time-limit']);
    });

    it('names every missing element at once, in the regime order', () => {
      const facts = finalResponseFacts('cn-cbirc', { explanation: '', rights: { reviewBy: null, escalateTo: [] } });
      expect(refusal(() => renderFinalResponse(language, facts)).missing).toEqual(['reasons', 'review-deadline', 'external-routes']);
      const uk = finalResponseFacts('uk-fca', { ticketNumber: ' ', rights: { reviewBy: null, escalateTo: [] } });
      expect(refusal(() => renderFinalResponse(language, uk)).missing).toEqual(['ticket-number', 'ombudsman-referral', 'ombudsman-time-limit']);
    });

    it('still reports facts that are missing but no required element (issuedAt) as MissingFactError', () => {
      const facts = { ...finalResponseFacts('us-cfpb') } as Partial<MessageFacts['final-response']>;
      delete facts.issuedAt;
      expect(() => renderFinalResponse(language, facts as MessageFacts['final-response'])).toThrow(MissingFactError);
    });
  });
});

describe('missingFinalResponseElements checks the rendered text, not only the facts', () => {
  const cn = finalResponseFacts('cn-cbirc');
  const uk = finalResponseFacts('uk-fca');

  it.each(LANGUAGES)('finds what a catalogue edit dropped from the %s text', (language) => {
    const rendered = renderMessage('final-response', language, cn);
    const strip = (...fragments: string[]) => ({ ...rendered, body: fragments.reduce((body, f) => body.split(f).join(''), rendered.body) });

    expect(missingFinalResponseElements('cn-cbirc', cn, strip(cn.ticketNumber))).toEqual(['ticket-number']);
    expect(missingFinalResponseElements('cn-cbirc', cn, strip(cn.explanation))).toEqual(['reasons']);
    expect(missingFinalResponseElements('cn-cbirc', cn, strip(language === 'en' ? '22 December 2026' : '2026年12月22日'))).toEqual(['review-deadline']);
    expect(missingFinalResponseElements('cn-cbirc', cn, strip(language === 'en' ? 'CN¥12,000.00' : '¥12,000.00'))).toEqual(['remedy-or-none']);
    expect(missingFinalResponseElements('cn-cbirc', cn, strip(language === 'en' ? 'ask us to review this decision' : '向我行申请核查'))).toEqual(['review-right']);
    expect(missingFinalResponseElements('cn-cbirc', cn, strip('www.cbdmc.org.cn'))).toEqual(['external-routes']);
    expect(missingFinalResponseElements('cn-cbirc', cn, strip(language === 'en' ? 'partially upheld' : '部分成立'))).toEqual(['decision']);
  });

  it('checks the rendered decision is the outcome in the facts, not another one', () => {
    const rendered = renderMessage('final-response', 'en', finalResponseFacts('cn-cbirc', { outcome: 'upheld' }));
    expect(missingFinalResponseElements('cn-cbirc', finalResponseFacts('cn-cbirc', { outcome: 'not-upheld' }), rendered)).toEqual(['decision']);
  });

  it('checks the FOS website, contact and time limit are in the uk-fca text', () => {
    const rendered = renderMessage('final-response', 'en', uk);
    const cut = (pattern: RegExp) => ({ ...rendered, body: rendered.body.replace(pattern, '') });
    // the default FOS contact carries the website too, so the paragraph alone may go
    expect(missingFinalResponseElements('uk-fca', uk, cut(/You can find more information[^\n]*/))).toEqual([]);
    const phoneOnly = withRights('uk-fca', { escalateTo: [{ ...ROUTES['uk-fca'][0], contact: '0800 023 4567' }] });
    const byPhone = renderMessage('final-response', 'en', phoneOnly);
    expect(missingFinalResponseElements('uk-fca', phoneOnly, byPhone)).toEqual([]);
    const withoutWebsite = { ...byPhone, body: byPhone.body.replace(/You can find more information[^\n]*/, '') };
    expect(missingFinalResponseElements('uk-fca', phoneOnly, withoutWebsite)).toEqual(['ombudsman-leaflet-or-website']);
    expect(missingFinalResponseElements('uk-fca', uk, cut(/ \(time limit: [^)]*\)/))).toEqual(['ombudsman-time-limit']);
    expect(missingFinalResponseElements('uk-fca', uk, cut(/\n1\. Financial Ombudsman Service: [^\n]*/))).toEqual(['ombudsman-referral', 'ombudsman-time-limit']);
  });

  it('checks the rendered message is a final response', () => {
    expect(() => missingFinalResponseElements('cn-cbirc', cn, renderMessage('summary-resolution', 'en', summaryResolutionFacts('cn-cbirc')))).toThrow(TypeError);
  });
});

describe('renderSummaryResolution', () => {
  it.each(LANGUAGES)('passes a complete uk-fca summary resolution in %s', (language) => {
    const facts = summaryResolutionFacts('uk-fca');
    const rendered = renderSummaryResolution(language, facts);
    expect(rendered.templateId).toBe('summary-resolution@v1');
    expect(missingSummaryResolutionElements('uk-fca', facts, rendered)).toEqual([]);
  });

  it.each(LANGUAGES)('passes the other regimes with their external routes in %s', (language) => {
    for (const regime of ['cn-cbirc', 'us-cfpb'] as const) expect(() => renderSummaryResolution(language, summaryResolutionFacts(regime))).not.toThrow();
  });

  it.each(LANGUAGES)('refuses uk-fca without the Financial Ombudsman Service in %s: ombudsman-referral', (language) => {
    const facts = summaryResolutionFacts('uk-fca', { rights: { reviewBy: null, escalateTo: [] } });
    const error = refusal(() => renderSummaryResolution(language, facts));
    expect(error).toMatchObject({ kind: 'summary-resolution', regime: 'uk-fca', missing: ['ombudsman-referral'] });
  });

  it.each(LANGUAGES)('refuses a text that no longer says the complaint is resolved (%s): resolved-statement', (language) => {
    const facts = summaryResolutionFacts('uk-fca');
    const rendered = renderMessage('summary-resolution', language, facts);
    const body = rendered.body.replace(language === 'en' ? 'your complaint has now been resolved' : '您的投诉现已解决', '');
    expect(missingSummaryResolutionElements('uk-fca', facts, { ...rendered, body })).toEqual(['resolved-statement']);
  });

  it('refuses an empty ticket number and no routes at once', () => {
    const facts = summaryResolutionFacts('uk-fca', { ticketNumber: '', rights: { reviewBy: null, escalateTo: [] } });
    expect(refusal(() => renderSummaryResolution('en', facts)).missing).toEqual(['ticket-number', 'ombudsman-referral']);
  });
});
