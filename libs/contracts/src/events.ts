import { z } from 'zod';
import { MoneySchema } from './money';

export const CHANNELS = [
  'branch',
  'hotline',
  'mobile-app',
  'web',
  'wechat',
  'email',
  'chatbot',
  'regulator',
] as const;
export const ChannelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof ChannelSchema>;

export const REPLY_CHANNELS = ['sms', 'email', 'app', 'wechat', 'letter', 'phone'] as const;
export const ReplyChannelSchema = z.enum(REPLY_CHANNELS);

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

export const REGIMES = ['cn-cbirc', 'uk-fca', 'us-cfpb'] as const;
export const RegimeSchema = z.enum(REGIMES);

const isoInstant = z.string().datetime({ offset: true });

/**
 * complaint.received v1 (intake). Personal data never travels here: the complainant is a
 * pseudonymous reference and the description has long digit runs (phone, ID, account numbers) masked.
 */
export const ComplaintReceivedV1 = z
  .object({
    ticketNumber: z.string().min(1),
    channel: ChannelSchema,
    channelReference: z.string().max(200).nullable(),
    receivedAt: isoInstant,
    customerRef: z.string().min(1).max(100),
    productHint: z.string().max(100).nullable(),
    summary: z.string().max(4000),
    language: z.enum(['zh-CN', 'en']),
    amountInDispute: MoneySchema.nullable(),
    preferredReplyChannel: ReplyChannelSchema,
    regime: RegimeSchema,
    responseDueBy: isoInstant,
    /** Added in v1 without breaking it: absent from events written before. */
    vulnerable: z.boolean().optional(),
    representedBy: z.enum(['agent', 'heir', 'guardian', 'lawyer', 'family']).nullable().optional(),
    regulatorReferral: z
      .object({ body: z.string().min(1).max(20), caseNumber: z.string().min(1).max(64), deadline: isoInstant.nullable() })
      .strict()
      .nullable()
      .optional(),
    attachmentCount: z.number().int().min(0).max(50).optional(),
  })
  .strict();

/** complaint.supplemented v1 (intake): the customer added information or attachments. */
export const ComplaintSupplementedV1 = z
  .object({
    ticketNumber: z.string().min(1),
    /** The added text with the complainant's details taken out, as in complaint.received. */
    summary: z.string().max(4000),
    attachmentCount: z.number().int().min(0).max(50),
  })
  .strict();

export const AMENDABLE_FIELDS = ['phone', 'email', 'preferredReplyChannel', 'language', 'description'] as const;

/** complaint.amended v1 (intake): what changed, never the personal values themselves. */
export const ComplaintAmendedV1 = z
  .object({
    ticketNumber: z.string().min(1),
    changed: z.array(z.enum(AMENDABLE_FIELDS)).min(1),
    preferredReplyChannel: ReplyChannelSchema.optional(),
    language: z.enum(['zh-CN', 'en']).optional(),
  })
  .strict();

/** complaint.withdrawn v1 (intake): the customer ended the procedure. */
export const ComplaintWithdrawnV1 = z
  .object({
    ticketNumber: z.string().min(1),
    withdrawnAt: isoInstant,
    reason: z.string().max(500).nullable(),
  })
  .strict();

/** complaint.triaged v1 (triage). */
export const ComplaintTriagedV1 = z
  .object({
    ticketNumber: z.string().min(1),
    category: z.string().min(1),
    severity: SeveritySchema,
    department: z.string().min(1),
    routingRule: z.string().min(1),
    reasons: z.array(z.string()).max(50),
    regime: RegimeSchema,
    responseDueBy: isoInstant,
  })
  .strict();

/** case.opened v1 (investigation). */
export const CaseOpenedV1 = z
  .object({
    caseId: z.string().uuid(),
    ticketNumber: z.string().min(1),
    department: z.string().min(1),
    severity: SeveritySchema,
    responseDueBy: isoInstant,
  })
  .strict();

export const OUTCOMES = ['upheld', 'partially-upheld', 'not-upheld'] as const;
export const REMEDY_TYPES = ['fee-waiver', 'fee-refund', 'delay-interest', 'loss-reimbursement', 'goodwill'] as const;

export const RemedyRequestSchema = z
  .object({
    type: z.enum(REMEDY_TYPES),
    amount: MoneySchema,
  })
  .strict();

/** case.resolved v1 (investigation): the reasoned decision; a remedy is handed to compensation. */
export const CaseResolvedV1 = z
  .object({
    caseId: z.string().uuid(),
    ticketNumber: z.string().min(1),
    outcome: z.enum(OUTCOMES),
    explanation: z.string().min(1).max(4000),
    remedy: RemedyRequestSchema.nullable(),
    decidedBy: z.string().min(1),
  })
  .strict();

/** remedy.proposed v1 (compensation). */
export const RemedyProposedV1 = z
  .object({
    remedyId: z.string().uuid(),
    caseId: z.string().uuid(),
    type: z.enum(REMEDY_TYPES),
    amount: MoneySchema,
  })
  .strict();

export const NOTIFICATION_KINDS = ['acknowledgement', 'final-response'] as const;

/** notification.sent v1 (notification). */
export const NotificationSentV1 = z
  .object({
    messageId: z.string().uuid(),
    kind: z.enum(NOTIFICATION_KINDS),
    channel: ReplyChannelSchema,
    template: z.string().min(1),
    language: z.enum(['zh-CN', 'en']),
  })
  .strict();

/** dossier.sealed v1 (compliance-archive): the complaint's record so far, sealed with one hash. */
export const DossierSealedV1 = z
  .object({
    dossierId: z.string().uuid(),
    ticketNumber: z.string().min(1),
    entries: z.number().int().positive(),
    lastEntrySeq: z.number().int().positive(),
    dossierHash: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

export const STAFF_ACTION_OUTCOMES = ['succeeded', 'refused'] as const;

/**
 * staff.action-recorded v1 (any service): who did what to which complaint. Actors are named by
 * their token subject, never by name; the archive keeps the record with the complaint's own.
 */
export const StaffActionRecordedV1 = z
  .object({
    actor: z.string().min(1).max(200),
    roles: z.array(z.string().min(1).max(50)).max(20),
    action: z.string().regex(/^[a-z]+(?:[.-][a-z]+)*$/).max(80),
    service: z.string().min(1).max(50),
    method: z.string().min(1).max(10),
    route: z.string().min(1).max(300),
    outcome: z.enum(STAFF_ACTION_OUTCOMES),
    detail: z.record(z.string().max(100), z.string().max(500)).refine((d) => Object.keys(d).length <= 20, 'at most 20 details'),
  })
  .strict();

export type ComplaintReceived = z.infer<typeof ComplaintReceivedV1>;
export type ComplaintTriaged = z.infer<typeof ComplaintTriagedV1>;
export type ComplaintSupplemented = z.infer<typeof ComplaintSupplementedV1>;
export type ComplaintAmended = z.infer<typeof ComplaintAmendedV1>;
export type ComplaintWithdrawn = z.infer<typeof ComplaintWithdrawnV1>;
export type CaseOpened = z.infer<typeof CaseOpenedV1>;
export type CaseResolved = z.infer<typeof CaseResolvedV1>;
export type RemedyProposed = z.infer<typeof RemedyProposedV1>;
export type NotificationSent = z.infer<typeof NotificationSentV1>;
export type DossierSealed = z.infer<typeof DossierSealedV1>;
export type StaffActionRecorded = z.infer<typeof StaffActionRecordedV1>;
