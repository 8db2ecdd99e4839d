// npm run db:migrate [-- <service> ...]: creates the database and each service's schema and runs its
// migrations (the services also run them at start-up). Uses DATABASE_URL and, per service, its schema.
import { ServiceName, SERVICES } from '@complaints/contracts';
import { databaseConfigFromEnv, openDatabase, PLATFORM_MIGRATIONS } from '@complaints/platform';
import { compensationMigrations } from '../../apps/compensation/src/migrations';
import { archiveMigrations } from '../../apps/compliance-archive/src/migrations';
import { intakeMigrations } from '../../apps/intake/src/migrations';
import { investigationMigrations } from '../../apps/investigation/src/migrations';
import { notificationMigrations } from '../../apps/notification/src/migrations';
import { triageMigrations } from '../../apps/triage/src/migrations';

const MIGRATIONS: Record<ServiceName, Function[]> = {
  intake: intakeMigrations,
  triage: triageMigrations,
  investigation: investigationMigrations,
  compensation: compensationMigrations,
  notification: notificationMigrations,
  'compliance-archive': archiveMigrations,
};

async function main() {
  const requested = process.argv.slice(2) as ServiceName[];
  const unknown = requested.filter((s) => !SERVICES.includes(s));
  if (unknown.length) throw new Error(`unknown service(s): ${unknown.join(', ')}`);
  for (const service of requested.length ? requested : SERVICES) {
    const config = databaseConfigFromEnv(service, { ...process.env, DB_SCHEMA: undefined });
    const dataSource = await openDatabase(config, [], [...PLATFORM_MIGRATIONS, ...MIGRATIONS[service]]);
    const applied: { name: string }[] = await dataSource.query(`SELECT name FROM schema_migrations ORDER BY id`);
    console.log(`${service}: schema ${config.schema} at ${applied.map((m) => m.name).join(', ')}`);
    await dataSource.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
