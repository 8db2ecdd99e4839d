import { TOPICS } from '@complaints/contracts';
import { runService } from '@complaints/platform';
import { CustomerMessage } from './messages/customer-message.entity';
import { notificationMigrations } from './migrations';
import { NotificationModule } from './notification.module';
import { providerSecretsFromEnv, ProviderWebhookVerifier } from './receipts/provider-signatures';

export const notificationService = {
  name: 'notification' as const,
  title: 'Notification',
  description: "Acknowledgements, progress notices, final responses, compensation notices and the follow-up survey over the customer's chosen channel",
  module: NotificationModule,
  entities: [CustomerMessage],
  migrations: notificationMigrations,
  consumes: [TOPICS.intake, TOPICS.triage, TOPICS.investigation, TOPICS.compensation],
  // Providers (delivery receipts, survey replies by text) sign with a secret of their own each.
  webhookVerifier: () => new ProviderWebhookVerifier(providerSecretsFromEnv()),
};

if (require.main === module) runService(notificationService);
