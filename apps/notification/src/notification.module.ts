import { Module } from '@nestjs/common';
import { FieldCipher } from '@complaints/platform';
import { deliveryChannelsFromEnvironment } from './channels/channels.factory';
import { DELIVERY_CHANNEL_ADAPTERS } from './channels/delivery-channel';
import { CustomerDelivery, FIELD_CIPHER } from './delivery/customer-delivery';
import { DELIVERY_POLICY, deliveryPolicyFromEnv } from './delivery/delivery-policy';
import { HeldMessages } from './delivery/held-messages';
import { CustomerMessagesController } from './messages/customer-messages.controller';
import { DeliveryReceiptsController } from './receipts/delivery-receipts.controller';
import { FollowUpSurveys, SURVEY_SETTINGS, surveySettingsFromEnv } from './surveys/follow-up-surveys';
import { SurveysController } from './surveys/surveys.controller';

@Module({
  controllers: [CustomerMessagesController, DeliveryReceiptsController, SurveysController],
  providers: [
    { provide: DELIVERY_CHANNEL_ADAPTERS, useFactory: () => deliveryChannelsFromEnvironment() },
    { provide: FIELD_CIPHER, useFactory: () => FieldCipher.fromEnv() },
    { provide: DELIVERY_POLICY, useFactory: () => deliveryPolicyFromEnv() },
    { provide: SURVEY_SETTINGS, useFactory: () => surveySettingsFromEnv() },
    CustomerDelivery,
    HeldMessages,
    FollowUpSurveys,
  ],
})
export class NotificationModule {}
