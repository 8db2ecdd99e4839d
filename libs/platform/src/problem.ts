import { ArgumentMetadata, ArgumentsHost, BadRequestException, Catch, ExceptionFilter, HttpException, HttpStatus, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ServiceMetrics } from './metrics';

export interface FieldProblem {
  path: string;
  message: string;
}

/** RFC 9457 problem details, the one error shape of every API. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://complaints.example/problems/';

export class ProblemException extends HttpException {
  constructor(problem: Omit<ProblemDetails, 'type'> & { type: string }) {
    super(problem, Number(problem.status));
  }
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const path = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push({ path, message });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, path));
  }
  return out;
}

export class RequestValidationException extends BadRequestException {
  constructor(readonly fieldProblems: FieldProblem[]) {
    super({ message: 'request validation failed' });
  }
}

/**
 * Every service's validation pipe: unknown fields refused, values turned into their DTO's types,
 * all failures in one problem. A JSON array where a DTO is expected is refused as what it is;
 * validated as an object it would only earn "property 0 should not exist".
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => new RequestValidationException(flattenValidationErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.data === undefined && Array.isArray(value) && this.toValidate(metadata)) {
      throw new ProblemException({
        type: `${TYPE_BASE}validation`,
        title: 'The request is not valid',
        status: 400,
        detail: 'the body must be a JSON object',
        errors: [{ path: '(body)', message: 'must be a JSON object, not an array' }],
      });
    }
    return super.transform(value, metadata);
  }
}

/**
 * A path or query parameter that must be a UUID. Nest's ParseUUIDPipe answers "Validation failed
 * (uuid is expected)" without naming the parameter, so a caller sending a case id in the path and a
 * complaint id in the query could not tell which was wrong. Paths read like the query check's:
 * `path:caseId`, `query:complaintId`.
 */
@Injectable()
export class UuidParameterPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value === 'string' && isUUID(value)) return value;
    const where = metadata.type === 'param' ? 'path' : metadata.type;
    const name = typeof metadata.data === 'string' ? metadata.data : '(value)';
    throw new RequestValidationException([{ path: `${where}:${name}`, message: value === undefined || value === '' ? 'is required, as a UUID' : 'must be a UUID' }]);
  }
}

/** The same for a parameter that may be left out (a filter); given, it must be a UUID. */
@Injectable()
export class OptionalUuidParameterPipe extends UuidParameterPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): string {
    return value === undefined ? (undefined as unknown as string) : super.transform(value, metadata);
  }
}

/** Maps every error, including the body parser's, to problem+json; unknown errors never leak details. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(
    private readonly logger: Logger,
    private readonly metrics?: ServiceMetrics,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const problem = this.toProblem(exception);
    // The path without its query: a query can carry personal data (an evidence upload's description).
    const path = (req.originalUrl ?? req.url ?? '').split('?')[0];
    problem.instance = path;
    if (problem.status >= 500) this.logger.error({ err: exception, path }, 'request failed');
    else this.metrics?.requestsRejected.inc({ reason: problem.type.slice(problem.type.lastIndexOf('/') + 1) });
    // A problem that says when to come back (a paused ticket, a busy dependency) says it the standard way too.
    if (typeof problem.retryAfterSeconds === 'number' && Number.isFinite(problem.retryAfterSeconds)) {
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil(problem.retryAfterSeconds))));
    }
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown): ProblemDetails {
    if (exception instanceof RequestValidationException) {
      return {
        type: `${TYPE_BASE}validation`,
        title: 'The request is not valid',
        status: 400,
        detail: `${exception.fieldProblems.length} field(s) failed validation`,
        errors: exception.fieldProblems,
      };
    }
    if (exception instanceof ProblemException) return { ...(exception.getResponse() as ProblemDetails) };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const detail = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      return {
        type: `${TYPE_BASE}${slug(HttpStatus[status] ?? 'error')}`,
        title: HttpStatus[status] ? humanise(HttpStatus[status]) : 'Error',
        status,
        detail: Array.isArray(detail) ? detail.join('; ') : detail !== undefined ? String(detail) : undefined,
      };
    }
    return { type: `${TYPE_BASE}internal`, title: 'Internal error', status: 500, detail: 'The error has been logged.' };
  }
}

/**
 * Turns the body parser's errors into problems before Nest maps them to a bare 400 or a 500 and
 * loses which error it was. Used as Express error middleware after the parser. Most carry `type`;
 * a body that does not decompress is zlib's own error, which the parser only marks 400.
 */
export function bodyParserProblem(error: unknown): ProblemException | null {
  const e = error as { type?: string; message?: string; limit?: number; status?: number; errno?: unknown } | null;
  switch (e?.type) {
    case 'entity.parse.failed':
      return new ProblemException({ type: `${TYPE_BASE}malformed-json`, title: 'The body is not valid JSON', status: 400, detail: jsonSyntaxDetail(e.message) });
    case 'entity.too.large':
      return new ProblemException({ type: `${TYPE_BASE}payload-too-large`, title: 'The body is too large', status: 413, detail: `the limit is ${e.limit} bytes` });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new ProblemException({ type: `${TYPE_BASE}unsupported-encoding`, title: 'Unsupported body encoding', status: 415, detail: e.message });
    case 'request.size.invalid':
    case 'request.aborted':
      return new ProblemException({ type: `${TYPE_BASE}malformed-body`, title: 'The body could not be read', status: 400, detail: 'the body did not arrive in full' });
    case undefined:
      // zlib's errors carry errno; anything else without a type is not the parser's to name.
      return e?.status === 400 && typeof e.errno === 'number'
        ? new ProblemException({ type: `${TYPE_BASE}malformed-body`, title: 'The body could not be read', status: 400, detail: 'the body could not be decompressed as its Content-Encoding says' })
        : null;
    default:
      return null;
  }
}

/**
 * What is wrong with a JSON body, in words that quote none of it: the parser's own message often
 * does ("Unexpected token '王', ..."name":王秘密人..."), and bodies carry personal data. Only a
 * position at the very end of a message is taken, so digits inside a quoted body never are.
 */
export function jsonSyntaxDetail(message: string | undefined): string {
  const position = / in JSON at position (\d{1,9})(?: \(line \d+ column \d+\))?$/.exec(message ?? '')?.[1];
  if (position !== undefined) return `the body is not valid JSON at position ${position}`;
  if (message === 'Unexpected end of JSON input') return 'the body is not valid JSON: it ends too early';
  return 'the body is not valid JSON';
}

const slug = (s: string) => s.toLowerCase().replace(/_/g, '-');
const humanise = (s: string) => s.charAt(0) + s.slice(1).toLowerCase().replace(/_/g, ' ');
