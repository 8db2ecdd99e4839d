import { Role } from '@complaints/contracts';
import { eventually, RunningPlatform } from '@complaints/testing';

export interface HttpAnswer {
  status: number;
  type: string;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of some twenty routes are read by deep paths; the assertions, not the types, check them
  body: any;
}

/** What an e2e test needs to work a case as the people who do. */
export function caseWork(platform: RunningPlatform) {
  const as = async (role: Role | Role[], subject: string, extra: { approvalLimitMinor?: number; department?: string } = {}) => ({
    authorization: `Bearer ${await platform.issuer.token(role, { subject, ...extra })}`,
  });
  const call = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> => {
    const res = await fetch(url, {
      method,
      headers: { ...(Buffer.isBuffer(body) ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, type, headers: res.headers, body: text && type.includes('json') ? JSON.parse(text) : text };
  };
  const investigation = (route: string) => platform.url('investigation', route);

  /** Puts staff in the directory assignment reads. */
  const staff = async (entries: { staffId: string; department: string; skills?: string[]; lineManager?: string | null; capacity?: number; active?: boolean }[]) => {
    const admin = await as('administrator', 'admin-1');
    for (const e of entries) {
      const res = await call('PUT', investigation('/v1/investigators'), { skills: ['general'], capacity: 10, active: true, lineManager: null, ...e }, admin);
      if (res.status !== 200) throw new Error(`directory entry ${e.staffId}: ${res.status} ${JSON.stringify(res.body)}`);
    }
  };

  /** The complaint's case once it is open (any state). */
  const caseOf = (complaintId: string, what = 'the case to open') =>
    eventually(async () => {
      const res = await call('GET', investigation(`/v1/cases?complaintId=${complaintId}`), undefined, await as('investigator', 'reader-1'));
      return res.status === 200 && res.body.length === 1 ? res.body[0] : null;
    }, { what, timeoutMs: 60_000 });

  const readCase = async (caseId: string) => (await call('GET', investigation(`/v1/cases/${caseId}`), undefined, await as('investigator', 'reader-1'))).body;

  return { as, call, investigation, staff, caseOf, readCase };
}
