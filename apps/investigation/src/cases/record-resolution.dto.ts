import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { OUTCOMES, REMEDY_TYPES } from '@complaints/contracts';

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

export class RecordResolutionDto {
  @ApiProperty({ enum: OUTCOMES })
  @IsIn(OUTCOMES)
  outcome!: (typeof OUTCOMES)[number];

  @ApiProperty({ description: 'The reasoned decision the customer will read' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  explanation!: string;

  @ApiPropertyOptional({ type: RemedyDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RemedyDto)
  remedy?: RemedyDto;
}
