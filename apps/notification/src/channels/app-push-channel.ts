import { randomBytes } from 'node:crypto';
import { SIGNATURE_HEADERS, signWebhook } from '@complaints/platform';
import { DeliveryChannel, DeliveryResult, OutboundMessage, present, UndeliverableError } from './delivery-channel';
import { postJson, resultOf } from './http-delivery';

/** The platform's webhook secrets are at least 32 bytes; the app inbox's is held to the same. */
export const MIN_APP_INBOX_SECRET_BYTES = 32;

export interface AppPushChannelOptions {
  /** The app's inbox webhook URL. */
  endpoint: string;
  /** Shared HMAC secret (at least 32 bytes). */
  secret: Buffer;
  timeoutMs?: number;
  /** For tests: the signing clock. */
  now?: () => Date;
}

/**
 * The message into the customer's in-app inbox: POST {endpoint} with
 * `{ messageId, appUserId, ticketNumber, kind, title, body }`, signed the platform's way
 * (`signWebhook`: hex HMAC-SHA256 over `<timestamp>.<nonce>.<body>`, headers x-signature-timestamp,
 * x-signature-nonce, x-signature), plus `Idempotency-Key: <messageId>`. Each attempt gets a fresh
 * nonce and timestamp; the messageId is what identifies a retry. Status mapping as for SMS.
 */
export class AppPushChannel implements DeliveryChannel {
  readonly channel = 'app' as const;

  constructor(private readonly options: AppPushChannelOptions) {
    if (options.secret.length < MIN_APP_INBOX_SECRET_BYTES) {
      throw new Error(`the app inbox secret must be at least ${MIN_APP_INBOX_SECRET_BYTES} bytes, got ${options.secret.length}`);
    }
  }

  async deliver(message: OutboundMessage): Promise<DeliveryResult> {
    const appUserId = present(message.to.appUserId);
    if (!appUserId) throw new UndeliverableError(`message ${message.messageId}: the recipient has no app user id`);
    const body = JSON.stringify({
      messageId: message.messageId,
      appUserId,
      ticketNumber: message.ticketNumber,
      kind: message.kind,
      title: message.subject,
      body: message.body,
    });
    const timestamp = Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
    const nonce = randomBytes(18).toString('base64url');
    const answer = await postJson(
      this.options.endpoint,
      body,
      {
        [SIGNATURE_HEADERS.timestamp]: String(timestamp),
        [SIGNATURE_HEADERS.nonce]: nonce,
        [SIGNATURE_HEADERS.signature]: signWebhook(this.options.secret, timestamp, nonce, body),
        'idempotency-key': message.messageId,
      },
      { timeoutMs: this.options.timeoutMs, what: 'app inbox', to: message.to },
    );
    return resultOf(answer, 'app inbox', message.to);
  }
}
