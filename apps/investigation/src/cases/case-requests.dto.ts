import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { LIABILITIES, OUTCOMES, REMEDY_TYPES, RESOLUTION_ACTIONS, ROOT_CAUSE_CODES } from '@complaints/contracts';

const STAFF_ID = /^[A-Za-z0-9._@-]{1,200}$/;

/** A reason a person gives for a step; it goes on the case's record and, masked, on its events. */
export class ReasonDto {
  @ApiProperty({ example: '客户提出新的事实' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;
}

export class AssignDto {
  @ApiPropertyOptional({ description: 'A named investigator; omitted: chosen by workload and skill among those with no interest in the case' })
  @IsOptional()
  @Matches(STAFF_ID, { message: 'investigator must be a staff id' })
  investigator?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class InvolvedStaffDto {
  @ApiProperty({ description: 'Staff the complaint is about (their ids)', type: [String] })
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @Matches(STAFF_ID, { each: true, message: 'each entry must be a staff id' })
  staffIds!: string[];

  @ApiPropertyOptional({ description: 'Why someone comes off the list (a supervisor only): required then, and kept sealed on the record of the complaint' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class RootCauseDto {
  @ApiProperty({ enum: ROOT_CAUSE_CODES })
  @IsIn(ROOT_CAUSE_CODES)
  code!: (typeof ROOT_CAUSE_CODES)[number];

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  detail!: string;
}

export class FindingsDto {
  @ApiProperty({ type: [String], description: 'Facts established' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(2000, { each: true })
  facts!: string[];

  @ApiProperty({ enum: LIABILITIES })
  @IsIn(LIABILITIES)
  liability!: (typeof LIABILITIES)[number];

  @ApiProperty({ type: RootCauseDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => RootCauseDto)
  rootCause!: RootCauseDto;
}

export class RemedyMoneyDto {
  @ApiProperty({ description: 'Integer minor units' })
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amountMinor!: number;

  @ApiProperty({ example: 'CNY' })
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as CNY' })
  currency!: string;
}

export class RemedyDto {
  @ApiProperty({ enum: REMEDY_TYPES })
  @IsIn(REMEDY_TYPES)
  type!: (typeof REMEDY_TYPES)[number];

  @ApiProperty({ type: RemedyMoneyDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => RemedyMoneyDto)
  amount!: RemedyMoneyDto;
}

export class ProposeResolutionDto {
  @ApiProperty({ enum: OUTCOMES })
  @IsIn(OUTCOMES)
  outcome!: (typeof OUTCOMES)[number];

  @ApiProperty({ description: 'The reasoned decision the customer will read' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  explanation!: string;

  @ApiProperty({ enum: RESOLUTION_ACTIONS, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(RESOLUTION_ACTIONS, { each: true })
  actions!: (typeof RESOLUTION_ACTIONS)[number][];

  @ApiPropertyOptional({ type: RemedyDto, description: 'A remedy with money goes on to compensation once the response is issued' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RemedyDto)
  remedy?: RemedyDto;
}

export const DECISIONS = ['approve', 'reject'] as const;

export class DecisionDto {
  @ApiProperty({ enum: DECISIONS })
  @IsIn(DECISIONS)
  decision!: (typeof DECISIONS)[number];

  @ApiPropertyOptional({ description: 'Required to reject' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class ExtensionRequestDto extends ReasonDto {
  @ApiProperty({ description: 'The longer period of the regime, such as complex or senior-approved', example: 'complex' })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,59}$/, { message: 'toPeriod must be a period name such as complex' })
  toPeriod!: string;
}
