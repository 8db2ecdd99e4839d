import { Module } from '@nestjs/common';
import { CustomerMessagesController } from './messages/customer-messages.controller';

@Module({ controllers: [CustomerMessagesController] })
export class NotificationModule {}
