import type { NextFunction, Request, Response } from 'express';
import { CORRELATION_HEADER, newCorrelationId, runWithCorrelation } from '@complaints/messaging';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{8,128}$/;

/** Takes the caller's correlation id (or makes one) and keeps it for everything this request causes. */
export function correlationMiddleware(req: Request, res: Response, next: NextFunction): void {
  const offered = req.header(CORRELATION_HEADER);
  const correlationId = offered && ACCEPTABLE.test(offered) ? offered : newCorrelationId();
  res.setHeader(CORRELATION_HEADER, correlationId);
  runWithCorrelation({ correlationId, causationId: null }, next);
}
