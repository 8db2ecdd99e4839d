import { TOPICS } from '@complaints/contracts';
import { runService } from '@complaints/platform';
import { ComplaintRecord } from './complaints/complaint.entity';
import { AdapterWebhookVerifier, channelAdaptersFromEnv } from './complaints/channel-adapters';
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
  handlersStayInTheDatabase: true,
  // Each channel's adapter verifies its own webhooks (WeChat signs differently from the rest).
  webhookVerifier: () => new AdapterWebhookVerifier(channelAdaptersFromEnv()),
  channelWebhooks: true,
};

if (require.main === module) runService(intakeService);
