import { checkWebhookSignature, SIGNATURE_HEADERS } from '@complaints/platform';
import { InboundMessage, Verification } from '../channel-adapter';

/**
 * The platform's webhook signature (HMAC-SHA256 over `<timestamp>.<nonce>.<raw body>` in the
 * X-Signature-* headers), shared by the channels whose systems we run or contract: branch, hotline,
 * app, web, chatbot, e-mail gateway, regulator feed.
 */
export function verifyHmac(message: InboundMessage, secret: Buffer | undefined, nowSeconds = Math.floor(message.receivedAt.getTime() / 1000)): Verification {
  if (!secret) return { ok: false, reason: `channel "${message.channel}" has no signing secret configured` };
  const timestamp = message.headers[SIGNATURE_HEADERS.timestamp];
  const nonce = message.headers[SIGNATURE_HEADERS.nonce];
  const check = checkWebhookSignature({
    secret,
    timestamp,
    nonce,
    signature: message.headers[SIGNATURE_HEADERS.signature],
    rawBody: message.body,
    nowSeconds,
  });
  return check.ok ? { ok: true, nonce: nonce!, timestamp: Number(timestamp) } : check;
}

/** Parses a JSON body, or says why it is not one. */
export function parseJson(message: InboundMessage): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  try {
    const value: unknown = JSON.parse(message.body.toString('utf8'));
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: 'the body must be a JSON object' };
    return { ok: true, value: value as Record<string, unknown> };
  } catch (e) {
    // The parser's own message quotes the body, which may be personal data: keep only where it failed.
    const at = /position \d+/.exec((e as Error).message)?.[0];
    return { ok: false, reason: `the body is not valid JSON${at ? ` (${at})` : ''}` };
  }
}
