import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { REPLY_CHANNELS } from '@complaints/contracts';
import { AttachmentDto, MAX_ATTACHMENTS, MAX_DESCRIPTION_LENGTH } from '@complaints/intake-adapters';

export class SupplementDto {
  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION_LENGTH, description: 'What the customer adds' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  text?: string;

  @ApiPropertyOptional({ type: [AttachmentDto], description: 'Files already in object storage' })
  @IsOptional()
  @ArrayMaxSize(MAX_ATTACHMENTS)
  @ValidateNested({ each: true })
  @Type(() => AttachmentDto)
  attachments?: AttachmentDto[];
}

export class AmendComplaintDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^\+?[0-9 -]{5,20}$/, { message: 'phone must be digits, spaces or dashes, optionally with a leading +' })
  phone?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ enum: REPLY_CHANNELS })
  @IsOptional()
  @IsIn(REPLY_CHANNELS)
  preferredReplyChannel?: (typeof REPLY_CHANNELS)[number];

  @ApiPropertyOptional({ enum: ['zh-CN', 'en'] })
  @IsOptional()
  @IsIn(['zh-CN', 'en'])
  language?: 'zh-CN' | 'en';

  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION_LENGTH, description: 'A corrected description, replacing the earlier one' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string;
}

export class WithdrawDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class TimelineEntry {
  @ApiProperty() at!: string;
  @ApiProperty({ description: 'The event behind the entry, e.g. case.opened' }) event!: string;
  @ApiProperty() label!: { 'zh-CN': string; en: string };
}

export class CustomerComplaintView {
  @ApiProperty() ticketNumber!: string;
  @ApiProperty({ enum: ['pending', 'in-progress', 'replied', 'resolved', 'withdrawn'] })
  status!: 'pending' | 'in-progress' | 'replied' | 'resolved' | 'withdrawn';
  @ApiProperty() statusLabel!: { 'zh-CN': string; en: string };
  @ApiProperty() receivedAt!: string;
  @ApiProperty() responseDueBy!: string;
  @ApiProperty() statusChangedAt!: string;
  @ApiProperty({ type: [TimelineEntry], description: 'Customer-safe: fixed wording, no department, staff or internal notes' })
  timeline!: TimelineEntry[];
}
