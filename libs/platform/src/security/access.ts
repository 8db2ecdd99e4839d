import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiResponse } from '@nestjs/swagger';
import { Role } from '@complaints/contracts';

export const ACCESS_METADATA = 'complaints:access';

/** What a route declares about its callers. A route with no declaration is refused. */
export type AccessDeclaration =
  | { kind: 'roles'; roles: Role[] }
  | { kind: 'unauthenticated'; reason: string }
  | { kind: 'signed-webhook'; channelParam: string };

/** The route requires a bearer token carrying one of these roles. */
export const Allow = (...roles: [Role, ...Role[]]) =>
  applyDecorators(
    SetMetadata(ACCESS_METADATA, { kind: 'roles', roles } satisfies AccessDeclaration),
    ApiBearerAuth(),
    ApiExtension('x-roles', roles),
    ApiResponse({ status: 401, description: 'No token, or a token that is expired, forged or for another audience' }),
    ApiResponse({ status: 403, description: `The token's roles are not among: ${roles.join(', ')}` }),
  );

/** Only for probes the platform itself needs without a token (health, metrics); the reason is kept for review. */
export const Unauthenticated = (reason: string) =>
  SetMetadata(ACCESS_METADATA, { kind: 'unauthenticated', reason } satisfies AccessDeclaration);

/**
 * For systems that push to us and cannot hold our tokens: the request must carry a valid
 * HMAC signature of the channel named by the path parameter, with a fresh timestamp and an
 * unused nonce (see webhook-signature.ts). The caller becomes that channel's adapter.
 */
export const SignedWebhook = (channelParam = 'channel') =>
  applyDecorators(
    SetMetadata(ACCESS_METADATA, { kind: 'signed-webhook', channelParam } satisfies AccessDeclaration),
    ApiExtension('x-signed-webhook', { algorithm: 'HMAC-SHA256', signs: '<timestamp>.<nonce>.<raw body>', headers: ['X-Signature-Timestamp', 'X-Signature-Nonce', 'X-Signature'] }),
    ApiResponse({ status: 401, description: 'Missing, forged, stale or replayed signature' }),
  );
