/**
 * What adapters are configured with, from the environment of the intake service:
 *   WEBHOOK_SECRETS="web:<base64>,hotline:<base64>,..."  HMAC secrets per channel (32+ bytes)
 *   WECHAT_TOKEN=<token>                                   the token set in the WeChat admin console
 *   WECHAT_APP_ID=<appid>                                  the official account or mini-program the pushes are for
 *   WECHAT_ENCODING_AES_KEY=<43 chars>                     the EncodingAESKey set in the WeChat console (safe mode)
 *   EMAIL_AUTHSERV_IDS="mx.bank.example,..."               the authserv-ids the bank's mail gateway writes in
 *                                                          Authentication-Results: only its DMARC verdicts count
 *   EMAIL_DMARC=off                                        instead of EMAIL_AUTHSERV_IDS: the From address is not
 *                                                          checked (only for a gateway that refuses mail failing DMARC)
 */
export interface AdapterConfig {
  /** The channel's HMAC secret, or undefined when the channel is not enabled. */
  secretFor(channel: string): Buffer | undefined;
  wechat?: { token: string; appId?: string; encodingAesKey?: string };
  /**
   * How the e-mail adapter authenticates the From address (see email/email.adapter.ts). Undefined
   * means nobody decided, and the e-mail channel then refuses every message: accepting unauthenticated
   * senders must be a bank's explicit choice, never what a forgotten setting does.
   */
  email?: EmailSenderCheck;
}

export type EmailSenderCheck =
  /** DMARC must pass for the From domain, by an Authentication-Results header of one of these authserv-ids. */
  | { dmarc: 'required'; authservIds: readonly string[] }
  /** The bank has chosen not to check (its gateway already refuses mail that fails DMARC). */
  | { dmarc: 'off' };

/**
 * RFC 2045 token (the unquoted authserv-id): printable ASCII without tspecials, or UTF-8 (RFC 8601
 * allows an internationalised authserv-id). A value that is not one could never match a header.
 */
const AUTHSERV_ID = /^(?:[!#-'*+\-.0-9A-Z^-~]|\P{ASCII})+$/u;

/**
 * Reads EMAIL_AUTHSERV_IDS and EMAIL_DMARC. Contradictory or malformed settings throw, so the service
 * does not start with a check other than the one the bank meant.
 */
export function emailSenderCheckOf(env: { EMAIL_AUTHSERV_IDS?: string; EMAIL_DMARC?: string }): EmailSenderCheck | undefined {
  const dmarc = (env.EMAIL_DMARC ?? '').trim().toLowerCase();
  const ids = (env.EMAIL_AUTHSERV_IDS ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  if (dmarc !== '' && dmarc !== 'required' && dmarc !== 'off') throw new Error(`EMAIL_DMARC is "required" (the default) or "off", got "${env.EMAIL_DMARC}"`);
  if (dmarc === 'off') {
    if (ids.length) throw new Error('EMAIL_DMARC=off and EMAIL_AUTHSERV_IDS contradict each other: set one of them');
    return { dmarc: 'off' };
  }
  for (const id of ids) {
    if (!AUTHSERV_ID.test(id)) throw new Error(`EMAIL_AUTHSERV_IDS: "${id}" is not an authserv-id (one token, such as mx.bank.example)`);
  }
  if (ids.length) return { dmarc: 'required', authservIds: ids };
  if (dmarc === 'required') throw new Error('EMAIL_DMARC=required needs EMAIL_AUTHSERV_IDS, the authserv-ids of the bank\'s mail gateway');
  return undefined;
}
