import { checkWebhookSignature, RequestWithRawBody, SIGNATURE_HEADERS, WebhookVerdict, WebhookVerifier } from '@complaints/platform';

/** The providers that call us back: delivery receipts from each, survey replies from the SMS provider. */
export const PROVIDER_CHANNELS = ['sms', 'email', 'app', 'wechat'] as const;
export type ProviderChannel = (typeof PROVIDER_CHANNELS)[number];

/** Provider routes whose path names no channel, and the provider that calls each. */
export const PROVIDER_OF_ROUTE: Readonly<Record<string, ProviderChannel>> = {
  '/v1/surveys/sms-replies': 'sms',
};

/** The platform holds webhook secrets to at least 32 bytes; providers' are held to the same. */
export const MIN_PROVIDER_SECRET_BYTES = 32;

/**
 * PROVIDER_WEBHOOK_SECRETS="sms:<base64>,email:<base64>": one secret per provider that calls us
 * back, of at least 32 bytes. A provider without one cannot call us at all.
 */
export function providerSecretsFromEnv(env: NodeJS.ProcessEnv = process.env): Map<ProviderChannel, Buffer> {
  const secrets = new Map<ProviderChannel, Buffer>();
  for (const entry of (env.PROVIDER_WEBHOOK_SECRETS ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const separator = entry.indexOf(':');
    const channel = entry.slice(0, Math.max(0, separator)).trim();
    const b64 = entry.slice(separator + 1).trim();
    if (!(PROVIDER_CHANNELS as readonly string[]).includes(channel)) {
      throw new Error(`PROVIDER_WEBHOOK_SECRETS entries are <channel>:<base64> with a channel among ${PROVIDER_CHANNELS.join(', ')}, got "${channel || entry.slice(0, 12)}"`);
    }
    const secret = Buffer.from(b64, 'base64');
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64) || secret.length < MIN_PROVIDER_SECRET_BYTES) {
      throw new Error(`PROVIDER_WEBHOOK_SECRETS: the ${channel} secret must be base64 of at least ${MIN_PROVIDER_SECRET_BYTES} bytes`);
    }
    secrets.set(channel as ProviderChannel, secret);
  }
  return secrets;
}

/**
 * Providers sign their callbacks the way the app inbox adapter signs ours (`signWebhook`:
 * HMAC-SHA256 over `<timestamp>.<nonce>.<raw body>` in x-signature-timestamp, x-signature-nonce
 * and x-signature), each with its own secret. The comparison is constant-time
 * (checkWebhookSignature); the platform's authenticator then spends the nonce, so a captured
 * callback cannot be replayed. Every refusal is a 401, a channel without a secret included, so an
 * unsigned caller learns nothing about which providers are configured.
 */
export class ProviderWebhookVerifier implements WebhookVerifier {
  constructor(
    private readonly secrets: ReadonlyMap<ProviderChannel, Buffer>,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  verify(channel: string, request: RequestWithRawBody): WebhookVerdict {
    const provider = channel || PROVIDER_OF_ROUTE[routeOf(request)];
    const secret = provider ? this.secrets.get(provider as ProviderChannel) : undefined;
    if (!secret) return { ok: false, reason: `no provider secret is configured for "${provider ?? channel}"` };
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? undefined : value;
    };
    const timestamp = header(SIGNATURE_HEADERS.timestamp);
    const nonce = header(SIGNATURE_HEADERS.nonce);
    const check = checkWebhookSignature({
      secret,
      timestamp,
      nonce,
      signature: header(SIGNATURE_HEADERS.signature),
      rawBody: request.rawBody ?? Buffer.alloc(0),
      nowSeconds: this.nowSeconds(),
    });
    if (!check.ok) return { ok: false, reason: check.reason };
    return { ok: true, nonce: nonce!, timestamp: Number(timestamp) };
  }
}

/** The request's path without query string or trailing slash. */
function routeOf(request: RequestWithRawBody): string {
  const path = (request.originalUrl ?? request.url ?? '').split('?')[0];
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
