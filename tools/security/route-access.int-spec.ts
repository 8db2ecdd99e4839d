import { ROLES, Role } from '@complaints/contracts';
import { formatTicketNumber } from '@complaints/domain';
import { describeRoutes, RouteDeclaration, servedRoutes } from '@complaints/platform';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

/** Routes the platform serves outside the controllers, and why they need no token. */
const PLATFORM_ROUTES: Record<string, string> = {
  'GET /docs': 'OpenAPI viewer: describes the API, holds no complaint data (API_DOCS=off removes it)',
  'GET /docs-json': 'the OpenAPI document itself',
  'GET /docs-yaml': 'the OpenAPI document itself',
};

type Caller = Role | 'no token';
const CALLERS: Caller[] = ['no token', ...ROLES];

const filled = (path: string) =>
  path
    .replace(':ticketNumber', formatTicketNumber('20260101', 1))
    .replace(':channel', 'web')
    .replace(/:[A-Za-z]+Id\b/g, '00000000-0000-4000-8000-000000000000');

const outcome = (status: number) => (status === 401 ? 'unauthenticated' : status === 403 ? 'forbidden' : status >= 500 ? 'server error' : 'allowed');

const expected = (route: RouteDeclaration, caller: Caller) => {
  if (route.access?.kind === 'unauthenticated') return 'allowed';
  // Signed webhooks answer to a channel's signature, never to a token of any role.
  if (route.access?.kind === 'signed-webhook' || caller === 'no token') return 'unauthenticated';
  return route.access!.roles.includes(caller) ? 'allowed' : 'forbidden';
};

describe('every route of every service, with every role and with no token', () => {
  let cases = 0;
  let routesWalked = 0;

  afterAll(() => {
    process.stdout.write(`route-by-role: ${routesWalked} routes x ${CALLERS.length} callers = ${cases} cases checked\n`);
  });

  describe.each(ALL_SERVICES.map((d) => [d.name, d] as const))('%s', (_name, definition) => {
    let service: ServiceUnderTest;
    let routes: RouteDeclaration[];

    beforeAll(async () => {
      service = await startInProcess(definition);
      routes = describeRoutes(service.running.app);
    });
    afterAll(() => service?.stop());

    it('declares who may call each route it serves', () => {
      const declared = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));
      const undeclared = servedRoutes(service.running.app)
        .map((r) => `${r.method} ${r.path}`)
        .filter((key) => !(key in PLATFORM_ROUTES) && !declared.get(key)?.access && !key.startsWith('GET /docs/'));
      expect(undeclared).toEqual([]);
      expect(routes.length).toBeGreaterThan(0);
    });

    it('answers each caller as the route declares', async () => {
      const tokens = new Map<Caller, string | null>([['no token', null]]);
      for (const role of ROLES) tokens.set(role, await service.issuer.token(role, { channel: role === 'channel-adapter' ? 'web' : undefined }));
      const seen: string[] = [];
      const wanted: string[] = [];
      for (const route of routes) {
        routesWalked += 1;
        for (const caller of CALLERS) {
          const token = tokens.get(caller);
          const res = await fetch(`${service.baseUrl}${filled(route.path)}`, {
            method: route.method,
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: route.method === 'GET' ? undefined : '{}',
          });
          await res.arrayBuffer();
          cases += 1;
          seen.push(`${route.method} ${route.path} as ${caller}: ${outcome(res.status)}`);
          wanted.push(`${route.method} ${route.path} as ${caller}: ${expected(route, caller)}`);
        }
      }
      expect(seen).toEqual(wanted);
    });
  });
});
