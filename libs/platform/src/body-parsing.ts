import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { NextFunction, Request, Response, Router } from 'express';
import { limitJsonDepth, refuseUnsafeText } from './hardening';
import { bodyParserProblem, ProblemException } from './problem';
import type { RequestWithRawBody } from './security';

export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

export interface BodyParsingOptions {
  /** Every JSON route's limit. */
  jsonLimit: string;
  /**
   * Channel webhooks (`/v1/channels`): whole e-mails and XML with attachments. Only a service that
   * serves them reads such bodies: elsewhere a 10 MB body nobody will read is not buffered.
   */
  channelLimit: string;
  channelWebhooks: boolean;
  /**
   * Routes that take a file's raw bytes as the body (any content type), with their own limit;
   * `path` is an Express route pattern such as `/v1/cases/:caseId/evidence/files`.
   */
  uploads: { path: string; limit: string }[];
  maxJsonDepth: number;
}

/**
 * How every service reads request bodies. Channel webhooks and file uploads take their own media
 * types and keep the raw bytes; every other body must be UTF-8 JSON, no deeper than the limit and
 * free of unsafe text. Whatever the parsers refuse leaves as a problem, not as a 500.
 */
export function bodyParsing(options: BodyParsingOptions): Router {
  const router = express.Router();
  const ownMediaTypes = new WeakSet<Request>();
  // Channel webhooks carry whole e-mails and XML, with attachments: a larger limit, raw bytes kept.
  // Their adapters answer a media type they do not read with their own 415.
  if (options.channelWebhooks) router.use(
    '/v1/channels',
    (req: Request, _res: Response, next: NextFunction) => {
      ownMediaTypes.add(req);
      next();
    },
    express.json({ limit: options.channelLimit, type: JSON_MEDIA_TYPES, verify: keepUtf8Json }),
    express.raw({ limit: options.channelLimit, type: ['message/rfc822', 'application/xml', 'text/xml', 'text/plain'] }),
    (req: Request, _res: Response, next: NextFunction) => {
      if (Buffer.isBuffer(req.body)) (req as RequestWithRawBody).rawBody = req.body;
      next();
    },
  );
  for (const upload of options.uploads) {
    // Read before anyone is authenticated (the guard runs after the body), so never inflated: a
    // 50 kB gzip of zeros would otherwise take 50 MB of memory per request. A recording or a scan
    // gains nothing from HTTP compression anyway.
    const raw = express.raw({ limit: upload.limit, type: () => true, inflate: false });
    router.use(upload.path, (req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'POST') return next();
      ownMediaTypes.add(req);
      raw(req, res, next);
    });
  }
  router.use((req: Request, _res: Response, next: NextFunction) => {
    const refused = ownMediaTypes.has(req) ? null : nonJsonBodyProblem(req);
    if (refused) next(refused);
    else next();
  });
  router.use(express.json({ limit: options.jsonLimit, type: JSON_MEDIA_TYPES, verify: keepUtf8Json }));
  router.use(limitJsonDepth(options.maxJsonDepth));
  router.use(refuseUnsafeText());
  router.use((error: unknown, _req: Request, _res: Response, next: NextFunction) => next(bodyParserProblem(error) ?? error));
  return router;
}

const BODILESS_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A body the JSON parser would skip (text, a form, XML, no content type at all) reached the route
 * as no body, and the caller was told about missing fields instead of the wrong media type.
 */
export function nonJsonBodyProblem(req: Request): ProblemException | null {
  const length = Number(req.headers['content-length'] ?? 0);
  const carriesBody = req.headers['transfer-encoding'] !== undefined || length > 0;
  if (BODILESS_METHODS.has(req.method) || !carriesBody || req.is(JSON_MEDIA_TYPES)) return null;
  return new ProblemException({
    type: 'https://complaints.example/problems/unsupported-media-type',
    title: 'Unsupported media type',
    status: 415,
    detail: 'this route takes a JSON body, sent as application/json',
  });
}

/**
 * JSON is UTF-8 (RFC 8259, 8.1). body-parser would also decode UTF-16, UTF-32 and UTF-7, which no
 * client of these APIs sends and in which what a filter in front reads (`+ADw-script+AD4-`) is not
 * the text stored (`<script>`); refused like any other charset. The bytes are kept: signed
 * webhooks are verified over the bytes as sent, not over a re-serialisation.
 */
function keepUtf8Json(req: IncomingMessage, _res: ServerResponse, buf: Buffer, encoding: string): void {
  if (encoding !== 'utf-8') {
    throw Object.assign(new Error(`unsupported charset "${encoding.toUpperCase()}"`), { status: 415, type: 'charset.unsupported', charset: encoding });
  }
  (req as RequestWithRawBody).rawBody = buf;
}
