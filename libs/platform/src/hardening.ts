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

/** MAX_JSON_DEPTH, default 16; a value that is not a positive integer would switch the limit off, so it stops the start. */
export function maxJsonDepthFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const depth = Number(env.MAX_JSON_DEPTH ?? '16');
  if (!Number.isInteger(depth) || depth < 1) throw new Error(`MAX_JSON_DEPTH must be a positive integer, not ${env.MAX_JSON_DEPTH}`);
  return depth;
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
    if (req.body !== null && typeof req.body === 'object' && !Buffer.isBuffer(req.body) && jsonDepth(req.body, limit) > limit) {
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

// C0 controls other than tab, line feed and carriage return, DEL, and the C1 controls (U+0080-U+009F:
// no keyboard types them; they come from text decoded with the wrong charset, or as terminal escapes
// such as U+009B). Postgres cannot store NUL at all.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first string (value or key) in `value` that is not well-formed Unicode or holds a control character. */
export function findUnsafeText(value: unknown, path = '$'): { path: string; problem: string } | null {
  const stack: [unknown, string][] = [[value, path]];
  while (stack.length) {
    const [v, p] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return { path: p, problem: 'is not well-formed Unicode (a lone surrogate)' };
      if (CONTROL.test(v)) return { path: p, problem: 'holds a control character' };
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v as object)) {
        if (LONE_SURROGATE.test(k) || CONTROL.test(k)) return { path: p, problem: 'has a key that is not well-formed text' };
        // Keys that reach into object prototypes have no business in a request.
        if (PROTOTYPE_KEYS.has(k)) return { path: `${p}.${k}`, problem: 'is not an allowed field name' };
        stack.push([child, Array.isArray(v) ? `${p}[${k}]` : `${p}.${k}`]);
      }
    }
  }
  return null;
}

/**
 * Refuses text no complaint needs and the stores choke on (NUL, other control characters, lone
 * surrogates) with a 400 naming the field, before anything is validated or written. Zero-width,
 * right-to-left, emoji and full-width characters are ordinary text and pass.
 */
export function refuseUnsafeText() {
  return (req: Request, _res: Response, next: NextFunction) => {
    // Raw channel payloads (e-mail, XML) are their adapter's to read; JSON is checked here.
    const found = req.body !== undefined && !Buffer.isBuffer(req.body) ? findUnsafeText(req.body) : null;
    if (found) {
      next(
        new ProblemException({
          type: 'https://complaints.example/problems/validation',
          title: 'The request is not valid',
          status: 400,
          errors: [{ path: found.path.replace(/^\$\.?/, ''), message: found.problem }],
        }),
      );
      return;
    }
    next();
  };
}
