/**
 * The values the console shows and sends. Those the services share through libs/contracts come
 * from there; the rest belong to one service's code, which the console may not import, so they
 * are listed here and vocabulary.spec.ts holds them to the libraries they mirror.
 */
export {
  AGE_BANDS,
  CHANNELS,
  DECLARED_NEEDS,
  EVIDENCE_KINDS,
  IMPROVEMENT_STATUSES,
  LIABILITIES,
  OUTCOMES,
  REGULATOR_BODIES,
  REMEDY_TYPES,
  REPLY_CHANNELS,
  REPRESENTATIVE_RELATIONSHIPS,
  RESOLUTION_ACTIONS,
  ROLES,
  ROOT_CAUSE_CODES,
  SEVERITIES,
} from '@complaints/contracts';
export type { Role } from '@complaints/contracts';

/** libs/domain case-lifecycle CASE_STATES. */
export const CASE_STATES = ['awaiting-assignment', 'investigating', 'awaiting-approval', 'responded', 'under-review', 'closed', 'withdrawn'] as const;
export type CaseState = (typeof CASE_STATES)[number];

/** libs/domain case-lifecycle CASE_ACTIONS: what `allowedActions` and the transitions name. */
export const CASE_ACTIONS = [
  'assign',
  'request-task',
  'complete-task',
  'add-evidence',
  'log-contact',
  'add-note',
  'record-findings',
  'request-extension',
  'decide-extension',
  'propose-resolution',
  'approve-resolution',
  'reject-resolution',
  'escalate',
  'contest',
  'close',
  'reopen',
  'withdraw',
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

/** Open cases: the handler's queue by default. */
export const OPEN_CASE_STATES: readonly CaseState[] = ['awaiting-assignment', 'investigating', 'awaiting-approval', 'under-review'];

/** apps/investigation journal: CONTACT_CHANNELS and CONTACT_OUTCOMES. */
export const CONTACT_CHANNELS = ['phone', 'sms', 'email', 'wechat', 'in-person', 'letter', 'app'] as const;
export const CONTACT_OUTCOMES = ['reached', 'no-answer', 'left-message', 'information-received', 'explained', 'customer-accepted', 'customer-disagreed', 'call-back-requested'] as const;
export const CONTACT_DIRECTIONS = ['inbound', 'outbound'] as const;

/** apps/compliance-archive: the purposes a retrieval must state (docs/archive.md, Retrievals). */
export const RETRIEVAL_PURPOSES = ['regulator-request', 'court-order', 'internal-audit', 'complaint-handling', 'customer-request', 'quality-review'] as const;
export type RetrievalPurpose = (typeof RETRIEVAL_PURPOSES)[number];

/** apps/compliance-archive: the complaint index's generated status. */
export const ARCHIVE_STATUSES = ['received', 'triaged', 'responded', 'closed', 'reopened', 'withdrawn'] as const;

/** libs/domain remedies REMEDY_STATUSES. */
export const REMEDY_STATUSES = ['proposed', 'approved', 'rejected', 'paid', 'payout-failed', 'reversal-requested', 'reversing', 'reversed', 'withdrawn'] as const;

/** The cn-cbirc periods a case may be extended to (apps/investigation, docs/investigation.md, Extensions). */
export const EXTENSION_PERIODS = ['complex', 'senior-approved'] as const;
