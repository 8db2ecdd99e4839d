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
  // Its one lock shared between complaints (a product and cause's spike watch) is taken through
  // EventContext.lockFor, which never waits while holding another.
  handlersStayInTheDatabase: true,
};

if (require.main === module) runService(triageService);
