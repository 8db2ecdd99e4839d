import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { ProblemException } from './problem';
import { ACCESS_METADATA, AccessDeclaration } from './security/access';

/**
 * Refuses query parameters a route does not read, and parameters given twice. A misspelt filter
 * (`?complaintid=`) would otherwise be ignored and the caller handed every record instead of one.
 * The names come from the handler's own `@Query('name')` parameters; a handler taking the whole
 * query object validates it with its DTO instead.
 *
 * A signed webhook's query belongs to the system that signs it: WeChat puts its signature,
 * timestamp, nonce and openid there, and the channel's adapter reads and verifies them. Checked
 * here, a genuine push was refused after its nonce was spent, so WeChat's retry was a replay.
 */
@Injectable()
export class QueryParametersCheck implements NestInterceptor {
  private readonly known = new WeakMap<object, Set<string> | null>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const allowed = this.allowedFor(context.getClass(), context.getHandler());
    if (allowed && !isSignedWebhook(context)) {
      const query = context.switchToHttp().getRequest<Request>().query ?? {};
      const problems = Object.entries(query).flatMap(([name, value]) =>
        !allowed.has(name)
          ? [{ path: `query:${name}`, message: `unknown query parameter; this route reads ${allowed.size ? [...allowed].join(', ') : 'none'}` }]
          : typeof value !== 'string'
            ? [{ path: `query:${name}`, message: 'must be given once, as plain text' }]
            : [],
      );
      if (problems.length) {
        throw new ProblemException({ type: 'https://complaints.example/problems/validation', title: 'The request is not valid', status: 400, errors: problems });
      }
    }
    return next.handle();
  }

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest hands handlers over as Function
  private allowedFor(type: object, handler: Function): Set<string> | null {
    if (!this.known.has(handler)) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, type, handler.name) ?? {}) as Record<string, { data?: unknown }>;
      const names = new Set<string>();
      let wholeQuery = false;
      for (const [key, arg] of Object.entries(args)) {
        if (Number(key.split(':')[0]) !== RouteParamtypes.QUERY) continue;
        if (typeof arg.data === 'string') names.add(arg.data);
        else wholeQuery = true;
      }
      this.known.set(handler, wholeQuery ? null : names);
    }
    return this.known.get(handler)!;
  }
}

function isSignedWebhook(context: ExecutionContext): boolean {
  const declared = (Reflect.getMetadata(ACCESS_METADATA, context.getHandler()) ?? Reflect.getMetadata(ACCESS_METADATA, context.getClass())) as AccessDeclaration | undefined;
  return declared?.kind === 'signed-webhook';
}
