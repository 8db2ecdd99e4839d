import { CallHandler, ExecutionContext, HttpException, Inject, Injectable, NestInterceptor, Optional } from '@nestjs/common';
import { catchError, from, Observable, switchMap, throwError } from 'rxjs';
import { DataSource } from 'typeorm';
import { AuthenticatedRequest } from './principal';
import { checkWebhookSignature, DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADERS, webhookSecretsFromEnv } from './webhook-signature';

export type RequestWithRawBody = AuthenticatedRequest & {
  rawBody?: Buffer;
  /** The nonce this request spent, so it can be given back if the request fails on our side. */
  spentNonce?: { channel: string; nonce: string };
};

export type WebhookVerdict = { ok: true; nonce: string; timestamp: number } | { ok: false; reason: string; unknownChannel?: boolean };

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
      return this.spend(request, channel, verdict.nonce);
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
    return this.spend(request, channel, nonce!);
  }

  private async spend(request: RequestWithRawBody, channel: string, nonce: string): Promise<string | null> {
    await this.purgeExpiredNonces();
    const spent: unknown[] = await this.dataSource.query(
      `INSERT INTO webhook_nonces (channel, nonce) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING nonce`,
      [channel, nonce],
    );
    if (spent.length === 0) return 'this nonce has been used already (a replayed request)';
    request.principal = { subject: `webhook:${channel}`, roles: ['channel-adapter'], channel };
    request.spentNonce = { channel, nonce };
    return null;
  }

  /**
   * Gives back the nonce of a request that failed on our side (a 5xx), so that the sender's retry of
   * the very same request is heard: WeChat retries with the same signature and nonce, and a
   * complaint must not be lost because our database was briefly away. A replay of a request that
   * succeeded stays refused; one that is heard again is answered by the channel message id's
   * idempotency, never filed twice.
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
