/**
 * Legal holds placed before their reasons were sealed (docs/archive.md, "Legal hold"): the
 * migration seals each reason under the key of the complaint it is about, or stores it as erased
 * when that key is destroyed already, leaves no clear text in the table, and refuses to run
 * without the master keys rather than leave the reasons as they were.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { maskDigitRuns } from '@complaints/domain';
import { createTestBed, dropRoleIfExists, migrateWithEnvironment, TEST_DATABASE_URL, TestBed, withEnvironment } from '@complaints/testing';
import { archiveMigrations, archiveWriterRole } from '../../apps/compliance-archive/src/migrations';
import { ArchiveSealedHoldReasons1796851200000 } from '../../apps/compliance-archive/src/migrations/1796851200000-sealed-hold-reasons';
import { CLEAR_VIEW, MASKED_VIEW } from '../../apps/compliance-archive/src/retention/personal-data-view';
import { RetentionService } from '../../apps/compliance-archive/src/retention/retention.service';
import { erasedMarker, SEALED_HOLD_REASON, SEALED_HOLD_RELEASE_REASON, SealedField } from '../../apps/compliance-archive/src/retention/sealed-fields';
import { newSubjectKeyId, sealedKeyId, SubjectKeyring } from '../../apps/compliance-archive/src/retention/subject-cipher';
import { SubjectKeys, SubjectKeyStore } from '../../apps/compliance-archive/src/retention/subject-keys';

jest.setTimeout(120_000);

const ENV = { ARCHIVE_SUBJECT_KEYS: `t1:${randomBytes(32).toString('base64')}`, PII_KEYS: `t1:${randomBytes(32).toString('base64')}` };
const keyring = SubjectKeyring.fromEnv(ENV);

/** The schema as the release before sealed hold reasons left it. */
const earlierVersion = archiveMigrations.slice(0, archiveMigrations.indexOf(ArchiveSealedHoldReasons1796851200000));

const CLAIM = 'Claim by Mr Wang Wei, phone 13800138000, account 6222021234567890';
const SETTLED = '诉讼已结案，已致电王伟先生 13800138000';
const TEXTS = ['Wang Wei', '王伟', '13800138000', '6222021234567890'];

/** Runs `work` with exactly these of the archive's variables set, as the service's process would have them. */
const withEnv = <T>(env: Partial<typeof ENV>, work: () => Promise<T>): Promise<T> => withEnvironment(Object.keys(ENV), env, work);

/** Runs a migration step the way the service does: in a transaction of its own. */
const migrate = (bed: TestBed, env: Partial<typeof ENV>, work: (q: QueryRunner) => Promise<void>): Promise<void> => migrateWithEnvironment(bed, Object.keys(ENV), env, work);

describe('compliance archive: legal hold reasons stored before they were sealed', () => {
  let bed: TestBed;
  /** One session throughout, as a long-lived connection of the service's pool or a DBA's would be. */
  let session: Client;
  const q = (sql: string, params: unknown[] = []) => bed.dataSource.query(sql, params);
  const rowsAsText = async () => (await q(`SELECT h::text AS row FROM archive_legal_holds h ORDER BY placed_at, id`)).map((r: { row: string }) => r.row).join('\n');
  const sealedHolds = new ArchiveSealedHoldReasons1796851200000();

  beforeEach(async () => {
    bed = await createTestBed({ migrations: earlierVersion });
    session = new Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${bed.schema}` });
    await session.connect();
  });
  afterEach(async () => {
    await session?.end();
    const schema = bed?.schema;
    await bed?.teardown();
    if (schema) {
      const pg = new Client({ connectionString: TEST_DATABASE_URL });
      await pg.connect();
      await dropRoleIfExists(pg, archiveWriterRole(schema)).catch(() => undefined);
      await pg.end();
    }
  });

  /** A data key as the archive makes it, for a customer or a complaint of its own. */
  const key = async (column: 'customer_ref' | 'complaint_id', subject: string) => {
    const keyId = newSubjectKeyId();
    await q(`INSERT INTO archive_subject_keys (key_id, ${column}, wrapped_key) VALUES ($1, $2, $3)`, [keyId, subject, keyring.newDataKey(keyId).wrapped]);
    return keyId;
  };
  const file = (complaintId: string, customerRef: string, keyId: string) =>
    q(`INSERT INTO archive_complaint_subjects (complaint_id, customer_ref, key_id, regime) VALUES ($1, $2, $3, 'uk-fca')`, [complaintId, customerRef, keyId]);
  const hold = async (complaintId: string, reason: string, releaseReason: string | null = null) => {
    const id = randomUUID();
    await q(`INSERT INTO archive_legal_holds (id, complaint_id, reason, reference, placed_by) VALUES ($1, $2, $3, 'HCCL/2026/117', 'co-1')`, [id, complaintId, reason]);
    if (releaseReason) await session.query(`UPDATE archive_legal_holds SET released_at = now(), released_by = 'co-1', release_reason = $2 WHERE id = $1`, [id, releaseReason]);
    return id;
  };

  it('an archive without holds migrates without the master keys', async () => {
    await migrate(bed, {}, (runner) => sealedHolds.up(runner));
    expect(await q(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'archive_legal_holds' AND column_name LIKE '%reason' ORDER BY 1`, [bed.schema])).toEqual([
      { column_name: 'reason', data_type: 'jsonb' },
      { column_name: 'release_reason', data_type: 'jsonb' },
    ]);
  });

  it('seals each reason under its complaint\'s key, stores it as erased where that key is destroyed, and leaves no clear text in the table', async () => {
    // A live customer; a customer purged before this release, whose hold's reasons stayed in clear;
    // a complaint with a key of its own (its complaint.received not in yet); one with no key at all.
    const live = randomUUID();
    const liveKey = await key('customer_ref', 'cust_live');
    await file(live, 'cust_live', liveKey);
    const purged = randomUUID();
    const purgedKey = await key('customer_ref', 'cust_purged');
    await file(purged, 'cust_purged', purgedKey);
    const unfiled = randomUUID();
    const unfiledKey = await key('complaint_id', unfiled);
    const keyless = randomUUID();

    const onLive = await hold(live, CLAIM);
    const onPurged = await hold(purged, CLAIM, SETTLED);
    const onUnfiled = await hold(unfiled, CLAIM, SETTLED);
    const onKeyless = await hold(keyless, CLAIM);
    // Text that merely looks like a sealed field is text all the same.
    const disguised = JSON.stringify({ erased: CLAIM });
    const onDisguised = await hold(live, disguised);
    const [{ destroyed_at }] = await q(`UPDATE archive_subject_keys SET wrapped_key = NULL, destroyed_at = now(), purge_id = $2 WHERE key_id = $1 RETURNING destroyed_at`, [purgedKey, randomUUID()]).then(([rows]) => rows);
    const before = await rowsAsText();
    expect(before).toContain('13800138000');

    // Without the master keys the reasons cannot be sealed: nothing changes, and the guard is still on.
    await expect(migrate(bed, { PII_KEYS: ENV.PII_KEYS }, (runner) => sealedHolds.up(runner))).rejects.toThrow(/5 legal hold\(s\) keep their reasons in clear and need ARCHIVE_SUBJECT_KEYS/);
    expect(await rowsAsText()).toBe(before);
    expect(await q(`SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'archive_legal_holds'::regclass AND tgname = 'archive_legal_holds_guard'`)).toEqual([{ tgenabled: 'O' }]);

    await migrate(bed, ENV, (runner) => sealedHolds.up(runner));
    const after = await rowsAsText();
    for (const text of TEXTS) expect(after).not.toContain(text);

    // Each sealed under the key the complaint's events are sealed under; the keyless complaint gets one of its own, as an event of it would.
    const stored = new Map<string, { reason: Record<string, string>; release_reason: Record<string, string> | null }>(
      (await q(`SELECT id::text, reason, release_reason FROM archive_legal_holds`)).map((r: { id: string }) => [r.id, r]),
    );
    expect(sealedKeyId(stored.get(onLive)!.reason.sealed)).toBe(liveKey);
    expect(sealedKeyId(stored.get(onUnfiled)!.release_reason!.sealed)).toBe(unfiledKey);
    const [{ key_id: keylessKey }] = await q(`SELECT key_id FROM archive_subject_keys WHERE complaint_id = $1 AND destroyed_at IS NULL`, [keyless]);
    expect(sealedKeyId(stored.get(onKeyless)!.reason.sealed)).toBe(keylessKey);
    expect(stored.get(onPurged)).toEqual({ id: onPurged, reason: { erased: expect.any(String) }, release_reason: { erased: expect.any(String) } });

    // Read as the API reads them: as written, masked for auditors, the chain's erasure marker where the customer is gone.
    const retention = await withEnv(ENV, async () => new RetentionService(undefined as never, new SubjectKeys()));
    const reasons = async (complaintId: string, view = CLEAR_VIEW) => (await retention.holdsOf(bed.dataSource.manager, complaintId, view)).map((h) => [h.reason, h.releaseReason]);
    expect(sealedKeyId(stored.get(onDisguised)!.reason.sealed)).toBe(liveKey);
    expect(await reasons(live)).toEqual([[CLAIM, null], [disguised, null]]);
    expect(await reasons(live, MASKED_VIEW)).toEqual([[maskDigitRuns(CLAIM), null], [maskDigitRuns(disguised), null]]);
    expect(await reasons(unfiled)).toEqual([[CLAIM, SETTLED]]);
    expect(await reasons(keyless)).toEqual([[CLAIM, null]]);
    const marker = erasedMarker(destroyed_at);
    expect(await reasons(purged)).toEqual([[marker, marker]]);
    expect(await reasons(purged, MASKED_VIEW)).toEqual([[marker, marker]]);
    // Bound to its hold and column: a sealed reason read as another hold's, or as a release reason, does not open.
    const open = await new SubjectKeyStore(keyring).textOpenerFor(bed.dataSource.manager, [stored.get(onLive)!.reason as SealedField], CLEAR_VIEW);
    expect(open(onLive, SEALED_HOLD_REASON, stored.get(onLive)!.reason as SealedField)).toBe(CLAIM);
    for (const [id, path] of [[onKeyless, SEALED_HOLD_REASON], [onLive, SEALED_HOLD_RELEASE_REASON]]) {
      expect(open(id, path, stored.get(onLive)!.reason as SealedField)).toMatch(/^\[sealed value cannot be opened: the sealed value does not authenticate/);
    }

    // The rows as they were are not left in the table's storage: the change of type rewrote it.
    await q('CHECKPOINT');
    const [{ heap }] = await q(`SELECT encode(pg_read_binary_file(pg_relation_filepath('archive_legal_holds')), 'escape') AS heap`);
    for (const text of ['Wang Wei', '13800138000', '6222021234567890']) expect(heap).not.toContain(text);

    // The guard is on again, and clear text cannot be written back.
    // This session ran the guard on text columns before: it must still run in it now.
    await expect(session.query(`UPDATE archive_legal_holds SET reason = to_jsonb($2::text) WHERE id = $1`, [onLive, CLAIM])).rejects.toMatchObject({
      code: '42501', message: 'archive_legal_holds: only the release can be added to a hold',
    });
    await expect(q(`INSERT INTO archive_legal_holds (id, complaint_id, reason, reference, placed_by) VALUES ($1, $2, to_jsonb($3::text), 'HCCL/2026/117', 'co-1')`, [randomUUID(), live, CLAIM])).rejects.toMatchObject({ code: '23514' });
  });

  it('taken down and up again, the reasons keep their sealed form and need no keys', async () => {
    const live = randomUUID();
    await file(live, 'cust_live', await key('customer_ref', 'cust_live'));
    const onLive = await hold(live, CLAIM, SETTLED);
    await migrate(bed, ENV, (runner) => sealedHolds.up(runner));
    const sealed = await q(`SELECT reason, release_reason FROM archive_legal_holds WHERE id = $1`, [onLive]);

    await migrate(bed, {}, (runner) => sealedHolds.down(runner));
    const down = await rowsAsText();
    for (const text of TEXTS) expect(down).not.toContain(text);

    await migrate(bed, {}, (runner) => sealedHolds.up(runner));
    expect(await q(`SELECT reason, release_reason FROM archive_legal_holds WHERE id = $1`, [onLive])).toEqual(sealed);
  });
});
