import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';
import type { NextFunction, Request, Response } from 'express';
import { ProblemException } from './problem';

/**
 * CORS is closed unless CORS_ORIGINS lists the exact origins (e.g. the staff console's) allowed
 * to call from a browser. No wildcard: these APIs carry personal data.
 */
export function corsOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CorsOptions {
  const origins = (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  if (origins.includes('*')) throw new Error('CORS_ORIGINS must list origins; a wildcard is not allowed');
  return {
    origin: origins.length ? origins : false,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Correlation-Id'],
    exposedHeaders: ['X-Correlation-Id', 'Retry-After'],
    maxAge: 600,
  };
}

/** Depth of a parsed JSON value, counting containers; stops counting once past `limit`. */
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v as object)) stack.push([child, depth]);
  }
  return max;
}

/**
 * Refuses deeply nested bodies before validation walks them: a 256 kB body can nest tens of
 * thousands of levels, and recursive validators would run out of stack.
 */
export function limitJsonDepth(limit: number) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.body !== null && typeof req.body === 'object' && jsonDepth(req.body, limit) > limit) {
      next(
        new ProblemException({
          type: 'https://complaints.example/problems/too-deeply-nested',
          title: 'The body is nested too deeply',
          status: 400,
          detail: `JSON bodies may nest at most ${limit} levels`,
        }),
      );
      return;
    }
    next();
  };
}
