/**
 * The archive's record cannot be changed or removed from the service's side: the role the service
 * can run as is not granted UPDATE, DELETE or TRUNCATE on archive_entries, and owns nothing it
 * could alter; and even the owner, who holds every grant, is stopped by the append-only trigger.
 * Finally the service really runs as that role: the grants are all it needs.
 */
import { Client, DatabaseError } from 'pg';
import { eventually, TEST_DATABASE_URL } from '@complaints/testing';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { archiveWriterRole } from '../../apps/compliance-archive/src/migrations';
import { canonicalJson, chainHash } from '../../apps/compliance-archive/src/archive/hash-chain';
import { kafkaMessage, sampleEnvelopes } from '../archive-verify/archive-fixtures';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const EVENTS = 4;

/** The test database, logged in as `user` (the local cluster trusts 127.0.0.1). */
const urlAs = (user: string) => {
  const url = new URL(TEST_DATABASE_URL);
  url.username = user;
  url.password = '';
  return url.toString();
};

async function connect(url: string, schema: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query(`SET search_path TO "${schema}"`);
  return client;
}

/** The SQL error a statement fails with, or a failure of the test if it succeeds. */
async function refusal(client: Client, sql: string): Promise<{ code?: string; message: string }> {
  try {
    await client.query(sql);
  } catch (e) {
    const error = e as DatabaseError;
    return { code: error.code, message: error.message };
  }
  throw new Error(`expected to be refused, but it ran: ${sql}`);
}

describe('compliance archive: append-only for the role the service runs as, and for its owner', () => {
  let archive: ServiceUnderTest;
  let role: string;
  let admin: Client;
  let writer: Client | null = null;
  let asWriterService: ServiceUnderTest | null = null;

  /** Every stored entry, as text, to show that nothing changed. */
  const snapshot = async () =>
    (await admin.query(`SELECT seq::text, canonical, prev_hash, entry_hash FROM "${archive.schema}".archive_entries ORDER BY seq`)).rows;

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService);
    role = archiveWriterRole(archive.schema);
    admin = await connect(TEST_DATABASE_URL, archive.schema);
    const topic = `${archive.schema}.complaints.intake.v1`;
    const outcomes = [];
    for (const [i, envelope] of sampleEnvelopes(EVENTS).entries()) {
      outcomes.push(await archive.running.transport.handleRecord(topic, 0, kafkaMessage(envelope, i)));
    }
    expect(outcomes).toEqual(Array(EVENTS).fill('handled'));
  });

  afterAll(async () => {
    await writer?.end().catch(() => undefined);
    if (asWriterService) {
      await asWriterService.running.stop();
      await asWriterService.pg.end();
    }
    await archive?.stop();
    if (admin && role) {
      await admin.query(`DROP OWNED BY "${role}"`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS "${role}"`);
      await admin.end();
    }
  });

  it('the migration made a login role named after the schema, neither superuser nor owner', async () => {
    expect(role).toBe(`${archive.schema}_writer`);
    const { rows } = await admin.query(
      `SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = $1`,
      [role],
    );
    expect(rows).toEqual([
      { rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false, comment: expect.stringContaining(`schema ${archive.schema}`) },
    ]);
    const owned = await admin.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tableowner = $2`, [archive.schema, role]);
    expect(owned.rows).toEqual([]);
  });

  it('grants the role exactly what the service needs, and no UPDATE, DELETE or TRUNCATE on the record', async () => {
    const privileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
    const tables = ['archive_entries', 'chain_head', 'archive_retrievals', 'outbox', 'processed_events', 'webhook_nonces', 'schema_migrations'];
    const granted: Record<string, string[]> = {};
    for (const table of tables) {
      granted[table] = [];
      for (const privilege of privileges) {
        const { rows } = await admin.query(`SELECT has_table_privilege($1, $2, $3) AS yes`, [role, `"${archive.schema}".${table}`, privilege]);
        if (rows[0].yes) granted[table].push(privilege);
      }
    }
    expect(granted).toEqual({
      archive_entries: ['SELECT', 'INSERT'],
      chain_head: ['SELECT', 'UPDATE'],
      archive_retrievals: ['SELECT', 'INSERT'],
      outbox: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
      processed_events: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
      webhook_nonces: ['SELECT', 'INSERT', 'DELETE'],
      schema_migrations: ['SELECT'],
    });
    const schema = await admin.query(`SELECT has_schema_privilege($1, $2, 'USAGE') AS usage, has_schema_privilege($1, $2, 'CREATE') AS "create"`, [role, archive.schema]);
    expect(schema.rows).toEqual([{ usage: true, create: false }]);
  });

  it('as the writer role, UPDATE, DELETE and TRUNCATE of archive_entries are refused with permission denied', async () => {
    writer = await connect(urlAs(role), archive.schema);
    expect((await writer.query(`SELECT current_user AS who`)).rows[0].who).toBe(role);
    const before = await snapshot();
    expect(before).toHaveLength(EVENTS);

    const denied = `permission denied for table archive_entries`;
    const attempts = [
      `UPDATE archive_entries SET canonical = replace(canonical, 'medium', 'low') WHERE seq = 2`,
      `UPDATE archive_entries SET entry_hash = entry_hash`,
      `DELETE FROM archive_entries WHERE seq = ${EVENTS}`,
      `DELETE FROM archive_entries`,
      `TRUNCATE archive_entries`,
      `TRUNCATE archive_entries CASCADE`,
    ];
    for (const sql of attempts) {
      expect({ sql, refused: await refusal(writer, sql) }).toEqual({ sql, refused: { code: '42501', message: denied } });
    }
    // Nor can it take the protection away: only the owner may alter the table or its trigger.
    for (const sql of [
      `ALTER TABLE archive_entries DISABLE TRIGGER archive_entries_append_only`,
      `DROP TRIGGER archive_entries_append_only ON archive_entries`,
      `DROP TABLE archive_entries`,
      `CREATE TABLE archive_entries_copy (seq bigint)`,
    ]) {
      expect({ sql, code: (await refusal(writer, sql)).code }).toEqual({ sql, code: '42501' });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('as the writer role, INSERT works: it appends the next linked entry and moves the head, as the service does', async () => {
    writer ??= await connect(urlAs(role), archive.schema);
    const [event] = sampleEnvelopes(1);
    await writer.query('BEGIN');
    const [head] = (await writer.query(`SELECT seq::text AS seq, entry_hash FROM chain_head FOR UPDATE`)).rows;
    const canonical = canonicalJson(event);
    const seq = String(Number(head.seq) + 1);
    const entryHash = chainHash(head.entry_hash, canonical);
    await writer.query(
      `INSERT INTO archive_entries (seq, event_id, complaint_id, event_type, event_version, producer, occurred_at, source_topic,
         source_partition, source_offset, canonical, prev_hash, entry_hash, archived_at)
       VALUES ($1, $2, $3, $4, 1, 'intake', $5, 'direct', 0, 0, $6, $7, $8, now())`,
      [seq, event.eventId, event.complaintId, event.type, event.occurredAt, canonical, head.entry_hash, entryHash],
    );
    await writer.query(`UPDATE chain_head SET seq = $1, entry_hash = $2`, [seq, entryHash]);
    await writer.query('COMMIT');
    expect(seq).toBe(String(EVENTS + 1));

    const officer = await archive.issuer.token('compliance-officer');
    const res = await fetch(`${archive.baseUrl}/v1/archive/integrity`, { headers: { authorization: `Bearer ${officer}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ intact: true, entries: EVENTS + 1 });
  });

  it('as the owner, who holds every grant, UPDATE, DELETE and TRUNCATE are still refused, by the trigger', async () => {
    const owner = await connect(TEST_DATABASE_URL, archive.schema);
    try {
      const { rows } = await owner.query(`SELECT tableowner = current_user AS owns FROM pg_tables WHERE schemaname = $1 AND tablename = 'archive_entries'`, [archive.schema]);
      expect(rows).toEqual([{ owns: true }]);
      const before = await snapshot();
      for (const [sql, op] of [
        [`UPDATE archive_entries SET canonical = replace(canonical, 'medium', 'low') WHERE seq = 2`, 'UPDATE'],
        [`DELETE FROM archive_entries WHERE seq = 1`, 'DELETE'],
        [`DELETE FROM archive_entries`, 'DELETE'],
        [`TRUNCATE archive_entries`, 'TRUNCATE'],
      ]) {
        expect({ sql, refused: await refusal(owner, sql) }).toEqual({
          sql,
          refused: { code: '42501', message: `archive_entries is append-only: ${op} refused` },
        });
      }
      expect(await snapshot()).toEqual(before);
    } finally {
      await owner.end();
    }
  });

  it('the service runs as the writer login: it archives, verifies, exports, publishes and prunes its messaging tables with these grants alone', async () => {
    // One archive per schema: the owner's instance steps aside (its schema stays) so that the
    // relay of the writer's instance, not the owner's, is the one that publishes the outbox.
    await archive.running.stop();
    // The platform's start-up runs `CREATE SCHEMA IF NOT EXISTS`, which Postgres refuses without
    // CREATE on the database even when the schema exists (see docs/archive.md); granted for this
    // test only, it lets the writer create empty schemas of its own and nothing more.
    const [{ db }] = (await admin.query(`SELECT current_database() AS db`)).rows;
    await admin.query(`GRANT CREATE ON DATABASE "${db}" TO "${role}"`);
    // Messaging rows past their keeping time: the writer's relay must be allowed to delete them.
    await admin.query(
      `INSERT INTO "${archive.schema}".outbox (event_id, topic, message_key, value, created_at, published_at)
       VALUES (gen_random_uuid(), 'an-old-topic', 'an-old-row', '\\x00', now() - interval '8 days', now() - interval '8 days')`,
    );
    await admin.query(
      `INSERT INTO "${archive.schema}".processed_events (consumer_group, event_id, outcome, processed_at)
       VALUES ('an-old-group', 'an-old-event', 'handled', now() - interval '130 days')`,
    );
    asWriterService = await startInProcess(complianceArchiveService, { DATABASE_URL: urlAs(role), DB_SCHEMA: archive.schema });

    const sessions = await admin.query(`SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND usename = $2`, [db, role]);
    expect(sessions.rows).toEqual([{ usename: role }]);

    const topic = `${archive.schema}.complaints.triage.v1`;
    const [envelope] = sampleEnvelopes(1);
    expect(await asWriterService.running.transport.handleRecord(topic, 0, kafkaMessage(envelope, 100))).toBe('handled');
    // a redelivery is recognised (processed_events) and not appended twice
    expect(await asWriterService.running.transport.handleRecord(topic, 0, kafkaMessage(envelope, 100))).toBe('duplicate');

    const officer = await asWriterService.issuer.token('compliance-officer');
    const get = (path: string) =>
      fetch(`${asWriterService!.baseUrl}${path}`, { headers: { authorization: `Bearer ${officer}`, 'x-retrieval-purpose': 'internal-audit' } });
    const integrity = await get('/v1/archive/integrity');
    expect(await integrity.json()).toMatchObject({ intact: true, entries: EVENTS + 2 });
    const exported = await get('/v1/archive/export');
    expect(exported.status).toBe(200);
    expect(((await exported.json()) as { entries: unknown[] }).entries).toHaveLength(EVENTS + 2);

    // Reading a complaint's record puts the reading on the record: through the outbox, published by the writer's relay.
    const record = await fetch(`${asWriterService!.baseUrl}/v1/archive/complaints/${String(envelope.complaintId)}`, {
      headers: { authorization: `Bearer ${officer}`, 'x-retrieval-purpose': 'internal-audit' },
    });
    expect(record.status).toBe(200);
    // ...and in the retrieval log, which the writer may append to but not change.
    expect((await admin.query(`SELECT what, purpose FROM "${archive.schema}".archive_retrievals ORDER BY at`)).rows).toEqual([
      { what: 'GET /v1/archive/export', purpose: 'internal-audit' },
      { what: 'GET /v1/archive/complaints/:complaintId', purpose: 'internal-audit' },
    ]);
    const published = await eventually(
      async () => {
        const { rows } = await admin.query(`SELECT published_at IS NOT NULL AS published FROM "${archive.schema}".outbox`);
        return rows.length === 1 && rows[0].published ? rows : null;
      },
      { what: 'the staff-action event published by the relay running as the writer' },
    );
    expect(published).toEqual([{ published: true }]);
    await eventually(
      async () => {
        const { rows } = await admin.query(
          `SELECT (SELECT count(*) FROM "${archive.schema}".outbox WHERE message_key = 'an-old-row')::int
                + (SELECT count(*) FROM "${archive.schema}".processed_events WHERE event_id = 'an-old-event')::int AS left`,
        );
        return rows[0].left === 0 || null;
      },
      { what: 'the rows past their keeping time deleted by the relay running as the writer' },
    );
  });
});
