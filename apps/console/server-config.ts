/**
 * The console server's settings, from the same environment variables the stack gives every
 * service, so the console finds the services wherever the stack put them.
 */
import path from 'node:path';

/** The services the browser reaches through `/api/<service>/...`, with the stack's default ports. */
export const CONSOLE_SERVICES = {
  intake: 3101,
  triage: 3102,
  investigation: 3103,
  compensation: 3104,
  notification: 3105,
  'compliance-archive': 3106,
} as const;
export type ConsoleService = keyof typeof CONSOLE_SERVICES;

export const DEFAULT_CONSOLE_PORT = 3100;
/** The issuer tools/auth/dev-issuer.mjs signs as; the development login exists only while the services trust it. */
export const DEV_ISSUER = 'urn:complaints:dev-issuer';

/** Roles a person can sign in with at the development login: staff, never a channel system or a customer. */
export const DEV_LOGIN_ROLES = ['triage-officer', 'investigator', 'department-staff', 'approver', 'compliance-officer', 'auditor', 'administrator'] as const;
export type DevLoginRole = (typeof DEV_LOGIN_ROLES)[number];

/** What the demo's approver or compliance officer may approve (CNY 50,000), when the login does not say: without it a token approves no money. */
export const DEFAULT_DEV_APPROVAL_LIMIT_MINOR = 5_000_000;

export interface ConsoleConfig {
  host: string;
  port: number;
  dist: string;
  services: Record<ConsoleService, string>;
  devLogin: boolean;
}

type Env = Record<string, string | undefined>;

const envName = (service: string) => service.replace(/-/g, '_').toUpperCase();

export function consoleConfig(env: Env, root: string): ConsoleConfig {
  const services = {} as Record<ConsoleService, string>;
  for (const [service, port] of Object.entries(CONSOLE_SERVICES) as [ConsoleService, number][]) {
    // <SERVICE>_URL reaches a service elsewhere (another host, a Kubernetes Service); <SERVICE>_PORT one on this machine.
    const url = env[`${envName(service)}_URL`];
    services[service] = url ? url.replace(/\/+$/, '') : `http://127.0.0.1:${Number(env[`${envName(service)}_PORT`] ?? port)}`;
  }
  const port = Number(env.CONSOLE_PORT ?? DEFAULT_CONSOLE_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`CONSOLE_PORT must be a port number, got ${env.CONSOLE_PORT}`);
  return {
    host: env.CONSOLE_HOST ?? '127.0.0.1',
    port,
    dist: env.CONSOLE_DIST ?? path.join(root, 'dist', 'apps', 'console'),
    services,
    devLogin: env.AUTH_ISSUER === DEV_ISSUER && env.CONSOLE_DEV_LOGIN !== 'off',
  };
}

export interface DevTokenRequest {
  role: DevLoginRole;
  subject: string;
  approvalLimitMinor?: number;
}

const STAFF_ID = /^[A-Za-z0-9._@-]{1,200}$/;

/** Checks a development login request; answers the problem's field errors when it is not valid. */
export function parseDevTokenRequest(body: unknown): { ok: true; value: DevTokenRequest } | { ok: false; errors: { path: string; message: string }[] } {
  const errors: { path: string; message: string }[] = [];
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !['role', 'subject', 'approvalLimitMinor'].includes(k));
  for (const k of unknown) errors.push({ path: k, message: 'is not a field of a development login' });
  if (!(DEV_LOGIN_ROLES as readonly unknown[]).includes(b.role)) errors.push({ path: 'role', message: `must be one of ${DEV_LOGIN_ROLES.join(', ')}` });
  if (typeof b.subject !== 'string' || !STAFF_ID.test(b.subject)) errors.push({ path: 'subject', message: 'must be a staff id: 1-200 of A-Z a-z 0-9 . _ @ -' });
  const limit = b.approvalLimitMinor;
  if (limit !== undefined && !(typeof limit === 'number' && Number.isSafeInteger(limit) && limit >= 0)) {
    errors.push({ path: 'approvalLimitMinor', message: 'must be a whole number of minor units, 0 or more' });
  }
  if (errors.length) return { ok: false, errors };
  const role = b.role as DevLoginRole;
  return {
    ok: true,
    value: {
      role,
      subject: b.subject as string,
      ...(limit !== undefined ? { approvalLimitMinor: limit as number } : role === 'approver' || role === 'compliance-officer' ? { approvalLimitMinor: DEFAULT_DEV_APPROVAL_LIMIT_MINOR } : {}),
    },
  };
}
