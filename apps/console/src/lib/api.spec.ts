import { ApiError, createApiClient, describeError, problemOf, queryString } from './api';

const json = (status: number, body: unknown, type = 'application/json') => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': type } });

function client(answer: (url: string, init: RequestInit) => Response | Promise<Response>, token: string | null = 'tok') {
  const calls: { url: string; init: RequestInit }[] = [];
  let unauthorized = 0;
  const api = createApiClient({
    fetch: (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return answer(url, init);
    }) as typeof fetch,
    token: () => token,
    onUnauthorized: () => (unauthorized += 1),
  });
  return { api, calls, unauthorized: () => unauthorized };
}

describe('the console’s API client', () => {
  it('calls the service through the console’s /api path with the bearer token and the query', async () => {
    const { api, calls } = client(() => json(200, [{ id: 'c1' }]));
    await expect(api.get('investigation', '/v1/cases', { query: { status: ['investigating', 'awaiting-approval'], department: undefined, assignedTo: 'me' } })).resolves.toEqual([{ id: 'c1' }]);
    expect(calls[0].url).toBe('/api/investigation/v1/cases?status=investigating%2Cawaiting-approval&assignedTo=me');
    expect((calls[0].init.headers as Record<string, string>).authorization).toBe('Bearer tok');
    expect(calls[0].init.method).toBe('GET');
  });

  it('sends JSON bodies as JSON and files as they are', async () => {
    const { api, calls } = client(() => json(201, { id: 'e1' }));
    await api.post('investigation', '/v1/cases/x/notes', { body: '备注' });
    expect(calls[0].init.body).toBe('{"body":"备注"}');
    expect((calls[0].init.headers as Record<string, string>)['content-type']).toBe('application/json');
    const file = new Blob(['a,b\n'], { type: 'text/csv' });
    await api.post('investigation', '/v1/cases/x/evidence/files', file, { query: { kind: 'document' } });
    expect(calls[1].init.body).toBe(file);
    expect((calls[1].init.headers as Record<string, string>)['content-type']).toBe('text/csv');
    expect(calls[1].url).toBe('/api/investigation/v1/cases/x/evidence/files?kind=document');
  });

  it('turns a problem+json refusal into an ApiError carrying the problem', async () => {
    const problem = { type: 'https://complaints.example/problems/case-transition', title: 'Not allowed', status: 409, detail: 'record-findings is not allowed in awaiting-approval', allowed: ['add-note', 'withdraw'] };
    const { api } = client(() => json(409, problem, 'application/problem+json'));
    const error = await api.put('investigation', '/v1/cases/x/findings', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, service: 'investigation', path: '/v1/cases/x/findings', problem, message: problem.detail });
    expect(describeError(error)).toEqual({ key: 'error.notAllowedNow', values: { detail: problem.detail, allowed: 'add-note, withdraw' } });
  });

  it('names the fields of a validation problem', async () => {
    const { api } = client(() => json(400, { title: 'The request is not valid', status: 400, errors: [{ path: 'facts', message: 'must not be empty' }] }, 'application/problem+json'));
    const error = await api.put('investigation', '/v1/cases/x/findings', {}).catch((e: unknown) => e);
    expect(describeError(error)).toEqual({ key: 'error.invalid', values: { detail: 'The request is not valid — facts: must not be empty' } });
  });

  it('reads Nest’s own error shape and plain text bodies', async () => {
    await expect(problemOf(json(403, { statusCode: 403, message: ['only the assigned investigator may'] }))).resolves.toMatchObject({ detail: 'only the assigned investigator may' });
    await expect(problemOf(json(500, 'upstream exploded', 'text/plain'))).resolves.toEqual({ status: 500, detail: 'upstream exploded' });
    await expect(problemOf(json(502, ''))).resolves.toBeNull();
    await expect(problemOf(json(400, 'not json {', 'application/json'))).resolves.toEqual({ status: 400, detail: 'not json {' });
  });

  it('ends the session when a service refuses the token, and says so', async () => {
    const { api, unauthorized } = client(() => json(401, { title: 'Unauthorized', status: 401 }, 'application/problem+json'));
    const error = await api.get('triage', '/v1/triage/incidents').catch((e: unknown) => e);
    expect(unauthorized()).toBe(1);
    expect(describeError(error)).toEqual({ key: 'error.unauthorized' });
  });

  it('reports an unreachable service (network failure or the console’s 502) without a session change', async () => {
    const down = client(() => {
      throw new TypeError('fetch failed');
    });
    const network = await down.api.get('compensation', '/v1/remedies/awaiting-approval').catch((e: unknown) => e);
    expect(network).toMatchObject({ status: 0, unreachable: true });
    expect(describeError(network)).toEqual({ key: 'error.unreachable', values: { service: 'compensation' } });
    const gateway = client(() => json(502, { title: 'The service did not answer', status: 502 }, 'application/problem+json'));
    expect(describeError(await gateway.api.get('triage', '/v1/triage/incidents').catch((e: unknown) => e))).toEqual({ key: 'error.unreachable', values: { service: 'triage' } });
    expect(down.unauthorized() + gateway.unauthorized()).toBe(0);
  });

  it('describes a 403 with its detail and anything else with its status', () => {
    expect(describeError(new ApiError(403, 'compensation', '/x', { detail: 'over-limit' }, 'over-limit'))).toEqual({ key: 'error.forbidden', values: { detail: 'over-limit' } });
    expect(describeError(new ApiError(404, 'investigation', '/x', null, 'HTTP 404'))).toEqual({ key: 'error.other', values: { status: 404, detail: 'HTTP 404' } });
    expect(describeError(new Error('boom'))).toEqual({ key: 'error.other', values: { status: 0, detail: 'boom' } });
  });

  it('returns downloads as blobs and sends no token when there is none', async () => {
    const { api, calls } = client(() => new Response(new Uint8Array([37, 80, 68, 70]), { status: 200, headers: { 'content-type': 'application/pdf' } }), null);
    const pdf = await api.get<Blob>('compliance-archive', '/v1/archive/complaints/x/dossier.pdf', { as: 'blob', headers: { 'x-retrieval-purpose': 'court-order' } });
    expect(String.fromCharCode(...new Uint8Array(await pdf.arrayBuffer()))).toBe('%PDF');
    expect(calls[0].init.headers).toEqual({ accept: '*/*', 'x-retrieval-purpose': 'court-order' });
  });

  it('builds query strings from set values only, encoding a + so the archive does not read a space', () => {
    expect(queryString({ from: '2026-11-20T00:00:00+08:00', to: '', page: 2, actor: null, list: [] })).toBe('?from=2026-11-20T00%3A00%3A00%2B08%3A00&page=2');
    expect(queryString({})).toBe('');
  });
});
