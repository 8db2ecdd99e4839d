import { CallHandler, ExecutionContext, HttpException, Inject, Injectable, NestInterceptor, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { catchError, from, Observable, switchMap, throwError } from 'rxjs';
import { DataSource } from 'typeorm';
import { AuthenticatedRequest } from './principal';
import { checkWebhookSignature, DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADERS, webhookSecretsFromEnv } from './webhook-signature';

export type RequestWithRawBody = AuthenticatedRequest & {
  rawBody?: Buffer;
  /** The nonce this request spent, so it can be given back if the request fails on our side. */
  spentNonce?: { channel: string; nonce: string };
};

export type WebhookVerdict =
  /**
   * `retriedVerbatim`: the channel retries a request it had no answer to with the very same bytes,
   * signature and nonce (WeChat does, after five seconds), and whatever the request does is
   * idempotent, so such a repeat is heard and answered as the first was.
   */
  | { ok: true; nonce: string; timestamp: number; retriedVerbatim?: boolean }
  | { ok: false; reason: string; unknownChannel?: boolean };

/**
 * A service whose channels sign in their own way (WeChat does) supplies this; without it every
 * channel uses the platform HMAC with the WEBHOOK_SECRETS of its channel.
 */
export interface WebhookVerifier {
  verify(channel: string, request: RequestWithRawBody): WebhookVerdict;
}
export const WEBHOOK_VERIFIER = Symbol('WEBHOOK_VERIFIER');

export class UnknownChannelError extends Error {}

/** Verifies a signed webhook and spends its nonce, so a captured request cannot be replayed. */
@Injectable()
export class WebhookAuthenticator {
  private readonly secrets = webhookSecretsFromEnv();
  private lastPurge = 0;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(WEBHOOK_VERIFIER) private readonly verifier?: WebhookVerifier,
  ) {}

  /** Null when the request is authentic and fresh; otherwise why not. Throws UnknownChannelError for a channel nobody serves. */
  async authenticate(request: RequestWithRawBody, channel: string): Promise<string | null> {
    if (this.verifier) {
      const verdict = this.verifier.verify(channel, request);
      if (!verdict.ok) {
        if (verdict.unknownChannel) throw new UnknownChannelError(verdict.reason);
        return verdict.reason;
      }
      return this.spend(request, channel, verdict.nonce, verdict.retriedVerbatim === true);
    }
    const secret = this.secrets.get(channel);
    if (!secret) return `channel "${channel}" has no webhook secret configured`;
    const header = (name: string) => {
      const v = request.headers[name];
      return Array.isArray(v) ? undefined : v;
    };
    const nonce = header(SIGNATURE_HEADERS.nonce);
    const check = checkWebhookSignature({
      secret,
      timestamp: header(SIGNATURE_HEADERS.timestamp),
      nonce,
      signature: header(SIGNATURE_HEADERS.signature),
      rawBody: request.rawBody ?? Buffer.alloc(0),
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    if (!check.ok) return check.reason;
    return this.spend(request, channel, nonce!, false);
  }

  /**
   * Spends the nonce on these bytes. A channel that got no answer in time (WeChat waits five seconds)
   * sends the same request again, nonce and all, even when the first one went through: for a channel
   * whose verdict says it retries verbatim, that repeat passes, and what it does is answered by its
   * own idempotency. A nonce spent on other bytes is always refused, and so is every repeat on the
   * platform's own signature, whose senders sign a retry afresh.
   */
  private async spend(request: RequestWithRawBody, channel: string, nonce: string, retriedVerbatim: boolean): Promise<string | null> {
    await this.purgeExpiredNonces();
    const digest = createHash('sha256').update(request.rawBody ?? Buffer.alloc(0)).digest();
    // The outer SELECT sees the table as it was before this statement's INSERT: a row it finds was spent earlier.
    const [verdict] = (await this.dataSource.query(
      `WITH spent AS (
         INSERT INTO webhook_nonces (channel, nonce, request_digest) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 'first' AS use
       )
       SELECT use FROM spent
       UNION ALL
       SELECT 'retry' FROM webhook_nonces WHERE channel = $1 AND nonce = $2 AND request_digest = $3 AND NOT EXISTS (SELECT 1 FROM spent)`,
      [channel, nonce, digest],
    )) as { use: 'first' | 'retry' }[];
    if (!verdict || (verdict.use === 'retry' && !retriedVerbatim)) return 'this nonce has been used already (a replayed request)';
    request.principal = { subject: `webhook:${channel}`, roles: ['channel-adapter'], channel };
    // Only the request that spent the nonce gives it back on failure: a retry that fails leaves the first one's spend alone.
    if (verdict.use === 'first') request.spentNonce = { channel, nonce };
    return null;
  }

  /**
   * Gives back the nonce of a request that failed on our side (a 5xx), so that the sender's retry of
   * the very same request is heard: WeChat retries with the same signature and nonce, and a
   * complaint must not be lost because our database was briefly away. A repeat of a request that
   * succeeded is refused unless its channel retries verbatim (see `spend`); one that is
   * heard again is answered by the channel message id's idempotency, never filed twice.
   */
  async release(request: RequestWithRawBody): Promise<void> {
    if (!request.spentNonce) return;
    await this.dataSource.query(`DELETE FROM webhook_nonces WHERE channel = $1 AND nonce = $2`, [request.spentNonce.channel, request.spentNonce.nonce]);
    request.spentNonce = undefined;
  }

  /** Nonces older than twice the tolerance can no longer pass the timestamp check. */
  private async purgeExpiredNonces(): Promise<void> {
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await this.dataSource.query(`DELETE FROM webhook_nonces WHERE seen_at < now() - make_interval(secs => $1)`, [DEFAULT_TOLERANCE_SECONDS * 2]);
  }
}

/** Gives a signed request's nonce back when the request fails on our side (see `WebhookAuthenticator.release`). */
@Injectable()
export class WebhookNonceOnServerError implements NestInterceptor {
  constructor(private readonly webhooks: WebhookAuthenticator) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<RequestWithRawBody>();
    return next.handle().pipe(
      catchError((error: unknown) => {
        const status = error instanceof HttpException ? error.getStatus() : 500;
        if (status < 500 || !request.spentNonce) return throwError(() => error);
        // Giving the nonce back must not hide the failure: the request failed either way.
        return from(this.webhooks.release(request).catch(() => undefined)).pipe(switchMap(() => throwError(() => error)));
      }),
    );
  }
}
