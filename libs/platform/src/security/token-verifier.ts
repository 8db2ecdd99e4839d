import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, createRemoteJWKSet, errors, JWTPayload, jwtVerify } from 'jose';
import { isRole } from '@complaints/contracts';
import { AuthConfig } from './auth-config';
import { Principal } from './principal';

export class InvalidTokenError extends Error {}

/** The issuer's keys could not be fetched: the token may be fine, the caller should retry. */
export class IssuerUnavailableError extends Error {}

/** Signature algorithms accepted; `none` and HMAC are not (a shared secret would let any service mint tokens). */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

type KeyResolver = Parameters<typeof jwtVerify>[1];

/** Verified tokens remembered at most; the oldest is forgotten first. */
const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Verifies bearer tokens against the issuer's JWKS and turns them into a Principal.
 *
 * A channel adapter or a console session sends the same token with every request until it expires,
 * and checking its signature again each time is the largest single cost of a small request. A
 * token that verified is remembered, by its SHA-256 (the token itself is not kept), until its
 * expiry plus the clock tolerance; only the exact same bytes match, so a changed token is checked
 * afresh.
 */
export class TokenVerifier {
  private readonly keys: KeyResolver;
  private readonly verified = new Map<string, { principal: Principal; validUntilMs: number }>();

  constructor(
    private readonly config: AuthConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.keys =
      config.jwksUrl.protocol === 'file:'
        ? createLocalJWKSet(JSON.parse(fs.readFileSync(fileURLToPath(config.jwksUrl), 'utf8')))
        : // Keys are cached and refetched when a token names an unknown key id, so the issuer can rotate.
          createRemoteJWKSet(config.jwksUrl, { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  }

  async verify(token: string): Promise<Principal> {
    const digest = createHash('sha256').update(token).digest('base64');
    const known = this.verified.get(digest);
    if (known) {
      if (this.now() <= known.validUntilMs) return { ...known.principal, roles: [...known.principal.roles] };
      this.verified.delete(digest);
    }
    return this.verifyAfresh(token, digest);
  }

  private async verifyAfresh(token: string, digest: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: ALGORITHMS,
        clockTolerance: this.config.clockToleranceSeconds,
        requiredClaims: ['sub', 'exp'],
        currentDate: new Date(this.now()),
      }));
    } catch (e) {
      if (issuerUnreachable(e)) {
        throw new IssuerUnavailableError("the issuer's signing keys could not be fetched");
      }
      throw new InvalidTokenError(describe(e));
    }
    if (typeof payload.sub !== 'string' || payload.sub.trim() === '') throw new InvalidTokenError("the token's sub claim is not accepted");
    const claimed = readPath(payload, this.config.rolesClaim);
    const roles = Array.isArray(claimed) ? claimed.filter(isRole) : [];
    const principal: Principal = {
      subject: payload.sub,
      roles,
      channel: typeof payload.channel === 'string' ? payload.channel : undefined,
      approvalLimitMinor: approvalLimitOf(payload.approvalLimitMinor),
      department: typeof payload.department === 'string' ? payload.department : undefined,
      tokenId: typeof payload.jti === 'string' ? payload.jti : undefined,
    };
    this.remember(digest, principal, payload.exp!);
    return { ...principal, roles: [...roles] };
  }

  private remember(digest: string, principal: Principal, exp: number): void {
    if (this.verified.size >= VERIFIED_TOKENS_KEPT) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(digest, { principal, validUntilMs: (exp + this.config.clockToleranceSeconds) * 1000 });
  }
}

/**
 * The approver's own limit in minor units. Identity providers that map user attributes into
 * claims (Keycloak's mappers) often write numbers as strings; a whole number in digits is read as
 * one. Anything else (negative, fractional, words) is no limit at all, which approves no money.
 */
function approvalLimitOf(claim: unknown): number | undefined {
  const value = typeof claim === 'string' && /^\d{1,15}$/.test(claim) ? Number(claim) : claim;
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : undefined;
}

/** The key set could not be had (timeout, refused connection, non-200, not a key set): not the caller's fault. */
function issuerUnreachable(e: unknown): boolean {
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) return true;
  if (e instanceof errors.JOSEError) return e.code === 'ERR_JOSE_GENERIC';
  // Network errors (ECONNREFUSED, DNS) come from Node itself, possibly from another realm.
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string';
}

function readPath(payload: JWTPayload, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), payload);
}

/** Says what was wrong without echoing the token. */
function describe(e: unknown): string {
  if (e instanceof errors.JWTExpired) return 'the token has expired';
  if (e instanceof errors.JWTClaimValidationFailed) return `the token's ${e.claim} claim is not accepted`;
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (e instanceof errors.JWKSNoMatchingKey) return 'the token is signed by a key this service does not trust';
  if (e instanceof errors.JOSEAlgNotAllowed) return 'the token uses a signature algorithm that is not accepted';
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return 'the token is malformed';
  return 'the token could not be verified';
}
