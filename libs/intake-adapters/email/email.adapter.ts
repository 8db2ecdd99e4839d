import { simpleParser } from 'mailparser';
import type { AddressObject, EmailAddress, ParsedMail } from 'mailparser';
import { isEmail } from 'class-validator';
import { AdapterOutcome, AttachmentUpload, ChannelAdapter, compact, InboundMessage, Verification } from '../src/channel-adapter';
import { CanonicalComplaint, MAX_ATTACHMENTS, MAX_DESCRIPTION_LENGTH } from '../src/canonical-complaint';
import { verifyHmac } from '../src/signed-json/hmac';
import { truncate } from '../src/payload';
import { EmailSenderCheck } from '../src/adapter-config';
import { checkSenderDomain } from './sender-authentication';

/**
 * Complaints e-mailed to the bank's complaints address. The bank's mail gateway posts each
 * received e-mail exactly as it arrived, the raw MIME message (`message/rfc822`), signed with the
 * platform's HMAC over those bytes:
 *
 *   Authentication-Results: mail-gw.bank.example;        the gateway's verdict on the sender (RFC 8601): it must
 *     dmarc=pass header.from=example.cn                  say DMARC passed for the From domain (see below)
 *   Message-ID: <20261123154210.5521@mail.example.cn>    the idempotency key (a resend has the same id)
 *   From: =?UTF-8?B?6ZmI6Z2Z?= <chen.jing@example.cn>   the complainant: address, and display name if any
 *   Subject: =?UTF-8?B?...?=                             first line of the description
 *   text/plain part (or text/html, converted to text)    the rest of the description
 *   attachments                                          uploads, bytes as decoded from the MIME part
 *                                                        (not empty parts, nor S/MIME or PGP signature parts)
 *
 * Encoded words (RFC 2047), RFC 2231 file names, quoted-printable and base64 bodies, and legacy
 * charsets (GB2312, GBK, GB18030, Big5 via iconv-lite) are decoded by mailparser.
 *
 * The gateway's signature proves the message came through the gateway, not that the sender owns
 * the From address, and replies go to that address. So the From must be vouched for by the
 * gateway: an Authentication-Results header of one of the configured authserv-ids saying
 * `dmarc=pass header.from=<the From address's domain>` (`checkSenderDomain` has the whole rule).
 * Without it the e-mail is refused, path `Authentication-Results`. With no configuration at all
 * (`senderCheck` undefined) the channel refuses every e-mail, as it does without a signing secret;
 * `{ dmarc: 'off' }` is a bank's explicit choice not to check.
 */
export class EmailAdapter implements ChannelAdapter {
  readonly channel = 'email' as const;
  readonly accepts = ['message/rfc822'] as const;

  constructor(
    private readonly secret: Buffer | undefined,
    private readonly senderCheck: EmailSenderCheck | undefined,
  ) {}

  verify(message: InboundMessage): Verification {
    const verdict = verifyHmac(message, this.secret);
    // After the signature check, so that only the gateway learns how the channel is configured.
    if (verdict.ok && !this.senderCheck) return { ok: false, reason: NOT_CONFIGURED };
    return verdict;
  }

  async map(message: InboundMessage): Promise<AdapterOutcome> {
    if (message.body.length === 0) return { kind: 'refused', reason: 'the body is empty: the raw MIME message (message/rfc822) is expected' };
    let mail: ParsedMail;
    try {
      mail = await simpleParser(message.body, PARSER_OPTIONS);
    } catch (e) {
      return { kind: 'refused', reason: `the body is not a MIME message that can be parsed: ${(e as Error).name}` };
    }
    if (!HEADER_NAME.test(mail.headerLines[0]?.key ?? '')) {
      return { kind: 'refused', reason: 'the body is not a MIME message: it has no header section (RFC 5322 headers, a blank line, then the body)' };
    }

    const messageId = stripAngleBrackets(mail.messageId);
    if (!messageId) return { kind: 'refused', reason: 'the e-mail has no Message-ID header, so a resend could not be recognised', path: 'Message-ID' };
    if (!MESSAGE_ID.test(messageId)) {
      return { kind: 'refused', reason: 'the Message-ID header must be 1-200 printable ASCII characters without spaces', path: 'Message-ID' };
    }

    const sender = firstMailbox(mail.from);
    if (!sender?.address) return { kind: 'refused', reason: 'the e-mail has no From address, so there is no one to reply to', path: 'From' };
    if (!isEmail(sender.address) || sender.address.length > 254) {
      return { kind: 'refused', reason: 'the From address is not a valid e-mail address', path: 'From' };
    }
    // RFC 5322 allows one From; with two, the gateway's DMARC may have judged the other one.
    if (mail.headerLines.filter((h) => h.key === 'from').length > 1) {
      return { kind: 'refused', reason: 'the e-mail has more than one From header, so its sender is ambiguous', path: 'From' };
    }
    if (!this.senderCheck) return { kind: 'refused', reason: NOT_CONFIGURED, path: 'Authentication-Results' };
    if (this.senderCheck.dmarc === 'required') {
      const sent = checkSenderDomain(mail.headerLines, sender.address, this.senderCheck.authservIds);
      if (!sent.ok) return { kind: 'refused', reason: sent.reason, path: 'Authentication-Results' };
    }

    const text = normaliseLines(mail.text ?? '');
    if (text === '') {
      return { kind: 'refused', reason: 'the e-mail has no body text: the customer must say what went wrong in the message itself', path: 'text' };
    }
    const subject = normaliseLines(mail.subject ?? '');

    // Empty parts carry nothing, and an S/MIME or PGP signature part is the sender's mail client signing, not evidence.
    const attachments = mail.attachments.filter((a) => a.content.length > 0 && !SIGNATURE_PARTS.has(a.contentType.toLowerCase()));
    if (attachments.length > MAX_ATTACHMENTS) {
      return { kind: 'refused', reason: `the e-mail has ${attachments.length} attachments; at most ${MAX_ATTACHMENTS} can be filed with a complaint`, path: 'attachments' };
    }
    const uploads: AttachmentUpload[] = attachments.map((a) => ({
      fileName: a.filename ? truncate(a.filename, MAX_FILE_NAME_LENGTH) : undefined,
      mediaType: a.contentType.toLowerCase(),
      content: a.content,
    }));

    const description = truncate(subject ? `${subject}\n\n${text}` : text, MAX_DESCRIPTION_LENGTH);
    const name = truncate((sender.name ?? '').trim(), MAX_NAME_LENGTH);
    const complaint: CanonicalComplaint = compact({
      channel: this.channel,
      channelReference: messageId,
      complainant: { email: sender.address, name: name || undefined },
      description,
      preferredReplyChannel: 'email',
      language: HAN.test(description) ? 'zh-CN' : 'en',
    } as CanonicalComplaint);
    return { kind: 'complaint', messageId, complaint, uploads };
  }
}

/** No HTML is generated and no links rewritten: only the text, the headers and the attachments are read. */
const PARSER_OPTIONS = {
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  keepCidLinks: true,
  // Attachment checksums are the endpoint's business (it hashes what it stores); md5 is unavailable under FIPS.
  checksumAlgo: false,
  // Larger HTML is not converted to text (the e-mail is then refused for having no body text).
  maxHtmlLengthToParse: 2 * 1024 * 1024,
} as const;

/** A header field name as mail systems write them (mailparser gives it in lower case). */
const HEADER_NAME = /^[a-z0-9-]{1,76}$/;
/** RFC 5322 msg-id without its angle brackets: printable ASCII, no spaces; at most the canonical channelReference length. */
const MESSAGE_ID = /^[\x21-\x3b\x3d\x3f-\x7e]{1,200}$/;
const MAX_NAME_LENGTH = 100;
const NOT_CONFIGURED =
  'channel "email" has no mail gateway authserv-id configured (nor the DMARC check explicitly turned off), so no sender\'s From address can be trusted';
const MAX_FILE_NAME_LENGTH = 255;
const SIGNATURE_PARTS = new Set(['application/pkcs7-signature', 'application/x-pkcs7-signature', 'application/pgp-signature']);
const HAN = /\p{Script=Han}/u;

function stripAngleBrackets(value: string | undefined): string {
  return (value ?? '').trim().replace(/^<(.*)>$/s, '$1').trim();
}

/** The first mailbox of the From header, looking inside groups. */
function firstMailbox(from: AddressObject | undefined): EmailAddress | undefined {
  const mailboxes = (from?.value ?? []).flatMap((a) => (a.group ? a.group : [a]));
  return mailboxes.find((a) => typeof a.address === 'string' && a.address.trim() !== '');
}

function normaliseLines(value: string): string {
  return value.replace(/\r\n?/g, '\n').trim();
}

/** At most `max` characters (code points, as the canonical validation counts them). */
