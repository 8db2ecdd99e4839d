import { z } from 'zod';
import { eventKey } from './envelope';
import {
  CaseOpenedV1,
  CaseResolvedV1,
  ComplaintAmendedV1,
  ComplaintReceivedV1,
  ComplaintSupplementedV1,
  ComplaintWithdrawnV1,
  ComplaintTriagedV1,
  ComplaintTriageQueuedV1,
  ComplaintRetriagedV1,
  DeadlineClockChangedV1,
  DeadlineWarningV1,
  DeadlineBreachedV1,
  SystemicIncidentDetectedV1,
  NotificationSentV1,
  DossierSealedV1,
  RemedyProposedV1,
  StaffActionRecordedV1,
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
  ComplaintAmended: define('complaint.amended', 1, TOPICS.intake, ComplaintAmendedV1),
  ComplaintWithdrawn: define('complaint.withdrawn', 1, TOPICS.intake, ComplaintWithdrawnV1),
  ComplaintTriaged: define('complaint.triaged', 1, TOPICS.triage, ComplaintTriagedV1),
  ComplaintTriageQueued: define('complaint.triage-queued', 1, TOPICS.triage, ComplaintTriageQueuedV1),
  ComplaintRetriaged: define('complaint.retriaged', 1, TOPICS.triage, ComplaintRetriagedV1),
  DeadlineClockChanged: define('deadline.clock-changed', 1, TOPICS.triage, DeadlineClockChangedV1),
  DeadlineWarning: define('deadline.warning', 1, TOPICS.triage, DeadlineWarningV1),
  DeadlineBreached: define('deadline.breached', 1, TOPICS.triage, DeadlineBreachedV1),
  SystemicIncidentDetected: define('incident.systemic-detected', 1, TOPICS.triage, SystemicIncidentDetectedV1),
  CaseOpened: define('case.opened', 1, TOPICS.investigation, CaseOpenedV1),
  CaseResolved: define('case.resolved', 1, TOPICS.investigation, CaseResolvedV1),
  RemedyProposed: define('remedy.proposed', 1, TOPICS.compensation, RemedyProposedV1),
  NotificationSent: define('notification.sent', 1, TOPICS.notification, NotificationSentV1),
  DossierSealed: define('dossier.sealed', 1, TOPICS.archive, DossierSealedV1),
  StaffActionRecorded: define('staff.action-recorded', 1, TOPICS.staffActions, StaffActionRecordedV1),
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
    events: [Events.ComplaintReceived.pattern, Events.ComplaintSupplemented.pattern, Events.ComplaintAmended.pattern, Events.ComplaintWithdrawn.pattern],
    consumers: ['triage', 'investigation', 'notification', 'compliance-archive'],
  },
  {
    topic: TOPICS.triage,
    owner: 'triage',
    key: 'complaintId',
    events: [
      Events.ComplaintTriaged.pattern,
      Events.ComplaintTriageQueued.pattern,
      Events.ComplaintRetriaged.pattern,
      Events.DeadlineClockChanged.pattern,
      Events.DeadlineWarning.pattern,
      Events.DeadlineBreached.pattern,
      Events.SystemicIncidentDetected.pattern,
    ],
    consumers: ['intake', 'investigation', 'compliance-archive'],
  },
  {
    topic: TOPICS.investigation,
    owner: 'investigation',
    key: 'complaintId',
    events: [Events.CaseOpened.pattern, Events.CaseResolved.pattern],
    consumers: ['intake', 'triage', 'compensation', 'notification', 'compliance-archive'],
  },
  {
    topic: TOPICS.compensation,
    owner: 'compensation',
    key: 'complaintId',
    events: [Events.RemedyProposed.pattern],
    consumers: ['compliance-archive'],
  },
  {
    topic: TOPICS.notification,
    owner: 'notification',
    key: 'complaintId',
    events: [Events.NotificationSent.pattern],
    consumers: ['compliance-archive'],
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
    events: [Events.StaffActionRecorded.pattern],
    consumers: ['compliance-archive'],
  },
];

/** Each consumer group has its own dead-letter topic. */
export const deadLetterTopic = (consumerGroup: string): string => `${consumerGroup}.dlq`;
