import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { Role } from '@complaints/contracts';

export interface TokenOptions {
  subject?: string;
  channel?: string;
  approvalLimitMinor?: number;
  /** The staff member's department (approvers of senior management may extend to the longest period). */
  department?: string;
  /** Seconds from now; negative for a token that has already expired. */
  expiresIn?: number;
  audience?: string;
  issuer?: string;
}

export interface TestIssuer {
  issuer: string;
  audience: string;
  /** AUTH_* variables that make a service trust this issuer. */
  env: Record<'AUTH_ISSUER' | 'AUTH_AUDIENCE' | 'AUTH_JWKS_URL', string>;
  jwks: { keys: JWK[] };
  token(roles: Role | Role[], options?: TokenOptions): Promise<string>;
}

/** An OIDC-style issuer of its own for a test: a fresh ES256 key, its JWKS in a file. */
export async function createTestIssuer(name = 'test'): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `${name}-${randomUUID().slice(0, 8)}`;
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'complaints-issuer-')), 'jwks.json');
  fs.writeFileSync(file, JSON.stringify(jwks));
  const issuer = `urn:complaints:${name}-issuer`;
  const audience = 'complaints-platform';
  return {
    issuer,
    audience,
    jwks,
    env: { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_JWKS_URL: `file://${file}` },
    token(roles, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = { roles: Array.isArray(roles) ? roles : [roles] };
      if (options.channel) claims.channel = options.channel;
      if (options.approvalLimitMinor !== undefined) claims.approvalLimitMinor = options.approvalLimitMinor;
      if (options.department) claims.department = options.department;
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
  };
}
