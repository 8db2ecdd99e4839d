import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { ProblemException } from '../problem';
import { ServiceMetrics } from '../metrics';
import { ACCESS_METADATA, AccessDeclaration } from './access';
import { AuthenticatedRequest } from './principal';
import { InvalidTokenError, IssuerUnavailableError, TokenVerifier } from './token-verifier';
import { RequestWithRawBody, UnknownChannelError, WebhookAuthenticator } from './webhook-authenticator';

const TYPE_BASE = 'https://complaints.example/problems/';

/**
 * Every HTTP route passes here. Fails closed: a route that declares nothing is refused, so a
 * new endpoint cannot ship open by accident.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly metrics: ServiceMetrics,
    private readonly webhooks: WebhookAuthenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Event handlers are reached through Kafka, not by callers holding tokens.
    if (context.getType() !== 'http') return true;
    const declaration = this.reflector.getAllAndOverride<AccessDeclaration | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!declaration) {
      this.refused('undeclared');
      throw new ProblemException({
        type: `${TYPE_BASE}forbidden`,
        title: 'Forbidden',
        status: 403,
        detail: 'this route declares no roles, so nobody may call it',
      });
    }
    if (declaration.kind === 'unauthenticated') return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (declaration.kind === 'signed-webhook') {
      const channel = String(request.params[declaration.channelParam] ?? '');
      const refusal = await this.webhooks.authenticate(request as RequestWithRawBody, channel).catch((e: unknown) => {
        if (!(e instanceof UnknownChannelError)) throw e;
        this.refused('unknown-channel');
        throw new ProblemException({ type: `${TYPE_BASE}unknown-channel`, title: 'Not found', status: 404, detail: e.message });
      });
      if (refusal) {
        this.refused('webhook-signature');
        throw new ProblemException({ type: `${TYPE_BASE}unauthenticated`, title: 'Authentication required', status: 401, detail: refusal });
      }
      return true;
    }
    const token = bearerToken(request.headers.authorization);
    if (!token) {
      this.refused('no-token');
      throw this.unauthenticated(context, 'a bearer token is required', false);
    }
    try {
      request.principal = await this.verifier.verify(token);
    } catch (e) {
      if (e instanceof IssuerUnavailableError) {
        this.refused('issuer-unavailable');
        context.switchToHttp().getResponse<Response>().setHeader('Retry-After', '5');
        throw new ProblemException({ type: `${TYPE_BASE}issuer-unavailable`, title: 'Service unavailable', status: 503, detail: e.message });
      }
      if (!(e instanceof InvalidTokenError)) throw e;
      this.refused('invalid-token');
      throw this.unauthenticated(context, e.message);
    }
    if (!request.principal.roles.some((r) => declaration.roles.includes(r))) {
      this.refused('role');
      throw new ProblemException({
        type: `${TYPE_BASE}forbidden`,
        title: 'Forbidden',
        status: 403,
        detail: `this action needs one of the roles: ${declaration.roles.join(', ')}`,
      });
    }
    return true;
  }

  private unauthenticated(context: ExecutionContext, detail: string, tokenPresented = true): ProblemException {
    // RFC 6750 3.1: a request without credentials gets the challenge, not an error code.
    context
      .switchToHttp()
      .getResponse<Response>()
      .setHeader(
        'WWW-Authenticate',
        tokenPresented ? `Bearer error="invalid_token", error_description="${detail.replace(/"/g, "'")}"` : 'Bearer realm="complaints"',
      );
    return new ProblemException({ type: `${TYPE_BASE}unauthenticated`, title: 'Authentication required', status: 401, detail });
  }

  private refused(reason: string) {
    this.metrics.accessRefused.inc({ reason });
  }
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)\s*$/i.exec(header ?? '');
  return match ? match[1] : null;
}
