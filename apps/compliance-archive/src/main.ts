import { TOPICS } from '@complaints/contracts';
import { runService } from '@complaints/platform';
import { ArchiveEntry } from './archive/archive-entry.entity';
import { ComplianceArchiveModule } from './compliance-archive.module';
import { archiveMigrations } from './migrations';

export const complianceArchiveService = {
  name: 'compliance-archive' as const,
  title: 'Compliance archive',
  description: 'Append-only, hash-chained record of every event; retrieval for compliance officers',
  module: ComplianceArchiveModule,
  entities: [ArchiveEntry],
  migrations: archiveMigrations,
  consumes: Object.values(TOPICS),
  // One transaction per batch takes the chain head's lock once instead of once per event.
  handlersStayInTheDatabase: true,
};

if (require.main === module) runService(complianceArchiveService);
