import { TOPICS } from '@complaints/contracts';
import { runService } from '@complaints/platform';
import { ComplaintRecord } from './complaints/complaint.entity';
import { IntakeModule } from './intake.module';
import { intakeMigrations } from './migrations';

export const intakeService = {
  name: 'intake' as const,
  title: 'Intake',
  description: 'Accepts complaints from every channel, issues ticket numbers and deadlines, answers "where is my complaint?"',
  module: IntakeModule,
  entities: [ComplaintRecord],
  migrations: intakeMigrations,
  consumes: [TOPICS.triage, TOPICS.investigation],
};

if (require.main === module) runService(intakeService);
