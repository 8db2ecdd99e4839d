import { randomUUID } from 'node:crypto';
import { ComplaintTriaged, EventEnvelope, Events, Role } from '@complaints/contracts';
import type { TokenOptions } from '@complaints/testing';
import type { ServiceUnderTest } from './services-in-process';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  contentType: string | null;
  body: T;
}

/**
 * What the investigation suites do with the service they started: mint staff tokens, call its
 * API, and read back its own schema. The service is started in beforeAll, hence the getter.
 */
export function investigationClient(service: () => ServiceUnderTest) {
  const tag = () => randomUUID().slice(0, 8);
  const token = (roles: Role | Role[], options: TokenOptions = {}) => service().issuer.token(roles, options);
  const sql = async <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> => {
    await service().pg.query(`SET search_path TO "${service().schema}"`);
    return (await service().pg.query(text, params)).rows as R[];
  };
  const call = async <T = Record<string, unknown>>(method: string, route: string, bearer: string, body?: unknown): Promise<Answer<T>> => {
    const res = await fetch(`${service().baseUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get('content-type'), body: (text ? JSON.parse(text) : null) as T };
  };
  return { tag, token, sql, call };
}

/** complaint.triaged as triage sends it, routing a complaint to `department`: what opens a case. */
export const triagedEnvelope = (complaintId: string, payload: Partial<ComplaintTriaged> & { department: string }, correlationPrefix = 'case-work'): EventEnvelope<ComplaintTriaged> => ({
  eventId: randomUUID(),
  type: Events.ComplaintTriaged.type,
  version: Events.ComplaintTriaged.version,
  occurredAt: new Date().toISOString(),
  complaintId,
  correlationId: `${correlationPrefix}-${complaintId}`,
  causationId: null,
  producer: 'triage',
  payload: {
    ticketNumber: 'CMP-20261123-00000042-7',
    category: 'C03',
    severity: 'low',
    routingRule: 'cn-jrt0169@v1#transactions',
    reasons: [],
    regime: 'cn-cbirc',
    responseDueBy: new Date(Date.now() + 15 * 86_400_000).toISOString(),
    ...payload,
  },
});
