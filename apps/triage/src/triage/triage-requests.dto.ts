import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { buildMessage, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { CHANNELS, SEVERITIES } from '@complaints/contracts';
import { isIso4217Currency, PAUSE_REASONS, VISIBLE_CHARACTER } from '@complaints/domain';

/**
 * The currencies intake takes, checked the same way: three capital letters are not enough, and a
 * dry run for "XYZ" would answer for a complaint that could never be filed.
 */
function IsIso4217Currency(): PropertyDecorator {
  return ValidateBy({
    name: 'isIso4217Currency',
    validator: {
      validate: (value) => isIso4217Currency(value),
      defaultMessage: buildMessage((prefix) => `${prefix}$property must be an ISO 4217 currency code such as CNY`),
    },
  });
}

/** A dry run: what triage would decide for this text, without filing anything. */
export class ClassifyRequestDto {
  @ApiProperty({ description: 'The complaint text, Chinese or English', maxLength: 4000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  text!: string;

  @ApiPropertyOptional({ description: 'Taxonomy to classify with; the deployment\'s by default', example: 'cn-jrt0169' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  taxonomy?: string;

  @ApiPropertyOptional({ description: 'Amount in dispute, integer minor units' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amountMinor?: number;

  @ApiPropertyOptional({ example: 'CNY', description: 'ISO 4217 currency code, as intake takes it; units of account, metals, XTS and XXX are refused' })
  @IsOptional()
  @IsIso4217Currency()
  currency?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 130 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(130)
  customerAge?: number;

  @ApiPropertyOptional({ enum: CHANNELS, description: 'Intake channel, for routing rules and the channel code' })
  @IsOptional()
  @IsIn(CHANNELS)
  channel?: (typeof CHANNELS)[number];
}

/** A triage officer's decision: for a queued complaint, or to correct the machine's. */
export class RetriageDto {
  @ApiProperty({ description: 'Top-level product code of the deployment\'s taxonomy', example: 'B04' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  product!: string;

  @ApiProperty({ description: 'Top-level cause code of the deployment\'s taxonomy', example: 'C10' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(40)
  cause!: string;

  @ApiPropertyOptional({ enum: SEVERITIES, description: 'Keeps the current severity when absent' })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: (typeof SEVERITIES)[number];

  @ApiProperty({ description: 'Why: kept with the decision and shown to auditors' })
  @IsString()
  @Matches(VISIBLE_CHARACTER, { message: 'reason must not be blank (it has no visible character)' })
  @MaxLength(1000)
  reason!: string;
}

export const CLOCK_ACTIONS = ['pause', 'resume', 'extend'] as const;

export class ClockChangeDto {
  @ApiProperty({ enum: CLOCK_ACTIONS })
  @IsIn(CLOCK_ACTIONS)
  action!: (typeof CLOCK_ACTIONS)[number];

  @ApiPropertyOptional({ enum: PAUSE_REASONS, description: 'For pause: why the clock stops, as the regime allows' })
  @IsOptional()
  @IsIn(PAUSE_REASONS)
  pauseReason?: (typeof PAUSE_REASONS)[number];

  @ApiPropertyOptional({ description: 'For extend: the longer period, such as complex or senior-approved', example: 'complex' })
  @IsOptional()
  @IsString()
  @MaxLength(60)
  toPeriod?: string;

  @ApiProperty({ description: 'Why: kept with the clock and shown to auditors' })
  @IsString()
  @Matches(VISIBLE_CHARACTER, { message: 'reason must not be blank (it has no visible character)' })
  @MaxLength(1000)
  reason!: string;
}
