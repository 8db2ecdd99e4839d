/**
 * Calls the services through the console server's `/api/<service>` paths with the signed-in
 * person's bearer token. Every refusal becomes an ApiError carrying the service's problem+json
 * (RFC 9457), so a page can say what was wrong and with which field.
 */
export type ServiceName = 'intake' | 'triage' | 'investigation' | 'compensation' | 'notification' | 'compliance-archive';

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { path: string; message: string }[];
  /** 409 from a case: the steps allowed next. */
  allowed?: string[];
  [key: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly service: ServiceName | 'console',
    readonly path: string,
    readonly problem: Problem | null,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The network failed or the console server could not reach the service. */
  get unreachable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

export type Query = Record<string, string | number | boolean | null | undefined | readonly string[]>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  query?: Query;
  /** Sent as JSON, or as it is when a Blob (evidence files). */
  body?: unknown;
  headers?: Record<string, string>;
  /** `blob` for downloads (PDF, XLSX); JSON otherwise. */
  as?: 'json' | 'blob';
}

export interface ApiClientOptions {
  fetch: typeof fetch;
  token: () => string | null;
  /** Called when a service refuses the token (expired, revoked): the session is over. */
  onUnauthorized?: () => void;
  base?: string;
}

/** `?a=1&b=x,y` from the defined, non-empty values only; lists are comma-separated as the services read them. */
export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length) params.set(key, value.join(','));
    } else params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

const isProblemType = (type: string | null) => !!type && /json/.test(type);

/** Reads a refusal into a Problem, whatever shape it came in (problem+json, JSON, text, nothing). */
export async function problemOf(res: Pick<Response, 'status' | 'headers' | 'text'>): Promise<Problem | null> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    return null;
  }
  if (!text) return null;
  if (isProblemType(res.headers.get('content-type'))) {
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const p = parsed as Problem & { message?: unknown };
        // Nest's own errors say `message` (a string or a list) where problem+json says `detail`.
        if (p.detail === undefined && p.message !== undefined) p.detail = Array.isArray(p.message) ? p.message.join('; ') : String(p.message);
        return p;
      }
    } catch {
      // not JSON after all: fall through to the text
    }
  }
  return { status: res.status, detail: text.slice(0, 500) };
}

export function createApiClient(options: ApiClientOptions) {
  const base = options.base ?? '/api';
  async function request<T = unknown>(service: ServiceName, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: opts.as === 'blob' ? '*/*' : 'application/json', ...opts.headers };
    const token = options.token();
    if (token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined;
    if (opts.body !== undefined) {
      if (typeof Blob !== 'undefined' && opts.body instanceof Blob) {
        body = opts.body;
        headers['content-type'] ??= opts.body.type || 'application/octet-stream';
      } else {
        body = JSON.stringify(opts.body);
        headers['content-type'] = 'application/json';
      }
    }
    const url = `${base}/${service}${path}${queryString(opts.query)}`;
    let res: Response;
    try {
      res = await options.fetch(url, { method: opts.method ?? 'GET', headers, body });
    } catch (e) {
      throw new ApiError(0, service, path, null, `network: ${(e as Error).message}`);
    }
    if (!res.ok) {
      const problem = await problemOf(res);
      if (res.status === 401) options.onUnauthorized?.();
      throw new ApiError(res.status, service, path, problem, problem?.detail ?? problem?.title ?? `HTTP ${res.status}`);
    }
    if (opts.as === 'blob') return (await res.blob()) as T;
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return {
    request,
    get: <T>(service: ServiceName, path: string, opts: Omit<RequestOptions, 'method' | 'body'> = {}) => request<T>(service, path, { ...opts, method: 'GET' }),
    post: <T>(service: ServiceName, path: string, body?: unknown, opts: Omit<RequestOptions, 'method' | 'body'> = {}) => request<T>(service, path, { ...opts, method: 'POST', body: body ?? {} }),
    put: <T>(service: ServiceName, path: string, body: unknown, opts: Omit<RequestOptions, 'method' | 'body'> = {}) => request<T>(service, path, { ...opts, method: 'PUT', body }),
  };
}
export type ApiClient = ReturnType<typeof createApiClient>;

/** What to tell the person, as message keys and values for the message table. */
export type ErrorDescription =
  | { key: 'error.unreachable'; values: { service: string } }
  | { key: 'error.unauthorized' }
  | { key: 'error.forbidden'; values: { detail: string } }
  | { key: 'error.notAllowedNow'; values: { detail: string; allowed: string } }
  | { key: 'error.invalid'; values: { detail: string } }
  | { key: 'error.other'; values: { status: number; detail: string } };

export function describeError(error: unknown): ErrorDescription {
  if (!(error instanceof ApiError)) return { key: 'error.other', values: { status: 0, detail: error instanceof Error ? error.message : String(error) } };
  if (error.unreachable) return { key: 'error.unreachable', values: { service: error.service } };
  const p = error.problem;
  const fields = p?.errors?.length ? p.errors.map((e) => `${e.path}: ${e.message}`).join('; ') : '';
  const detail = [p?.detail ?? p?.title ?? '', fields].filter(Boolean).join(' — ') || `HTTP ${error.status}`;
  if (error.status === 401) return { key: 'error.unauthorized' };
  if (error.status === 403) return { key: 'error.forbidden', values: { detail } };
  if (error.status === 409) return { key: 'error.notAllowedNow', values: { detail, allowed: (p?.allowed ?? []).join(', ') || '—' } };
  if (error.status === 400 || error.status === 422) return { key: 'error.invalid', values: { detail } };
  return { key: 'error.other', values: { status: error.status, detail } };
}
