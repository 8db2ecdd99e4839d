import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of channel webhooks (systems that push complaints to us and cannot hold our tokens):
 * HMAC-SHA256 over `<timestamp>.<nonce>.<raw body>` with the channel's shared secret. The
 * timestamp bounds how long a captured request stays useful; the nonce, remembered for that long,
 * makes each request usable once.
 */
export const SIGNATURE_HEADERS = {
  timestamp: 'x-signature-timestamp',
  nonce: 'x-signature-nonce',
  signature: 'x-signature',
} as const;

export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function signWebhook(secret: Buffer, timestamp: number, nonce: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${nonce}.`).update(rawBody).digest('hex');
}

export function checkWebhookSignature(input: {
  secret: Buffer;
  timestamp: string | undefined;
  nonce: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  nowSeconds: number;
  toleranceSeconds?: number;
}): SignatureCheck {
  const { timestamp, nonce, signature } = input;
  if (!timestamp || !nonce || !signature) return { ok: false, reason: 'the signature headers (timestamp, nonce, signature) are required' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'the signature timestamp must be Unix seconds' };
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return { ok: false, reason: 'the nonce must be 16-64 letters, digits, _ or -' };
  if (!/^[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'the signature must be 64 lowercase hex digits' };
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(input.nowSeconds - Number(timestamp)) > tolerance) {
    return { ok: false, reason: `the signature timestamp is more than ${tolerance} s from now` };
  }
  const expected = Buffer.from(signWebhook(input.secret, Number(timestamp), nonce, input.rawBody), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return { ok: false, reason: 'the signature does not match the body' };
  return { ok: true };
}

/**
 * WEBHOOK_SECRETS="web:<base64>,mobile-app:<base64>": one secret of at least 32 bytes per signing
 * channel, each channel's its own. The signed text does not name the channel and nonces are spent
 * per channel, so two channels that shared a secret would each take, once, a request captured on
 * the other; the service refuses to start rather than run so. (Binding the channel into the signed
 * text would change what every channel's signer computes, all at once.)
 */
export function webhookSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): Map<string, Buffer> {
  const secrets = new Map<string, Buffer>();
  for (const entry of (env.WEBHOOK_SECRETS ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const [channel, b64] = entry.split(':');
    const secret = Buffer.from(b64 ?? '', 'base64');
    if (!channel || secret.length < 32) throw new Error(`WEBHOOK_SECRETS entry for "${channel}" needs a secret of at least 32 bytes`);
    if (secrets.has(channel)) throw new Error(`WEBHOOK_SECRETS names channel "${channel}" twice`);
    const sharing = [...secrets].find(([, other]) => other.equals(secret));
    if (sharing) throw new Error(`WEBHOOK_SECRETS gives channels "${sharing[0]}" and "${channel}" the same secret: each channel needs its own`);
    secrets.set(channel, secret);
  }
  return secrets;
}
