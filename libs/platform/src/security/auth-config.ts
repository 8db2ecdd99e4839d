/**
 * Where tokens come from. Any OIDC provider works (Keycloak, Azure AD, Okta, the bank's own):
 * the services verify signatures against the provider's JWKS and check issuer and audience.
 *
 * AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL are required. AUTH_JWKS_URL is normally the
 * provider's https URL; a `file:` URL serves the development issuer of the local stack and tests.
 */
export interface AuthConfig {
  issuer: string;
  audience: string;
  jwksUrl: URL;
  /** Claim holding the role names; a dotted path reaches nested claims (e.g. `realm_access.roles`). */
  rolesClaim: string;
  clockToleranceSeconds: number;
}

export function authConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  const missing = ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL'].filter((k) => !env[k]);
  if (missing.length) {
    throw new Error(`${missing.join(', ')} not set: every API except health and metrics requires a token, so the service needs its issuer`);
  }
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(env.AUTH_JWKS_URL!);
  } catch {
    throw new Error(`AUTH_JWKS_URL is not a URL: ${env.AUTH_JWKS_URL}`);
  }
  if (!['https:', 'http:', 'file:'].includes(jwksUrl.protocol)) throw new Error(`AUTH_JWKS_URL must be https:, http: or file:, not ${jwksUrl.protocol}`);
  // NaN or Infinity would switch off jose's expiry and not-before checks altogether.
  const clockToleranceSeconds = Number(env.AUTH_CLOCK_TOLERANCE_SECONDS ?? '30');
  if (!Number.isFinite(clockToleranceSeconds) || clockToleranceSeconds < 0) {
    throw new Error(`AUTH_CLOCK_TOLERANCE_SECONDS must be a non-negative number of seconds, not ${env.AUTH_CLOCK_TOLERANCE_SECONDS}`);
  }
  return {
    issuer: env.AUTH_ISSUER!,
    audience: env.AUTH_AUDIENCE!,
    jwksUrl,
    rolesClaim: env.AUTH_ROLES_CLAIM ?? 'roles',
    clockToleranceSeconds,
  };
}
