import { REPLY_CHANNELS } from '@complaints/contracts';
import { MoneyFormatError, toMinorUnits } from '@complaints/domain';
import { AdapterOutcome, canonicalProblems, ChannelAdapter, compact, InboundMessage, Verification } from '../src/channel-adapter';
import { CanonicalComplaint, MAX_DESCRIPTION_LENGTH, REGULATOR_BODIES } from '../src/canonical-complaint';
import { parseJson, verifyHmac } from '../src/signed-json/hmac';
import { clip, isObject, text } from '../src/payload';
import { firstReachable, ReplyChannel } from '../src/reply-to';

/**
 * A complaint a regulator forwarded (转办): from the NFRA's 12378 hotline, the PBoC's 12363 hotline or
 * an ombudsman. The bank's regulatory-liaison system takes the referral from the regulator's platform
 * and posts it, signed with the platform's HMAC. Its field names are the liaison system's, not ours:
 *
 *   { "referralId": "RF-2026-000311"   (the liaison system's id of this forwarding),
 *     "body": "NFRA" | "CBIRC" | "12378" | "PBOC" | "12363" | "FOS" | "CFPB" | "OMBUDSMAN" | ...,
 *     "caseNo": "12378-20261122-004511", "deadline": "2026-12-07T23:59:59+08:00", "receivedOn": "2026-11-22T10:15:00+08:00",
 *     "complainant": { "name", "phone", "idNo", "email", "address" }   (as the regulator recorded them; the
 *                                                          address is the postal address, lines separated by line breaks),
 *     "content", "demand"   (诉求: what the complainant asks for), "product", "amount": "20000.00", "currency": "CNY",
 *     "replyVia": "phone" | "sms" | "email" | "letter" | "app" | "wechat" }
 *
 * The regulator's case number and deadline bind the bank, so the case number is required and a
 * deadline must be an ISO 8601 date-time with a time zone; it is kept in UTC. The message id is
 * `<regulator>:<case number>`: the same case forwarded again (a reminder, an escalation) is the same
 * complaint. The regulator is the canonical body when every code that maps to it names that one
 * regulator (NFRA, CBIRC and 12378 are all `nfra`), and otherwise the code as sent, trimmed and in
 * upper case: OMBUDSMAN and FDRC are different ombudsmen, and codes not listed are different bodies
 * that only share the canonical body `other`, so two of their cases with the same number stay two
 * complaints. The referral id names one forwarding, not the case, so it is the channel reference and
 * not part of the key. Codes of bodies not listed map to "other". Without `replyVia` the bank phones the
 * complainant, or e-mails, or writes, whichever the referral gives the means for. A referral that gives
 * no phone, e-mail or address at all is refused with that reason rather than filed with no way to
 * answer: the liaison system gets the refusal at once and a person asks the regulator for the
 * complainant's contact details. A `replyVia` the referral gives no means for (`letter` without an
 * address) is refused the same way, by the canonical validation. When the regulator received the
 * complaint is kept as the channel context (`referralReceivedAt`), in UTC like the deadline; it does
 * not bind the bank, so a `receivedOn` that is not an ISO 8601 date-time with a time zone is left out
 * rather than refusing the referral. Every other field of the referral is kept.
 */
export class RegulatorReferralAdapter implements ChannelAdapter {
  readonly channel = 'regulator' as const;
  readonly accepts = ['application/json'] as const;

  constructor(private readonly secret: Buffer | undefined) {}

  verify(message: InboundMessage): Verification {
    return verifyHmac(message, this.secret);
  }

  map(message: InboundMessage): AdapterOutcome {
    const parsed = parseJson(message);
    if (!parsed.ok) return { kind: 'refused', reason: parsed.reason };
    const referral = parsed.value as Referral;
    const code = text(referral.body);
    if (!code) return { kind: 'refused', reason: 'body is required: the regulator or ombudsman that forwarded the complaint', path: 'body' };
    if (code.length > MAX_BODY_CODE_LENGTH) return { kind: 'refused', reason: `body must be a regulator's code of at most ${MAX_BODY_CODE_LENGTH} characters`, path: 'body' };
    const bodyCode = code.toUpperCase();
    const body = BODY_CODES[bodyCode] ?? 'other';
    const regulator = SINGLE_REGULATOR_BODIES.has(body) ? body : bodyCode;
    const caseNumber = text(referral.caseNo);
    if (!caseNumber) return { kind: 'refused', reason: "caseNo is required: the regulator's case number", path: 'caseNo' };
    if (!/^[A-Za-z0-9_./-]{1,64}$/.test(caseNumber)) return { kind: 'refused', reason: 'caseNo must be 1-64 letters, digits or _./-', path: 'caseNo' };

    let deadline: string | undefined;
    if (referral.deadline !== undefined && referral.deadline !== null && referral.deadline !== '') {
      deadline = isoDateTime(referral.deadline);
      if (!deadline) {
        return { kind: 'refused', reason: 'deadline must be an ISO 8601 date-time with a time zone, such as 2026-12-07T23:59:59+08:00', path: 'deadline' };
      }
    }

    const content = text(referral.content);
    if (!content) return { kind: 'refused', reason: 'content is required: the complaint as the regulator recorded it', path: 'content' };

    const recorded = isObject(referral.complainant) ? (referral.complainant as RecordedComplainant) : {};
    const identifiers = { name: text(recorded.name), phone: text(recorded.phone), email: text(recorded.email), idNumber: text(recorded.idNo) };
    const complainant = { ...identifiers, postalAddress: text(recorded.address) };
    if (!Object.values(identifiers).some(Boolean)) {
      return { kind: 'refused', reason: 'complainant needs at least a name, phone number, e-mail address or ID number', path: 'complainant' };
    }

    let amountInDispute: CanonicalComplaint['amountInDispute'];
    if (referral.amount !== undefined && referral.amount !== null && referral.amount !== '') {
      const currency = text(referral.currency) ?? 'CNY';
      try {
        amountInDispute = { amountMinor: toMinorUnits(String(referral.amount), currency), currency };
      } catch (e) {
        if (e instanceof MoneyFormatError) return { kind: 'refused', reason: `amount: ${e.message}`, path: 'amount' };
        throw e;
      }
    }

    const preferredReplyChannel = text(referral.replyVia) ?? firstReachable(DEFAULT_REPLY_CHANNELS, { channel: this.channel, complainant });
    if (!preferredReplyChannel) {
      return {
        kind: 'refused',
        reason: "the referral gives no way to answer the complainant: it needs the complainant's phone, e-mail address or postal address; ask the regulator for one",
        path: 'complainant',
      };
    }
    if (!(REPLY_CHANNELS as readonly string[]).includes(preferredReplyChannel)) {
      return { kind: 'refused', reason: `replyVia must be one of ${REPLY_CHANNELS.join(', ')}`, path: 'replyVia' };
    }

    // Informative, unlike the deadline: one that is not a real date-time with a time zone is left out.
    const referralReceivedAt = isoDateTime(referral.receivedOn);
    const complaint: CanonicalComplaint = compact({
      channel: this.channel,
      channelReference: text(referral.referralId) ?? caseNumber,
      complainant,
      description: describeReferral(content, text(referral.demand)),
      productHint: text(referral.product),
      amountInDispute,
      preferredReplyChannel: preferredReplyChannel as CanonicalComplaint['preferredReplyChannel'],
      regulatorReferral: { body, caseNumber, deadline },
      channelContext: referralReceivedAt ? { referralReceivedAt } : undefined,
    } as CanonicalComplaint);
    // What the platform would reject goes back to liaison now, with the reason (which names fields, never their values).
    const problems = canonicalProblems(complaint);
    if (problems.length) {
      return { kind: 'refused', reason: `the referral does not make a valid complaint: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, path: problems[0].path };
    }
    return { kind: 'complaint', messageId: `${regulator}:${caseNumber}`, complaint, uploads: [] };
  }
}

/** Without `replyVia`: a call, else an e-mail, else a letter, whichever the referral can reach. */
const DEFAULT_REPLY_CHANNELS: readonly ReplyChannel[] = ['phone', 'email', 'letter'];

/** A body code is part of the message id, which the database indexes: a code is a short name, never a text. */
const MAX_BODY_CODE_LENGTH = 64;

/**
 * Canonical bodies that stand for one regulator whichever of their codes came: its case numbers are
 * one series. `ombudsman` and `other` stand for many bodies, each numbering its cases on its own.
 */
const SINGLE_REGULATOR_BODIES: ReadonlySet<string> = new Set(['nfra', 'pboc', 'fos', 'cfpb']);

/** The codes regulators' platforms and the liaison system use, upper case. */
const BODY_CODES: Readonly<Record<string, (typeof REGULATOR_BODIES)[number]>> = {
  NFRA: 'nfra',
  CBIRC: 'nfra',
  CBRC: 'nfra',
  CIRC: 'nfra',
  '12378': 'nfra',
  国家金融监督管理总局: 'nfra',
  金融监管总局: 'nfra',
  PBOC: 'pboc',
  PBC: 'pboc',
  '12363': 'pboc',
  中国人民银行: 'pboc',
  FOS: 'fos',
  CFPB: 'cfpb',
  OMBUDSMAN: 'ombudsman',
  FDRC: 'ombudsman',
};

/** The complaint, then what the complainant asks for; the complaint gives way when both do not fit. */
function describeReferral(content: string, demand: string | undefined): string {
  if (!demand) return clip(content, MAX_DESCRIPTION_LENGTH);
  const label = /[\u3400-\u9fff]/.test(content + demand) ? '诉求：' : 'Demand: ';
  const tail = `\n\n${label}${clip(demand, MAX_DESCRIPTION_LENGTH / 2)}`;
  return `${clip(content, MAX_DESCRIPTION_LENGTH - tail.length)}${tail}`;
}

/** An ISO 8601 date-time with a time zone, as UTC; undefined when it is not one or not a real date and time. */
function isoDateTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/.exec(value.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second = 0] = m.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part)));
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const offsetMinutes = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (Number(m[10] ?? 0) > 14 || Number(m[11] ?? 0) > 59) return undefined;
  const wall = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second, millis));
  // Date.UTC rolls 30 February over into March: a real date reads back as written.
  const real =
    wall.getUTCFullYear() === year && wall.getUTCMonth() === month! - 1 && wall.getUTCDate() === day && wall.getUTCHours() === hour && wall.getUTCMinutes() === minute && wall.getUTCSeconds() === second;
  return real ? new Date(wall.getTime() - offsetMinutes * 60_000).toISOString() : undefined;
}

interface RecordedComplainant {
  name?: unknown;
  phone?: unknown;
  idNo?: unknown;
  email?: unknown;
  address?: unknown;
}

interface Referral {
  referralId?: unknown;
  body?: unknown;
  caseNo?: unknown;
  deadline?: unknown;
  receivedOn?: unknown;
  complainant?: unknown;
  content?: unknown;
  demand?: unknown;
  product?: unknown;
  amount?: unknown;
  currency?: unknown;
  replyVia?: unknown;
}
