import { TOPICS } from '@complaints/contracts';
import { runService } from '@complaints/platform';
import { CustomerMessage } from './messages/customer-message.entity';
import { notificationMigrations } from './migrations';
import { NotificationModule } from './notification.module';

export const notificationService = {
  name: 'notification' as const,
  title: 'Notification',
  description: 'Acknowledgements, progress notices and final responses over the customer\'s chosen channel',
  module: NotificationModule,
  entities: [CustomerMessage],
  migrations: notificationMigrations,
  consumes: [TOPICS.intake, TOPICS.triage, TOPICS.investigation],
};

if (require.main === module) runService(notificationService);
