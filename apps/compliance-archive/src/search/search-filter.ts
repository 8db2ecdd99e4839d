import { CHANNELS } from '@complaints/contracts';
import { ProblemException } from '@complaints/platform';
import { retrievalFilter } from '../dossier/retrieval';
import { COMPLAINT_STATUSES, ComplaintStatus } from './complaint-index';

/** At most this many complaints per page of search results. */
export const SEARCH_PAGE_SIZE = 100;
/** Pages past this are refused: narrow the filter instead of paging through the whole archive. */
export const SEARCH_MAX_PAGE = 10_000;

export const SEARCH_PARAMETERS = ['ticket', 'complaintId', 'customerRef', 'from', 'to', 'category', 'product', 'channel', 'status', 'page'] as const;
export type SearchQuery = Partial<Record<(typeof SEARCH_PARAMETERS)[number], unknown>>;

export interface SearchFilter {
  ticket: string | null;
  complaintId: string | null;
  customerRef: string | null;
  /** Received at or after (inclusive). */
  from: Date | null;
  /** Received before (exclusive). */
  to: Date | null;
  category: string | null;
  product: string | null;
  channel: string | null;
  status: ComplaintStatus | null;
  page: number;
}

export const badQuery = (name: string, message: string) =>
  new ProblemException({
    type: 'https://complaints.example/problems/validation',
    title: 'The request is not valid',
    status: 400,
    detail: `query parameter ${name} ${message}`,
    errors: [{ path: `query:${name}`, message }],
  });

const PATTERNS: Record<'ticket' | 'complaintId' | 'customerRef' | 'category' | 'product', [RegExp, string]> = {
  ticket: [/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be a ticket number: 1-64 letters, digits and -'],
  complaintId: [/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID'],
  customerRef: [/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, 'must be a customer pseudonym: 1-100 letters, digits and _ . : -'],
  category: [/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,59}$/, 'must be a triage category: 1-60 letters, digits and _ . : -'],
  product: [/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}$/, 'must be a product code of the taxonomy: 1-40 letters, digits and _ . : -'],
};

/** The checked filter of GET /v1/archive/search, or a 400 naming the first parameter that is wrong. */
export function searchFilter(query: SearchQuery): SearchFilter {
  for (const name of SEARCH_PARAMETERS) {
    if (query[name] !== undefined && typeof query[name] !== 'string') throw badQuery(name, 'must be given once, as plain text');
  }
  const q = query as Partial<Record<(typeof SEARCH_PARAMETERS)[number], string>>;
  const pick = (name: keyof typeof PATTERNS): string | null => {
    const value = q[name];
    if (value === undefined) return null;
    const [pattern, message] = PATTERNS[name];
    if (!pattern.test(value)) throw badQuery(name, message);
    return name === 'complaintId' ? value.toLowerCase() : value;
  };
  const ticket = pick('ticket');
  const complaintId = pick('complaintId');
  const customerRef = pick('customerRef');
  // Instants with their offset, exactly as GET /v1/archive/retrievals reads them.
  const { from, to } = retrievalFilter({ from: q.from, to: q.to });
  const category = pick('category');
  const product = pick('product');
  if (q.channel !== undefined && !(CHANNELS as readonly string[]).includes(q.channel)) throw badQuery('channel', `must be one of ${CHANNELS.join(', ')}`);
  if (q.status !== undefined && !(COMPLAINT_STATUSES as readonly string[]).includes(q.status)) throw badQuery('status', `must be one of ${COMPLAINT_STATUSES.join(', ')}`);
  if (q.page !== undefined && (!/^[1-9][0-9]{0,4}$/.test(q.page) || Number(q.page) > SEARCH_MAX_PAGE)) throw badQuery('page', `must be a whole number from 1 to ${SEARCH_MAX_PAGE}`);
  return {
    ticket,
    complaintId,
    customerRef,
    from,
    to,
    category,
    product,
    channel: q.channel ?? null,
    status: (q.status as ComplaintStatus | undefined) ?? null,
    page: q.page === undefined ? 1 : Number(q.page),
  };
}

/** The filter as it is put on the retrieval record: only what was given. */
export function filterForRecord(filter: SearchFilter): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (value === null) continue;
    out[key] = value instanceof Date ? value.toISOString() : (value as string | number);
  }
  return out;
}
