import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Role } from '@complaints/contracts';
import { ServiceMetrics } from '../metrics';
import { ProblemException } from '../problem';
import { Allow, Unauthenticated } from './access';
import { AccessGuard } from './access.guard';
import { authConfigFromEnv } from './auth-config';
import { AuthenticatedRequest } from './principal';
import { InvalidTokenError, IssuerUnavailableError, TokenVerifier } from './token-verifier';
import type { WebhookAuthenticator } from './webhook-authenticator';

/**
 * Mints tokens as `createTestIssuer` from @complaints/testing does (fresh ES256 key, JWKS in a temp
 * file). That library cannot be imported here: it depends on @complaints/platform, and the
 * module-boundary rule refuses the cycle.
 */
async function localIssuer(name: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `${name}-${randomUUID().slice(0, 8)}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'access-guard-spec-')), 'jwks.json');
  fs.writeFileSync(file, JSON.stringify(jwks));
  const issuer = `urn:complaints:${name}-issuer`;
  const audience = 'complaints-platform';
  return {
    issuer,
    audience,
    env: { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_JWKS_URL: `file://${file}` },
    token(roles: Role | Role[], options: { subject?: string; expiresIn?: number; audience?: string; issuer?: string } = {}) {
      const now = Math.floor(Date.now() / 1000);
      const list = Array.isArray(roles) ? roles : [roles];
      return new SignJWT({ roles: list })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setSubject(options.subject ?? `${list[0]}-1`)
        .setIssuedAt(now - 5)
        .setJti(randomUUID())
        .setExpirationTime(now + (options.expiresIn ?? 600))
        .sign(privateKey);
    },
  };
}
type LocalIssuer = Awaited<ReturnType<typeof localIssuer>>;

class CaseController {
  @Allow('investigator', 'compliance-officer')
  investigate() {}

  @Unauthenticated('liveness probe for the orchestrator')
  health() {}

  undeclared() {}
}

@Allow('auditor')
class AuditController {
  read() {}

  @Allow('administrator')
  purge() {}
}

@Unauthenticated('metrics scrape')
class ProbeController {
  metrics() {}

  @Allow('administrator')
  locked() {}
}

type Handler = (...args: never[]) => unknown;

interface FakeResponse {
  headers: Record<string, string>;
  setHeader(name: string, value: string): void;
}

type Controller = abstract new (...args: never[]) => unknown;

function httpContext(controller: Controller, handler: Handler, authorization?: string, type = 'http') {
  const request = { headers: authorization === undefined ? {} : { authorization } } as unknown as AuthenticatedRequest;
  const response: FakeResponse = {
    headers: {},
    setHeader(name, value) {
      this.headers[name.toLowerCase()] = value;
    },
  };
  const context = {
    getType: () => type,
    getClass: () => controller,
    getHandler: () => handler,
    getArgs: () => [request, response],
    getArgByIndex: (i: number) => [request, response][i],
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response, getNext: () => () => undefined }),
    switchToRpc: () => {
      throw new Error('not rpc');
    },
    switchToWs: () => {
      throw new Error('not ws');
    },
  } as unknown as ExecutionContext;
  return { context, request, response };
}

/** The problem `canActivate` rejects with; fails the test if it resolves or rejects with anything else. */
async function refusal(guard: AccessGuard, context: ExecutionContext) {
  const outcome = await guard.canActivate(context).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected the request to be refused, canActivate gave ${String(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(ProblemException);
  const problem = outcome.error as ProblemException;
  return { status: problem.getStatus(), body: problem.getResponse() as Record<string, unknown> };
}

/** `http_access_refused_total` by reason, read from the exposition text. */
async function refusedByReason(metrics: ServiceMetrics): Promise<Record<string, number>> {
  const text = await metrics.registry.getSingleMetricAsString('http_access_refused_total');
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const sample = /^http_access_refused_total\{([^}]*)\}\s+(\S+)$/.exec(line);
    if (!sample) continue;
    const reason = /(?:^|,)reason="([^"]*)"/.exec(sample[1]);
    expect(sample[1]).toContain('service="test"');
    if (reason) counts[reason[1]] = Number(sample[2]);
  }
  return counts;
}

let issuer: LocalIssuer;
let verifier: TokenVerifier;
let metrics: ServiceMetrics;
let guard: AccessGuard;
/** No route here declares a signed webhook, so the guard must never consult the webhook authenticator. */
const webhooks = { authenticate: jest.fn(async () => 'the webhook authenticator must not be consulted') };

beforeAll(async () => {
  issuer = await localIssuer('guard-spec');
  verifier = new TokenVerifier(authConfigFromEnv(issuer.env));
});

beforeEach(() => {
  metrics = new ServiceMetrics('test');
  webhooks.authenticate.mockClear();
  guard = new AccessGuard(new Reflector(), verifier, metrics, webhooks as unknown as WebhookAuthenticator);
});

afterEach(() => {
  expect(webhooks.authenticate).not.toHaveBeenCalled();
});

const proto = <T>(c: { prototype: T }) => c.prototype as Record<keyof T, Handler>;

describe('AccessGuard — declarations', () => {
  it('canActivate_undeclaredRoute_isRefusedEvenWithAValidToken', async () => {
    const token = await issuer.token(['administrator', 'investigator', 'compliance-officer']);
    const { context, request } = httpContext(CaseController, proto(CaseController).undeclared, `Bearer ${token}`);
    const { status, body } = await refusal(guard, context);
    expect(status).toBe(403);
    expect(body).toMatchObject({ status: 403, type: 'https://complaints.example/problems/forbidden', detail: 'this route declares no roles, so nobody may call it' });
    expect(request.principal).toBeUndefined();
    expect(await refusedByReason(metrics)).toEqual({ undeclared: 1 });
  });

  it('canActivate_unauthenticatedRoute_passesWithoutAToken', async () => {
    const { context, request, response } = httpContext(CaseController, proto(CaseController).health);
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.principal).toBeUndefined();
    expect(response.headers).toEqual({});
    expect(await refusedByReason(metrics)).toEqual({});
  });

  it('canActivate_unauthenticatedRoute_ignoresEvenAGarbageToken', async () => {
    const { context, request } = httpContext(CaseController, proto(CaseController).health, 'Bearer not.a.token');
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.principal).toBeUndefined();
  });

  it('canActivate_classLevelUnauthenticated_appliesToUndecoratedMethods', async () => {
    const { context } = httpContext(ProbeController, proto(ProbeController).metrics);
    await expect(guard.canActivate(context)).resolves.toBe(true);
  });

  it('canActivate_methodDeclaration_overridesTheClassOne', async () => {
    // Class says unauthenticated, method says administrator: no token → 401.
    const open = httpContext(ProbeController, proto(ProbeController).locked);
    expect((await refusal(guard, open.context)).status).toBe(401);
    // Class says auditor, method says administrator: an auditor token is not enough.
    const auditor = await issuer.token('auditor');
    const purge = httpContext(AuditController, proto(AuditController).purge, `Bearer ${auditor}`);
    expect((await refusal(guard, purge.context)).status).toBe(403);
    const admin = await issuer.token('administrator');
    const purgeAsAdmin = httpContext(AuditController, proto(AuditController).purge, `Bearer ${admin}`);
    await expect(guard.canActivate(purgeAsAdmin.context)).resolves.toBe(true);
  });

  it('canActivate_classLevelAllow_appliesToUndecoratedMethods', async () => {
    const read = httpContext(AuditController, proto(AuditController).read, `Bearer ${await issuer.token('auditor')}`);
    await expect(guard.canActivate(read.context)).resolves.toBe(true);
    const asInvestigator = httpContext(AuditController, proto(AuditController).read, `Bearer ${await issuer.token('investigator')}`);
    expect((await refusal(guard, asInvestigator.context)).status).toBe(403);
  });

  it.each(['rpc', 'ws'])('canActivate_%sContext_passesWithoutLookingAtTheRoute', async (type) => {
    const { context } = httpContext(CaseController, proto(CaseController).undeclared, undefined, type);
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(await refusedByReason(metrics)).toEqual({});
  });
});

describe('AccessGuard — authentication', () => {
  it('canActivate_withoutAToken_is401WithWwwAuthenticate', async () => {
    const { context, request, response } = httpContext(CaseController, proto(CaseController).investigate);
    const { status, body } = await refusal(guard, context);
    expect(status).toBe(401);
    expect(body).toMatchObject({
      type: 'https://complaints.example/problems/unauthenticated',
      title: 'Authentication required',
      status: 401,
      detail: 'a bearer token is required',
    });
    expect(response.headers['www-authenticate']).toBe('Bearer realm="complaints"');
    expect(request.principal).toBeUndefined();
    expect(await refusedByReason(metrics)).toEqual({ 'no-token': 1 });
  });

  it('canActivate_malformedAuthorizationHeaders_are401', async () => {
    const token = await issuer.token('investigator');
    const [header, payload] = token.split('.');
    const malformed = [
      '',
      `Basic ${Buffer.from('investigator:secret').toString('base64')}`,
      `Basic ${token}`,
      'Bearer',
      'Bearer ',
      `Bearer ${header}.${payload}`,
      'Bearer a.b',
      `Bearer${token}`,
      `Token ${token}`,
      `Bearer ${token} ${token}`,
      `Bearer ${token},${token}`,
      `${token}`,
    ];
    for (const authorization of malformed) {
      const { context, request, response } = httpContext(CaseController, proto(CaseController).investigate, authorization);
      const { status, body } = await refusal(guard, context);
      expect({ authorization, status, detail: body.detail }).toEqual({ authorization, status: 401, detail: 'a bearer token is required' });
      // No bearer credentials at all: the challenge without an error code (RFC 6750 3.1).
      expect(response.headers['www-authenticate']).toBe('Bearer realm="complaints"');
      expect(request.principal).toBeUndefined();
    }
    expect(await refusedByReason(metrics)).toEqual({ 'no-token': malformed.length });
  });

  it('canActivate_withAnInvalidToken_is401WithTheReason', async () => {
    const expired = await issuer.token('investigator', { expiresIn: -3600 });
    const { context, request, response } = httpContext(CaseController, proto(CaseController).investigate, `Bearer ${expired}`);
    const { status, body } = await refusal(guard, context);
    expect(status).toBe(401);
    expect(body.detail).toBe('the token has expired');
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="the token has expired"');
    expect(request.principal).toBeUndefined();
    expect(await refusedByReason(metrics)).toEqual({ 'invalid-token': 1 });
  });

  it('canActivate_tokenForAnotherAudience_is401WithTheClaimNamed', async () => {
    const wrongAudience = await issuer.token('investigator', { audience: 'elsewhere' });
    const { context, response } = httpContext(CaseController, proto(CaseController).investigate, `Bearer ${wrongAudience}`);
    const { status, body } = await refusal(guard, context);
    expect(status).toBe(401);
    expect(body.detail).toBe("the token's aud claim is not accepted");
    expect(response.headers['www-authenticate']).toBe(`Bearer error="invalid_token", error_description="the token's aud claim is not accepted"`);
  });

  it('canActivate_refusalWithDoubleQuotes_cannotBreakOutOfTheErrorDescription', async () => {
    class QuotingVerifier extends TokenVerifier {
      override async verify(): Promise<never> {
        throw new InvalidTokenError('the "kid" header", error="x');
      }
    }
    const quoting = new AccessGuard(new Reflector(), new QuotingVerifier(authConfigFromEnv(issuer.env)), metrics, webhooks as unknown as WebhookAuthenticator);
    const { context, response } = httpContext(CaseController, proto(CaseController).investigate, `Bearer ${await issuer.token('investigator')}`);
    const { status, body } = await refusal(quoting, context);
    expect(status).toBe(401);
    expect(body.detail).toBe('the "kid" header", error="x');
    const header = response.headers['www-authenticate'];
    expect(header).toBe(`Bearer error="invalid_token", error_description="the 'kid' header', error='x"`);
    expect(header.match(/"/g)).toHaveLength(4);
  });

  it('canActivate_verifierFailingForAnotherReason_propagatesTheErrorAsIs', async () => {
    const outage = new Error('the key store is unreachable');
    class FailingVerifier extends TokenVerifier {
      override async verify(): Promise<never> {
        throw outage;
      }
    }
    const failing = new AccessGuard(new Reflector(), new FailingVerifier(authConfigFromEnv(issuer.env)), metrics, webhooks as unknown as WebhookAuthenticator);
    const { context, request, response } = httpContext(CaseController, proto(CaseController).investigate, `Bearer ${await issuer.token('investigator')}`);
    await expect(failing.canActivate(context)).rejects.toBe(outage);
    expect(request.principal).toBeUndefined();
    expect(response.headers).toEqual({});
    expect(await refusedByReason(metrics)).toEqual({});
  });

  it('canActivate_issuerUnavailable_is503WithRetryAfter', async () => {
    class UnreachableIssuer extends TokenVerifier {
      override async verify(): Promise<never> {
        throw new IssuerUnavailableError("the issuer's signing keys could not be fetched");
      }
    }
    const unreachable = new AccessGuard(new Reflector(), new UnreachableIssuer(authConfigFromEnv(issuer.env)), metrics, webhooks as unknown as WebhookAuthenticator);
    const { context, request, response } = httpContext(CaseController, proto(CaseController).investigate, `Bearer ${await issuer.token('investigator')}`);
    const { status, body } = await refusal(unreachable, context);
    expect({ status, type: body.type }).toEqual({ status: 503, type: 'https://complaints.example/problems/issuer-unavailable' });
    expect(response.headers['retry-after']).toBe('5');
    expect(request.principal).toBeUndefined();
    expect(await refusedByReason(metrics)).toEqual({ 'issuer-unavailable': 1 });
  });

  it('canActivate_tokenFromAForeignIssuer_is401', async () => {
    const foreign = await localIssuer('foreign');
    const token = await foreign.token('investigator', { issuer: issuer.issuer, audience: issuer.audience });
    const { context } = httpContext(CaseController, proto(CaseController).investigate, `Bearer ${token}`);
    const { status, body } = await refusal(guard, context);
    expect(status).toBe(401);
    expect(body.detail).toBe('the token is signed by a key this service does not trust');
  });

  it('canActivate_lowercaseBearerScheme_isAccepted', async () => {
    const token = await issuer.token('investigator', { subject: 'inv-3' });
    const { context, request } = httpContext(CaseController, proto(CaseController).investigate, `bearer ${token}  `);
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.principal?.subject).toBe('inv-3');
  });
});

describe('AccessGuard — authorisation', () => {
  it('canActivate_validTokenWithTheWrongRole_is403', async () => {
    const token = await issuer.token(['auditor', 'triage-officer'], { subject: 'aud-1' });
    const { context, response } = httpContext(CaseController, proto(CaseController).investigate, `Bearer ${token}`);
    const { status, body } = await refusal(guard, context);
    expect(status).toBe(403);
    expect(body).toMatchObject({
      type: 'https://complaints.example/problems/forbidden',
      status: 403,
      detail: 'this action needs one of the roles: investigator, compliance-officer',
    });
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(await refusedByReason(metrics)).toEqual({ role: 1 });
  });

  it('canActivate_validTokenWithOnlyUnknownRoles_is403', async () => {
    const token = await issuer.token(['Investigator', 'investigator '] as never, { subject: 'x-1' });
    const { context } = httpContext(CaseController, proto(CaseController).investigate, `Bearer ${token}`);
    expect((await refusal(guard, context)).status).toBe(403);
  });

  it.each(['investigator', 'compliance-officer'] as const)('canActivate_validTokenWith_%s_passesAndSetsThePrincipal', async (role) => {
    const token = await issuer.token(['customer', role], { subject: `${role}-42` });
    const { context, request, response } = httpContext(CaseController, proto(CaseController).investigate, `Bearer ${token}`);
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.principal).toMatchObject({ subject: `${role}-42`, roles: ['customer', role] });
    expect(response.headers).toEqual({});
    expect(await refusedByReason(metrics)).toEqual({});
  });
});

describe('AccessGuard — metrics', () => {
  it('http_access_refused_total_countsEachRefusalByReason', async () => {
    const investigate = proto(CaseController).investigate;
    const good = `Bearer ${await issuer.token('investigator')}`;
    const wrongRole = `Bearer ${await issuer.token('customer')}`;
    const expired = `Bearer ${await issuer.token('investigator', { expiresIn: -3600 })}`;

    const attempts: [Handler, string | undefined][] = [
      [proto(CaseController).undeclared, good],
      [proto(CaseController).undeclared, undefined],
      [investigate, undefined],
      [investigate, 'Basic abc'],
      [investigate, 'Bearer x'],
      [investigate, expired],
      [investigate, wrongRole],
      [investigate, wrongRole],
      [investigate, wrongRole],
      [investigate, good],
      [proto(CaseController).health, undefined],
    ];
    for (const [handler, authorization] of attempts) {
      await guard.canActivate(httpContext(CaseController, handler, authorization).context).catch((e: unknown) => {
        expect(e).toBeInstanceOf(ProblemException);
      });
    }
    expect(await refusedByReason(metrics)).toEqual({ undeclared: 2, 'no-token': 3, 'invalid-token': 1, role: 3 });
  });
});
