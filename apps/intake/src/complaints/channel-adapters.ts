import { AdapterConfig, ChannelAdapter, createChannelAdapters, emailSenderCheckOf, InboundMessage } from '@complaints/intake-adapters';
import { RequestWithRawBody, webhookSecretsFromEnv, WebhookVerdict, WebhookVerifier } from '@complaints/platform';

export const CHANNEL_ADAPTERS = Symbol('CHANNEL_ADAPTERS');

export function adapterConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AdapterConfig {
  const secrets = webhookSecretsFromEnv(env);
  return {
    secretFor: (channel) => secrets.get(channel),
    wechat: env.WECHAT_TOKEN ? { token: env.WECHAT_TOKEN, appId: env.WECHAT_APP_ID, encodingAesKey: env.WECHAT_ENCODING_AES_KEY } : undefined,
    email: emailSenderCheckOf(env),
  };
}

export function channelAdaptersFromEnv(env: NodeJS.ProcessEnv = process.env): Map<string, ChannelAdapter> {
  return createChannelAdapters(adapterConfigFromEnv(env));
}

/** The request as its channel's adapter reads it. */
export function inboundMessageOf(channel: string, request: RequestWithRawBody): InboundMessage {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(request.query ?? {})) if (typeof v === 'string') query[k] = v;
  return {
    channel,
    method: request.method,
    headers,
    query,
    contentType: (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase(),
    body: request.rawBody ?? Buffer.alloc(0),
    receivedAt: new Date(),
  };
}

/** Each channel's adapter decides whether its webhook is authentic; the platform spends the nonce. */
export class AdapterWebhookVerifier implements WebhookVerifier {
  constructor(private readonly adapters: Map<string, ChannelAdapter>) {}

  verify(channel: string, request: RequestWithRawBody): WebhookVerdict {
    const adapter = this.adapters.get(channel);
    if (!adapter) return { ok: false, reason: `no adapter serves channel "${channel}"`, unknownChannel: true };
    return adapter.verify(inboundMessageOf(channel, request));
  }
}
