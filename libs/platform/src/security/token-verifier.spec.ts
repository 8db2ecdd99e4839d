import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, JWK, JWTPayload, SignJWT } from 'jose';
import { Role } from '@complaints/contracts';
import { authConfigFromEnv } from './auth-config';
import { InvalidTokenError, IssuerUnavailableError, TokenVerifier } from './token-verifier';

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const decodePart = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

/** The error `verify` rejects with; fails the test if it resolves or rejects with anything else. */
async function refusal(verifier: TokenVerifier, token: string): Promise<InvalidTokenError> {
  const outcome = await verifier.verify(token).then(
    (principal) => ({ principal }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected the token to be refused, got ${JSON.stringify(outcome.principal)}`);
  expect(outcome.error).toBeInstanceOf(InvalidTokenError);
  const error = outcome.error as InvalidTokenError;
  // The message says what was wrong without echoing the token or its parts.
  if (token.length > 0) expect(error.message).not.toContain(token);
  for (const part of token.split('.').filter((p) => p.length >= 8)) expect(error.message).not.toContain(part);
  return error;
}

interface TokenOptions {
  subject?: string;
  channel?: string;
  approvalLimitMinor?: unknown;
  /** Seconds from now; negative for a token that has already expired. */
  expiresIn?: number;
  audience?: string;
  issuer?: string;
}

/**
 * An OIDC-style issuer for one test: a fresh ES256 key, its JWKS in a temp file. `token()` mints
 * exactly what `createTestIssuer` from @complaints/testing mints; that library cannot be imported
 * here (it depends on @complaints/platform, and the module-boundary rule refuses the cycle).
 * `sign()` signs arbitrary claims (no `sub`, nested roles) that `token()` cannot produce.
 */
async function localIssuer(name: string, kid = `${name}-${randomUUID().slice(0, 8)}`) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } as JWK] };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'token-verifier-spec-')), 'jwks.json');
  fs.writeFileSync(file, JSON.stringify(jwks));
  const issuer = `urn:complaints:${name}-issuer`;
  const audience = 'complaints-platform';
  return {
    issuer,
    audience,
    kid,
    jwks,
    env: { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_JWKS_URL: `file://${file}` },
    token(roles: Role | Role[], options: TokenOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = { roles: Array.isArray(roles) ? roles : [roles] };
      if (options.channel) claims.channel = options.channel;
      if (options.approvalLimitMinor !== undefined) claims.approvalLimitMinor = options.approvalLimitMinor;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setSubject(options.subject ?? `${Array.isArray(roles) ? roles[0] : roles}-1`)
        .setIssuedAt(now - 5)
        .setJti(randomUUID())
        .setExpirationTime(now + (options.expiresIn ?? 600))
        .sign(privateKey);
    },
    /** Signs exactly `claims` plus iss/aud/iat/exp unless given (`undefined` removes one); no implicit `sub`. */
    sign(claims: JWTPayload) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = { iss: issuer, aud: audience, iat: now - 5, exp: now + 600, ...claims };
      for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
      return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' }).sign(privateKey);
    },
  };
}
type LocalIssuer = Awaited<ReturnType<typeof localIssuer>>;

let issuer: LocalIssuer;
let verifier: TokenVerifier;

beforeAll(async () => {
  issuer = await localIssuer('verifier-spec');
  verifier = new TokenVerifier(authConfigFromEnv(issuer.env));
});

describe('TokenVerifier — valid tokens', () => {
  it('verify_validToken_givesThePrincipal', async () => {
    const token = await issuer.token(['channel-adapter'], { subject: 'adapter-wechat', channel: 'wechat', approvalLimitMinor: 500_00 });
    const principal = await verifier.verify(token);
    expect(principal).toEqual({
      subject: 'adapter-wechat',
      roles: ['channel-adapter'],
      channel: 'wechat',
      approvalLimitMinor: 500_00,
      department: undefined,
      tokenId: decodePart(token.split('.')[1]).jti,
    });
    expect(principal.tokenId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('verify_tokenWithUnknownRoles_dropsThemAndKeepsKnownOnes', async () => {
    const token = await issuer.token(['superuser', 'investigator', 'root', 'approver', 'INVESTIGATOR'] as unknown as Role[], { subject: 's-1' });
    expect((await verifier.verify(token)).roles).toEqual(['investigator', 'approver']);
  });

  it('verify_tokenWithOnlyUnknownRoles_givesNoRoles', async () => {
    const token = await issuer.token(['superuser'] as unknown as Role[], { subject: 's-2' });
    const principal = await verifier.verify(token);
    expect(principal.subject).toBe('s-2');
    expect(principal.roles).toEqual([]);
  });

  it('verify_tokenWithoutOptionalClaims_leavesThemUndefined', async () => {
    const principal = await verifier.verify(await issuer.token('auditor', { subject: 'auditor-7' }));
    expect(principal.channel).toBeUndefined();
    expect(principal.approvalLimitMinor).toBeUndefined();
    expect(principal.roles).toEqual(['auditor']);
  });

  it('verify_approvalLimitThatIsNotAWholeNumber_isIgnored', async () => {
    for (const claim of [100.5, -1, '-1', '1e6', '50 000', 'unlimited', true, [1000], '']) {
      const principal = await verifier.verify(await issuer.token('approver', { approvalLimitMinor: claim }));
      expect(principal.roles).toEqual(['approver']);
      expect(principal.approvalLimitMinor).toBeUndefined();
    }
  });

  it('verify_approvalLimitWrittenAsDigits_isReadAsTheNumber', async () => {
    // Identity providers mapping user attributes into claims write them as strings.
    expect((await verifier.verify(await issuer.token('approver', { approvalLimitMinor: '5000000' }))).approvalLimitMinor).toBe(5_000_000);
    expect((await verifier.verify(await issuer.token('approver', { approvalLimitMinor: 0 }))).approvalLimitMinor).toBe(0);
  });

  it('verify_tokenExpiredWithinTheClockTolerance_isAccepted', async () => {
    const principal = await verifier.verify(await issuer.token('investigator', { subject: 'late', expiresIn: -10 }));
    expect(principal.subject).toBe('late');
  });
});

describe('TokenVerifier — refused tokens', () => {
  it('verify_tokenExpiredBeyondTheTolerance_isRefused', async () => {
    const error = await refusal(verifier, await issuer.token('investigator', { expiresIn: -120 }));
    expect(error.message).toBe('the token has expired');
  });

  it('verify_tokenExpiredJustBeyondTheTolerance_isRefused', async () => {
    const error = await refusal(verifier, await issuer.token('investigator', { expiresIn: -45 }));
    expect(error.message).toBe('the token has expired');
  });

  it('verify_tokenForAnotherAudience_isRefused', async () => {
    const error = await refusal(verifier, await issuer.token('investigator', { audience: 'payments-platform' }));
    expect(error.message).toBe("the token's aud claim is not accepted");
  });

  it('verify_tokenFromAnotherIssuerName_isRefused', async () => {
    const error = await refusal(verifier, await issuer.token('investigator', { issuer: 'urn:complaints:evil-issuer' }));
    expect(error.message).toBe("the token's iss claim is not accepted");
  });

  it('verify_tokenSignedByAForeignIssuersKey_isRefused', async () => {
    const foreign = await localIssuer('foreign');
    // Same issuer and audience names as the trusted one: only the key differs.
    const token = await foreign.token('administrator', { issuer: issuer.issuer, audience: issuer.audience });
    const error = await refusal(verifier, token);
    expect(error.message).toBe('the token is signed by a key this service does not trust');
    // The foreign issuer's own verifier accepts it, so the refusal is about the key and nothing else.
    const foreignVerifier = new TokenVerifier(authConfigFromEnv({ ...foreign.env, AUTH_ISSUER: issuer.issuer }));
    expect((await foreignVerifier.verify(token)).roles).toEqual(['administrator']);
  });

  it('verify_tokenSignedByAnotherKeyUnderTheTrustedKid_isRefused', async () => {
    const trustedKid = issuer.jwks.keys[0].kid!;
    const impostor = await localIssuer('impostor', trustedKid);
    const token = await impostor.sign({ sub: 'mallory', roles: ['administrator'], iss: issuer.issuer, aud: issuer.audience });
    const error = await refusal(verifier, token);
    expect(error.message).toBe('the token signature does not verify');
  });

  it('verify_tokenWithTamperedPayload_isRefused', async () => {
    const token = await issuer.token('customer', { subject: 'cust-1' });
    const [header, payload, signature] = token.split('.');
    const claims = decodePart(payload);
    expect(claims.roles).toEqual(['customer']);
    const tampered = [header, b64url({ ...claims, roles: ['administrator'] }), signature].join('.');
    expect(tampered).not.toBe(token);
    const error = await refusal(verifier, tampered);
    expect(error.message).toBe('the token signature does not verify');
  });

  it('verify_tokenWithTamperedSignature_isRefused', async () => {
    const token = await issuer.token('customer', { subject: 'cust-1' });
    const [header, payload, signature] = token.split('.');
    const bytes = Buffer.from(signature, 'base64url');
    bytes[10] ^= 0x01;
    const error = await refusal(verifier, [header, payload, bytes.toString('base64url')].join('.'));
    expect(error.message).toBe('the token signature does not verify');
  });

  it('verify_unsignedAlgNoneToken_isRefused', async () => {
    const valid = await issuer.token('administrator', { subject: 'root' });
    const claims = decodePart(valid.split('.')[1]);
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
    const error = await refusal(verifier, unsigned);
    expect(error.message).toBe('the token uses a signature algorithm that is not accepted');
  });

  it('verify_unsignedAlgNoneTokenCarryingTheTrustedKid_isRefused', async () => {
    const valid = await issuer.token('administrator', { subject: 'root' });
    const claims = decodePart(valid.split('.')[1]);
    const unsigned = `${b64url({ alg: 'none', kid: issuer.jwks.keys[0].kid })}.${b64url(claims)}.`;
    const error = await refusal(verifier, unsigned);
    expect(error.message).toBe('the token uses a signature algorithm that is not accepted');
  });

  it('verify_hs256TokenSignedWithASecret_isRefused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ roles: ['administrator'] })
      .setProtectedHeader({ alg: 'HS256', kid: issuer.jwks.keys[0].kid })
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setSubject('mallory')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode('a-shared-secret-that-any-service-could-know-32b'));
    const error = await refusal(verifier, token);
    expect(error.message).toBe('the token uses a signature algorithm that is not accepted');
  });

  it('verify_hs256TokenKeyedWithThePublicJwk_isRefused', async () => {
    // Algorithm confusion: HMAC keyed with the issuer's public key material.
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ roles: ['administrator'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setSubject('mallory')
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(JSON.stringify(issuer.jwks.keys[0])));
    const error = await refusal(verifier, token);
    expect(error.message).toBe('the token uses a signature algorithm that is not accepted');
  });

  it('verify_garbage_isRefused', async () => {
    const valid = await issuer.token('investigator');
    const [header, payload, signature] = valid.split('.');
    const garbage = [
      '',
      'garbage',
      'a.b',
      'a.b.c',
      '...',
      `${header}.${payload}`,
      `${header}.${payload}.${signature}.extra`,
      `${b64url('not json')}.${payload}.${signature}`,
      `${header}.${b64url('not json')}.${signature}`,
      `${header}.${b64url('[1,2,3]')}.${signature}`,
      `Bearer ${valid}`,
    ];
    for (const token of garbage) {
      const error = await refusal(verifier, token);
      expect([
        'the token is malformed',
        'the token signature does not verify',
        'the token could not be verified',
      ]).toContain(error.message);
    }
    expect((await refusal(verifier, 'garbage')).message).toBe('the token is malformed');
    expect((await refusal(verifier, `${header}.${payload}`)).message).toBe('the token is malformed');
  });
});

describe('TokenVerifier — required claims', () => {
  let own: LocalIssuer;
  let ownVerifier: TokenVerifier;

  beforeAll(async () => {
    own = await localIssuer('claims');
    ownVerifier = new TokenVerifier(authConfigFromEnv(own.env));
  });

  it('verify_controlTokenWithSub_isAccepted', async () => {
    const principal = await ownVerifier.verify(await own.sign({ sub: 'staff-9', roles: ['triage-officer'], department: 'cards' }));
    expect(principal).toMatchObject({ subject: 'staff-9', roles: ['triage-officer'], department: 'cards' });
  });

  it('verify_tokenWithoutSub_isRefused', async () => {
    const error = await refusal(ownVerifier, await own.sign({ roles: ['investigator'] }));
    expect(error.message).toBe("the token's sub claim is not accepted");
  });

  it('verify_tokenWithoutExp_isRefused', async () => {
    const error = await refusal(ownVerifier, await own.sign({ sub: 'staff-9', roles: ['investigator'], exp: undefined }));
    expect(error.message).toBe("the token's exp claim is not accepted");
  });

  it('verify_tokenNotYetValid_isRefused', async () => {
    const nbf = Math.floor(Date.now() / 1000) + 3600;
    const error = await refusal(ownVerifier, await own.sign({ sub: 'staff-9', roles: ['investigator'], nbf, exp: nbf + 600 }));
    expect(error.message).toBe("the token's nbf claim is not accepted");
  });

  it('verify_rolesClaimThatIsNotAnArray_givesNoRoles', async () => {
    const principal = await ownVerifier.verify(await own.sign({ sub: 'staff-9', roles: 'administrator' }));
    expect(principal.roles).toEqual([]);
  });

  it('verify_tokenFromTheTestIssuer_isNotTrustedByAnotherIssuersVerifier', async () => {
    const token = await issuer.token('investigator', { issuer: own.issuer, audience: own.audience });
    expect((await refusal(ownVerifier, token)).message).toBe('the token is signed by a key this service does not trust');
  });
});

describe('TokenVerifier — rolesClaim', () => {
  it('verify_withDottedRolesClaim_readsTheNestedRoles', async () => {
    const keycloak = await localIssuer('keycloak');
    const nested = new TokenVerifier(authConfigFromEnv({ ...keycloak.env, AUTH_ROLES_CLAIM: 'realm_access.roles' }));
    const token = await keycloak.sign({
      sub: 'kc-user',
      // A top-level claim of the default name must not count when the roles claim is elsewhere.
      roles: ['administrator'],
      realm_access: { roles: ['investigator', 'offline_access', 'uma_authorization', 'compliance-officer'] },
    });
    expect((await nested.verify(token)).roles).toEqual(['investigator', 'compliance-officer']);
    // The default verifier reads the top-level claim of the same token instead.
    const flat = new TokenVerifier(authConfigFromEnv(keycloak.env));
    expect((await flat.verify(token)).roles).toEqual(['administrator']);
  });

  it('verify_withDottedRolesClaimAbsent_givesNoRoles', async () => {
    const keycloak = await localIssuer('keycloak-absent');
    const nested = new TokenVerifier(authConfigFromEnv({ ...keycloak.env, AUTH_ROLES_CLAIM: 'realm_access.roles' }));
    for (const claims of [{}, { realm_access: 'investigator' }, { realm_access: null }, { realm_access: { roles: 'investigator' } }]) {
      const principal = await nested.verify(await keycloak.sign({ sub: 'kc-user', ...claims }));
      expect(principal.roles).toEqual([]);
    }
  });
});

describe('TokenVerifier — remote JWKS', () => {
  let server: http.Server;
  let port: number;
  let status = 200;
  const requests: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      if (req.url !== '/jwks.json' || status !== 200) {
        res.writeHead(req.url === '/jwks.json' ? status : 404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(issuer.jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  });

  beforeEach(() => {
    requests.length = 0;
    status = 200;
  });

  const remoteVerifier = () =>
    new TokenVerifier(authConfigFromEnv({ ...issuer.env, AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` }));

  it('verify_withRemoteJwks_fetchesTheKeysAndAcceptsAValidToken', async () => {
    const remote = remoteVerifier();
    expect(requests).toEqual([]);
    const principal = await remote.verify(await issuer.token('investigator', { subject: 'inv-1' }));
    expect(principal).toMatchObject({ subject: 'inv-1', roles: ['investigator'] });
    expect(requests).toEqual(['GET /jwks.json']);
    // The keys are cached: a second token needs no second fetch.
    expect((await remote.verify(await issuer.token('auditor', { subject: 'aud-1' }))).roles).toEqual(['auditor']);
    expect(requests).toEqual(['GET /jwks.json']);
  });

  it('verify_withRemoteJwks_refusesATokenSignedByAnotherKey', async () => {
    const foreign = await localIssuer('foreign');
    const remote = remoteVerifier();
    const error = await refusal(remote, await foreign.token('administrator', { issuer: issuer.issuer, audience: issuer.audience }));
    expect(error.message).toBe('the token is signed by a key this service does not trust');
    expect(requests).toEqual(['GET /jwks.json']);
  });

  it('verify_whenTheJwksEndpointFails_saysTheIssuerIsUnavailable', async () => {
    status = 503;
    const remote = remoteVerifier();
    await expect(remote.verify(await issuer.token('investigator'))).rejects.toThrow(IssuerUnavailableError);
    expect(requests).toEqual(['GET /jwks.json']);
  });

  it('verify_whenTheIssuerRefusesConnections_saysTheIssuerIsUnavailable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const verifier = new TokenVerifier(authConfigFromEnv({ ...issuer.env, AUTH_JWKS_URL: `http://127.0.0.1:${closedPort}/jwks.json` }));
    await expect(verifier.verify(await issuer.token('investigator'))).rejects.toThrow(IssuerUnavailableError);
  });
});

describe('TokenVerifier — verified tokens remembered until they expire', () => {
  it('verify_sameTokenAgain_givesTheSamePrincipalWithoutCheckingTheSignatureAgain', async () => {
    const remembering = new TokenVerifier(authConfigFromEnv(issuer.env));
    const token = await issuer.token(['investigator', 'approver'], { subject: 'again' });
    const first = await remembering.verify(token);
    // The key set is gone: only a remembered verification can still answer.
    (remembering as unknown as { keys: unknown }).keys = () => Promise.reject(new Error('keys must not be consulted'));
    const second = await remembering.verify(token);
    expect(second).toEqual(first);
    // A caller changing its copy does not change what the next request gets.
    second.roles.push('auditor');
    expect((await remembering.verify(token)).roles).toEqual(['investigator', 'approver']);
  });

  it('verify_rememberedTokenPastItsExpiryAndTolerance_isCheckedAgainAndRefused', async () => {
    let clock = Date.now();
    const remembering = new TokenVerifier(authConfigFromEnv(issuer.env), () => clock);
    const token = await issuer.token('investigator', { expiresIn: 60 });
    await remembering.verify(token);
    clock += (60 + 25) * 1000; // within the 30 s tolerance: still remembered
    expect((await remembering.verify(token)).subject).toBe('investigator-1');
    clock += 10 * 1000;
    const error = await refusal(remembering, token);
    expect(error.message).toBe('the token has expired');
  });

  it('verify_tokenDifferingByOneCharacterFromARememberedOne_isCheckedAfresh', async () => {
    const remembering = new TokenVerifier(authConfigFromEnv(issuer.env));
    const token = await issuer.token('investigator');
    await remembering.verify(token);
    const [header, payload, signature] = token.split('.');
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    const error = await refusal(remembering, `${header}.${payload}.${flipped}`);
    expect(error.message).toBe('the token signature does not verify');
  });
});
