import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { DataSource } from 'typeorm';
import { DELIVERY_STATUSES } from '@complaints/contracts';
import { ProblemException, SignedWebhook } from '@complaints/platform';
import { CustomerDelivery, ReceiptStatus } from '../delivery/customer-delivery';
import { PROVIDER_CHANNELS, ProviderChannel } from './provider-signatures';

const PROBLEMS = 'https://complaints.example/problems/';

export class DeliveryReceiptDto {
  @ApiPropertyOptional({ description: 'Our message id (the Idempotency-Key, Message-ID or clientReference we sent)' })
  @IsOptional()
  @IsUUID()
  messageId?: string;

  @ApiPropertyOptional({ description: "The provider's own id for the message, as it answered our send" })
  @IsOptional()
  @IsString()
  @Matches(/^[\x21-\x7e]{1,200}$/, { message: 'providerReference must be 1-200 printable ASCII characters' })
  providerReference?: string;

  @ApiProperty({ enum: DELIVERY_STATUSES })
  @IsIn(DELIVERY_STATUSES)
  status!: ReceiptStatus;

  @ApiPropertyOptional({ maxLength: 500, description: "The provider's explanation of a bounce or failure" })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional({ description: 'When it happened at the provider' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  occurredAt?: string;
}

/**
 * Where providers report what became of a message after they accepted it: delivered, bounced or
 * failed. Each provider signs with its own secret (PROVIDER_WEBHOOK_SECRETS); a receipt is
 * recorded once, and a bounce or failure moves the message on to its next channel.
 */
@ApiTags('notifications')
@Controller('v1/notifications/receipts')
export class DeliveryReceiptsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly delivery: CustomerDelivery,
  ) {}

  @Post(':channel')
  @SignedWebhook('channel')
  @HttpCode(200)
  @ApiOperation({ summary: "A provider's delivery receipt for a message, by our message id or its own reference" })
  @ApiParam({ name: 'channel', enum: PROVIDER_CHANNELS })
  @ApiResponse({ status: 200, description: 'Recorded (or recorded before: duplicate true); the message\'s status as it now stands' })
  @ApiResponse({ status: 404, description: 'No message went over this channel under that id' })
  async recordReceipt(@Param('channel') channel: ProviderChannel, @Body() dto: DeliveryReceiptDto) {
    if (!dto.messageId && !dto.providerReference) {
      throw new ProblemException({
        type: `${PROBLEMS}validation`,
        title: 'The request is not valid',
        status: 400,
        errors: [{ path: 'messageId', message: 'a receipt names the message by messageId or providerReference' }],
      });
    }
    const recorded = await this.dataSource.transaction((manager) => this.delivery.recordReceipt(manager, channel, dto, new Date()));
    if (!recorded) {
      throw new ProblemException({ type: `${PROBLEMS}not-found`, title: 'Not found', status: 404, detail: `no message went over ${channel} under that id` });
    }
    return { messageId: recorded.message.id, status: recorded.message.status, duplicate: recorded.duplicate };
  }
}
