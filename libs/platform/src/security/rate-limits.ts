import { applyDecorators, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { SkipThrottle, ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Response } from 'express';
import { AuthenticatedRequest } from './principal';

/**
 * Named limits per caller (token subject and address) and minute. `intake` bounds what one
 * channel adapter may file, per route; `lookup` bounds status lookups and the other requests that
 * take a proof of identity, which a guesser would otherwise use to try proofs against ticket
 * numbers: one budget per caller across all its routes (`sharedAcrossRoutes`), so that spreading
 * guesses over the routes does not multiply it.
 */
export const RATE_LIMITS = {
  intake: { env: 'INTAKE_RATE_LIMIT_PER_MINUTE', perMinute: 120_000, customersOnly: false, sharedAcrossRoutes: false },
  // Staff and channel adapters look up on behalf of many customers; the guesser to stop is a customer login.
  lookup: { env: 'LOOKUP_RATE_LIMIT_PER_MINUTE', perMinute: 30, customersOnly: true, sharedAcrossRoutes: true },
} as const;
export type RateLimitName = keyof typeof RATE_LIMITS;

export function rateLimitOptions(env: NodeJS.ProcessEnv = process.env): ThrottlerModuleOptions {
  return {
    throttlers: Object.entries(RATE_LIMITS).map(([name, l]) => ({
      name,
      ttl: 60_000,
      limit: Number(env[l.env] ?? l.perMinute),
      skipIf: l.customersOnly
        ? (context) => !(context.switchToHttp().getRequest<AuthenticatedRequest>().principal?.roles ?? []).every((r) => r === 'customer')
        : undefined,
      // The throttler's own key names the controller and handler, which gives each route a budget of its own.
      generateKey: l.sharedAcrossRoutes ? (_context: ExecutionContext, tracker: string, throttler: string) => `${throttler}|${tracker}` : undefined,
    })),
    getTracker: (req) => `${(req as AuthenticatedRequest).principal?.subject ?? '-'}|${(req as AuthenticatedRequest).ip ?? '-'}`,
    errorMessage: 'too many requests: slow down and retry after the time in Retry-After',
  };
}

/** The throttler names its header after the limit (`Retry-After-lookup`); clients read the standard one. */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(Math.max(1, Math.ceil(detail.timeToBlockExpire))));
    return super.throwThrottlingException(context, detail);
  }
}

/** Applies one named limit to a route (the others do not count it). */
export const RateLimited = (name: RateLimitName) =>
  applyDecorators(
    UseGuards(CallerThrottlerGuard),
    SkipThrottle(Object.fromEntries(Object.keys(RATE_LIMITS).filter((n) => n !== name).map((n) => [n, true]))),
  );
