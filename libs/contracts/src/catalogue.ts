import { z } from 'zod';
import { eventKey } from './envelope';
import {
  CaseOpenedV1,
  CaseResolvedV1,
  CaseAssignedV1,
  CaseTaskRequestedV1,
  CaseTaskRequestedV2,
  CaseTaskCompletedV1,
  CaseTaskCompletedV2,
  CaseTaskReminderV1,
  CaseEvidenceAddedV1,
  CaseFindingsRecordedV1,
  CaseResolutionProposedV1,
  CaseResolutionDecidedV1,
  CaseResolutionDecidedV2,
  CaseExtensionRequestedV1,
  CaseExtensionRequestedV2,
  CaseExtensionDecidedV1,
  CaseExtensionDecidedV2,
  CaseResponseIssuedV1,
  CaseResponseIssuedV2,
  CaseEscalatedV1,
  CaseEscalatedV2,
  CaseReviewRequestedV1,
  CaseReviewRequestedV2,
  CaseReopenedV1,
  CaseReopenedV2,
  CaseClosedV1,
  CaseClosedV2,
  ImprovementActionRaisedV1,
  ImprovementActionRaisedV2,
  ImprovementActionUpdatedV1,
  ImprovementActionUpdatedV2,
  ImprovementComplaintLinkedV1,
  ComplaintAmendedV1,
  ComplaintAmendedV2,
  ComplaintReceivedV1,
  ComplaintSupplementedV1,
  ComplaintWithdrawnV1,
  ComplaintReferralDeadlineChangedV1,
  ComplaintTriagedV1,
  ComplaintTriageQueuedV1,
  ComplaintRetriagedV1,
  ComplaintRetriagedV2,
  DeadlineClockChangedV1,
  DeadlineClockChangedV2,
  DeadlineClockChangedV3,
  DeadlineWarningV1,
  DeadlineBreachedV1,
  SystemicIncidentDetectedV1,
  NotificationSentV1,
  DossierSealedV1,
  RemedyProposedV1,
  RemedyApprovedV1,
  RemedyRejectedV1,
  RemedyRejectedV2,
  RemedyPaidV1,
  RemedyPayoutFailedV1,
  RemedyReversedV1,
  RemedyReversedV2,
  RemedyWithdrawnV1,
  RemedyWithdrawnV2,
  NotificationDeliveryUpdatedV1,
  SurveyAnsweredV1,
  SurveyReviewOpenedV1,
  StaffActionRecordedV1,
  StaffActionRecordedV2,
} from './events';

export const SERVICES = [
  'intake',
  'triage',
  'investigation',
  'compensation',
  'notification',
  'compliance-archive',
] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Topics: one owner each, major version in the name, keyed by complaint id. */
export const TOPICS = {
  intake: 'complaints.intake.v1',
  triage: 'complaints.triage.v1',
  investigation: 'complaints.investigation.v1',
  compensation: 'complaints.compensation.v1',
  notification: 'complaints.notification.v1',
  archive: 'complaints.archive.v1',
  /** Staff actions, written by every service that has staff endpoints. */
  staffActions: 'complaints.staff-actions.v1',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export interface EventDefinition<S extends z.ZodTypeAny = z.ZodTypeAny> {
  readonly type: string;
  readonly version: number;
  readonly topic: TopicName;
  readonly schema: S;
  /** The handler pattern: `type@vN`. */
  readonly pattern: string;
}

const define = <S extends z.ZodTypeAny>(
  type: string,
  version: number,
  topic: TopicName,
  schema: S,
): EventDefinition<S> => ({ type, version, topic, schema, pattern: eventKey(type, version) });

export const Events = {
  ComplaintReceived: define('complaint.received', 1, TOPICS.intake, ComplaintReceivedV1),
  ComplaintSupplemented: define('complaint.supplemented', 1, TOPICS.intake, ComplaintSupplementedV1),
  ComplaintAmendedV1: define('complaint.amended', 1, TOPICS.intake, ComplaintAmendedV1),
  ComplaintAmended: define('complaint.amended', 2, TOPICS.intake, ComplaintAmendedV2),
  ComplaintWithdrawn: define('complaint.withdrawn', 1, TOPICS.intake, ComplaintWithdrawnV1),
  ComplaintReferralDeadlineChanged: define('complaint.referral-deadline-changed', 1, TOPICS.intake, ComplaintReferralDeadlineChangedV1),
  ComplaintTriaged: define('complaint.triaged', 1, TOPICS.triage, ComplaintTriagedV1),
  ComplaintTriageQueued: define('complaint.triage-queued', 1, TOPICS.triage, ComplaintTriageQueuedV1),
  /** Published with the officer's reason masked only; consumers still read it (rolling upgrades, replays). */
  ComplaintRetriagedV1: define('complaint.retriaged', 1, TOPICS.triage, ComplaintRetriagedV1),
  ComplaintRetriaged: define('complaint.retriaged', 2, TOPICS.triage, ComplaintRetriagedV2),
  DeadlineClockChangedV1: define('deadline.clock-changed', 1, TOPICS.triage, DeadlineClockChangedV1),
  DeadlineClockChangedV2: define('deadline.clock-changed', 2, TOPICS.triage, DeadlineClockChangedV2),
  DeadlineClockChanged: define('deadline.clock-changed', 3, TOPICS.triage, DeadlineClockChangedV3),
  DeadlineWarning: define('deadline.warning', 1, TOPICS.triage, DeadlineWarningV1),
  DeadlineBreached: define('deadline.breached', 1, TOPICS.triage, DeadlineBreachedV1),
  SystemicIncidentDetected: define('incident.systemic-detected', 1, TOPICS.triage, SystemicIncidentDetectedV1),
  CaseOpened: define('case.opened', 1, TOPICS.investigation, CaseOpenedV1),
  CaseResolved: define('case.resolved', 1, TOPICS.investigation, CaseResolvedV1),
  CaseAssigned: define('case.assigned', 1, TOPICS.investigation, CaseAssignedV1),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  CaseTaskRequestedV1: define('case.task-requested', 1, TOPICS.investigation, CaseTaskRequestedV1),
  CaseTaskRequested: define('case.task-requested', 2, TOPICS.investigation, CaseTaskRequestedV2),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  CaseTaskCompletedV1: define('case.task-completed', 1, TOPICS.investigation, CaseTaskCompletedV1),
  CaseTaskCompleted: define('case.task-completed', 2, TOPICS.investigation, CaseTaskCompletedV2),
  CaseTaskReminder: define('case.task-reminder', 1, TOPICS.investigation, CaseTaskReminderV1),
  CaseEvidenceAdded: define('case.evidence-added', 1, TOPICS.investigation, CaseEvidenceAddedV1),
  CaseFindingsRecorded: define('case.findings-recorded', 1, TOPICS.investigation, CaseFindingsRecordedV1),
  CaseResolutionProposed: define('case.resolution-proposed', 1, TOPICS.investigation, CaseResolutionProposedV1),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  CaseResolutionDecidedV1: define('case.resolution-decided', 1, TOPICS.investigation, CaseResolutionDecidedV1),
  CaseResolutionDecided: define('case.resolution-decided', 2, TOPICS.investigation, CaseResolutionDecidedV2),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  CaseExtensionRequestedV1: define('case.extension-requested', 1, TOPICS.investigation, CaseExtensionRequestedV1),
  CaseExtensionRequested: define('case.extension-requested', 2, TOPICS.investigation, CaseExtensionRequestedV2),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  CaseExtensionDecidedV1: define('case.extension-decided', 1, TOPICS.investigation, CaseExtensionDecidedV1),
  CaseExtensionDecided: define('case.extension-decided', 2, TOPICS.investigation, CaseExtensionDecidedV2),
  /** Published before the explanation was sealed; consumers still read it (rolling upgrades, replays). */
  CaseResponseIssuedV1: define('case.response-issued', 1, TOPICS.investigation, CaseResponseIssuedV1),
  CaseResponseIssued: define('case.response-issued', 2, TOPICS.investigation, CaseResponseIssuedV2),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  CaseEscalatedV1: define('case.escalated', 1, TOPICS.investigation, CaseEscalatedV1),
  CaseEscalated: define('case.escalated', 2, TOPICS.investigation, CaseEscalatedV2),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  CaseReviewRequestedV1: define('case.review-requested', 1, TOPICS.investigation, CaseReviewRequestedV1),
  CaseReviewRequested: define('case.review-requested', 2, TOPICS.investigation, CaseReviewRequestedV2),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  CaseReopenedV1: define('case.reopened', 1, TOPICS.investigation, CaseReopenedV1),
  CaseReopened: define('case.reopened', 2, TOPICS.investigation, CaseReopenedV2),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  CaseClosedV1: define('case.closed', 1, TOPICS.investigation, CaseClosedV1),
  CaseClosed: define('case.closed', 2, TOPICS.investigation, CaseClosedV2),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  ImprovementActionRaisedV1: define('improvement.action-raised', 1, TOPICS.investigation, ImprovementActionRaisedV1),
  ImprovementActionRaised: define('improvement.action-raised', 2, TOPICS.investigation, ImprovementActionRaisedV2),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  ImprovementActionUpdatedV1: define('improvement.action-updated', 1, TOPICS.investigation, ImprovementActionUpdatedV1),
  ImprovementActionUpdated: define('improvement.action-updated', 2, TOPICS.investigation, ImprovementActionUpdatedV2),
  ImprovementComplaintLinked: define('improvement.complaint-linked', 1, TOPICS.investigation, ImprovementComplaintLinkedV1),
  RemedyProposed: define('remedy.proposed', 1, TOPICS.compensation, RemedyProposedV1),
  RemedyApproved: define('remedy.approved', 1, TOPICS.compensation, RemedyApprovedV1),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  RemedyRejectedV1: define('remedy.rejected', 1, TOPICS.compensation, RemedyRejectedV1),
  RemedyRejected: define('remedy.rejected', 2, TOPICS.compensation, RemedyRejectedV2),
  RemedyPaid: define('remedy.paid', 1, TOPICS.compensation, RemedyPaidV1),
  RemedyPayoutFailed: define('remedy.payout-failed', 1, TOPICS.compensation, RemedyPayoutFailedV1),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  RemedyReversedV1: define('remedy.reversed', 1, TOPICS.compensation, RemedyReversedV1),
  RemedyReversed: define('remedy.reversed', 2, TOPICS.compensation, RemedyReversedV2),
  /** Published with the text masked only; consumers still read it (rolling upgrades, replays). */
  RemedyWithdrawnV1: define('remedy.withdrawn', 1, TOPICS.compensation, RemedyWithdrawnV1),
  RemedyWithdrawn: define('remedy.withdrawn', 2, TOPICS.compensation, RemedyWithdrawnV2),
  NotificationSent: define('notification.sent', 1, TOPICS.notification, NotificationSentV1),
  NotificationDeliveryUpdated: define('notification.delivery-updated', 1, TOPICS.notification, NotificationDeliveryUpdatedV1),
  SurveyAnswered: define('survey.answered', 1, TOPICS.notification, SurveyAnsweredV1),
  SurveyReviewOpened: define('survey.review-opened', 1, TOPICS.notification, SurveyReviewOpenedV1),
  DossierSealed: define('dossier.sealed', 1, TOPICS.archive, DossierSealedV1),
  /** Published with free-text details in clear (digit-masked at best); the archive still reads it (rolling upgrades, replays). */
  StaffActionRecordedV1: define('staff.action-recorded', 1, TOPICS.staffActions, StaffActionRecordedV1),
  StaffActionRecorded: define('staff.action-recorded', 2, TOPICS.staffActions, StaffActionRecordedV2),
} as const;

export type EventPayload<D extends EventDefinition> = z.infer<D['schema']>;

const byKey = new Map<string, EventDefinition>(
  Object.values(Events).map((d) => [d.pattern, d as EventDefinition]),
);

export const findEventDefinition = (type: string, version: number): EventDefinition | undefined =>
  byKey.get(eventKey(type, version));

export const allEventDefinitions = (): EventDefinition[] => [...byKey.values()];

export interface TopicEntry {
  topic: TopicName;
  owner: ServiceName | 'every service';
  key: 'complaintId';
  events: string[];
  consumers: ServiceName[];
}

/** Who consumes what. docs/architecture.md renders this table; a test keeps the two in step. */
export const TOPIC_CATALOGUE: TopicEntry[] = [
  {
    topic: TOPICS.intake,
    owner: 'intake',
    key: 'complaintId',
    events: [Events.ComplaintReceived.pattern, Events.ComplaintSupplemented.pattern, Events.ComplaintAmendedV1.pattern, Events.ComplaintAmended.pattern, Events.ComplaintWithdrawn.pattern, Events.ComplaintReferralDeadlineChanged.pattern],
    consumers: ['triage', 'investigation', 'compensation', 'notification', 'compliance-archive'],
  },
  {
    topic: TOPICS.triage,
    owner: 'triage',
    key: 'complaintId',
    events: [
      Events.ComplaintTriaged.pattern,
      Events.ComplaintTriageQueued.pattern,
      Events.ComplaintRetriagedV1.pattern,
      Events.ComplaintRetriaged.pattern,
      Events.DeadlineClockChangedV1.pattern,
      Events.DeadlineClockChangedV2.pattern,
      Events.DeadlineClockChanged.pattern,
      Events.DeadlineWarning.pattern,
      Events.DeadlineBreached.pattern,
      Events.SystemicIncidentDetected.pattern,
    ],
    consumers: ['intake', 'investigation', 'notification', 'compliance-archive'],
  },
  {
    topic: TOPICS.investigation,
    owner: 'investigation',
    key: 'complaintId',
    events: [Events.CaseOpened.pattern, Events.CaseResolved.pattern, Events.CaseAssigned.pattern, Events.CaseTaskRequestedV1.pattern, Events.CaseTaskRequested.pattern, Events.CaseTaskCompletedV1.pattern, Events.CaseTaskCompleted.pattern, Events.CaseTaskReminder.pattern, Events.CaseEvidenceAdded.pattern, Events.CaseFindingsRecorded.pattern, Events.CaseResolutionProposed.pattern, Events.CaseResolutionDecidedV1.pattern, Events.CaseResolutionDecided.pattern, Events.CaseExtensionRequestedV1.pattern, Events.CaseExtensionRequested.pattern, Events.CaseExtensionDecidedV1.pattern, Events.CaseExtensionDecided.pattern, Events.CaseResponseIssuedV1.pattern, Events.CaseResponseIssued.pattern, Events.CaseEscalatedV1.pattern, Events.CaseEscalated.pattern, Events.CaseReviewRequestedV1.pattern, Events.CaseReviewRequested.pattern, Events.CaseReopenedV1.pattern, Events.CaseReopened.pattern, Events.CaseClosedV1.pattern, Events.CaseClosed.pattern, Events.ImprovementActionRaisedV1.pattern, Events.ImprovementActionRaised.pattern, Events.ImprovementActionUpdatedV1.pattern, Events.ImprovementActionUpdated.pattern, Events.ImprovementComplaintLinked.pattern],
    consumers: ['intake', 'triage', 'compensation', 'notification', 'compliance-archive'],
  },
  {
    topic: TOPICS.compensation,
    owner: 'compensation',
    key: 'complaintId',
    events: [Events.RemedyProposed.pattern, Events.RemedyApproved.pattern, Events.RemedyRejectedV1.pattern, Events.RemedyRejected.pattern, Events.RemedyPaid.pattern, Events.RemedyPayoutFailed.pattern, Events.RemedyReversedV1.pattern, Events.RemedyReversed.pattern, Events.RemedyWithdrawnV1.pattern, Events.RemedyWithdrawn.pattern],
    consumers: ['notification', 'compliance-archive'],
  },
  {
    topic: TOPICS.notification,
    owner: 'notification',
    key: 'complaintId',
    events: [Events.NotificationSent.pattern, Events.NotificationDeliveryUpdated.pattern, Events.SurveyAnswered.pattern, Events.SurveyReviewOpened.pattern],
    consumers: ['investigation', 'compliance-archive'],
  },
  {
    topic: TOPICS.archive,
    owner: 'compliance-archive',
    key: 'complaintId',
    events: [Events.DossierSealed.pattern],
    consumers: ['compliance-archive'],
  },
  {
    topic: TOPICS.staffActions,
    owner: 'every service',
    key: 'complaintId',
    events: [Events.StaffActionRecordedV1.pattern, Events.StaffActionRecorded.pattern],
    consumers: ['compliance-archive'],
  },
];

/** Each consumer group has its own dead-letter topic. */
export const deadLetterTopic = (consumerGroup: string): string => `${consumerGroup}.dlq`;
