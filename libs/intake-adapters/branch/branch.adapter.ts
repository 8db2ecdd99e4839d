import { REPLY_CHANNELS } from '@complaints/contracts';
import { MoneyFormatError, toMinorUnits } from '@complaints/domain';
import { AdapterOutcome, canonicalProblems, ChannelAdapter, compact, InboundMessage, Verification } from '../src/channel-adapter';
import { AGE_BANDS, CanonicalComplaint, DECLARED_NEEDS, REPRESENTATIVE_RELATIONSHIPS } from '../src/canonical-complaint';
import { parseJson, verifyHmac } from '../src/signed-json/hmac';
import { isObject, text } from '../src/payload';
import { firstReachable, ReplyChannel } from '../src/reply-to';

/**
 * The complaint form the counter staff fill in the branch system (柜面投诉受理单). The branch system
 * posts it when the teller submits it, signed with the platform's HMAC. Its field names are the
 * branch system's, not ours:
 *
 *   { "ticketNo": "BR0231-20261123-0042"   the acceptance ticket handed to the customer; it carries the
 *                                          branch code and date, so it is unique across branches,
 *     "branchCode": "0231", "tellerId": "T023108", "acceptedAt": "2026-11-23T15:52:10+08:00",
 *     "customer": { "custNo", "name", "idType": "ID_CARD" | "PASSPORT" | "HK_MO_PERMIT" | ..., "idNo", "mobile", "email",
 *                   "address": "上海市徐汇区漕溪北路88号\n3号楼1202室\n200030"   (联系地址: lines separated by line breaks),
 *                   "ageBand": "UNDER_18" | "18_34" | "35_59" | "60_64" | "65_74" | "75_PLUS",
 *                   "specialNeeds": ["HEARING" | "SIGHT" | "MOBILITY" | "COGNITIVE" | "LANGUAGE" | "BEREAVEMENT"
 *                                    | "SERIOUS_ILLNESS" | "FINANCIAL_HARDSHIP" | "OTHER"] },
 *     "presentedBy": "SELF" | "AGENT" | "HEIR" | "GUARDIAN" | "LAWYER" | "FAMILY"   (SELF when absent),
 *     "representative": { "name", "mobile", "idType", "idNo",
 *                         "authDocType": "POA" | "INHERITANCE_CERT" | "GUARDIANSHIP_CERT" | "COURT_ORDER", "authDocNo" },
 *     "product", "acctNo", "amount": "1,250.00", "currency": "CNY", "occurredOn": "2026-11-20",
 *     "narrative", "replyPref": "PHONE" | "SMS" | "LETTER" | "EMAIL" | "WECHAT" | "APP", "lang": "zh-CN" | "en",
 *     "consent": { "formSigned": true, "formNo", "survey": false } }
 *
 * The branch code and teller id must be there (a counter complaint nobody accepted is not one); they
 * are kept as the channel context (`branchCode`, and the teller id as `staffId`). Not kept: the
 * acceptance time, the ID types, the representative's own ID and the consent form number.
 * The customer is the complainant; a representative becomes `onBehalfOf` and must show the document
 * they act under. The customer's address is their postal address (at most 300 characters on 6 lines).
 * Without `replyPref` the bank phones the customer (or whoever acts for them, when the customer gives
 * no number), or writes when there is no number, or e-mails when there is no address either; a form
 * that gives none of the three and no `replyPref` is refused, for the teller to ask the customer how
 * to answer them (the app is never assumed for someone who came to the counter; `replyPref: "APP"`
 * chooses it). A `replyPref` the form gives no way to honour (LETTER without an address) is refused
 * as well: the customer's choice is never silently replaced.
 */
export class BranchCounterAdapter implements ChannelAdapter {
  readonly channel = 'branch' as const;
  readonly accepts = ['application/json'] as const;

  constructor(private readonly secret: Buffer | undefined) {}

  verify(message: InboundMessage): Verification {
    return verifyHmac(message, this.secret);
  }

  map(message: InboundMessage): AdapterOutcome {
    const parsed = parseJson(message);
    if (!parsed.ok) return { kind: 'refused', reason: parsed.reason };
    const form = parsed.value as CounterForm;
    const ticketNo = text(form.ticketNo);
    if (!ticketNo || !/^[A-Za-z0-9._:-]{1,128}$/.test(ticketNo)) {
      return { kind: 'refused', reason: 'ticketNo is required: 1-128 letters, digits or ._:-', path: 'ticketNo' };
    }
    const branchCode = text(form.branchCode);
    if (!branchCode || !/^[A-Za-z0-9]{1,16}$/.test(branchCode)) {
      return { kind: 'refused', reason: 'branchCode is required: the 1-16 letter or digit code of the branch that accepted the complaint', path: 'branchCode' };
    }
    const tellerId = text(form.tellerId);
    if (!tellerId || !/^[A-Za-z0-9._-]{1,32}$/.test(tellerId)) {
      return { kind: 'refused', reason: 'tellerId is required: the 1-32 character staff id of the teller who accepted the complaint', path: 'tellerId' };
    }
    const narrative = text(form.narrative);
    if (!narrative) return { kind: 'refused', reason: 'narrative is required: what the customer says went wrong', path: 'narrative' };

    const customer = isObject(form.customer) ? (form.customer as CounterCustomer) : {};
    const identifiers = {
      customerId: text(customer.custNo),
      name: text(customer.name),
      phone: text(customer.mobile),
      email: text(customer.email),
      idNumber: text(customer.idNo),
    };
    const complainant = { ...identifiers, postalAddress: text(customer.address) };
    if (!Object.values(identifiers).some(Boolean)) {
      return { kind: 'refused', reason: 'customer needs at least a customer number, name, ID number, mobile number or e-mail address', path: 'customer' };
    }

    const representative = this.representative(form);
    if ('reason' in representative) return { kind: 'refused', ...representative };

    const vulnerability = this.vulnerability(customer);
    if ('reason' in vulnerability) return { kind: 'refused', ...vulnerability };

    let amountInDispute: CanonicalComplaint['amountInDispute'];
    if (form.amount !== undefined && form.amount !== null && form.amount !== '') {
      const currency = text(form.currency) ?? 'CNY';
      try {
        amountInDispute = { amountMinor: toMinorUnits(String(form.amount), currency), currency };
      } catch (e) {
        if (e instanceof MoneyFormatError) return { kind: 'refused', reason: `amount: ${e.message}`, path: 'amount' };
        throw e;
      }
    }

    const replyPref = text(form.replyPref);
    const preferredReplyChannel = replyPref ? replyPref.toLowerCase() : firstReachable(DEFAULT_REPLY_CHANNELS, { channel: this.channel, complainant, onBehalfOf: representative.onBehalfOf });
    if (!preferredReplyChannel) {
      return {
        kind: 'refused',
        reason: "the form leaves no way to answer the customer: give the customer's mobile number, address or e-mail address, or a replyPref",
        path: 'customer',
      };
    }
    if (!(REPLY_CHANNELS as readonly string[]).includes(preferredReplyChannel)) {
      return { kind: 'refused', reason: `replyPref must be one of ${REPLY_CHANNELS.map((c) => c.toUpperCase()).join(', ')}`, path: 'replyPref' };
    }

    const consent = isObject(form.consent) ? (form.consent as CounterConsent) : undefined;
    const complaint: CanonicalComplaint = compact({
      channel: this.channel,
      channelReference: ticketNo,
      complainant,
      onBehalfOf: representative.onBehalfOf,
      description: narrative,
      productHint: text(form.product),
      accountReference: text(form.acctNo),
      occurredAt: text(form.occurredOn),
      amountInDispute,
      preferredReplyChannel: preferredReplyChannel as CanonicalComplaint['preferredReplyChannel'],
      language: form.lang === 'zh-CN' || form.lang === 'en' ? form.lang : undefined,
      vulnerability: vulnerability.vulnerability,
      consent: consent ? { dataProcessing: consent.formSigned === true, survey: typeof consent.survey === 'boolean' ? consent.survey : undefined } : undefined,
      // Both were checked above against the patterns the canonical complaint holds them to.
      channelContext: { branchCode, staffId: tellerId },
    } as CanonicalComplaint);
    // What the platform would reject goes back to the channel now, with the reason (which names fields, never their values).
    const problems = canonicalProblems(complaint);
    if (problems.length) {
      return { kind: 'refused', reason: `the counter form does not make a valid complaint: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, path: problems[0].path };
    }
    return { kind: 'complaint', messageId: ticketNo, complaint, uploads: [] };
  }

  /** Who came to the counter: the customer, or someone acting for them under a document the teller saw. */
  private representative(form: CounterForm): { onBehalfOf?: CanonicalComplaint['onBehalfOf'] } | { reason: string; path: string } {
    const presentedBy = (text(form.presentedBy) ?? 'SELF').toLowerCase();
    const rep = isObject(form.representative) ? (form.representative as CounterRepresentative) : undefined;
    if (presentedBy === 'self') {
      return rep ? { reason: 'representative is given but presentedBy says the customer came in person', path: 'presentedBy' } : {};
    }
    const relationship = REPRESENTATIVE_RELATIONSHIPS.find((r) => r === presentedBy);
    if (!relationship) {
      return { reason: `presentedBy must be SELF or one of ${REPRESENTATIVE_RELATIONSHIPS.map((r) => r.toUpperCase()).join(', ')}`, path: 'presentedBy' };
    }
    if (!rep) return { reason: 'representative is required when someone acts for the customer', path: 'representative' };
    const name = text(rep.name);
    if (!name) return { reason: "representative.name is required: the name of the person acting for the customer", path: 'representative.name' };
    const authDocNo = text(rep.authDocNo);
    if (!authDocNo) {
      return {
        reason: 'representative.authDocNo is required: the reference of the power of attorney, inheritance certificate or court order they act under',
        path: 'representative.authDocNo',
      };
    }
    const authDocType = text(rep.authDocType);
    return {
      onBehalfOf: {
        relationship,
        name,
        phone: text(rep.mobile),
        authorisationReference: authDocType ? `${authDocType} ${authDocNo}` : authDocNo,
      },
    };
  }

  /** The age band and needs the teller recorded, in the canonical codes. */
  private vulnerability(customer: CounterCustomer): { vulnerability?: CanonicalComplaint['vulnerability'] } | { reason: string; path: string } {
    let ageBand: (typeof AGE_BANDS)[number] | undefined;
    const band = text(customer.ageBand);
    if (band) {
      ageBand = AGE_BAND_CODES[band.toUpperCase()];
      if (!ageBand) return { reason: `customer.ageBand must be one of ${Object.keys(AGE_BAND_CODES).join(', ')}`, path: 'customer.ageBand' };
    }
    const declaredNeeds: (typeof DECLARED_NEEDS)[number][] = [];
    const needs = customer.specialNeeds === undefined || customer.specialNeeds === null ? [] : customer.specialNeeds;
    if (!Array.isArray(needs)) return { reason: 'customer.specialNeeds must be a list of codes', path: 'customer.specialNeeds' };
    for (const [i, code] of needs.entries()) {
      const need = typeof code === 'string' ? NEED_CODES[code.trim().toUpperCase()] : undefined;
      if (!need) return { reason: `customer.specialNeeds[${i}] must be one of ${Object.keys(NEED_CODES).join(', ')}`, path: `customer.specialNeeds[${i}]` };
      if (!declaredNeeds.includes(need)) declaredNeeds.push(need);
    }
    if (!ageBand && declaredNeeds.length === 0) return {};
    return { vulnerability: { ageBand, declaredNeeds: declaredNeeds.length ? declaredNeeds : undefined } };
  }
}

/** Without `replyPref`: a call, else a letter, else an e-mail, whichever the form can reach. */
const DEFAULT_REPLY_CHANNELS: readonly ReplyChannel[] = ['phone', 'letter', 'email'];

const AGE_BAND_CODES: Readonly<Record<string, (typeof AGE_BANDS)[number]>> = {
  UNDER_18: 'under-18',
  '18_34': '18-34',
  '35_59': '35-59',
  '60_64': '60-64',
  '65_74': '65-74',
  '75_PLUS': '75+',
};

const NEED_CODES: Readonly<Record<string, (typeof DECLARED_NEEDS)[number]>> = {
  HEARING: 'hearing',
  SIGHT: 'sight',
  MOBILITY: 'mobility',
  COGNITIVE: 'cognitive',
  LANGUAGE: 'language',
  BEREAVEMENT: 'bereavement',
  SERIOUS_ILLNESS: 'serious-illness',
  FINANCIAL_HARDSHIP: 'financial-hardship',
  OTHER: 'other',
};

interface CounterCustomer {
  custNo?: unknown;
  name?: unknown;
  idType?: unknown;
  idNo?: unknown;
  mobile?: unknown;
  email?: unknown;
  address?: unknown;
  ageBand?: unknown;
  specialNeeds?: unknown;
}

interface CounterRepresentative {
  name?: unknown;
  mobile?: unknown;
  idType?: unknown;
  idNo?: unknown;
  authDocType?: unknown;
  authDocNo?: unknown;
}

interface CounterForm {
  ticketNo?: unknown;
  branchCode?: unknown;
  tellerId?: unknown;
  acceptedAt?: unknown;
  customer?: unknown;
  presentedBy?: unknown;
  representative?: unknown;
  product?: unknown;
  acctNo?: unknown;
  amount?: unknown;
  currency?: unknown;
  occurredOn?: unknown;
  narrative?: unknown;
  replyPref?: unknown;
  lang?: unknown;
  consent?: unknown;
}

interface CounterConsent {
  formSigned?: unknown;
  formNo?: unknown;
  survey?: unknown;
}
