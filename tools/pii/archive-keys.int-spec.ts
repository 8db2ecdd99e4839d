/**
 * Rotating the compliance archive's master key (docs/archive.md, "Rotating the master key"): every
 * live data key is wrapped again under the new master key, values sealed under those data keys
 * still open once the old master key is gone, destroyed keys stay destroyed, a key under a master
 * key that is not configured is reported and left, each run is on record, and the writer role the
 * service runs as still cannot put another wrapped key in a row.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, DatabaseError } from 'pg';
import { createTestBed, dropRoleIfExists, TEST_DATABASE_URL, TestBed } from '@complaints/testing';
import { archiveMigrations, archiveWriterRole } from '../../apps/compliance-archive/src/migrations';
import { newSubjectKeyId, openValue, sealValue, SubjectKeyring } from '../../apps/compliance-archive/src/retention/subject-cipher';
import { rewrapSubjectKeys } from './archive-keys';

jest.setTimeout(60_000);

const master = (id: string) => ({ id, key: randomBytes(32) });
const k0 = master('k0');
const k1 = master('k1');
const k2 = master('k2');
const before = new SubjectKeyring([k1]);
const during = new SubjectKeyring([k2, k1]);
const after = new SubjectKeyring([k2]);

const urlAs = (user: string) => {
  const url = new URL(TEST_DATABASE_URL);
  url.username = user;
  url.password = '';
  return url.toString();
};

describe('archive:rewrap-keys — rotating the master key of the subjects’ data keys', () => {
  let bed: TestBed;
  const q = (sql: string, params: unknown[] = []) => bed.dataSource.query(sql, params);
  /** key id → the value sealed under its data key (an event's summary). */
  const sealed = new Map<string, string>();

  /** A customer's data key, wrapped by `ring`, with one value sealed under it. */
  const subject = async (ring: SubjectKeyring) => {
    const keyId = newSubjectKeyId();
    const { dataKey, wrapped } = ring.newDataKey(keyId);
    await q(`INSERT INTO archive_subject_keys (key_id, customer_ref, wrapped_key) VALUES ($1, $2, $3)`, [keyId, `cust_${randomUUID()}`, wrapped]);
    sealed.set(keyId, sealValue(dataKey, keyId, 'event-1', 'payload.summary', `${keyId} 的投诉：王先生 13900001111`));
    return keyId;
  };
  const rows = async (): Promise<{ key_id: string; wrapped_key: string | null; destroyed_at: Date | null }[]> =>
    q(`SELECT key_id, wrapped_key, destroyed_at FROM archive_subject_keys ORDER BY key_id`);

  let live: string[];
  let destroyed: string;
  let unknownMaster: string;

  beforeAll(async () => {
    bed = await createTestBed({ migrations: archiveMigrations });
    live = [];
    for (let i = 0; i < 7; i++) live.push(await subject(before));
    destroyed = await subject(before);
    await q(`UPDATE archive_subject_keys SET wrapped_key = NULL, destroyed_at = clock_timestamp() WHERE key_id = $1`, [destroyed]);
    // Wrapped by a master key this deployment no longer has (or never had).
    unknownMaster = await subject(new SubjectKeyring([k0]));
  });

  afterAll(async () => {
    const schema = bed?.schema;
    await bed?.teardown();
    if (schema) {
      const pg = new Client({ connectionString: TEST_DATABASE_URL });
      await pg.connect();
      await dropRoleIfExists(pg, archiveWriterRole(schema)).catch(() => undefined);
      await pg.end();
    }
  });

  it('rewraps every live key to the new master key in batches; the values open under it alone; the destroyed key and the unknown one are left; the run is recorded', async () => {
    const batches: number[] = [];
    const report = await rewrapSubjectKeys(bed.dataSource, during, { batchSize: 3, onBatch: (r) => batches.push(r.keys) });
    expect(report).toEqual({
      keys: 8,
      rewrapped: 7,
      alreadyCurrent: 0,
      from: ['k1'],
      failed: [{ keyId: unknownMaster, error: 'master key k0 is not configured in ARCHIVE_SUBJECT_KEYS' }],
      left: 1,
    });
    expect(batches).toEqual([3, 6, 8]);

    const stored = await rows();
    for (const keyId of live) {
      const row = stored.find((r) => r.key_id === keyId)!;
      expect(row.wrapped_key).toMatch(/^v1:k2:/);
      expect(openValue(after.unwrap(keyId, row.wrapped_key!), sealed.get(keyId)!, 'event-1', 'payload.summary')).toBe(`${keyId} 的投诉：王先生 13900001111`);
    }
    expect(stored.find((r) => r.key_id === destroyed)).toMatchObject({ wrapped_key: null, destroyed_at: expect.any(Date) });
    expect(stored.find((r) => r.key_id === unknownMaster)!.wrapped_key).toMatch(/^v1:k0:/);

    expect(await q(`SELECT to_master_key, from_master_keys, keys_rewrapped, keys_left, actor = current_user AS by_me, finished_at >= started_at AS ordered FROM archive_key_rotations`)).toEqual([
      { to_master_key: 'k2', from_master_keys: ['k1'], keys_rewrapped: 7, keys_left: 1, by_me: true, ordered: true },
    ]);
  });

  it('a second run finds nothing to do, and says so on the record', async () => {
    const report = await rewrapSubjectKeys(bed.dataSource, during);
    expect(report).toMatchObject({ keys: 8, rewrapped: 0, alreadyCurrent: 7, from: [], left: 1 });
    expect((await q(`SELECT keys_rewrapped, keys_left FROM archive_key_rotations ORDER BY finished_at`)).map((r: { keys_rewrapped: number }) => r.keys_rewrapped)).toEqual([7, 0]);
  });

  it('the writer role the service runs as may destroy a key but never put another wrapped key in its row, not even a well-formed one under another master key; the owner may not put a malformed one', async () => {
    const refusal = async (client: Client, sql: string, params: unknown[]) => {
      try {
        await client.query(sql, params);
      } catch (e) {
        return { code: (e as DatabaseError).code, message: (e as DatabaseError).message };
      }
      return null;
    };
    const [target, another] = live;
    const current = (await rows()).find((r) => r.key_id === target)!.wrapped_key!;
    const rewrapped = new SubjectKeyring([master('k3'), k2]).rewrap(target, current)!;
    const writer = new Client({ connectionString: urlAs(archiveWriterRole(bed.schema)) });
    await writer.connect();
    try {
      await writer.query(`SET search_path TO "${bed.schema}"`);
      expect(await refusal(writer, `UPDATE archive_subject_keys SET wrapped_key = $2 WHERE key_id = $1`, [target, rewrapped])).toEqual({
        code: '42501',
        message: 'archive_subject_keys: a key can be destroyed, never replaced',
      });
      // Nor by passing itself off as the owner: a temporary pg_class of its own naming it is not the one the guard reads.
      await writer.query(`CREATE TEMP TABLE pg_class (oid oid, relowner oid)`);
      await writer.query(`INSERT INTO pg_temp.pg_class SELECT 'archive_subject_keys'::regclass::oid, oid FROM pg_catalog.pg_roles WHERE rolname = current_user`);
      expect(await refusal(writer, `UPDATE archive_subject_keys SET wrapped_key = $2 WHERE key_id = $1`, [target, rewrapped])).toEqual({
        code: '42501',
        message: 'archive_subject_keys: a key can be destroyed, never replaced',
      });
      expect(await refusal(writer, `INSERT INTO archive_key_rotations (id, to_master_key, from_master_keys, keys_rewrapped, keys_left, started_at) VALUES ($1, 'k3', '{}', 0, 0, now())`, [randomUUID()])).toMatchObject({ code: '42501' });
      expect(await refusal(writer, `UPDATE archive_subject_keys SET wrapped_key = NULL, destroyed_at = clock_timestamp() WHERE key_id = $1`, [another])).toBeNull();
    } finally {
      await writer.end();
    }
    // The owner: only a wrapped key under another master key, of the right form.
    expect(await q(`SELECT wrapped_key FROM archive_subject_keys WHERE key_id = $1`, [target])).toEqual([{ wrapped_key: current }]);
    for (const replacement of [current.replace(/.$/, current.endsWith('A') ? 'B' : 'A'), 'sk_not_a_wrapped_key', `v1:k2:${randomBytes(60).toString('base64url')}`]) {
      await expect(q(`UPDATE archive_subject_keys SET wrapped_key = $2 WHERE key_id = $1`, [target, replacement])).rejects.toThrow('a key can be destroyed, never replaced');
    }
    await expect(q(`DELETE FROM archive_key_rotations`)).rejects.toThrow('archive_key_rotations is append-only: DELETE refused');
    await q(`UPDATE archive_subject_keys SET wrapped_key = $2 WHERE key_id = $1`, [target, rewrapped]);
    await expect(q(`UPDATE archive_subject_keys SET wrapped_key = $2 WHERE key_id = $1`, [another, rewrapped])).rejects.toThrow(/destroyed and stays destroyed/);
  });
});
