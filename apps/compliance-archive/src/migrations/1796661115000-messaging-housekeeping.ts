import { MigrationInterface, QueryRunner } from 'typeorm';
import { archiveWriterRole, ident, schemaOf } from './index';

/**
 * The outbox relay deletes published outbox rows and processed-event records past their keeping
 * time (docs/operations.md, "Database housekeeping"); running as the writer role, it needs DELETE
 * on those two tables. They are the service's messaging state, not the record: the archive's own
 * tables keep their grants.
 */
export class ArchiveMessagingHousekeeping1796661115000 implements MigrationInterface {
  name = 'ArchiveMessagingHousekeeping1796661115000';

  async up(q: QueryRunner): Promise<void> {
    await grantOrRevoke(q, (tables, role) => `GRANT DELETE ON ${tables} TO ${role}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await grantOrRevoke(q, (tables, role) => `REVOKE DELETE ON ${tables} FROM ${role}`);
  }
}

/** Runs the statement for the writer role if it exists, as the archive's other grant migrations do. */
async function grantOrRevoke(q: QueryRunner, statement: (tables: string, role: string) => string): Promise<void> {
  const schema = await schemaOf(q);
  const role = archiveWriterRole(schema);
  const [{ exists }]: { exists: boolean }[] = await q.query(`SELECT to_regrole($1) IS NOT NULL AS exists`, [ident(role)]);
  if (exists) await q.query(statement(`${ident(schema)}.outbox, ${ident(schema)}.processed_events`, ident(role)));
}
