import { EntityManager } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { AuthenticatedRequest, ProblemException, StaffAuditTrail } from '@complaints/platform';

/**
 * Why someone reads a complaint's archived record. Every retrieval states one (header
 * `X-Retrieval-Purpose`) and is itself put on the record. docs/archive.md explains each.
 */
export const RETRIEVAL_PURPOSES = [
  'regulator-request',
  'court-order',
  'internal-audit',
  'complaint-handling',
  'customer-request',
  'quality-review',
] as const;
export type RetrievalPurpose = (typeof RETRIEVAL_PURPOSES)[number];

export const PURPOSE_HEADER = 'x-retrieval-purpose';
export const REFERENCE_HEADER = 'x-retrieval-reference';

/** A case or letter number: 1-100 characters of letters, digits, space and `._:/-`, not only spaces. */
const REFERENCE = /^(?=.*[^ ])[A-Za-z0-9 ._:/-]{1,100}$/;

export interface StatedPurpose {
  purpose: RetrievalPurpose;
  reference: string | null;
}

const invalid = (header: string, message: string, detail: string) =>
  new ProblemException({
    type: 'https://complaints.example/problems/validation',
    title: 'The request is not valid',
    status: 400,
    detail,
    errors: [{ path: `header:${header}`, message }],
  });

/** The purpose and reference a retrieval states, or a 400 naming the header that is missing or wrong. */
export function statedPurpose(headers: Record<string, string | string[] | undefined>): StatedPurpose {
  const purpose = headers[PURPOSE_HEADER];
  if (purpose === undefined || purpose === '') {
    throw invalid('X-Retrieval-Purpose', `required: one of ${RETRIEVAL_PURPOSES.join(', ')}`, `header X-Retrieval-Purpose is required: state why the record is retrieved (one of ${RETRIEVAL_PURPOSES.join(', ')})`);
  }
  if (typeof purpose !== 'string' || !(RETRIEVAL_PURPOSES as readonly string[]).includes(purpose)) {
    throw invalid('X-Retrieval-Purpose', `must be one of ${RETRIEVAL_PURPOSES.join(', ')}, given once`, `header X-Retrieval-Purpose must be one of ${RETRIEVAL_PURPOSES.join(', ')}`);
  }
  const reference = headers[REFERENCE_HEADER];
  if (reference === undefined) return { purpose: purpose as RetrievalPurpose, reference: null };
  if (typeof reference !== 'string' || !REFERENCE.test(reference)) {
    throw invalid(
      'X-Retrieval-Reference',
      'at most 100 characters of letters, digits, space and . _ : / -',
      'header X-Retrieval-Reference must be a case or letter number: at most 100 characters of letters, digits, space and . _ : / -',
    );
  }
  return { purpose: purpose as RetrievalPurpose, reference };
}

export interface Retrieval {
  id: string;
  at: string;
  actor: string;
  roles: string[];
  purpose: RetrievalPurpose;
  reference: string | null;
  what: string;
  /** Null for a retrieval of many complaints at once (a search, a statistics report). */
  complaintId: string | null;
  ticketNumber: string | null;
  /** Only for a retrieval of many complaints at once: the filter it used and how many complaints it returned. */
  query?: { filter: Record<string, unknown>; hits: number };
}

/** Filters of GET /v1/archive/retrievals, checked. */
export interface RetrievalFilter {
  from: Date | null;
  to: Date | null;
  actor: string | null;
}

/** An instant with an offset, as ISO 8601: 2026-11-20T09:30:00Z, 2026-11-20T09:30:00.123+08:00. */
const INSTANT = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d)(?:\.\d{1,6})?)?(?:Z|[+-](\d\d):(\d\d))$/;
/** Token subjects: staff ids, UUIDs, provider ids such as `auth0|abc`. */
const ACTOR = /^[A-Za-z0-9._:@|-]{1,200}$/;

const badQuery = (name: string, message: string) =>
  new ProblemException({
    type: 'https://complaints.example/problems/validation',
    title: 'The request is not valid',
    status: 400,
    detail: `query parameter ${name} ${message}`,
    errors: [{ path: `query:${name}`, message }],
  });

function instant(name: string, value: string | undefined): Date | null {
  if (value === undefined) return null;
  const m = INSTANT.exec(value);
  const date = new Date(value);
  const inRange = m && Number(m[2]) >= 1 && Number(m[2]) <= 12 && Number(m[3]) >= 1 && Number(m[3]) <= 31 && Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6] ?? 0) <= 59;
  const offsetOk = m && (m[7] === undefined || (Number(m[7]) <= 14 && Number(m[8]) <= 59));
  // new Date rolls 2026-02-30 over into March: the date must read back as written.
  const sameDay = m && !Number.isNaN(date.getTime()) && rollsNot(m[1], m[2], m[3]);
  if (!m || !inRange || !offsetOk || !sameDay || Number.isNaN(date.getTime())) {
    throw badQuery(name, 'must be an instant in ISO 8601 with its offset, e.g. 2026-11-20T09:30:00Z or 2026-11-20T09:30:00%2B08:00');
  }
  return date;
}

const rollsNot = (y: string, mo: string, d: string) => {
  const probe = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  return probe.getUTCFullYear() === Number(y) && probe.getUTCMonth() === Number(mo) - 1 && probe.getUTCDate() === Number(d);
};

export function retrievalFilter(query: { from?: unknown; to?: unknown; actor?: unknown }): RetrievalFilter {
  for (const name of ['from', 'to', 'actor'] as const) {
    if (query[name] !== undefined && typeof query[name] !== 'string') throw badQuery(name, 'must be given once, as plain text');
  }
  const from = instant('from', query.from as string | undefined);
  const to = instant('to', query.to as string | undefined);
  if (from && to && to < from) throw badQuery('to', `(${to.toISOString()}) is before from (${from.toISOString()})`);
  const actor = query.actor as string | undefined;
  if (actor !== undefined && !ACTOR.test(actor)) throw badQuery('actor', 'must be a token subject: 1-200 letters, digits and . _ : @ | -');
  return { from, to, actor: actor ?? null };
}

/** At most this many retrievals per answer, newest first; narrow from/to for older ones. */
export const RETRIEVALS_PER_PAGE = 1000;

/**
 * The log of retrievals (table archive_retrievals), written in the caller's transaction together
 * with the staff.action-recorded event, so the reading and its record commit together.
 */
export class RetrievalLog {
  constructor(private readonly audit: StaffAuditTrail) {}

  async record(
    manager: EntityManager,
    request: AuthenticatedRequest,
    stated: StatedPurpose,
    what: { action: string; complaintId: string; ticketNumber: string | null },
  ): Promise<void> {
    const principal = request.principal;
    if (!principal) throw new Error('a retrieval needs an authenticated caller');
    const route = `${request.method} ${String(request.route?.path ?? request.path)}`.slice(0, 300);
    await manager.query(
      `INSERT INTO archive_retrievals (id, actor, roles, purpose, reference, what, complaint_id, ticket_number)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [randomUUID(), principal.subject, principal.roles, stated.purpose, stated.reference, route, what.complaintId, what.ticketNumber],
    );
    await this.audit.record(manager, request, what.complaintId, what.action, {
      purpose: stated.purpose,
      ...(stated.reference !== null ? { reference: stated.reference } : {}),
    });
  }

  /**
   * A retrieval of many complaints at once (a search, a statistics report): no single complaint,
   * so it is not put on any complaint's chain; the table keeps who, when, why, the route, the
   * filter and the number of complaints returned (archive_retrieval_queries), in the caller's
   * transaction.
   */
  async recordQuery(
    manager: EntityManager,
    request: AuthenticatedRequest,
    stated: StatedPurpose,
    query: { filter: Record<string, unknown>; hits: number },
  ): Promise<void> {
    const principal = request.principal;
    if (!principal) throw new Error('a retrieval needs an authenticated caller');
    const route = `${request.method} ${String(request.route?.path ?? request.path)}`.slice(0, 300);
    const id = randomUUID();
    await manager.query(
      `INSERT INTO archive_retrievals (id, actor, roles, purpose, reference, what, complaint_id, ticket_number)
       VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL)`,
      [id, principal.subject, principal.roles, stated.purpose, stated.reference, route],
    );
    await manager.query(`INSERT INTO archive_retrieval_queries (retrieval_id, filter, hits) VALUES ($1, $2::jsonb, $3)`, [id, JSON.stringify(query.filter), query.hits]);
  }

  async list(manager: EntityManager, filter: RetrievalFilter): Promise<{ retrievals: Retrieval[]; truncated: boolean }> {
    const rows: (Omit<Retrieval, 'at' | 'query'> & { at: Date; filter: Record<string, unknown> | null; hits: number | null })[] = await manager.query(
      `SELECT r.id, r.at, r.actor, r.roles, r.purpose, r.reference, r.what, r.complaint_id AS "complaintId", r.ticket_number AS "ticketNumber",
              q.filter, q.hits
         FROM archive_retrievals r LEFT JOIN archive_retrieval_queries q ON q.retrieval_id = r.id
        WHERE ($1::timestamptz IS NULL OR r.at >= $1) AND ($2::timestamptz IS NULL OR r.at <= $2) AND ($3::text IS NULL OR r.actor = $3)
        ORDER BY r.at DESC, r.id LIMIT $4`,
      [filter.from?.toISOString() ?? null, filter.to?.toISOString() ?? null, filter.actor, RETRIEVALS_PER_PAGE + 1],
    );
    return {
      retrievals: rows.slice(0, RETRIEVALS_PER_PAGE).map(({ filter: queryFilter, hits, ...r }) => ({
        ...r,
        at: new Date(r.at).toISOString(),
        ...(queryFilter !== null ? { query: { filter: queryFilter, hits: hits ?? 0 } } : {}),
      })),
      truncated: rows.length > RETRIEVALS_PER_PAGE,
    };
  }
}
