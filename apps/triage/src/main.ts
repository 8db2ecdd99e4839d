import { TOPICS } from '@complaints/contracts';
import { runService } from '@complaints/platform';
import { triageMigrations } from './migrations';
import { SystemicIncidentRecord, TriageDecisionRecord, TriageRevisionRecord } from './triage/triage-decision.entity';
import { TriageModule } from './triage.module';

export const triageService = {
  name: 'triage' as const,
  title: 'Triage',
  description: 'Classifies complaints, weighs their severity, routes them and starts the regulatory clock',
  module: TriageModule,
  entities: [TriageDecisionRecord, TriageRevisionRecord, SystemicIncidentRecord],
  migrations: triageMigrations,
  consumes: [TOPICS.intake, TOPICS.investigation],
};

if (require.main === module) runService(triageService);
