// The local stack's development issuer: an ES256 key of this checkout (in .data, never committed)
// whose JWKS the services trust through a file: URL. Production points AUTH_JWKS_URL at the
// bank's OIDC provider instead.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEY_FILE = path.join(ROOT, '.data', 'dev-issuer-key.json');
const JWKS_FILE = path.join(ROOT, '.data', 'dev-jwks.json');
export const DEV_ISSUER = 'urn:complaints:dev-issuer';
export const DEV_AUDIENCE = 'complaints-platform';

const jose = () => import('jose');

/** Creates the key on first use; returns the AUTH_* variables that make a service trust it. */
export function ensureDevIssuer() {
  if (!fs.existsSync(KEY_FILE) || !fs.existsSync(JWKS_FILE)) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = `dev-${randomUUID().slice(0, 8)}`;
    fs.mkdirSync(path.dirname(KEY_FILE), { recursive: true });
    fs.writeFileSync(KEY_FILE, JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid, alg: 'ES256' }), { mode: 0o600 });
    fs.writeFileSync(JWKS_FILE, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] }));
  }
  return devAuthEnv();
}

export function devAuthEnv() {
  return { AUTH_ISSUER: DEV_ISSUER, AUTH_AUDIENCE: DEV_AUDIENCE, AUTH_JWKS_URL: pathToFileURL(JWKS_FILE).href };
}

/** A token from the development issuer: `roles` is one role or several; claims as the services read them. */
export async function issueDevToken({ roles, subject, channel, approvalLimitMinor, expiresInSeconds = 8 * 3600 }) {
  ensureDevIssuer();
  const { importJWK, SignJWT } = await jose();
  const jwk = JSON.parse(fs.readFileSync(KEY_FILE, 'utf8'));
  const key = await importJWK(jwk, 'ES256');
  const list = Array.isArray(roles) ? roles : [roles];
  const claims = { roles: list };
  if (channel) claims.channel = channel;
  if (approvalLimitMinor !== undefined) claims.approvalLimitMinor = approvalLimitMinor;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(subject ?? `${list[0]}-dev`)
    .setIssuedAt(now)
    .setJti(randomUUID())
    .setExpirationTime(now + expiresInSeconds)
    .sign(key);
}
