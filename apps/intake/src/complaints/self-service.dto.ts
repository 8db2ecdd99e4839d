import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsEmail, IsIn, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { REPLY_CHANNELS } from '@complaints/contracts';
import {
  AttachmentDto,
  HasVisibleText,
  IsOptionalButNotNull,
  IsPostalAddress,
  MAX_ATTACHMENTS,
  MAX_DESCRIPTION_LENGTH,
  MAX_POSTAL_ADDRESS_LENGTH,
  MAX_POSTAL_ADDRESS_LINES,
  PHONE_MESSAGE,
  PHONE_PATTERN,
} from '@complaints/intake-adapters';

export class SupplementDto {
  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION_LENGTH, description: 'What the customer adds' })
  @IsOptionalButNotNull()
  @IsString()
  @HasVisibleText()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  text?: string;

  @ApiPropertyOptional({ type: [AttachmentDto], description: 'Files already in object storage' })
  @IsOptionalButNotNull()
  @ArrayMaxSize(MAX_ATTACHMENTS)
  @ValidateNested({ each: true })
  @Type(() => AttachmentDto)
  attachments?: AttachmentDto[];
}

/**
 * Each field given is a change (the service takes whatever is not undefined), so a field may be left
 * out but not sent as null: a null phone or e-mail would erase it, a null description would fail.
 */
export class AmendComplaintDto {
  @ApiPropertyOptional()
  @IsOptionalButNotNull()
  @Matches(PHONE_PATTERN, { message: PHONE_MESSAGE })
  phone?: string;

  @ApiPropertyOptional()
  @IsOptionalButNotNull()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({
    description: `A new postal address for letters (the customer moved): at most ${MAX_POSTAL_ADDRESS_LENGTH} characters on at most ${MAX_POSTAL_ADDRESS_LINES} lines, separated by line breaks`,
    example: '北京市西城区金融大街1号\n100033',
  })
  @IsOptionalButNotNull()
  @IsPostalAddress()
  postalAddress?: string;

  @ApiPropertyOptional({ enum: REPLY_CHANNELS })
  @IsOptionalButNotNull()
  @IsIn(REPLY_CHANNELS)
  preferredReplyChannel?: (typeof REPLY_CHANNELS)[number];

  @ApiPropertyOptional({ enum: ['zh-CN', 'en'] })
  @IsOptionalButNotNull()
  @IsIn(['zh-CN', 'en'])
  language?: 'zh-CN' | 'en';

  @ApiPropertyOptional({ maxLength: MAX_DESCRIPTION_LENGTH, description: 'A corrected description, replacing the earlier one' })
  @IsOptionalButNotNull()
  @IsString()
  @HasVisibleText()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string;
}

export class WithdrawDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptionalButNotNull()
  @IsString()
  @HasVisibleText()
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
