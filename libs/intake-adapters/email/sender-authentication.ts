import { domainToASCII } from 'node:url';
import { headerFieldValue, parseAuthenticationResults } from './authentication-results';

/** A top-level header line as mailparser gives it: the name in lower case, the raw line (bytes as latin1). */
export interface HeaderLine {
  key: string;
  line: string;
}

export type SenderVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Did the bank's mail gateway find that the From address's domain authorised this message?
 *
 * Only Authentication-Results headers whose authserv-id is one of `authservIds` count (compared
 * without case, RFC 8601 section 2.5): anyone can write such a header into their message, and the
 * gateway vouches only for its own (RFC 8601 sections 5 and 7.2; it must remove or rename headers
 * that arrive claiming its authserv-id). Only the message's own header section is read, never that
 * of a forwarded message inside it.
 *
 * The gateway's headers must give at least one DMARC result, and every DMARC result they give must
 * be `pass` with `header.from` the From address's domain (without case, IDNA A-labels and U-labels
 * alike). A second verdict of the gateway's that says otherwise, a `fail` or a pass for another
 * domain, means one of the two was not written by the gateway, or it evaluated another From than
 * the one we read: either way the From is not shown to be authentic. DMARC alignment is what ties
 * SPF or DKIM to the From domain; a bare `spf=pass` or `dkim=pass` may be for any domain.
 *
 * Reasons name no address, domain or header content: they reach the gateway and the logs.
 */
export function checkSenderDomain(headerLines: readonly HeaderLine[], fromAddress: string, authservIds: readonly string[]): SenderVerdict {
  const trusted = new Set(authservIds.map((id) => id.toLowerCase()));
  const fromDomain = asciiDomain(fromAddress.slice(fromAddress.lastIndexOf('@') + 1));
  let gatewayHeaders = 0;
  const dmarc: { result: string; headerFrom?: string }[] = [];
  for (const { key, line } of headerLines) {
    if (key !== 'authentication-results') continue;
    const parsed = parseAuthenticationResults(unfold(headerFieldValue(utf8(line))));
    if (parsed.authservId === undefined || !trusted.has(parsed.authservId.toLowerCase())) continue;
    gatewayHeaders++;
    if (!parsed.ok) return refused("the mail gateway's Authentication-Results header cannot be read (RFC 8601), so the From address is not authenticated");
    if (parsed.version !== 1) return refused(`the mail gateway's Authentication-Results header is of version ${parsed.version}, not 1 (RFC 8601), so the From address is not authenticated`);
    for (const r of parsed.results.filter((r) => r.method === 'dmarc')) {
      const headerFrom = r.properties.find((p) => p.ptype === 'header' && p.property === 'from')?.value;
      dmarc.push({ result: r.result, headerFrom });
    }
  }
  if (gatewayHeaders === 0) return refused("the e-mail carries no Authentication-Results header from the bank's mail gateway, so its From address is not authenticated");
  if (dmarc.length === 0) return refused("the mail gateway's Authentication-Results give no DMARC result, so the From address is not authenticated");
  for (const { result, headerFrom } of dmarc) {
    if (result !== 'pass') {
      const named = DMARC_RESULTS.has(result) ? `"${result}"` : 'not one RFC 7489 defines';
      return refused(`the mail gateway's DMARC result is ${named}, not "pass": the From address may be forged`);
    }
    if (headerFrom === undefined) return refused("the mail gateway's DMARC result names no header.from domain, so it cannot vouch for the From address");
    if (fromDomain === undefined || asciiDomain(headerFrom) !== fromDomain) return refused("the mail gateway's DMARC pass is for another domain than the From address's");
  }
  return { ok: true };
}

/** RFC 7489 section 11.2: only these are quoted back, so a reason carries nothing else a header said. */
const DMARC_RESULTS = new Set(['none', 'pass', 'fail', 'temperror', 'permerror']);

const refused = (reason: string): SenderVerdict => ({ ok: false, reason });

/** mailparser reads header bytes as latin1; RFC 6532 headers are UTF-8. */
function utf8(line: string): string {
  return Buffer.from(line, 'latin1').toString('utf8');
}

/** RFC 5322 unfolding: a line break followed by white space is white space. */
function unfold(value: string): string {
  return value.replace(/\r?\n(?=[ \t])/g, '');
}

/**
 * The domain as DNS compares it: lower case A-labels without a trailing dot. A header.from written
 * as an address (some gateways do) counts by its domain. Undefined when it is no domain at all.
 */
function asciiDomain(value: string): string | undefined {
  const domain = value.slice(value.lastIndexOf('@') + 1).trim().replace(/\.$/, '');
  if (domain === '' || domain.startsWith('[')) return undefined;
  const ascii = domainToASCII(domain);
  return ascii === '' ? undefined : ascii.toLowerCase();
}
