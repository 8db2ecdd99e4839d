import { Module } from '@nestjs/common';
import { FieldCipher } from '@complaints/platform';
import { deliveryChannelsFromEnvironment } from './channels/channels.factory';
import { DELIVERY_CHANNEL_ADAPTERS } from './channels/delivery-channel';
import { CustomerDelivery, FIELD_CIPHER } from './delivery/customer-delivery';
import { CustomerMessagesController } from './messages/customer-messages.controller';

@Module({
  controllers: [CustomerMessagesController],
  providers: [
    { provide: DELIVERY_CHANNEL_ADAPTERS, useFactory: () => deliveryChannelsFromEnvironment() },
    { provide: FIELD_CIPHER, useFactory: () => FieldCipher.fromEnv() },
    CustomerDelivery,
  ],
})
export class NotificationModule {}
