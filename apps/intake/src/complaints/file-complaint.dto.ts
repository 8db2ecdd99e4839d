import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsEmail,
  IsObject,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CHANNELS, REPLY_CHANNELS } from '@complaints/contracts';

/** The documented maximum length of a complaint's description, in characters. */
export const MAX_DESCRIPTION_LENGTH = 4000;

export class ComplainantDto {
  @ApiPropertyOptional({ description: "The bank's customer number, when the complainant is a customer" })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  customerId?: string;

  @ApiProperty({ example: '张三' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({ example: '13800138000' })
  @IsOptional()
  @Matches(/^\+?[0-9 -]{5,20}$/, { message: 'phone must be digits, spaces or dashes, optionally with a leading +' })
  phone?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'National ID or passport number' })
  @IsOptional()
  @Matches(/^[0-9A-Za-z]{6,20}$/, { message: 'idNumber must be 6-20 letters or digits' })
  idNumber?: string;
}

export class MoneyDto {
  @ApiProperty({ description: 'Integer minor units (fen, cents)', example: 50000 })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amountMinor!: number;

  @ApiProperty({ example: 'CNY' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as CNY' })
  currency!: string;
}

export class FileComplaintDto {
  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel!: (typeof CHANNELS)[number];

  @ApiPropertyOptional({ description: "The channel's own reference (call id, message id, ...)" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  channelReference?: string;

  @ApiProperty({ type: ComplainantDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ComplainantDto)
  complainant!: ComplainantDto;

  @ApiProperty({ maxLength: MAX_DESCRIPTION_LENGTH })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description!: string;

  @ApiPropertyOptional({ example: 'credit card' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  productHint?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsISO8601({ strict: true })
  occurredAt?: string;

  @ApiPropertyOptional({ type: MoneyDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  amountInDispute?: MoneyDto;

  @ApiProperty({ enum: REPLY_CHANNELS })
  @IsIn(REPLY_CHANNELS)
  preferredReplyChannel!: (typeof REPLY_CHANNELS)[number];

  @ApiPropertyOptional({ enum: ['zh-CN', 'en'], description: 'Detected from the description when absent' })
  @IsOptional()
  @IsIn(['zh-CN', 'en'])
  language?: 'zh-CN' | 'en';
}
