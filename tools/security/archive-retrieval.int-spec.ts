/**
 * Every retrieval of a complaint's archived record states its purpose and is itself recorded:
 * who, what, when, why, in archive_retrievals and on the complaint's own record. Auditors and
 * compliance officers list them; nobody can change them.
 */
import { randomUUID } from 'node:crypto';
import { TOPICS, type Role } from '@complaints/contracts';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { RETRIEVAL_PURPOSES } from '../../apps/compliance-archive/src/dossier/retrieval';
import { sampleComplaint, SAMPLE_TICKET } from '../../apps/compliance-archive/src/dossier/testing/sample-complaint';
import { kafkaMessage } from '../archive-verify/archive-fixtures';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const COURT_REF = '2026 Hu 01 Min Chu 123/A:4.b_7';

interface Listed {
  id: string;
  at: string;
  actor: string;
  roles: string[];
  purpose: string;
  reference: string | null;
  what: string;
  complaintId: string;
  ticketNumber: string | null;
}

describe('compliance archive: retrievals state their purpose and are recorded', () => {
  let archive: ServiceUnderTest;
  const complaintId = randomUUID();
  const tokens: Record<string, string> = {};
  const ROUTES = {
    record: `/v1/archive/complaints/${complaintId}`,
    dossier: `/v1/archive/complaints/${complaintId}/dossier`,
    pdf: `/v1/archive/complaints/${complaintId}/dossier.pdf`,
  };

  const send = async (path: string, role: string | null, headers: Record<string, string> = {}) => {
    const res = await fetch(`${archive.baseUrl}${path}`, { headers: { ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}), ...headers } });
    const text = Buffer.from(await res.arrayBuffer()).toString('latin1');
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: () => JSON.parse(Buffer.from(text, 'latin1').toString('utf8')) };
  };
  const list = async (query = '', role = 'auditor') => send(`/v1/archive/retrievals${query}`, role);
  const rows = async () => (await archive.pg.query(`SELECT * FROM "${archive.schema}".archive_retrievals ORDER BY at`)).rows;
  const staffActions = async () =>
    (await archive.pg.query(`SELECT convert_from(value, 'UTF8')::jsonb -> 'payload' AS p FROM "${archive.schema}".outbox WHERE convert_from(value, 'UTF8')::jsonb ->> 'type' = 'staff.action-recorded' ORDER BY seq`)).rows.map((r) => r.p);

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService);
    for (const role of ['compliance-officer', 'auditor', 'investigator', 'administrator']) {
      tokens[role] = await archive.issuer.token(role as Role, { subject: `${role}-0042` });
    }
    for (const [i, { topic, envelope }] of sampleComplaint(complaintId).slice(0, 4).entries()) {
      expect(await archive.running.transport.handleRecord(`${archive.schema}.${topic}`, 0, kafkaMessage(envelope, i))).toBe('handled');
    }
  });

  afterAll(() => archive?.stop());

  it('refuses a retrieval without a purpose, or with one not on the list, naming the header, and records nothing', async () => {
    const before = await archive.rowCounts();
    const bad: [Record<string, string>, string][] = [
      [{}, 'header:X-Retrieval-Purpose'],
      [{ 'x-retrieval-purpose': '' }, 'header:X-Retrieval-Purpose'],
      [{ 'x-retrieval-purpose': 'curiosity' }, 'header:X-Retrieval-Purpose'],
      [{ 'x-retrieval-purpose': 'Regulator-Request' }, 'header:X-Retrieval-Purpose'],
      [{ 'x-retrieval-purpose': 'regulator-request, court-order' }, 'header:X-Retrieval-Purpose'],
      [{ 'x-retrieval-purpose': "internal-audit' OR '1'='1" }, 'header:X-Retrieval-Purpose'],
      [{ 'x-retrieval-reference': 'CASE-1' }, 'header:X-Retrieval-Purpose'],
      [{ 'x-retrieval-purpose': 'court-order', 'x-retrieval-reference': 'x'.repeat(101) }, 'header:X-Retrieval-Reference'],
      [{ 'x-retrieval-purpose': 'court-order', 'x-retrieval-reference': "1'; DROP TABLE archive_retrievals;--" }, 'header:X-Retrieval-Reference'],
      [{ 'x-retrieval-purpose': 'court-order', 'x-retrieval-reference': '<script>alert(1)</script>' }, 'header:X-Retrieval-Reference'],
      [{ 'x-retrieval-purpose': 'court-order', 'x-retrieval-reference': encodeURIComponent('案号 2026') }, 'header:X-Retrieval-Reference'],
      [{ 'x-retrieval-purpose': 'court-order', 'x-retrieval-reference': '${jndi:ldap://x}' }, 'header:X-Retrieval-Reference'],
    ];
    const wrong: string[] = [];
    for (const path of Object.values(ROUTES)) {
      for (const role of ['compliance-officer', 'auditor']) {
        for (const [headers, named] of bad) {
          const res = await send(path, role, headers);
          const problem = res.type.startsWith('application/problem+json') ? res.body() : null;
          if (res.status !== 400 || problem?.errors?.[0]?.path !== named) wrong.push(`${path} ${JSON.stringify(headers)} as ${role} -> ${res.status} ${JSON.stringify(problem)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(await archive.rowCounts()).toEqual(before);
  });

  it('records each retrieval with who, what, when and why, in the transaction that reads, and on the complaint record', async () => {
    const started = new Date();
    expect((await send(ROUTES.record, 'compliance-officer', { 'x-retrieval-purpose': 'complaint-handling' })).status).toBe(200);
    expect((await send(ROUTES.dossier, 'auditor', { 'x-retrieval-purpose': 'court-order', 'x-retrieval-reference': COURT_REF })).status).toBe(200);
    expect((await send(ROUTES.pdf, 'auditor', { 'x-retrieval-purpose': 'regulator-request', 'x-retrieval-reference': 'NFRA-2026-0042' })).status).toBe(200);
    const recorded = await rows();
    expect(recorded).toEqual([
      { id: expect.any(String), at: expect.any(Date), actor: 'compliance-officer-0042', roles: ['compliance-officer'], purpose: 'complaint-handling', reference: null, what: 'GET /v1/archive/complaints/:complaintId', complaint_id: complaintId, ticket_number: SAMPLE_TICKET },
      { id: expect.any(String), at: expect.any(Date), actor: 'auditor-0042', roles: ['auditor'], purpose: 'court-order', reference: COURT_REF, what: 'GET /v1/archive/complaints/:complaintId/dossier', complaint_id: complaintId, ticket_number: SAMPLE_TICKET },
      { id: expect.any(String), at: expect.any(Date), actor: 'auditor-0042', roles: ['auditor'], purpose: 'regulator-request', reference: 'NFRA-2026-0042', what: 'GET /v1/archive/complaints/:complaintId/dossier.pdf', complaint_id: complaintId, ticket_number: SAMPLE_TICKET },
    ]);
    for (const r of recorded) expect(r.at.getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
    expect((await staffActions()).map((p) => ({ actor: p.actor, action: p.action, detail: p.detail }))).toEqual([
      { actor: 'compliance-officer-0042', action: 'archive.record-viewed', detail: { purpose: 'complaint-handling' } },
      { actor: 'auditor-0042', action: 'archive.dossier-viewed', detail: { purpose: 'court-order', reference: COURT_REF } },
      { actor: 'auditor-0042', action: 'archive.dossier-downloaded', detail: { purpose: 'regulator-request', reference: 'NFRA-2026-0042' } },
    ]);
  });

  it('lists the retrievals to auditors and compliance officers, newest first, filtered by time and actor', async () => {
    const all = await list();
    expect({ status: all.status, type: all.type }).toEqual({ status: 200, type: expect.stringContaining('application/json') });
    const body = all.body() as { from: null; to: null; actor: null; truncated: boolean; retrievals: Listed[] };
    expect(body).toMatchObject({ from: null, to: null, actor: null, truncated: false });
    expect(body.retrievals.map((r) => [r.actor, r.purpose, r.reference, r.what, r.complaintId, r.ticketNumber])).toEqual([
      ['auditor-0042', 'regulator-request', 'NFRA-2026-0042', 'GET /v1/archive/complaints/:complaintId/dossier.pdf', complaintId, SAMPLE_TICKET],
      ['auditor-0042', 'court-order', COURT_REF, 'GET /v1/archive/complaints/:complaintId/dossier', complaintId, SAMPLE_TICKET],
      ['compliance-officer-0042', 'complaint-handling', null, 'GET /v1/archive/complaints/:complaintId', complaintId, SAMPLE_TICKET],
    ]);
    expect(body.retrievals[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      actor: 'auditor-0042',
      roles: ['auditor'],
      purpose: 'regulator-request',
      reference: 'NFRA-2026-0042',
      what: 'GET /v1/archive/complaints/:complaintId/dossier.pdf',
      complaintId,
      ticketNumber: SAMPLE_TICKET,
    });
    expect((await list('', 'compliance-officer')).body().retrievals).toEqual(body.retrievals);

    const byActor = (await list('?actor=auditor-0042')).body();
    expect({ actor: byActor.actor, n: byActor.retrievals.length, actors: [...new Set(byActor.retrievals.map((r: Listed) => r.actor))] }).toEqual({ actor: 'auditor-0042', n: 2, actors: ['auditor-0042'] });
    expect((await list('?actor=nobody')).body().retrievals).toEqual([]);

    const middle = body.retrievals[1].at;
    const fromMiddle = (await list(`?from=${encodeURIComponent(middle)}`)).body();
    expect(fromMiddle.retrievals.map((r: Listed) => r.id)).toEqual(body.retrievals.slice(0, 2).map((r) => r.id));
    const toMiddle = (await list(`?to=${encodeURIComponent(middle)}`)).body();
    expect(toMiddle.retrievals.map((r: Listed) => r.id)).toEqual(body.retrievals.slice(1).map((r) => r.id));
    const beijing = new Date(Date.parse(middle) + 8 * 3600_000).toISOString().replace('Z', '+08:00');
    const window = (await list(`?from=${encodeURIComponent(beijing)}&to=${encodeURIComponent(middle)}&actor=auditor-0042`)).body();
    expect({ from: window.from, ids: window.retrievals.map((r: Listed) => r.id) }).toEqual({ from: middle, ids: [body.retrievals[1].id] });
    expect((await list('?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z')).body().retrievals).toEqual([]);
  });

  it('accepts every documented purpose, and each is recorded as stated', async () => {
    for (const purpose of RETRIEVAL_PURPOSES) {
      expect((await send(ROUTES.record, 'auditor', { 'x-retrieval-purpose': purpose })).status).toBe(200);
    }
    const recorded = (await list('?actor=auditor-0042')).body().retrievals.slice(0, RETRIEVAL_PURPOSES.length).map((r: Listed) => r.purpose);
    expect(recorded.sort()).toEqual([...RETRIEVAL_PURPOSES].sort());
  });

  it('is only for auditors and compliance officers: investigators and administrators are refused', async () => {
    expect((await list('', 'investigator')).status).toBe(403);
    expect((await list('', 'administrator')).status).toBe(403);
    const res = await fetch(`${archive.baseUrl}/v1/archive/retrievals`);
    expect(res.status).toBe(401);
  });

  it('refuses malformed and hostile query values with 400 problem+json naming the parameter', async () => {
    const hostile: [string, string][] = [
      ['from=yesterday', 'query:from'], ['from=2026-11-20', 'query:from'], ['from=2026-13-01T00:00:00Z', 'query:from'],
      ['from=2026-02-30T00:00:00Z', 'query:from'], ['from=2026-11-20T24:00:00Z', 'query:from'], ['from=2026-11-20T09:30:00', 'query:from'],
      ['from=2026-11-20T09:30:00+08:00', 'query:from'], // an unencoded + arrives as a space
      ['to=1700000000', 'query:to'], ['to=%00', 'query:to'], ["to=2026-11-20T00:00:00Z' OR '1'='1", 'query:to'],
      ['from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z', 'query:to'],
      ['actor=', 'query:actor'], ["actor=a' OR '1'='1", 'query:actor'], ['actor=%3Cscript%3E', 'query:actor'], [`actor=${'a'.repeat(201)}`, 'query:actor'],
      ['actor=%E5%BC%A0%E4%B8%89', 'query:actor'], ['actor=a%00b', 'query:actor'], ['actor=${jndi:ldap://x}', 'query:actor'],
      ['actor=a&actor=b', 'query:actor'], ['actor[$ne]=x', 'query:actor[$ne]'], ['from[]=1', 'query:from[]'],
      ['limit=100000', 'query:limit'], ['complaintId=x', 'query:complaintId'],
    ];
    const before = await archive.rowCounts();
    const wrong: string[] = [];
    for (const [query, named] of hostile) {
      for (const role of ['auditor', 'compliance-officer']) {
        const res = await list(`?${query}`, role);
        const problem = res.type.startsWith('application/problem+json') ? res.body() : null;
        if (res.status !== 400 || problem?.status !== 400 || problem?.errors?.[0]?.path !== named) wrong.push(`?${query} as ${role} -> ${res.status} ${JSON.stringify(problem)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await archive.rowCounts()).toEqual(before);
  });

  it('answers the record of a complaint the archive has never seen with 404 problem+json and puts nothing on the record, so the id does not become a complaint', async () => {
    const unknown = randomUUID();
    const before = await archive.rowCounts();
    for (const role of ['compliance-officer', 'auditor']) {
      const res = await send(`/v1/archive/complaints/${unknown}`, role, { 'x-retrieval-purpose': 'internal-audit' });
      expect({ role, status: res.status, type: res.type, detail: res.body().detail }).toEqual({
        role,
        status: 404,
        type: expect.stringContaining('application/problem+json'),
        detail: 'the archive holds no record of this complaint',
      });
    }
    // Counted once whatever the archive published has come back into its chain.
    expect(await archive.rowCounts()).toEqual(before);
    for (const path of [`/v1/archive/complaints/${unknown}/dossier`, `/v1/archive/complaints/${unknown}/dossier.pdf`]) {
      expect((await send(path, 'auditor', { 'x-retrieval-purpose': 'internal-audit' })).status).toBe(404);
    }
  });

  it('takes a complaint with only staff actions on its record for unknown: its record and dossier are 404 and reading them records nothing', async () => {
    const onlyActions = randomUUID();
    const action = {
      eventId: randomUUID(), type: 'staff.action-recorded', version: 1, occurredAt: new Date().toISOString(), complaintId: onlyActions,
      correlationId: 'retrieval-spec', causationId: null, producer: 'intake',
      payload: { actor: 'triage-0007', roles: ['triage-officer'], action: 'complaint.viewed', service: 'intake', method: 'GET', route: '/v1/staff/complaints/:complaintId', outcome: 'succeeded', detail: { personalData: 'masked' } },
    };
    expect(await archive.running.transport.handleRecord(`${archive.schema}.${TOPICS.staffActions}`, 0, kafkaMessage(action, 100))).toBe('handled');
    const before = await archive.rowCounts();
    const wrong: string[] = [];
    for (const path of [`/v1/archive/complaints/${onlyActions}`, `/v1/archive/complaints/${onlyActions}/dossier`, `/v1/archive/complaints/${onlyActions}/dossier.pdf`]) {
      for (const role of ['compliance-officer', 'auditor']) {
        const res = await send(path, role, { 'x-retrieval-purpose': 'internal-audit' });
        if (res.status !== 404 || !res.type.startsWith('application/problem+json')) wrong.push(`${path} as ${role} -> ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await archive.rowCounts()).toEqual(before);
  });

  it('keeps the retrieval log append-only: no update or delete, even by the owner', async () => {
    const table = `"${archive.schema}".archive_retrievals`;
    for (const [sql, op] of [[`UPDATE ${table} SET purpose = 'internal-audit'`, 'UPDATE'], [`DELETE FROM ${table}`, 'DELETE'], [`TRUNCATE ${table}`, 'TRUNCATE']]) {
      await expect(archive.pg.query(sql)).rejects.toMatchObject({ code: '42501', message: `archive_retrievals is append-only: ${op} refused` });
    }
    await expect(
      archive.pg.query(`INSERT INTO ${table} (id, actor, roles, purpose, what, complaint_id) VALUES ($1, 'x', '{}', 'curiosity', 'GET /', $1)`, [randomUUID()]),
    ).rejects.toMatchObject({ code: '23514' });
  });
});
