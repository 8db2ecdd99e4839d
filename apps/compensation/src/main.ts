import { TOPICS } from '@complaints/contracts';
import { runService } from '@complaints/platform';
import { CompensationModule } from './compensation.module';
import { compensationMigrations } from './migrations';
import { RemedyRecord } from './remedies/remedy.entity';

export const compensationService = {
  name: 'compensation' as const,
  title: 'Compensation',
  description: 'Remedies, approvals and payouts',
  module: CompensationModule,
  entities: [RemedyRecord],
  migrations: compensationMigrations,
  consumes: [TOPICS.intake, TOPICS.investigation],
  handlersStayInTheDatabase: true,
};

if (require.main === module) runService(compensationService);
