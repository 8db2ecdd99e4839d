// npm run archive:reindex: catches the compliance archive's complaint index up with its entries.
// The index is a projection of the archived events (docs/archive.md, "The complaint index"); a
// migration that changes it rebuilds it, but during a rolling update replicas still on the earlier
// version go on projecting the old way until they are replaced. Run this once the rollout is done.
// Idempotent; it never deletes and never touches the chain. Uses DATABASE_URL (the owner, or a role
// that may write the index tables) and the archive's schema (DB_SCHEMA, default compliance_archive).
import { databaseConfigFromEnv, openDatabase } from '@complaints/platform';
import { ComplaintIndex } from '../../apps/compliance-archive/src/search/complaint-index';
import type { DataSource } from 'typeorm';

/** Rebuilds the index in one transaction; answers how many events were projected. */
export async function reindexArchive(dataSource: DataSource): Promise<number> {
  return dataSource.transaction((manager) => new ComplaintIndex().rebuild(manager));
}

async function main() {
  const dataSource = await openDatabase(databaseConfigFromEnv('compliance-archive'), [], []);
  try {
    const started = Date.now();
    const projected = await reindexArchive(dataSource);
    console.log(`archive:reindex: ${projected} events projected into the complaint index in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
