/**
 * Signed checkpoints of the archive, from a running archive with a generated Ed25519 key: cut on
 * request and by the scheduler, exported with the public key, verified by the service and by the
 * offline verifier; one changed byte of an entry or of a signature names the checkpoint; the
 * table is append-only; two concurrent cuts make one checkpoint; without a key, none are made.
 */
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { DatabaseError } from 'pg';
import { eventually } from '@complaints/testing';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { archiveWriterRole } from '../../apps/compliance-archive/src/migrations';
import { Checkpoint, merkleRoot, statementText } from '../../apps/compliance-archive/src/checkpoints/merkle';
import { Bundle, CheckpointsFile, kafkaMessage, removeScratch, runVerifier, sampleEnvelopes, scratchFile } from '../archive-verify/archive-fixtures';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const KEY_ID = 'archive-it-2026';
const EVERY = 4;

describe('compliance archive: signed checkpoints', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let archive: ServiceUnderTest;
  const tokens: Record<string, string> = {};
  let offset = 0;

  const call = async (method: 'GET' | 'POST', path: string, role: string | null = 'compliance-officer', body?: string) => {
    const res = await fetch(`${archive.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-retrieval-purpose': 'internal-audit', ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}) },
      body,
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, json: () => JSON.parse(text) };
  };
  const list = async () => (await call('GET', '/v1/archive/checkpoints')).json() as CheckpointsFile;
  const verdict = async () => (await call('GET', '/v1/archive/checkpoints/verify', 'auditor')).json();
  const ranges = (c: Checkpoint[]) => c.map((x) => `${x.seqFrom}..${x.seqTo}`);
  const append = async (count: number) => {
    const topic = `${archive.schema}.complaints.intake.v1`;
    for (const envelope of sampleEnvelopes(count)) {
      expect(await archive.running.transport.handleRecord(topic, 0, kafkaMessage(envelope, offset++))).toBe('handled');
    }
  };
  const table = (name: string) => `"${archive.schema}".${name}`;
  /** As the superuser: the trigger off, one statement, the trigger on again. */
  const behindTheServicesBack = async (name: 'archive_entries' | 'checkpoints', sql: string, params: unknown[]) => {
    await archive.pg.query(`ALTER TABLE ${table(name)} DISABLE TRIGGER ${name}_append_only`);
    try {
      await archive.pg.query(sql, params);
    } finally {
      await archive.pg.query(`ALTER TABLE ${table(name)} ENABLE TRIGGER ${name}_append_only`);
    }
  };

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService, {
      ARCHIVE_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      ARCHIVE_SIGNING_KEY_ID: KEY_ID,
      ARCHIVE_CHECKPOINT_EVERY: String(EVERY),
      // Only the count triggers the scheduler here; the interval is tested in merkle.spec.ts.
      ARCHIVE_CHECKPOINT_INTERVAL_MS: '3600000',
    });
    for (const role of ['compliance-officer', 'auditor', 'administrator', 'investigator']) tokens[role] = await archive.issuer.token(role as never);
    await append(10);
  });

  afterAll(async () => {
    removeScratch();
    // Drops the schema and the writer role the migration made for it.
    await archive?.stop();
  });

  it('cuts the pending entries into checkpoints of at most ARCHIVE_CHECKPOINT_EVERY on request, chained and signed', async () => {
    const cut = await call('POST', '/v1/archive/checkpoints', 'administrator', '{}');
    expect({ status: cut.status, type: cut.type }).toEqual({ status: 200, type: expect.stringContaining('application/json') });
    const exported = await list();
    // The scheduler may have cut the full ones first: the ranges are the same whoever cuts them.
    expect(ranges(exported.checkpoints)).toEqual(['1..4', '5..8', '9..10']);
    expect(ranges(cut.json().created)).toEqual(ranges(exported.checkpoints).slice(-cut.json().created.length));
    expect((await call('POST', '/v1/archive/checkpoints', 'compliance-officer')).json()).toEqual({ created: [] });

    expect(exported).toEqual({
      format: 'complaints-archive-checkpoints@1',
      enabled: true,
      exportedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      publicKeys: [{ keyId: KEY_ID, publicKeyPem: publicPem }],
      checkpoints: expect.any(Array),
      more: false,
    });
    // Checked here with node:crypto and the stored entries, not with the service's own verdict.
    const stored = (await archive.pg.query(`SELECT seq::int AS seq, entry_hash FROM ${table('archive_entries')} ORDER BY seq`)).rows as { seq: number; entry_hash: string }[];
    let previous = '0'.repeat(64);
    for (const c of exported.checkpoints) {
      const text = statementText(c);
      expect(JSON.parse(text)).toEqual({ format: 'complaints-archive-checkpoint@1', seqFrom: c.seqFrom, seqTo: c.seqTo, merkleRoot: c.merkleRoot, previousCheckpointHash: c.previousCheckpointHash, signedAt: c.signedAt, keyId: KEY_ID });
      expect(verify(null, Buffer.from(text), publicKey, Buffer.from(c.signature, 'base64'))).toBe(true);
      expect(c.merkleRoot).toBe(merkleRoot(stored.filter((e) => e.seq >= c.seqFrom && e.seq <= c.seqTo).map((e) => e.entry_hash)));
      expect(c.previousCheckpointHash).toBe(previous);
      expect(c.checkpointHash).toBe(createHash('sha256').update(text).digest('hex'));
      previous = c.checkpointHash;
    }
    expect(await verdict()).toEqual({ checkedAt: expect.any(String), enabled: true, intact: true, checkpoints: 3, entriesCovered: 10 });
  });

  it('the offline verifier accepts an exported bundle with the exported checkpoints, and fails after one changed byte', async () => {
    const bundle = (await call('GET', '/v1/archive/export?from=1&to=10')).json() as Bundle;
    const raw = (await call('GET', '/v1/archive/checkpoints', 'auditor')).text;
    const ok = runVerifier(bundle, ['--checkpoints', scratchFile(raw)]);
    expect({ status: ok.status, out: ok.stdout }).toEqual({ status: 0, out: expect.stringContaining('3 lie wholly inside this bundle and match its entries') });
    expect(ok.stdout).toContain(`in the checkpoints file itself (${KEY_ID})`);

    const keyFile = scratchFile(publicPem, 'pem');
    const published = runVerifier(bundle, ['--checkpoints', scratchFile(raw), '--public-key', keyFile]);
    expect({ status: published.status, out: published.stdout }).toEqual({ status: 0, out: expect.stringContaining(`with the public key from ${keyFile} (given separately)`) });
    const otherKey = scratchFile(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'pem');
    expect(runVerifier(bundle, ['--checkpoints', scratchFile(raw), '--public-key', otherKey])).toMatchObject({
      status: 1,
      stdout: expect.stringMatching(/^FAILED: checkpoint seq 1\.\.4: signature does not verify with the --public-key given/),
    });

    // One byte of the file as the server sent it: a hex digit of the second checkpoint's Merkle root.
    const second = (JSON.parse(raw) as CheckpointsFile).checkpoints[1];
    const at = raw.indexOf(second.merkleRoot) + 10;
    const flipped = raw.slice(0, at) + (raw[at] === '0' ? '1' : '0') + raw.slice(at + 1);
    expect(runVerifier(bundle, ['--checkpoints', scratchFile(flipped)])).toMatchObject({
      status: 1,
      stdout: expect.stringMatching(/^FAILED: checkpoint seq 5\.\.8: checkpoint hash does not match its statement/),
    });
  });

  it('names the checkpoint covering an entry changed behind the service\'s back, after the one before it verified', async () => {
    const [row] = (await archive.pg.query(`SELECT canonical FROM ${table('archive_entries')} WHERE seq = 6`)).rows as { canonical: string }[];
    const at = row.canonical.indexOf('"ticketNumber') + 2;
    const changed = row.canonical.slice(0, at) + row.canonical[at].toUpperCase() + row.canonical.slice(at + 1);
    expect(Buffer.byteLength(changed)).toBe(Buffer.byteLength(row.canonical));
    expect(changed).not.toBe(row.canonical);
    await behindTheServicesBack('archive_entries', `UPDATE ${table('archive_entries')} SET canonical = $1 WHERE seq = 6`, [changed]);
    try {
      expect(await verdict()).toEqual({
        checkedAt: expect.any(String),
        enabled: true,
        intact: false,
        checkpoints: 2,
        entriesCovered: 4,
        brokenAt: { seqFrom: 5, seqTo: 8, checkpointHash: expect.stringMatching(/^[0-9a-f]{64}$/) },
        problem: 'Merkle root does not match the entries it covers',
      });
    } finally {
      await behindTheServicesBack('archive_entries', `UPDATE ${table('archive_entries')} SET canonical = $1 WHERE seq = 6`, [row.canonical]);
    }
    expect((await verdict()).intact).toBe(true);
  });

  it('names the checkpoint covering an entry whose occurred_at was moved, its text and hash untouched', async () => {
    const [row] = (await archive.pg.query(`SELECT occurred_at FROM ${table('archive_entries')} WHERE seq = 6`)).rows as { occurred_at: Date }[];
    await behindTheServicesBack('archive_entries', `UPDATE ${table('archive_entries')} SET occurred_at = occurred_at - interval '10 years' WHERE seq = 6`, []);
    try {
      expect(await verdict()).toMatchObject({
        intact: false,
        checkpoints: 2,
        entriesCovered: 4,
        brokenAt: { seqFrom: 5, seqTo: 8 },
        problem: "entry 6, which it covers: stored occurred_at does not match the entry's canonical text",
      });
    } finally {
      await behindTheServicesBack('archive_entries', `UPDATE ${table('archive_entries')} SET occurred_at = $1 WHERE seq = 6`, [row.occurred_at]);
    }
    expect((await verdict()).intact).toBe(true);
  });

  it('names the checkpoint whose stored signature has one byte changed', async () => {
    const [row] = (await archive.pg.query(`SELECT signature FROM ${table('checkpoints')} WHERE seq_to = 8`)).rows as { signature: string }[];
    const bytes = Buffer.from(row.signature, 'base64');
    bytes[17] ^= 0x01;
    await behindTheServicesBack('checkpoints', `UPDATE ${table('checkpoints')} SET signature = $1 WHERE seq_to = 8`, [bytes.toString('base64')]);
    try {
      const v = await verdict();
      expect({ intact: v.intact, at: `${v.brokenAt?.seqFrom}..${v.brokenAt?.seqTo}`, problem: v.problem }).toEqual({
        intact: false,
        at: '5..8',
        problem: `signature does not verify with the public key of ${KEY_ID}`,
      });
      // The archive's integrity answer counts the checkpoints too: the chain alone still verifies.
      const integrity = (await call('GET', '/v1/archive/integrity', 'auditor')).json();
      expect({ intact: integrity.intact, chainIntact: integrity.chainIntact, checkpointsIntact: integrity.checkpoints.intact }).toEqual({
        intact: false,
        chainIntact: true,
        checkpointsIntact: false,
      });
    } finally {
      await behindTheServicesBack('checkpoints', `UPDATE ${table('checkpoints')} SET signature = $1 WHERE seq_to = 8`, [row.signature]);
    }
    expect((await verdict()).intact).toBe(true);
  });

  it('refuses to sign entries that do not verify', async () => {
    await append(1);
    const [row] = (await archive.pg.query(`SELECT canonical FROM ${table('archive_entries')} WHERE seq = 11`)).rows as { canonical: string }[];
    await behindTheServicesBack('archive_entries', `UPDATE ${table('archive_entries')} SET canonical = $1 WHERE seq = 11`, [row.canonical.replace('"version":1', '"version":2')]);
    try {
      const refused = await call('POST', '/v1/archive/checkpoints');
      expect({ status: refused.status, type: refused.type, detail: refused.json().detail }).toEqual({
        status: 409,
        type: expect.stringContaining('application/problem+json'),
        detail: expect.stringContaining('entry 11: entry content does not match its hash'),
      });
      expect(ranges((await list()).checkpoints)).toEqual(['1..4', '5..8', '9..10']);
    } finally {
      await behindTheServicesBack('archive_entries', `UPDATE ${table('archive_entries')} SET canonical = $1 WHERE seq = 11`, [row.canonical]);
    }
  });

  it('the scheduler cuts a checkpoint by itself once ARCHIVE_CHECKPOINT_EVERY entries are waiting', async () => {
    await append(EVERY - 1);
    const cut = await eventually(async () => {
      const c = (await list()).checkpoints;
      return c.length === 4 ? c : null;
    }, { timeoutMs: 20_000, intervalMs: 250, what: 'the scheduler to cut seq 11..14' });
    expect(ranges(cut)).toEqual(['1..4', '5..8', '9..10', '11..14']);
    expect((await verdict()).intact).toBe(true);
  });

  it('concurrent requests to cut make one checkpoint, not several of the same range', async () => {
    await append(3);
    const answers = await Promise.all(Array.from({ length: 6 }, () => call('POST', '/v1/archive/checkpoints', 'administrator', '{}')));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(answers.flatMap((a) => ranges(a.json().created))).toEqual(['15..17']);
    expect(ranges((await list()).checkpoints)).toEqual(['1..4', '5..8', '9..10', '11..14', '15..17']);
    expect(await verdict()).toMatchObject({ intact: true, checkpoints: 5, entriesCovered: 17 });
  });

  it('pages the export with ?after=<seqTo>, and refuses a hostile after with 400', async () => {
    expect(ranges(((await call('GET', '/v1/archive/checkpoints?after=10')).json() as CheckpointsFile).checkpoints)).toEqual(['11..14', '15..17']);
    expect(((await call('GET', '/v1/archive/checkpoints?after=17')).json() as CheckpointsFile).checkpoints).toEqual([]);
    const before = await archive.rowCounts();
    const wrong: string[] = [];
    for (const query of ['0', '-1', '01', '1e3', 'abc', '', '9'.repeat(30), "1' OR '1'='1", '%00', '１２'].map((v) => `after=${encodeURIComponent(v)}`).concat(['after=1&after=2', 'after[a]=1', 'limit=5', 'from=1'])) {
      const res = await call('GET', `/v1/archive/checkpoints?${query}`);
      if (res.status !== 400 || !res.type.startsWith('application/problem+json')) wrong.push(`${query} -> ${res.status}`);
    }
    for (const query of ['after=1', 'x=1']) {
      const res = await call('GET', `/v1/archive/checkpoints/verify?${query}`);
      if (res.status !== 400) wrong.push(`verify?${query} -> ${res.status}`);
    }
    for (const body of ['{"seqTo": 3}', '[]', '"now"', 'null', '{"__proto__": {"x": 1}}']) {
      const res = await call('POST', '/v1/archive/checkpoints', 'administrator', body);
      if (res.status !== 400 || !res.type.startsWith('application/problem+json')) wrong.push(`POST ${body} -> ${res.status}`);
    }
    expect(wrong).toEqual([]);
    expect(await archive.rowCounts()).toEqual(before);
  });

  it('answers only the roles it declares', async () => {
    for (const role of ['compliance-officer', 'auditor', 'administrator']) {
      expect({ role, list: (await call('GET', '/v1/archive/checkpoints', role)).status, verify: (await call('GET', '/v1/archive/checkpoints/verify', role)).status }).toEqual({ role, list: 200, verify: 200 });
    }
    expect((await call('GET', '/v1/archive/checkpoints', 'investigator')).status).toBe(403);
    expect((await call('GET', '/v1/archive/checkpoints', null)).status).toBe(401);
    expect((await call('POST', '/v1/archive/checkpoints', 'auditor', '{}')).status).toBe(403);
    expect((await call('POST', '/v1/archive/checkpoints', 'investigator', '{}')).status).toBe(403);
    expect((await call('POST', '/v1/archive/checkpoints', null, '{}')).status).toBe(401);
  });

  it('keeps the checkpoints append-only: the trigger refuses the owner, the writer role may only read and add', async () => {
    for (const sql of [`UPDATE ${table('checkpoints')} SET key_id = 'forged'`, `DELETE FROM ${table('checkpoints')} WHERE seq_to = 17`, `TRUNCATE ${table('checkpoints')}`]) {
      let error: DatabaseError | null = null;
      try {
        await archive.pg.query(sql);
      } catch (e) {
        error = e as DatabaseError;
      }
      expect({ sql, code: error?.code, message: error?.message }).toEqual({ sql, code: '42501', message: expect.stringMatching(/^checkpoints is append-only: (UPDATE|DELETE|TRUNCATE) refused$/) });
    }
    const role = archiveWriterRole(archive.schema);
    const granted: string[] = [];
    for (const privilege of ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) {
      const { rows } = await archive.pg.query(`SELECT has_table_privilege($1, $2, $3) AS yes`, [role, table('checkpoints'), privilege]);
      if (rows[0].yes) granted.push(privilege);
    }
    expect(granted).toEqual(['SELECT', 'INSERT']);
    expect(ranges((await list()).checkpoints)).toHaveLength(5);
  });

  it('without a signing key, the archive runs, makes no checkpoints and says so', async () => {
    const plain = await startInProcess(complianceArchiveService);
    try {
      const officer = await plain.issuer.token('compliance-officer');
      const get = (path: string, method = 'GET') => fetch(`${plain.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${officer}`, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
      const topic = `${plain.schema}.complaints.intake.v1`;
      for (const [i, envelope] of sampleEnvelopes(2).entries()) expect(await plain.running.transport.handleRecord(topic, 0, kafkaMessage(envelope, i))).toBe('handled');
      expect(await (await get('/v1/archive/checkpoints')).json()).toMatchObject({ format: 'complaints-archive-checkpoints@1', enabled: false, publicKeys: [], checkpoints: [] });
      const cut = await get('/v1/archive/checkpoints', 'POST');
      expect({ status: cut.status, detail: ((await cut.json()) as { detail: string }).detail }).toEqual({ status: 409, detail: 'checkpoints are disabled: ARCHIVE_SIGNING_KEY is not set' });
      expect(await (await get('/v1/archive/checkpoints/verify')).json()).toMatchObject({ enabled: false, intact: true, checkpoints: 0 });
      expect((await plain.pg.query(`SELECT count(*)::int AS n FROM "${plain.schema}".checkpoints`)).rows[0].n).toBe(0);
    } finally {
      await plain.stop();
    }
  });
});
