/**
 * Tampering by someone who can get past the trigger (a superuser disabling it) is still found:
 * GET /v1/archive/integrity names the first entry that does not verify, and why, whether its
 * hashed text or a column it is selected by (complaint_id, event_type, occurred_at) changed. Each case
 * changes the stored record directly, checks the verdict, then puts the record back and checks
 * that it verifies again, so the verdict is about that change and nothing else.
 */
import { Client } from 'pg';
import { TEST_DATABASE_URL } from '@complaints/testing';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { archiveWriterRole } from '../../apps/compliance-archive/src/migrations';
import { kafkaMessage, sampleEnvelopes } from '../archive-verify/archive-fixtures';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const EVENTS = 5;

/** One ASCII letter or digit of `text`, at or after its middle, changed: one byte, same length. */
function oneCharacterChanged(text: string): string {
  for (let i = Math.floor(text.length / 2); i < text.length; i++) {
    const c = text[i];
    if (/[a-z]/.test(c)) return `${text.slice(0, i)}${c.toUpperCase()}${text.slice(i + 1)}`;
    if (/[A-Z]/.test(c)) return `${text.slice(0, i)}${c.toLowerCase()}${text.slice(i + 1)}`;
    if (/[0-9]/.test(c)) return `${text.slice(0, i)}${(Number(c) + 1) % 10}${text.slice(i + 1)}`;
  }
  throw new Error('nothing to change');
}

describe('compliance archive: tampering with stored entries is found and the entry named', () => {
  let archive: ServiceUnderTest;
  let superuser: Client;

  const integrity = async (role: 'compliance-officer' | 'auditor' | 'administrator' = 'compliance-officer') => {
    const res = await fetch(`${archive.baseUrl}/v1/archive/integrity`, { headers: { authorization: `Bearer ${await archive.issuer.token(role)}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };

  /** Runs `sql` as superuser with the append-only trigger off, in one transaction, and turns it back on. */
  const tamper = async (sql: string, params: unknown[] = []) => {
    await superuser.query('BEGIN');
    try {
      await superuser.query(`ALTER TABLE archive_entries DISABLE TRIGGER archive_entries_append_only`);
      const result = await superuser.query(sql, params);
      await superuser.query(`ALTER TABLE archive_entries ENABLE TRIGGER archive_entries_append_only`);
      await superuser.query('COMMIT');
      return result;
    } catch (e) {
      await superuser.query('ROLLBACK');
      throw e;
    }
  };

  const entry = async (seq: number) =>
    (await superuser.query(`SELECT canonical FROM archive_entries WHERE seq = $1`, [seq])).rows[0] as { canonical: string };

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService);
    superuser = new Client({ connectionString: TEST_DATABASE_URL });
    await superuser.connect();
    await superuser.query(`SET search_path TO "${archive.schema}"`);
    const topic = `${archive.schema}.complaints.intake.v1`;
    for (const [i, envelope] of sampleEnvelopes(EVENTS).entries()) {
      expect(await archive.running.transport.handleRecord(topic, 0, kafkaMessage(envelope, i))).toBe('handled');
    }
  });

  afterAll(async () => {
    await archive?.stop();
    // Roles are cluster-wide: the schema went with the service, its writer role goes here.
    if (superuser && archive) await superuser.query(`DROP ROLE IF EXISTS "${archiveWriterRole(archive.schema)}"`);
    await superuser?.end();
  });

  afterEach(async () => {
    // every case leaves the trigger on
    const { rows } = await superuser.query(`SELECT tgenabled FROM pg_trigger WHERE tgname = 'archive_entries_append_only' AND tgrelid = 'archive_entries'::regclass`);
    expect(rows).toEqual([{ tgenabled: 'O' }]);
  });

  it('the untouched archive verifies, for every role that may ask', async () => {
    for (const role of ['compliance-officer', 'auditor', 'administrator'] as const) {
      expect(await integrity(role)).toMatchObject({ intact: true, entries: EVENTS });
    }
  });

  it.each(Array.from({ length: EVENTS }, (_, i) => i + 1))('one character changed in the stored text of entry %i is found, and that entry named', async (seq) => {
    const original = (await entry(seq)).canonical;
    const changed = oneCharacterChanged(original);
    expect(Buffer.from(changed).length).toBe(Buffer.from(original).length);
    expect([...Buffer.from(changed)].filter((b, i) => b !== Buffer.from(original)[i])).toHaveLength(1);

    expect((await tamper(`UPDATE archive_entries SET canonical = $2 WHERE seq = $1`, [seq, changed])).rowCount).toBe(1);
    const verdict = await integrity();
    expect(verdict).toMatchObject({
      chainIntact: false,
      checkedAt: expect.any(String),
      intact: false,
      entries: seq,
      brokenAtSeq: String(seq),
      problem: 'entry content does not match its hash',
    });

    await tamper(`UPDATE archive_entries SET canonical = $2 WHERE seq = $1`, [seq, original]);
    expect(await integrity()).toMatchObject({ intact: true, entries: EVENTS });
  });

  // Records, dossiers, holds and retention select and order entries by these columns; only the text is hashed.
  it.each([
    ['occurred_at', `occurred_at = occurred_at - interval '10 years'`],
    ['complaint_id', `complaint_id = '00000000-0000-4000-8000-000000000000'`],
    ['event_type', `event_type = 'complaint.withdrawn'`],
  ])('a stored %s changed, the text and hashes untouched, is found and the entry named', async (column, set) => {
    const seq = 3;
    const before = (await superuser.query(`SELECT complaint_id, event_type, occurred_at FROM archive_entries WHERE seq = $1`, [seq])).rows[0];
    expect((await tamper(`UPDATE archive_entries SET ${set} WHERE seq = $1`, [seq])).rowCount).toBe(1);
    try {
      expect(await integrity()).toMatchObject({
        chainIntact: false,
        intact: false,
        entries: seq,
        brokenAtSeq: String(seq),
        problem: `stored ${column} does not match the entry's canonical text`,
      });
    } finally {
      await tamper(`UPDATE archive_entries SET complaint_id = $2, event_type = $3, occurred_at = $4 WHERE seq = $1`, [seq, before.complaint_id, before.event_type, before.occurred_at]);
    }
    expect(await integrity()).toMatchObject({ intact: true, entries: EVENTS });
  });

  it('an entry deleted from the middle is found at the entry after the gap', async () => {
    await superuser.query(`CREATE TEMP TABLE removed AS SELECT * FROM archive_entries WHERE seq = 3`);
    try {
      await tamper(`DELETE FROM archive_entries WHERE seq = 3`);
      expect(await integrity()).toMatchObject({ intact: false, brokenAtSeq: '4', problem: 'previous-hash link does not match the entry before it' });
    } finally {
      await superuser.query(`INSERT INTO archive_entries SELECT * FROM removed`);
      await superuser.query(`DROP TABLE removed`);
    }
    expect(await integrity()).toMatchObject({ intact: true, entries: EVENTS });
  });

  it('the newest entries deleted are found against the chain head, naming the first one missing', async () => {
    await superuser.query(`CREATE TEMP TABLE removed AS SELECT * FROM archive_entries WHERE seq >= ${EVENTS - 1}`);
    try {
      await tamper(`DELETE FROM archive_entries WHERE seq >= $1`, [EVENTS - 1]);
      expect(await integrity()).toMatchObject({
        chainIntact: false,
        checkedAt: expect.any(String),
        intact: false,
        entries: EVENTS - 2,
        brokenAtSeq: String(EVENTS - 1),
        problem: `entries are missing: the chain ends at seq ${EVENTS - 2} but its head records seq ${EVENTS}`,
      });
    } finally {
      await superuser.query(`INSERT INTO archive_entries SELECT * FROM removed`);
      await superuser.query(`DROP TABLE removed`);
    }
    expect(await integrity()).toMatchObject({ intact: true, entries: EVENTS });
  });

  it('an entry renumbered with its links intact is found by its seq', async () => {
    await tamper(`UPDATE archive_entries SET seq = seq + 10 WHERE seq = $1`, [EVENTS]);
    try {
      expect(await integrity()).toMatchObject({ intact: false, brokenAtSeq: String(EVENTS + 10), problem: `sequence number is not ${EVENTS}, the one after the entry before it` });
    } finally {
      await tamper(`UPDATE archive_entries SET seq = seq - 10 WHERE seq = $1`, [EVENTS + 10]);
    }
    expect(await integrity()).toMatchObject({ intact: true, entries: EVENTS });
  });
});
