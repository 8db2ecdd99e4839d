import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  Validate,
} from 'class-validator';
import { CHANNELS, REPLY_CHANNELS } from '@complaints/contracts';

/**
 * The canonical complaint: what every channel's adapter maps to and what `POST /v1/complaints`
 * takes. One definition, validated the same way whichever door the complaint came through.
 */

/** The documented maximum length of a complaint's description, in characters. */
export const MAX_DESCRIPTION_LENGTH = 4000;
export const MAX_ATTACHMENTS = 20;

@ValidatorConstraint({ name: 'identifiesSomeone' })
class IdentifiesSomeone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === null || typeof value !== 'object') return true; // IsObject reports it
    const c = value as ComplainantDto;
    return [c.customerId, c.name, c.phone, c.email, c.idNumber, c.channelUserId].some((v) => typeof v === 'string' && v.trim() !== '');
  }
  defaultMessage(): string {
    return 'the complainant needs at least one of customerId, name, phone, email, idNumber or channelUserId';
  }
}

export class ComplainantDto {
  @ApiPropertyOptional({ description: "The bank's customer number, when the complainant is a customer" })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  customerId?: string;

  @ApiPropertyOptional({ example: '张三' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

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

  @ApiPropertyOptional({ description: "The channel's own id of the person (WeChat openid, chatbot user id)" })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:@-]{1,128}$/, { message: 'channelUserId must be 1-128 letters, digits or _.:@-' })
  channelUserId?: string;
}

export const REPRESENTATIVE_RELATIONSHIPS = ['agent', 'heir', 'guardian', 'lawyer', 'family'] as const;

/** Someone filing for the complainant: they must show the authority they act under. */
export class RepresentativeDto {
  @ApiProperty({ enum: REPRESENTATIVE_RELATIONSHIPS })
  @IsIn(REPRESENTATIVE_RELATIONSHIPS)
  relationship!: (typeof REPRESENTATIVE_RELATIONSHIPS)[number];

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^\+?[0-9 -]{5,20}$/, { message: 'phone must be digits, spaces or dashes, optionally with a leading +' })
  phone?: string;

  @ApiProperty({ description: 'Power of attorney, certificate of inheritance or court order reference' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  authorisationReference!: string;
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

/** An attachment already in object storage: the complaint holds the reference, never the bytes. */
export class AttachmentDto {
  @ApiProperty({ description: 'Object-storage reference returned when the bytes were stored' })
  @Matches(/^[A-Za-z0-9:/._-]{1,300}$/, { message: 'reference must be 1-300 letters, digits or :/._-' })
  reference!: string;

  @ApiProperty({ description: 'SHA-256 of the bytes, lowercase hex' })
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lowercase hex digits' })
  sha256!: string;

  @ApiProperty()
  @IsInt()
  @Min(0)
  @Max(50 * 1024 * 1024)
  sizeBytes!: number;

  @ApiProperty({ example: 'image/jpeg' })
  @Matches(/^[a-z0-9!#$&^_.+-]{1,64}\/[a-z0-9!#$&^_.+-]{1,64}$/, { message: 'mediaType must be a media type such as image/jpeg' })
  mediaType!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  fileName?: string;
}

export const AGE_BANDS = ['under-18', '18-34', '35-59', '60-64', '65-74', '75+'] as const;
export const DECLARED_NEEDS = ['hearing', 'sight', 'mobility', 'cognitive', 'language', 'bereavement', 'serious-illness', 'financial-hardship', 'other'] as const;

export class VulnerabilityDto {
  @ApiPropertyOptional({ enum: AGE_BANDS })
  @IsOptional()
  @IsIn(AGE_BANDS)
  ageBand?: (typeof AGE_BANDS)[number];

  @ApiPropertyOptional({ enum: DECLARED_NEEDS, isArray: true })
  @IsOptional()
  @ArrayMaxSize(DECLARED_NEEDS.length)
  @IsIn(DECLARED_NEEDS, { each: true })
  declaredNeeds?: (typeof DECLARED_NEEDS)[number][];
}

export const REGULATOR_BODIES = ['nfra', 'pboc', 'cfpb', 'fos', 'ombudsman', 'other'] as const;

/** A complaint a regulator's hotline or an ombudsman forwarded: their number and their deadline bind us. */
export class RegulatorReferralDto {
  @ApiProperty({ enum: REGULATOR_BODIES, description: 'nfra: 国家金融监督管理总局 (12378); pboc: 人民银行 (12363)' })
  @IsIn(REGULATOR_BODIES)
  body!: (typeof REGULATOR_BODIES)[number];

  @ApiProperty({ description: "The regulator's own case number" })
  @Matches(/^[A-Za-z0-9_./-]{1,64}$/, { message: 'caseNumber must be 1-64 letters, digits or _./-' })
  caseNumber!: string;

  @ApiPropertyOptional({ description: 'The deadline the regulator set, when earlier than ours' })
  @IsOptional()
  @IsISO8601({ strict: true })
  deadline?: string;
}

export class ConsentDto {
  @ApiProperty({ description: 'Consent to process personal data for handling this complaint' })
  @IsBoolean()
  dataProcessing!: boolean;

  @ApiPropertyOptional({ description: 'Consent to record calls about this complaint' })
  @IsOptional()
  @IsBoolean()
  callRecording?: boolean;

  @ApiPropertyOptional({ description: 'Consent to a follow-up satisfaction survey' })
  @IsOptional()
  @IsBoolean()
  survey?: boolean;
}

/**
 * What the channel knows about how the complaint came in, that a handler may need and that is
 * not personal data: who at the bank took it, where the call recording is, what the bot thought.
 */
export class ChannelContextDto {
  @ApiPropertyOptional({ description: 'Branch that accepted the complaint' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9]{1,16}$/, { message: 'branchCode must be 1-16 letters or digits' })
  branchCode?: string;

  @ApiPropertyOptional({ description: 'Staff id of the teller or agent who took it' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,32}$/, { message: 'staffId must be 1-32 letters, digits or ._-' })
  staffId?: string;

  @ApiPropertyOptional({ description: "Reference of the call recording in the recording system" })
  @IsOptional()
  @Matches(/^[A-Za-z0-9:/._-]{1,200}$/, { message: 'recordingReference must be 1-200 letters, digits or :/._-' })
  recordingReference?: string;

  @ApiPropertyOptional({ description: "The chatbot's intent code when it handed over" })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'intent must be 1-64 letters, digits or ._-' })
  intent?: string;

  @ApiPropertyOptional({ description: 'Why the bot handed over' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  handoffReason?: string;

  @ApiPropertyOptional({ description: 'When the regulator received the complaint' })
  @IsOptional()
  @IsISO8601({ strict: true })
  referralReceivedAt?: string;
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
  @Validate(IdentifiesSomeone)
  @ValidateNested()
  @Type(() => ComplainantDto)
  complainant!: ComplainantDto;

  @ApiPropertyOptional({ type: RepresentativeDto, description: 'Someone filing on behalf of the complainant' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RepresentativeDto)
  onBehalfOf?: RepresentativeDto;

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

  @ApiPropertyOptional({ description: 'Account or card number concerned; stored masked, only the last four digits kept' })
  @IsOptional()
  @Matches(/^[0-9 -]{4,34}$/, { message: 'accountReference must be 4-34 digits, spaces or dashes' })
  accountReference?: string;

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

  @ApiPropertyOptional({ type: [AttachmentDto] })
  @IsOptional()
  @ArrayMaxSize(MAX_ATTACHMENTS)
  @ValidateNested({ each: true })
  @Type(() => AttachmentDto)
  attachments?: AttachmentDto[];

  @ApiProperty({ enum: REPLY_CHANNELS })
  @IsIn(REPLY_CHANNELS)
  preferredReplyChannel!: (typeof REPLY_CHANNELS)[number];

  @ApiPropertyOptional({ enum: ['zh-CN', 'en'], description: 'Detected from the description when absent' })
  @IsOptional()
  @IsIn(['zh-CN', 'en'])
  language?: 'zh-CN' | 'en';

  @ApiPropertyOptional({ type: VulnerabilityDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => VulnerabilityDto)
  vulnerability?: VulnerabilityDto;

  @ApiPropertyOptional({ type: RegulatorReferralDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RegulatorReferralDto)
  regulatorReferral?: RegulatorReferralDto;

  @ApiPropertyOptional({ type: ConsentDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ConsentDto)
  consent?: ConsentDto;

  @ApiPropertyOptional({ type: ChannelContextDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ChannelContextDto)
  channelContext?: ChannelContextDto;
}

/** A canonical complaint as a plain object, as adapters produce it (the DTO classes carry no behaviour). */
export type CanonicalComplaint = FileComplaintDto;
