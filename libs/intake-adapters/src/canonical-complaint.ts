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
  isISO8601,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
  ValidationArguments,
  ValidationOptions,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  Validate,
} from 'class-validator';
import { AGE_BANDS, CHANNELS, DECLARED_NEEDS, REGULATOR_BODIES, REPLY_CHANNELS, REPRESENTATIVE_RELATIONSHIPS } from '@complaints/contracts';
import { deadlineDueBy, hasVisibleText, isIso4217Currency, VISIBLE_CHARACTER } from '@complaints/domain';
import { ComplainantDetails, isReplyChannel, replyChannelGap } from './reply-to';

// The vocabulary is the contracts' (staff screens label it too); adapters keep importing it from here.
export { AGE_BANDS, DECLARED_NEEDS, REGULATOR_BODIES, REPRESENTATIVE_RELATIONSHIPS };

/**
 * The canonical complaint: what every channel's adapter maps to and what `POST /v1/complaints`
 * takes. One definition, validated the same way whichever door the complaint came through.
 */

/** The documented maximum length of a complaint's description, in characters. */
export const MAX_DESCRIPTION_LENGTH = 4000;
export const MAX_ATTACHMENTS = 20;

/**
 * How far a sender's clock may run ahead of ours before a moment it calls "now" counts as the future.
 * Channel systems stamp complaints with their own clocks.
 */
export const CLOCK_SKEW_ALLOWANCE_MS = 5 * 60_000;

/**
 * The longest postal address, in characters: a Chinese address down to the room (province, city,
 * district, street, building, room and postcode) takes 30 to 60, an address abroad six lines of 40
 * at most; the limit leaves room for either and keeps the sealed `replyTo` well within its event's.
 */
export const MAX_POSTAL_ADDRESS_LENGTH = 300;
/** The most lines a postal address may have (blank lines aside): what fits the window of an envelope. */
export const MAX_POSTAL_ADDRESS_LINES = 6;
/** Shorter lines of an address are not redacted on their own: a line "中国" would mask every mention of the country. */
const MIN_REDACTED_ADDRESS_LINE = 4;

/** Digits, spaces or dashes with a leading + at most, and at least five digits: "-----" reaches nobody. */
export const PHONE_PATTERN = /^\+?(?=(?:[ -]*[0-9]){5})[0-9 -]{5,20}$/;
export const PHONE_MESSAGE = 'phone must be digits, spaces or dashes (at least 5 digits), optionally with a leading +';

/**
 * Like IsOptional, but only an absent field is skipped: null is refused. IsOptional lets null through to
 * code that tells "given" from "absent" by `!== undefined` (an amendment would erase the phone) or that
 * passes the value on as it is (an event schema then refuses it, and the caller gets a 500).
 */
export function IsOptionalButNotNull(options?: ValidationOptions): PropertyDecorator {
  return (target, property) => {
    ValidateIf((_object, value) => value !== undefined, options)(target, property);
    IsDefined({ message: ({ property: name }) => `${name} must not be null; leave it out instead`, ...options })(target, property);
  };
}

@ValidatorConstraint({ name: 'identifiesSomeone' })
class IdentifiesSomeone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (value === null || typeof value !== 'object') return true; // IsObject reports it
    const c = value as ComplainantDto;
    return [c.customerId, c.name, c.phone, c.email, c.idNumber, c.channelUserId].some((v) => typeof v === 'string' && hasVisibleText(v));
  }
  defaultMessage(): string {
    return 'the complainant needs at least one of customerId, name, phone, email, idNumber or channelUserId';
  }
}

/**
 * What is wrong with a postal address beyond its length and its visible text, or null. Lines are
 * separated by line breaks (LF or CRLF), as the letter prints them; no other control character
 * (tabs, escapes, C1 controls) belongs on an envelope.
 */
function postalAddressProblem(value: string): string | null {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const lineBreak = code === 0x0a || (code === 0x0d && value.charCodeAt(i + 1) === 0x0a);
    if (!lineBreak && (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029)) {
      return 'postalAddress must have no control characters other than line breaks between its lines';
    }
  }
  if (postalAddressLines(value).length > MAX_POSTAL_ADDRESS_LINES) return `postalAddress must have at most ${MAX_POSTAL_ADDRESS_LINES} lines`;
  return null;
}

/**
 * A postal address as a letter prints it: text with something visible, at most
 * MAX_POSTAL_ADDRESS_LENGTH characters on at most MAX_POSTAL_ADDRESS_LINES lines, no control
 * character but the line breaks. The same rule where it is filed and where it is amended.
 */
export function IsPostalAddress(): PropertyDecorator {
  // Applied last to first, as stacked decorators are.
  const rules = [IsString(), HasVisibleText(), MaxLength(MAX_POSTAL_ADDRESS_LENGTH), Validate(PostalAddress)].reverse();
  return (target, property) => {
    for (const rule of rules) rule(target, property as string);
  };
}

/** The lines of a postal address with something on them, trimmed. */
export function postalAddressLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => hasVisibleText(line));
}

@ValidatorConstraint({ name: 'postalAddress' })
class PostalAddress implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value !== 'string' || postalAddressProblem(value) === null; // IsString reports what is not text
  }
  defaultMessage(args: ValidationArguments): string {
    return postalAddressProblem(args.value as string) ?? 'postalAddress is not a postal address';
  }
}

/**
 * The preferred reply channel must reach the complainant with what the complaint gives (`replyToOf`,
 * the function that builds the `replyTo` notification delivers to): a letter needs a postal address,
 * a text or a call a phone, the app a customer number, WeChat the openid of a WeChat complaint.
 * Notification otherwise falls back to another channel, or sends nothing at all, and the customer's
 * choice is silently not honoured. A complainant that is not an object is reported as such.
 */
@ValidatorConstraint({ name: 'reachesTheComplainant' })
class ReachesTheComplainant implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    return this.gap(value, args) === null;
  }
  defaultMessage(args: ValidationArguments): string {
    return this.gap(args.value, args) ?? 'preferredReplyChannel cannot reach the complainant';
  }
  private gap(value: unknown, args: ValidationArguments): string | null {
    const complaint = args.object as { channel?: unknown; complainant?: unknown; onBehalfOf?: unknown };
    if (!isReplyChannel(value) || !isPlainObject(complaint.complainant)) return null; // IsIn and IsObject report those
    return replyChannelGap(value, {
      channel: String(complaint.channel),
      complainant: complaint.complainant as ComplainantDetails,
      onBehalfOf: isPlainObject(complaint.onBehalfOf) ? (complaint.onBehalfOf as { phone?: string }) : null,
    });
  }
}

const isPlainObject = (value: unknown): value is object => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The personal values of a complainant that free text may repeat, to take out of what leaves intake
 * (`redactedSummary`) and of what roles without a need for personal data read: every detail given,
 * and each line of the postal address on its own, since a description quotes the street more often
 * than the whole address.
 */
export function personalValuesOfComplainant(complainant: ComplainantDetails): (string | undefined)[] {
  const { customerId, name, phone, email, idNumber, channelUserId, postalAddress } = complainant;
  const lines = typeof postalAddress === 'string' ? postalAddressLines(postalAddress).filter((line) => Array.from(line).length >= MIN_REDACTED_ADDRESS_LINE) : [];
  return [customerId, name, phone, email, idNumber, channelUserId, postalAddress, ...lines];
}

/**
 * The instant an ISO 8601 string names, when JavaScript can read it. IsISO8601 also passes week dates,
 * the basic format and decimal commas (2026-W48, 20261120T1000Z), which read as an invalid date and
 * would fail only when stored.
 */
function instantOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || !isISO8601(value, { strict: true })) return undefined;
  return Date.parse(value);
}

const unreadableDate = (property: string) => `${property} must be a calendar date or date-time such as 2026-11-20T10:00:00+08:00`;

/**
 * For what has happened (the incident, the regulator's receipt): a moment JavaScript can read. Whether
 * it is later than now is not the form's to say (see `problemsAsOf`).
 */
@ValidatorConstraint({ name: 'readableMoment' })
class ReadableMoment implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    const at = instantOf(value);
    return at === undefined || !Number.isNaN(at); // IsISO8601 reports what is not ISO 8601 at all
  }
  defaultMessage(args: ValidationArguments): string {
    return unreadableDate(args.property);
  }
}

/**
 * For a deadline: one intake can read in a time zone (deadlineDueBy; any zone reads it, or none does).
 * Whether it has passed is not the form's to say (see `problemsAsOf`).
 */
@ValidatorConstraint({ name: 'readableDeadline' })
class ReadableDeadline implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    const at = instantOf(value);
    if (at === undefined) return true; // IsISO8601 reports it
    return !Number.isNaN(at) && deadlineDueBy(value as string, 'UTC') !== null;
  }
  defaultMessage(args: ValidationArguments): string {
    return unreadableDate(args.property);
  }
}

/**
 * A deadline as intake takes one: ISO 8601, in a form JavaScript and the deadline policy read alike
 * (a date, 2026-12-20, or a date-time), not a week date, an ordinal date or the basic format, which
 * would be read as the start of the day rather than its end. Where it is filed and where a
 * regulator's new deadline is recorded.
 */
export function IsDeadline(): PropertyDecorator {
  const rules = [IsISO8601({ strict: true }), Validate(ReadableDeadline)].reverse();
  return (target, property) => {
    for (const rule of rules) rule(target, property as string);
  };
}

type FieldProblem = { path: string; message: string };

/**
 * What the clock has overtaken in a complaint, as of `now`: an incident or a regulator's receipt later
 * than now (give or take the senders' clocks), a regulator's deadline already past, which would have
 * the complaint filed in breach. A deadline without an offset (a date alone, most often) is read in
 * the zone of whoever set it, the regime's (`timeZone`).
 *
 * Every other rule of the canonical complaint holds or fails for good; these depend on when they are
 * asked, and a channel's retry comes later than the request it repeats. So they are not part of the
 * form's validation (FileComplaintDto, canonicalProblems), which runs before anyone knows whether
 * the request is a retry: intake asks them when it files the complaint, and answers a request they
 * refuse that repeats one it has filed (same key, same request) with that complaint's ticket.
 */
export function problemsAsOf(complaint: CanonicalComplaint, now: Date, timeZone: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const inTheFuture = (at: string | undefined) => at !== undefined && Date.parse(at) > now.getTime() + CLOCK_SKEW_ALLOWANCE_MS;
  if (inTheFuture(complaint.occurredAt)) problems.push({ path: 'occurredAt', message: 'occurredAt must not be in the future' });
  if (inTheFuture(complaint.channelContext?.referralReceivedAt)) {
    problems.push({ path: 'channelContext.referralReceivedAt', message: 'referralReceivedAt must not be in the future' });
  }
  const deadline = complaint.regulatorReferral?.deadline;
  const due = deadline === undefined ? null : deadlineDueBy(deadline, timeZone);
  if (due !== null && due <= now) problems.push({ path: 'regulatorReferral.deadline', message: `deadline has already passed in ${timeZone}` });
  return problems;
}

/**
 * The channel whose complaints may carry a regulator's referral. A referral raises the complaint's
 * severity and puts a case number and a deadline on the record, so only the regulatory-liaison
 * system, which takes referrals from the regulators' platforms, may file one; a branch or the call
 * centre that hears of a referral records a complaint of its own.
 */
export const REFERRAL_CHANNEL = 'regulator';

const onlyFromReferralChannel = (field: string) => `${field} is accepted only from the ${REFERRAL_CHANNEL} channel`;

@ValidatorConstraint({ name: 'onlyFromReferralChannel' })
class OnlyFromReferralChannel implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    return (args.object as { channel?: unknown }).channel === REFERRAL_CHANNEL;
  }
  defaultMessage(args: ValidationArguments): string {
    return onlyFromReferralChannel(args.property);
  }
}

/** For a field that may not be given in this context at all. */
@ValidatorConstraint({ name: 'absentHere' })
class AbsentHere implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return value === undefined;
  }
}

@ValidatorConstraint({ name: 'iso4217Currency' })
class Iso4217Currency implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return isIso4217Currency(value);
  }
  defaultMessage(args: ValidationArguments): string {
    return `${args.property} must be an ISO 4217 currency code such as CNY`;
  }
}

/**
 * Text a reader would see something of. IsNotEmpty passes "   " and a run of zero-width characters,
 * which say nothing and, as an identifier, would be the same for everyone who sends them.
 */
export function HasVisibleText(): PropertyDecorator {
  return Matches(VISIBLE_CHARACTER, { message: ({ property }) => `${property} must not be blank (it has no visible character)` });
}

export class ComplainantDto {
  // The customer's pseudonymous reference is derived from it: a blank one would be everyone's.
  @ApiPropertyOptional({ description: "The bank's customer number, when the complainant is a customer" })
  @IsOptionalButNotNull()
  @IsString()
  @HasVisibleText()
  @MaxLength(64)
  customerId?: string;

  @ApiPropertyOptional({ example: '张三' })
  @IsOptionalButNotNull()
  @IsString()
  @HasVisibleText()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ example: '13800138000' })
  @IsOptionalButNotNull()
  @Matches(PHONE_PATTERN, { message: PHONE_MESSAGE })
  phone?: string;

  @ApiPropertyOptional()
  @IsOptionalButNotNull()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'National ID or passport number' })
  @IsOptionalButNotNull()
  @Matches(/^[0-9A-Za-z]{6,20}$/, { message: 'idNumber must be 6-20 letters or digits' })
  idNumber?: string;

  @ApiPropertyOptional({ description: "The channel's own id of the person (WeChat openid, chatbot user id)" })
  @IsOptionalButNotNull()
  @Matches(/^[A-Za-z0-9_.:@-]{1,128}$/, { message: 'channelUserId must be 1-128 letters, digits or _.:@-' })
  channelUserId?: string;

  @ApiPropertyOptional({
    description: `Where a letter reaches the complainant: at most ${MAX_POSTAL_ADDRESS_LENGTH} characters on at most ${MAX_POSTAL_ADDRESS_LINES} lines, separated by line breaks. Personal data: sealed at rest, masked for roles without a need for it, never in an event in clear`,
    example: '上海市浦东新区世纪大道100号\n环球金融中心25楼\n200120',
  })
  @IsOptionalButNotNull()
  @IsPostalAddress()
  postalAddress?: string;
}

/** Someone filing for the complainant: they must show the authority they act under. */
export class RepresentativeDto {
  @ApiProperty({ enum: REPRESENTATIVE_RELATIONSHIPS })
  @IsIn(REPRESENTATIVE_RELATIONSHIPS)
  relationship!: (typeof REPRESENTATIVE_RELATIONSHIPS)[number];

  @ApiProperty()
  @IsString()
  @HasVisibleText()
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional()
  @IsOptionalButNotNull()
  @Matches(PHONE_PATTERN, { message: PHONE_MESSAGE })
  phone?: string;

  @ApiProperty({ description: 'Power of attorney, certificate of inheritance or court order reference' })
  @IsString()
  @HasVisibleText()
  @MaxLength(100)
  authorisationReference!: string;
}

export class MoneyDto {
  @ApiProperty({ description: 'Integer minor units (fen, cents)', example: 50000 })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  amountMinor!: number;

  @ApiProperty({ example: 'CNY', description: 'ISO 4217 currency code; units of account, metals, XTS and XXX are refused' })
  @Validate(Iso4217Currency)
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
  @IsOptionalButNotNull()
  @IsString()
  @MaxLength(255)
  fileName?: string;
}

export class VulnerabilityDto {
  @ApiPropertyOptional({ enum: AGE_BANDS })
  @IsOptionalButNotNull()
  @IsIn(AGE_BANDS)
  ageBand?: (typeof AGE_BANDS)[number];

  @ApiPropertyOptional({ enum: DECLARED_NEEDS, isArray: true })
  @IsOptionalButNotNull()
  @ArrayMaxSize(DECLARED_NEEDS.length)
  @IsIn(DECLARED_NEEDS, { each: true })
  declaredNeeds?: (typeof DECLARED_NEEDS)[number][];
}

/** A complaint a regulator's hotline or an ombudsman forwarded: their number and their deadline bind us. */
export class RegulatorReferralDto {
  @ApiProperty({ enum: REGULATOR_BODIES, description: 'nfra: 国家金融监督管理总局 (12378); pboc: 人民银行 (12363)' })
  @IsIn(REGULATOR_BODIES)
  body!: (typeof REGULATOR_BODIES)[number];

  @ApiProperty({ description: "The regulator's own case number" })
  @Matches(/^[A-Za-z0-9_./-]{1,64}$/, { message: 'caseNumber must be 1-64 letters, digits or _./-' })
  caseNumber!: string;

  @ApiPropertyOptional({
    description:
      "The deadline the regulator set, when earlier than ours; not one already past. Without an offset it is read in the regime's time zone (Asia/Shanghai for cn-cbirc): a date alone (2026-12-20) runs to the end of that day there",
  })
  @IsOptionalButNotNull()
  @IsDeadline()
  deadline?: string;
}

export class ConsentDto {
  @ApiProperty({ description: 'Consent to process personal data for handling this complaint' })
  @IsBoolean()
  dataProcessing!: boolean;

  @ApiPropertyOptional({ description: 'Consent to record calls about this complaint' })
  @IsOptionalButNotNull()
  @IsBoolean()
  callRecording?: boolean;

  @ApiPropertyOptional({ description: 'Consent to a follow-up satisfaction survey' })
  @IsOptionalButNotNull()
  @IsBoolean()
  survey?: boolean;
}

/**
 * What the channel knows about how the complaint came in, that a handler may need and that is
 * not personal data: who at the bank took it, where the call recording is, what the bot thought.
 */
export class ChannelContextDto {
  @ApiPropertyOptional({ description: 'Branch that accepted the complaint' })
  @IsOptionalButNotNull()
  @Matches(/^[A-Za-z0-9]{1,16}$/, { message: 'branchCode must be 1-16 letters or digits' })
  branchCode?: string;

  @ApiPropertyOptional({ description: 'Staff id of the teller or agent who took it' })
  @IsOptionalButNotNull()
  @Matches(/^[A-Za-z0-9._-]{1,32}$/, { message: 'staffId must be 1-32 letters, digits or ._-' })
  staffId?: string;

  @ApiPropertyOptional({ description: "Reference of the call recording in the recording system" })
  @IsOptionalButNotNull()
  @Matches(/^[A-Za-z0-9:/._-]{1,200}$/, { message: 'recordingReference must be 1-200 letters, digits or :/._-' })
  recordingReference?: string;

  @ApiPropertyOptional({ description: "The chatbot's intent code when it handed over" })
  @IsOptionalButNotNull()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'intent must be 1-64 letters, digits or ._-' })
  intent?: string;

  @ApiPropertyOptional({ description: 'Why the bot handed over' })
  @IsOptionalButNotNull()
  @IsString()
  @MaxLength(200)
  handoffReason?: string;

  @ApiPropertyOptional({ description: 'When the regulator received the complaint; not in the future; only from the regulator channel' })
  @IsOptionalButNotNull()
  @IsISO8601({ strict: true })
  @Validate(ReadableMoment)
  referralReceivedAt?: string;
}

/**
 * The channel context of a complaint from a channel other than the regulator's: when the regulator
 * received a complaint is not something such a channel can know.
 */
export class NonReferralChannelContextDto extends ChannelContextDto {}
Validate(AbsentHere, { message: onlyFromReferralChannel('referralReceivedAt') })(NonReferralChannelContextDto.prototype, 'referralReceivedAt');

export class FileComplaintDto {
  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel!: (typeof CHANNELS)[number];

  @ApiPropertyOptional({ description: "The channel's own reference (call id, message id, ...)" })
  @IsOptionalButNotNull()
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
  @IsOptionalButNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => RepresentativeDto)
  onBehalfOf?: RepresentativeDto;

  @ApiProperty({ maxLength: MAX_DESCRIPTION_LENGTH })
  @IsString()
  @HasVisibleText()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description!: string;

  @ApiPropertyOptional({ example: 'credit card' })
  @IsOptionalButNotNull()
  @IsString()
  @MaxLength(100)
  productHint?: string;

  @ApiPropertyOptional({ description: 'Account or card number concerned; stored masked, only the last four digits kept' })
  @IsOptionalButNotNull()
  @Matches(/^[0-9 -]{4,34}$/, { message: 'accountReference must be 4-34 digits, spaces or dashes' })
  accountReference?: string;

  @ApiPropertyOptional({ description: 'When it happened; not in the future' })
  @IsOptionalButNotNull()
  @IsISO8601({ strict: true })
  @Validate(ReadableMoment)
  occurredAt?: string;

  @ApiPropertyOptional({ type: MoneyDto })
  @IsOptionalButNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  amountInDispute?: MoneyDto;

  @ApiPropertyOptional({ type: [AttachmentDto] })
  @IsOptionalButNotNull()
  @ArrayMaxSize(MAX_ATTACHMENTS)
  @ValidateNested({ each: true })
  @Type(() => AttachmentDto)
  attachments?: AttachmentDto[];

  @ApiProperty({
    enum: REPLY_CHANNELS,
    description:
      'Must reach the complainant: sms and phone need complainant.phone (or onBehalfOf.phone), email complainant.email, letter complainant.postalAddress, app complainant.customerId, wechat complainant.channelUserId on the wechat channel',
  })
  @IsIn(REPLY_CHANNELS)
  @Validate(ReachesTheComplainant)
  preferredReplyChannel!: (typeof REPLY_CHANNELS)[number];

  @ApiPropertyOptional({ enum: ['zh-CN', 'en'], description: 'Detected from the description when absent' })
  @IsOptionalButNotNull()
  @IsIn(['zh-CN', 'en'])
  language?: 'zh-CN' | 'en';

  @ApiPropertyOptional({ type: VulnerabilityDto })
  @IsOptionalButNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => VulnerabilityDto)
  vulnerability?: VulnerabilityDto;

  @ApiPropertyOptional({ type: RegulatorReferralDto, description: `Only from the ${REFERRAL_CHANNEL} channel` })
  @IsOptionalButNotNull()
  @Validate(OnlyFromReferralChannel)
  @IsObject()
  @ValidateNested()
  @Type(() => RegulatorReferralDto)
  regulatorReferral?: RegulatorReferralDto;

  @ApiPropertyOptional({ type: ConsentDto })
  @IsOptionalButNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => ConsentDto)
  consent?: ConsentDto;

  @ApiPropertyOptional({ type: ChannelContextDto })
  @IsOptionalButNotNull()
  @IsObject()
  @ValidateNested()
  @Type((options) => ((options?.object as { channel?: unknown } | undefined)?.channel === REFERRAL_CHANNEL ? ChannelContextDto : NonReferralChannelContextDto))
  channelContext?: ChannelContextDto;
}

/** A canonical complaint as a plain object, as adapters produce it (the DTO classes carry no behaviour). */
export type CanonicalComplaint = FileComplaintDto;
