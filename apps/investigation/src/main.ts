import { TOPICS } from '@complaints/contracts';
import { runService } from '@complaints/platform';
import { CaseRecord } from './cases/case.entity';
import { InvestigationModule } from './investigation.module';
import { investigationMigrations } from './migrations';

export const investigationService = {
  name: 'investigation' as const,
  title: 'Investigation',
  description: 'The case: assignment, findings and the reasoned resolution',
  module: InvestigationModule,
  entities: [CaseRecord],
  migrations: investigationMigrations,
  consumes: [TOPICS.triage, TOPICS.intake],
};

if (require.main === module) runService(investigationService);
