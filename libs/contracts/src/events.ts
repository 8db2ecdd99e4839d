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

/** What a complaint may say of its complainant and of who filed it (intake validates them; staff screens label them). */
export const AGE_BANDS = ['under-18', '18-34', '35-59', '60-64', '65-74', '75+'] as const;
export const DECLARED_NEEDS = ['hearing', 'sight', 'mobility', 'cognitive', 'language', 'bereavement', 'serious-illness', 'financial-hardship', 'other'] as const;
export const REPRESENTATIVE_RELATIONSHIPS = ['agent', 'heir', 'guardian', 'lawyer', 'family'] as const;
/** Who may refer a complaint with a case number and a deadline of their own. */
export const REGULATOR_BODIES = ['nfra', 'pboc', 'cfpb', 'fos', 'ombudsman', 'other'] as const;
export const ReplyChannelSchema = z.enum(REPLY_CHANNELS);

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

export const REGIMES = ['cn-cbirc', 'uk-fca', 'us-cfpb'] as const;
export const RegimeSchema = z.enum(REGIMES);

const isoInstant = z.string().datetime({ offset: true });
const SEALED_VALUE = /^v[12]:[A-Za-z0-9_:+/=-]+$/;
/** A value sealed by the platform's field cipher (`v1:` or `v2:` ciphertext); never personal data in clear. */
const SealedTextSchema = z.string().regex(SEALED_VALUE, 'must be a sealed value').max(8000);
/**
 * A sealed text of up to `maxChars` characters: its body is base64url of up to 3 UTF-8 bytes a
 * character (Chinese text takes 3), behind the key id, the wrapped data key, the iv and the tag.
 */
const sealedTextOf = (maxChars: number) => z.string().regex(SEALED_VALUE, 'must be a sealed value').max(4 * maxChars + 200);
/**
 * Free text staff wrote, in the v2 events that carry it: what staff write about a complaint quotes
 * the customer (their name, which no mask finds, and their numbers), so it travels sealed with the
 * platform's PII keys (AES-256-GCM envelope, libs/platform field-cipher) like `replyTo`. The
 * archive opens it on the way in and seals it under the customer's key; services without the keys
 * never read it.
 */
const sealedStaffText = (maxChars: number) => sealedTextOf(maxChars);

/** A code of the deployment's taxonomy with its title (`name` would read as personal data), so readers need not look the code up. */
export const TaxonomyLabelSchema = z.object({ code: z.string().min(1).max(40), title: z.string().min(1).max(200) }).strict();
const ComplaintRefSchema = z.object({ complaintId: z.string().uuid(), ticketNumber: z.string().min(1) }).strict();

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
    /**
     * Where to reach the customer (JSON: name, phone, email, postalAddress, appUserId, wechatOpenId;
     * `replyToOf` in libs/intake-adapters), sealed with the platform's PII keys (AES-256-GCM
     * envelope, libs/platform field-cipher): only services holding the keys read it. Events written
     * before the address and app/WeChat ids carry name, phone and e-mail only.
     */
    replyTo: SealedTextSchema.optional(),
    representedBy: z.enum(['agent', 'heir', 'guardian', 'lawyer', 'family']).nullable().optional(),
    regulatorReferral: z
      .object({ body: z.string().min(1).max(20), caseNumber: z.string().min(1).max(64), deadline: isoInstant.nullable() })
      .strict()
      .nullable()
      .optional(),
    attachmentCount: z.number().int().min(0).max(50).optional(),
    /** The age band and declared needs triage weighs; never a date of birth. */
    vulnerability: z
      .object({ ageBand: z.string().max(20).optional(), declaredNeeds: z.array(z.string().max(40)).max(10).optional() })
      .strict()
      .nullable()
      .optional(),
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
    /** The whole of where to reach the customer after the change, sealed like `complaint.received`'s. */
    replyTo: SealedTextSchema.optional(),
  })
  .strict();

/** v2 adds `postalAddress` to what may be changed: a customer who moved is written to at the new address. */
export const AMENDABLE_FIELDS_V2 = [...AMENDABLE_FIELDS, 'postalAddress'] as const;

/** complaint.amended v2 (intake): as v1, the postal address among the changes (the address itself only inside the sealed `replyTo`). */
export const ComplaintAmendedV2 = ComplaintAmendedV1.extend({ changed: z.array(z.enum(AMENDABLE_FIELDS_V2)).min(1) }).strict();

/** complaint.withdrawn v1 (intake): the customer ended the procedure. */
export const ComplaintWithdrawnV1 = z
  .object({
    ticketNumber: z.string().min(1),
    withdrawnAt: isoInstant,
    reason: z.string().max(500).nullable(),
  })
  .strict();

/**
 * complaint.referral-deadline-changed v1 (intake): the regulator that referred the complaint moved
 * its deadline (granted the bank more time, or shortened it), as a compliance or triage officer
 * recorded it with the regulator's reference for the change. `previousDeadline` is null when the
 * referral came without one. `reason` is what the officer wrote, sealed (`sealedStaffText`): it may
 * quote the customer. Triage binds the complaint's due date to the new deadline when it is the
 * earlier (`deadline.clock-changed` with `referral-bound`).
 */
export const ComplaintReferralDeadlineChangedV1 = z
  .object({
    ticketNumber: z.string().min(1),
    body: z.string().min(1).max(20),
    caseNumber: z.string().min(1).max(64),
    previousDeadline: isoInstant.nullable(),
    deadline: isoInstant,
    /** The regulator's reference for the change (its letter or notice number). */
    reference: z.string().min(1).max(100),
    reason: sealedStaffText(2000),
    /** The officer's token subject. */
    changedBy: z.string().min(1).max(200),
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
    /** Added in v1 without breaking it: the taxonomy's codes and how sure the model was. */
    taxonomy: z.string().min(1).max(50).optional(),
    product: TaxonomyLabelSchema.optional(),
    cause: TaxonomyLabelSchema.optional(),
    channelCode: z.string().min(1).max(20).nullable().optional(),
    confidence: z.number().min(0).max(1).optional(),
    triagedBy: z.enum(['model', 'triage-officer']).optional(),
    repeatOf: ComplaintRefSchema.nullable().optional(),
    systemicIncidentId: z.string().uuid().nullable().optional(),
  })
  .strict();

/** complaint.triage-queued v1 (triage): the model was unsure, so a triage officer decides. */
export const ComplaintTriageQueuedV1 = z
  .object({
    ticketNumber: z.string().min(1),
    taxonomy: z.string().min(1).max(50),
    suggestedProduct: TaxonomyLabelSchema,
    suggestedCause: TaxonomyLabelSchema,
    confidence: z.number().min(0).max(1),
    minConfidence: z.number().min(0).max(1),
    reasons: z.array(z.string().max(300)).max(50),
    responseDueBy: isoInstant,
  })
  .strict();

const TriageOutcomeSchema = z
  .object({ product: z.string().min(1).max(40), cause: z.string().min(1).max(40), severity: SeveritySchema, department: z.string().min(1).max(60) })
  .strict();

/** complaint.retriaged v1 (triage): a triage officer changed the decision, with the reason. */
export const ComplaintRetriagedV1 = z
  .object({
    ticketNumber: z.string().min(1),
    previous: TriageOutcomeSchema,
    current: TriageOutcomeSchema,
    routingRule: z.string().min(1),
    reason: z.string().min(1).max(1000),
    actor: z.string().min(1).max(200),
  })
  .strict();

/**
 * complaint.retriaged v2 (triage): as v1, with the triage officer's reason sealed
 * (`sealedStaffText`): officers quote the customer, whose name no mask finds.
 */
export const ComplaintRetriagedV2 = ComplaintRetriagedV1.extend({ reason: sealedStaffText(1000) }).strict();

export const CLOCK_CHANGES = ['paused', 'resumed', 'restarted', 'extended', 'stopped'] as const;

/** deadline.clock-changed v1 (triage): the response clock paused, resumed, restarted, extended or stopped. */
export const DeadlineClockChangedV1 = z
  .object({
    ticketNumber: z.string().min(1),
    change: z.enum(CLOCK_CHANGES),
    period: z.string().min(1).max(60),
    reason: z.string().min(1).max(1000),
    /** Null while the clock is paused or after it stopped. */
    responseDueBy: isoInstant.nullable(),
    actor: z.string().min(1).max(200).nullable(),
  })
  .strict();

/**
 * v2 adds `referral-bound`: a regulator's referral was merged into this (earlier) complaint, which
 * has to answer for both, and the referral's deadline, earlier than its own, now binds it. The
 * clock itself did not move; `responseDueBy` is the binding date.
 */
export const CLOCK_CHANGES_V2 = [...CLOCK_CHANGES, 'referral-bound'] as const;

/** deadline.clock-changed v2 (triage): as v1, with `referral-bound` among the changes. */
export const DeadlineClockChangedV2 = DeadlineClockChangedV1.extend({ change: z.enum(CLOCK_CHANGES_V2) }).strict();

/**
 * deadline.clock-changed v3 (triage): as v2; `reason` is triage's own account of the change, and
 * an extension carries the reason the staff gave for it in `staffReason`, sealed as it arrived in
 * `case.extension-decided@v2` (triage relays it without the keys to read it; notification opens it
 * for the customer's notice, the archive for the record).
 */
export const DeadlineClockChangedV3 = DeadlineClockChangedV2.extend({ staffReason: sealedStaffText(2000).nullable() }).strict();

/** deadline.warning v1 (triage): a share of the response time is used up. */
export const DeadlineWarningV1 = z
  .object({
    ticketNumber: z.string().min(1),
    period: z.string().min(1).max(60),
    responseDueBy: isoInstant,
    threshold: z.number().gt(0).lt(1),
    elapsedFraction: z.number().min(0),
  })
  .strict();

/** deadline.breached v1 (triage): the response is overdue. */
export const DeadlineBreachedV1 = z
  .object({
    ticketNumber: z.string().min(1),
    period: z.string().min(1).max(60),
    responseDueBy: isoInstant,
    detectedAt: isoInstant,
  })
  .strict();

/**
 * incident.systemic-detected v1 (triage): many complaints on one product and cause at once, above
 * their recent baseline. Keyed by the incident id, which the archive files its record under.
 */
export const SystemicIncidentDetectedV1 = z
  .object({
    incidentId: z.string().uuid(),
    taxonomy: z.string().min(1).max(50),
    product: TaxonomyLabelSchema,
    cause: TaxonomyLabelSchema,
    windowStart: isoInstant,
    windowEnd: isoInstant,
    baselineMean: z.number().min(0),
    reason: z.string().min(1).max(500),
    complaints: z.array(ComplaintRefSchema).min(1).max(1000),
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
export const REMEDY_TYPES = ['fee-waiver', 'fee-refund', 'delay-interest', 'loss-reimbursement', 'goodwill', 'voucher'] as const;

export const RemedyRequestSchema = z
  .object({
    type: z.enum(REMEDY_TYPES),
    amount: MoneySchema,
  })
  .strict();

/** case.resolved v1 (investigation), before the response was issued through approvals. No longer published; kept so archived records still validate. */
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

export const LIABILITIES = ['bank', 'customer', 'third-party', 'shared', 'undetermined'] as const;
export const ROOT_CAUSE_CODES = ['people', 'process', 'system', 'product', 'third-party', 'customer', 'external'] as const;
export const RESOLUTION_ACTIONS = ['explanation', 'correction', 'apology', 'fee-waiver', 'refund', 'compensation', 'staff-coaching'] as const;
export const EXCLUSION_REASONS = ['complained-about', 'line-manager-of-complained-about', 'declared-interest', 'decided-earlier-round'] as const;
export const EVIDENCE_KINDS = ['call-recording', 'transaction-log', 'cctv', 'sales-recording', 'risk-questionnaire', 'document', 'system-log', 'other'] as const;

const staffId = z.string().min(1).max(200);
const caseId = z.string().uuid();
/** Free text staff wrote; v1 events carry it with long digit runs masked (no longer published for investigation's events). */
const caseText = (max: number) => z.string().min(1).max(max);

/** case.assigned v1 (investigation): who investigates, and who was excluded for a conflict of interest (回避) and why. */
export const CaseAssignedV1 = z
  .object({
    caseId,
    investigator: staffId,
    assignedBy: staffId,
    method: z.enum(['workload-and-skill', 'named']),
    level: z.number().int().min(1).max(10),
    reviewRound: z.number().int().min(0).max(10),
    excluded: z.array(z.object({ staffId, reason: z.enum(EXCLUSION_REASONS) }).strict()).max(200),
  })
  .strict();

/** case.task-requested v1 (investigation): work asked of another department. */
export const CaseTaskRequestedV1 = z
  .object({ caseId, taskId: z.string().uuid(), department: z.string().min(1).max(60), owner: staffId.nullable(), request: caseText(2000), dueBy: isoInstant, requestedBy: staffId })
  .strict();

/** case.task-requested v2 (investigation): as v1, with the request sealed (`sealedStaffText`). */
export const CaseTaskRequestedV2 = CaseTaskRequestedV1.extend({ request: sealedStaffText(2000) }).strict();

/** case.task-completed v1 (investigation): the department's recorded result. */
export const CaseTaskCompletedV1 = z
  .object({ caseId, taskId: z.string().uuid(), department: z.string().min(1).max(60), result: caseText(4000), completedBy: staffId, late: z.boolean() })
  .strict();

/** case.task-completed v2 (investigation): as v1, with the result sealed (`sealedStaffText`). */
export const CaseTaskCompletedV2 = CaseTaskCompletedV1.extend({ result: sealedStaffText(4000) }).strict();

/** case.task-reminder v1 (investigation): a task is due soon or overdue; its owner is reminded. */
export const CaseTaskReminderV1 = z
  .object({ caseId, taskId: z.string().uuid(), department: z.string().min(1).max(60), owner: staffId.nullable(), dueBy: isoInstant, overdue: z.boolean() })
  .strict();

/** case.evidence-added v1 (investigation): a register entry; the bytes stay in object storage. */
export const CaseEvidenceAddedV1 = z
  .object({
    caseId,
    evidenceId: z.string().uuid(),
    kind: z.enum(EVIDENCE_KINDS),
    sourceSystem: z.string().min(1).max(100),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    size: z.number().int().min(0).nullable(),
    stored: z.boolean(),
    addedBy: staffId,
  })
  .strict();

/** case.findings-recorded v1 (investigation): liability and root cause; the facts stay with the case. */
export const CaseFindingsRecordedV1 = z
  .object({ caseId, liability: z.enum(LIABILITIES), rootCause: z.enum(ROOT_CAUSE_CODES), facts: z.number().int().min(1).max(50), recordedBy: staffId })
  .strict();

/** case.resolution-proposed v1 (investigation): the investigator's proposal, and whether four eyes must approve it. */
export const CaseResolutionProposedV1 = z
  .object({
    caseId,
    outcome: z.enum(OUTCOMES),
    actions: z.array(z.enum(RESOLUTION_ACTIONS)).min(1).max(RESOLUTION_ACTIONS.length),
    remedy: RemedyRequestSchema.nullable(),
    proposedBy: staffId,
    needsApproval: z.boolean(),
  })
  .strict();

/** case.resolution-decided v1 (investigation): a supervisor approved or sent back the proposal. */
export const CaseResolutionDecidedV1 = z
  .object({ caseId, decision: z.enum(['approved', 'rejected']), decidedBy: staffId, proposedBy: staffId, reason: caseText(2000).nullable() })
  .strict();

/** case.resolution-decided v2 (investigation): as v1, with the reason sealed (`sealedStaffText`). */
export const CaseResolutionDecidedV2 = CaseResolutionDecidedV1.extend({ reason: sealedStaffText(2000).nullable() }).strict();

/** case.extension-requested v1 (investigation). */
export const CaseExtensionRequestedV1 = z
  .object({ caseId, requestId: z.string().uuid(), toPeriod: z.string().min(1).max(60), reason: caseText(2000), requestedBy: staffId })
  .strict();

/** case.extension-requested v2 (investigation): as v1, with the reason sealed (`sealedStaffText`). */
export const CaseExtensionRequestedV2 = CaseExtensionRequestedV1.extend({ reason: sealedStaffText(2000) }).strict();

/** case.extension-decided v1 (investigation): approved extensions move the clock (triage) and the customer is told. */
export const CaseExtensionDecidedV1 = z
  .object({
    caseId,
    requestId: z.string().uuid(),
    toPeriod: z.string().min(1).max(60),
    decision: z.enum(['approved', 'rejected']),
    decidedBy: staffId,
    requestedBy: staffId,
    seniorApproval: z.boolean(),
    reason: caseText(2000),
  })
  .strict();

/** case.extension-decided v2 (investigation): as v1, with the reason sealed (`sealedStaffText`). */
export const CaseExtensionDecidedV2 = CaseExtensionDecidedV1.extend({ reason: sealedStaffText(2000) }).strict();

/** Where the customer may turn after the decision (the regulator, the ombudsman) and by when. */
export const CustomerRightsSchema = z
  .object({
    /** The end of the window to ask the bank for a review (cn-cbirc 核查), or null where the regime has none. */
    reviewBy: isoInstant.nullable(),
    escalateTo: z.array(z.object({ body: z.string().min(1).max(200), contact: z.string().min(1).max(200), within: z.string().max(200).nullable() }).strict()).max(10),
  })
  .strict();

/**
 * case.response-issued v1 (investigation): the decision with its explanation in clear. No longer
 * published; kept so events published before (still on the topic, or replayed) and archived
 * records still validate.
 */
export const CaseResponseIssuedV1 = z
  .object({
    caseId,
    ticketNumber: z.string().min(1),
    reviewRound: z.number().int().min(0).max(10),
    outcome: z.enum(OUTCOMES),
    explanation: z.string().min(1).max(4000),
    liability: z.enum(LIABILITIES),
    rootCause: z.enum(ROOT_CAUSE_CODES),
    actions: z.array(z.enum(RESOLUTION_ACTIONS)).min(1).max(RESOLUTION_ACTIONS.length),
    remedy: RemedyRequestSchema.nullable(),
    decidedBy: staffId,
    approvedBy: staffId.nullable(),
    issuedAt: isoInstant,
    rights: CustomerRightsSchema,
  })
  .strict();

/**
 * case.response-issued v2 (investigation): the decision the customer receives, with reasons,
 * remedy and rights. The explanation is written for the customer's letter, so it names them and
 * quotes their numbers and cannot be masked: it travels sealed with the platform's PII keys
 * (AES-256-GCM envelope, libs/platform field-cipher), for the services holding the keys to open.
 */
export const CaseResponseIssuedV2 = CaseResponseIssuedV1.extend({ explanation: sealedTextOf(4000) }).strict();

/** case.escalated v1 (investigation): decided at a higher level from now on. */
export const CaseEscalatedV1 = z.object({ caseId, level: z.number().int().min(2).max(10), reason: caseText(2000), escalatedBy: staffId }).strict();

/** case.escalated v2 (investigation): as v1, with the reason sealed (`sealedStaffText`). */
export const CaseEscalatedV2 = CaseEscalatedV1.extend({ reason: sealedStaffText(2000) }).strict();

/** case.review-requested v1 (investigation): the customer contests the decision (核查); a review opens a level higher. */
export const CaseReviewRequestedV1 = z
  .object({ caseId, reviewRound: z.number().int().min(1).max(10), level: z.number().int().min(2).max(10), reason: caseText(2000), loggedBy: staffId })
  .strict();

/** case.review-requested v2 (investigation): as v1, with the reason sealed (`sealedStaffText`). */
export const CaseReviewRequestedV2 = CaseReviewRequestedV1.extend({ reason: sealedStaffText(2000) }).strict();

/** case.reopened v1 (investigation). */
export const CaseReopenedV1 = z.object({ caseId, reason: caseText(2000), reopenedBy: staffId }).strict();

/** case.reopened v2 (investigation): as v1, with the reason sealed (`sealedStaffText`). */
export const CaseReopenedV2 = CaseReopenedV1.extend({ reason: sealedStaffText(2000) }).strict();

/** case.closed v1 (investigation): the matter is settled (review window over, or the customer accepted). */
export const CaseClosedV1 = z.object({ caseId, reason: caseText(2000), closedBy: staffId }).strict();

/** case.closed v2 (investigation): as v1, with the reason sealed (`sealedStaffText`). */
export const CaseClosedV2 = CaseClosedV1.extend({ reason: sealedStaffText(2000) }).strict();

export const IMPROVEMENT_STATUSES = ['open', 'in-progress', 'done', 'effective', 'ineffective', 'cancelled'] as const;

/** improvement.action-raised v1 (investigation): 整改 from a root cause, keyed by the complaint it came from. */
export const ImprovementActionRaisedV1 = z
  .object({
    actionId: z.string().uuid(),
    sourceCaseId: caseId,
    rootCause: z.enum(ROOT_CAUSE_CODES),
    department: z.string().min(1).max(60),
    measure: caseText(2000),
    dueBy: isoInstant,
    raisedBy: staffId,
  })
  .strict();

/** improvement.action-raised v2 (investigation): as v1, with the measure sealed (`sealedStaffText`). */
export const ImprovementActionRaisedV2 = ImprovementActionRaisedV1.extend({ measure: sealedStaffText(2000) }).strict();

/** improvement.action-updated v1 (investigation): progress, completion and the later effectiveness check. */
export const ImprovementActionUpdatedV1 = z
  .object({ actionId: z.string().uuid(), status: z.enum(IMPROVEMENT_STATUSES), note: caseText(2000).nullable(), updatedBy: staffId })
  .strict();

/** improvement.action-updated v2 (investigation): as v1, with the note sealed (`sealedStaffText`). */
export const ImprovementActionUpdatedV2 = ImprovementActionUpdatedV1.extend({ note: sealedStaffText(2000).nullable() }).strict();

/** improvement.complaint-linked v1 (investigation): another complaint with the same root cause, keyed by that complaint. */
export const ImprovementComplaintLinkedV1 = z.object({ actionId: z.string().uuid(), caseId, linkedBy: staffId }).strict();

/** remedy.proposed v1 (compensation). */
export const RemedyProposedV1 = z
  .object({
    remedyId: z.string().uuid(),
    caseId: z.string().uuid(),
    type: z.enum(REMEDY_TYPES),
    amount: MoneySchema,
    /**
     * Added in v1 without breaking it: present on a top-up, when a later decision on the case
     * grants more than its earlier remedies did. What those granted; `amount` is the difference.
     */
    grantedBefore: MoneySchema.optional(),
  })
  .strict();

export const REMEDY_APPROVAL_ROUTES = ['automatic', 'single', 'four-eyes'] as const;

/** remedy.approved v1 (compensation): the approval matrix is satisfied; the payout is instructed next. */
export const RemedyApprovedV1 = z
  .object({
    remedyId: z.string().uuid(),
    caseId,
    type: z.enum(REMEDY_TYPES),
    amount: MoneySchema,
    route: z.enum(REMEDY_APPROVAL_ROUTES),
    /** Empty when the amount is within what the case decision alone may grant. */
    approvedBy: z.array(staffId).max(2),
  })
  .strict();

/** remedy.rejected v1 (compensation): an approver refused the remedy, with the reason. */
export const RemedyRejectedV1 = z
  .object({ remedyId: z.string().uuid(), caseId, amount: MoneySchema, reason: caseText(2000), rejectedBy: staffId })
  .strict();

/** remedy.rejected v2 (compensation): as v1, with the approver's reason sealed (`sealedStaffText`). */
export const RemedyRejectedV2 = RemedyRejectedV1.extend({ reason: sealedStaffText(2000) }).strict();

/** remedy.paid v1 (compensation): the core banking system booked the payout; the customer is told. */
export const RemedyPaidV1 = z
  .object({
    remedyId: z.string().uuid(),
    caseId,
    payoutId: z.string().uuid(),
    type: z.enum(REMEDY_TYPES),
    amount: MoneySchema,
    coreReference: z.string().min(1).max(100),
    paidAt: isoInstant,
  })
  .strict();

/** remedy.payout-failed v1 (compensation): the core refused the payout, or every retry failed; a person takes over. */
export const RemedyPayoutFailedV1 = z
  .object({
    remedyId: z.string().uuid(),
    caseId,
    payoutId: z.string().uuid(),
    amount: MoneySchema,
    reason: z.string().min(1).max(500),
    attempts: z.number().int().min(1).max(1000),
  })
  .strict();

/** remedy.reversed v1 (compensation): a paid remedy was taken back (paid in error), with its own core booking. */
export const RemedyReversedV1 = z
  .object({
    remedyId: z.string().uuid(),
    caseId,
    payoutId: z.string().uuid(),
    amount: MoneySchema,
    reason: caseText(2000),
    reversedBy: staffId,
    coreReference: z.string().min(1).max(100),
  })
  .strict();

/** remedy.reversed v2 (compensation): as v1, with the reason sealed (`sealedStaffText`). */
export const RemedyReversedV2 = RemedyReversedV1.extend({ reason: sealedStaffText(2000) }).strict();

export const REMEDY_WITHDRAWAL_CAUSES = ['case-reopened', 'later-decision'] as const;

/**
 * remedy.withdrawn v1 (compensation): the decision behind a remedy not yet paid out no longer
 * stands (the case was reopened, or a later decision grants no more), and nothing is paid for it.
 */
export const RemedyWithdrawnV1 = z
  .object({
    remedyId: z.string().uuid(),
    caseId,
    amount: MoneySchema,
    cause: z.enum(REMEDY_WITHDRAWAL_CAUSES),
    reason: caseText(2000),
    withdrawnBy: staffId,
  })
  .strict();

/** remedy.withdrawn v2 (compensation): as v1, with the reason sealed (`sealedStaffText`). */
export const RemedyWithdrawnV2 = RemedyWithdrawnV1.extend({ reason: sealedStaffText(2000) }).strict();

export const NOTIFICATION_KINDS = ['acknowledgement', 'progress', 'extension', 'information-request', 'final-response', 'summary-resolution', 'survey', 'remedy-paid'] as const;

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

export const DELIVERY_STATUSES = ['delivered', 'bounced', 'failed'] as const;

/** notification.delivery-updated v1 (notification): what the provider reported after accepting a message. */
export const NotificationDeliveryUpdatedV1 = z
  .object({
    messageId: z.string().uuid(),
    kind: z.enum(NOTIFICATION_KINDS),
    channel: ReplyChannelSchema,
    status: z.enum(DELIVERY_STATUSES),
    reason: z.string().max(500).nullable(),
  })
  .strict();

/** survey.answered v1 (notification): the customer's follow-up score (回访); the comment is sealed, it may hold personal data. */
export const SurveyAnsweredV1 = z
  .object({
    surveyId: z.string().uuid(),
    caseId,
    score: z.number().int().min(1).max(5),
    comment: SealedTextSchema.nullable(),
    via: z.enum(['link', 'sms']),
    answeredAt: isoInstant,
  })
  .strict();

/** survey.review-opened v1 (notification): a low follow-up score asks for the case's handling to be reviewed. */
export const SurveyReviewOpenedV1 = z
  .object({ surveyId: z.string().uuid(), caseId, score: z.number().int().min(1).max(5), threshold: z.number().int().min(1).max(5) })
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

/**
 * The details of a staff action record that services fill with codes, ids, enumerations and dates
 * only: they travel and rest in clear. Deny by default: every other detail is taken for free text
 * that can name the customer, so it travels sealed (staff.action-recorded v2) and the archive keeps
 * it sealed under the customer's key, unless someone decides it is not personal and adds it here.
 */
export const STAFF_DETAILS_IN_CLEAR: ReadonlySet<string> = new Set([
  'purpose', 'reference', 'personalData', 'caseId', 'outcome', 'product', 'cause', 'severity', 'department',
  'period', 'pauseReason', 'holdId', 'purgeId', 'regime', 'closedAt', 'retainedUntil', 'asOf',
  // investigation: staff ids, codes and ids of the case's own records
  'investigator', 'method', 'liability', 'rootCause', 'needsApproval', 'decision', 'level', 'requestId', 'toPeriod',
  'taskId', 'late', 'evidenceId', 'kind', 'sha256', 'contactId', 'channel', 'noteId', 'actionId', 'status', 'involvedStaff', 'removed',
  // compensation: the remedy and its approvals so far; intake: a regulator's deadlines
  'remedyId', 'approvals', 'complete', 'previousDeadline', 'deadline',
]);

/** A staff action's free-text detail, sealed: up to 2,000 characters (the longest reason a staff route takes for one). */
const StaffActionFreeText = sealedStaffText(2000);
const StaffActionCode = z.string().max(500);

/**
 * staff.action-recorded v2 (any service): as v1, with every detail that is not a code
 * (`STAFF_DETAILS_IN_CLEAR`) sealed with the platform's PII keys (`sealedStaffText`): v1 carried a
 * reason staff gave (a legal hold's, a removal from a case's involved staff) with digit runs masked
 * at best, and the customer's name in clear.
 */
export const StaffActionRecordedV2 = StaffActionRecordedV1.extend({
  detail: z.record(z.string().max(100), z.string()).superRefine((detail, ctx) => {
    if (Object.keys(detail).length > 20) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'at most 20 details' });
    for (const [key, value] of Object.entries(detail)) {
      const inClear = STAFF_DETAILS_IN_CLEAR.has(key);
      const checked = (inClear ? StaffActionCode : StaffActionFreeText).safeParse(value);
      if (!checked.success) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [key],
          message: inClear ? checked.error.issues[0].message : `free text must travel sealed (${checked.error.issues[0].message})`,
        });
      }
    }
  }),
}).strict();

export type ComplaintReceived = z.infer<typeof ComplaintReceivedV1>;
export type ComplaintTriaged = z.infer<typeof ComplaintTriagedV1>;
export type ComplaintSupplemented = z.infer<typeof ComplaintSupplementedV1>;
export type ComplaintAmended = z.infer<typeof ComplaintAmendedV2>;
export type ComplaintWithdrawn = z.infer<typeof ComplaintWithdrawnV1>;
export type ComplaintReferralDeadlineChanged = z.infer<typeof ComplaintReferralDeadlineChangedV1>;
export type ComplaintTriageQueued = z.infer<typeof ComplaintTriageQueuedV1>;
/** Any version: v1's reason is digit-masked text, v2's sealed. */
export type ComplaintRetriaged = z.infer<typeof ComplaintRetriagedV1>;
/** Any version: v1 and v2 have no `staffReason`. */
export type DeadlineClockChanged = z.infer<typeof DeadlineClockChangedV2> & { staffReason?: string | null };
export type DeadlineWarning = z.infer<typeof DeadlineWarningV1>;
export type DeadlineBreached = z.infer<typeof DeadlineBreachedV1>;
export type SystemicIncidentDetected = z.infer<typeof SystemicIncidentDetectedV1>;
export type CaseOpened = z.infer<typeof CaseOpenedV1>;
export type CaseResolved = z.infer<typeof CaseResolvedV1>;
export type CaseAssigned = z.infer<typeof CaseAssignedV1>;
export type CaseTaskRequested = z.infer<typeof CaseTaskRequestedV1>;
export type CaseTaskCompleted = z.infer<typeof CaseTaskCompletedV1>;
export type CaseTaskReminder = z.infer<typeof CaseTaskReminderV1>;
export type CaseEvidenceAdded = z.infer<typeof CaseEvidenceAddedV1>;
export type CaseFindingsRecorded = z.infer<typeof CaseFindingsRecordedV1>;
export type CaseResolutionProposed = z.infer<typeof CaseResolutionProposedV1>;
export type CaseResolutionDecided = z.infer<typeof CaseResolutionDecidedV1>;
export type CaseExtensionRequested = z.infer<typeof CaseExtensionRequestedV1>;
export type CaseExtensionDecided = z.infer<typeof CaseExtensionDecidedV1>;
export type CustomerRights = z.infer<typeof CustomerRightsSchema>;
/** Either version: their shapes are the same, only v2's explanation is a sealed value. */
export type CaseResponseIssued = z.infer<typeof CaseResponseIssuedV2>;
export type CaseEscalated = z.infer<typeof CaseEscalatedV1>;
export type CaseReviewRequested = z.infer<typeof CaseReviewRequestedV1>;
export type CaseReopened = z.infer<typeof CaseReopenedV1>;
export type CaseClosed = z.infer<typeof CaseClosedV1>;
export type ImprovementActionRaised = z.infer<typeof ImprovementActionRaisedV1>;
export type ImprovementActionUpdated = z.infer<typeof ImprovementActionUpdatedV1>;
export type ImprovementComplaintLinked = z.infer<typeof ImprovementComplaintLinkedV1>;
export type RemedyProposed = z.infer<typeof RemedyProposedV1>;
export type RemedyApproved = z.infer<typeof RemedyApprovedV1>;
export type RemedyRejected = z.infer<typeof RemedyRejectedV1>;
export type RemedyPaid = z.infer<typeof RemedyPaidV1>;
export type RemedyPayoutFailed = z.infer<typeof RemedyPayoutFailedV1>;
export type RemedyReversed = z.infer<typeof RemedyReversedV1>;
export type RemedyWithdrawn = z.infer<typeof RemedyWithdrawnV1>;
export type NotificationSent = z.infer<typeof NotificationSentV1>;
export type NotificationDeliveryUpdated = z.infer<typeof NotificationDeliveryUpdatedV1>;
export type SurveyAnswered = z.infer<typeof SurveyAnsweredV1>;
export type SurveyReviewOpened = z.infer<typeof SurveyReviewOpenedV1>;
export type DossierSealed = z.infer<typeof DossierSealedV1>;
/** Either version: their shapes are the same, only v2's free-text details are sealed values. */
export type StaffActionRecorded = z.infer<typeof StaffActionRecordedV1>;
