/**
 * What the console reads from the bearer token to shape itself (menus, the approver's limit).
 * It does not verify the signature: the services do, on every call. A token whose claims cannot
 * be read, or that has expired, is no session.
 */
import { ROLES, type Role } from './vocabulary';

export interface Identity {
  subject: string;
  roles: Role[];
  /** The approver's authority in minor units (`approvalLimitMinor` claim), null without one. */
  approvalLimitMinor: number | null;
  department: string | null;
  expiresAt: Date | null;
}

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const binary = atob(b64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The claims of a JWT, or null when it is not one. `rolesClaim` may be a dotted path (Keycloak: realm_access.roles). */
export function readToken(token: string, rolesClaim = 'roles'): Identity | null {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return null;
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(base64UrlDecode(parts[1])) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!claims || typeof claims !== 'object' || typeof claims.sub !== 'string') return null;
  const rolesValue = rolesClaim.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), claims);
  const roles = (Array.isArray(rolesValue) ? rolesValue : typeof rolesValue === 'string' ? [rolesValue] : []).filter((r): r is Role =>
    (ROLES as readonly unknown[]).includes(r),
  );
  const limit = claims.approvalLimitMinor;
  return {
    subject: claims.sub,
    roles,
    approvalLimitMinor: typeof limit === 'number' && Number.isFinite(limit) ? limit : null,
    department: typeof claims.department === 'string' ? claims.department : null,
    expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null,
  };
}

export const isExpired = (identity: Identity, now: Date) => identity.expiresAt !== null && identity.expiresAt.getTime() <= now.getTime();

export type ConsoleArea = 'queue' | 'approvals' | 'dashboard' | 'compliance';

/** Which parts of the console a person's roles open (each service still checks every call). */
export function areasFor(roles: readonly Role[]): ConsoleArea[] {
  const has = (...r: Role[]) => r.some((x) => roles.includes(x));
  const areas: ConsoleArea[] = [];
  if (has('investigator', 'department-staff', 'triage-officer', 'approver', 'compliance-officer', 'auditor')) areas.push('queue');
  if (has('approver', 'compliance-officer')) areas.push('approvals');
  if (has('compliance-officer', 'auditor')) areas.push('dashboard', 'compliance');
  return areas;
}
