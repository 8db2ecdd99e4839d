/** The shapes the console reads from the services' answers (only the fields it uses). */
import type { ClockView } from './deadline';
import type { CaseState } from './vocabulary';

export interface Money {
  amountMinor: number;
  currency: string;
}

export interface CaseSummary {
  id: string;
  complaintId: string;
  ticketNumber: string;
  department: string;
  severity: string;
  category: string | null;
  status: CaseState;
  regime: string;
  period: string | null;
  level: number;
  reviewRound: number;
  assignedTo: string | null;
  findings: { facts: string[]; liability: string; rootCause: { code: string; detail: string } } | null;
  proposal: {
    outcome: string;
    explanation: string;
    actions: string[];
    remedy: { type: string; amountMinor: number; currency: string } | null;
    proposedBy: string;
    needsApproval: boolean;
  } | null;
  withdrawnAt: string | null;
  responseDueBy: string;
  openedAt: string;
  respondedAt: string | null;
  reviewDueBy: string | null;
  resolution: Record<string, unknown> | null;
  updatedAt: string;
}

export interface CaseDetail extends CaseSummary {
  allowedActions: string[];
  transitions: { action: string; from: string; to: string; at: string; by: string; reason: string | null }[];
  assignments: { investigator: string; assignedBy: string; method: string; level: number; excluded: { staffId: string; reason: string }[]; at: string }[];
  tasks: { id: string; department: string; owner: string | null; request: string; dueBy: string; status: string; result: string | null; requestedBy: string; requestedAt: string; completedBy: string | null; completedAt: string | null }[];
  evidence: { id: string; kind: string; sourceSystem: string; reference: string | null; description: string; sha256: string; size: number | null; contentType: string | null; stored: boolean; addedBy: string; addedAt: string }[];
  contacts: { id: string; at: string; direction: string; channel: string; outcome: string; summary: string; loggedBy: string }[];
  notes: { id: string; at: string; author: string; body: string }[];
  extensions: { id: string; toPeriod: string; reason: string; requestedBy: string; requestedAt: string; decision: string | null; decidedBy: string | null; decidedAt: string | null; decisionReason: string | null }[];
}

export interface TriageDecision {
  complaintId: string;
  status: string;
  product: { code: string; title: string };
  category: { code: string; title: string };
  severity: string;
  department: string;
  routingRule: string;
  confidence: number;
  reasons: string[];
  responseDueBy: string;
  warningsRaised: number[];
  breachedAt: string | null;
  systemicIncidentId: string | null;
  clock: ClockView & { period: string };
}

/** apps/intake StaffComplaintView, as much of it as the console shows. */
export interface StaffComplaint {
  complaintId: string;
  ticketNumber: string;
  channel: string;
  complainant: { name?: string; phone?: string; email?: string; idNumber?: string; postalAddress?: string; customerId?: string; channelUserId?: string };
  description: string;
  onBehalfOf: { relationship: string; name: string; phone?: string; authorisationReference: string } | null;
  accountReference: string | null;
  attachments: { reference: string; sha256: string; sizeBytes: number; mediaType: string; fileName?: string }[];
  vulnerability: { ageBand?: string; declaredNeeds?: string[] } | null;
  regulatorReferral: { body: string; caseNumber: string; deadline?: string } | null;
  amountInDispute: Money | null;
  productHint: string | null;
  preferredReplyChannel: string;
  occurredAt: string | null;
  receivedAt: string;
  personalData: 'clear' | 'masked';
}

/** intake's `GET /v1/staff/complaints/{id}/regulator-deadline`: a referral's deadline now and every change recorded to it, oldest first. */
export interface RegulatorDeadlineHistory {
  complaintId: string;
  ticketNumber: string;
  body: string;
  caseNumber: string;
  deadline: string | null;
  changes: { previousDeadline: string | null; deadline: string; reference: string; changedAt: string; changedBy: string; reason: string }[];
  personalData: 'clear' | 'masked';
}

/** notification's `GET /v1/surveys/statistics`: the follow-up surveys offered in a period, counted. */
export interface SurveyStatistics {
  offered: number;
  answered: number;
  responseRate: number | null;
  averageScore: number | null;
  satisfiedRate: number | null;
  reviewsOpened: number;
}

export interface Remedy {
  remedyId: string;
  complaintId: string;
  caseId: string;
  type: string;
  amount: Money;
  status: string;
  route: string | null;
  proposedBy: string | null;
  approvals: { approver: string; at?: string }[];
  holdReason: string | null;
  proposedAt: string;
}

export interface IndexedComplaint {
  complaintId: string;
  ticketNumber: string | null;
  customerRef: string | null;
  channel: string | null;
  receivedAt: string | null;
  productCode: string | null;
  causeCode: string | null;
  category: string | null;
  severity: string | null;
  department: string | null;
  status: string;
  outcome: string | null;
  respondedAt: string | null;
  closedAt: string | null;
  redress: Money | null;
}

export interface SearchAnswer {
  page: number;
  perPage: number;
  total: number;
  complaints: IndexedComplaint[];
}

export interface Incident {
  id: string;
  taxonomy: string;
  product: string;
  category: string;
  detectedAt: string;
  reason: string;
  complaintIds: string[];
}

export interface ImprovementAction {
  id: string;
  sourceCaseId: string;
  rootCause: string;
  department: string;
  measure: string;
  dueBy: string;
  status: string;
  overdue: boolean;
  linkedCases: number;
}

/** apps/compliance-archive compose-dossier.ts DossierRemedy: one remedy, at its latest proposal. */
export interface DossierRemedy {
  remedyId: string;
  type: string;
  amount: Money;
  /** The latest proposal's entry and time. */
  seq: number;
  at: string;
  firstProposedAt: string;
  proposals: number;
  ended: { as: 'withdrawn' | 'rejected' | 'reversed'; seq: number; at: string; by: string | null; reason: string | null; cause: string | null } | null;
}

/** apps/compliance-archive compose-dossier.ts Dossier (docs/archive.md, "Dossier"). */
export interface Dossier {
  format: string;
  complaintId: string;
  ticketNumber: string | null;
  sealed: { dossierHash: string; sealedAt: string; entries: number; lastEntrySeq: number } | null;
  reopened: { seq: number; type: string; at: string } | null;
  timeline: { seq: number; type: string; at: string; producer: string; label: { zh: string; en: string }; summary: string }[];
  decisions: Record<string, unknown>[];
  remedies: DossierRemedy[];
  letters: Record<string, unknown>[];
  staffActions: Record<string, unknown>[];
  evidence: { entries: { seq: number; type: string; entryHash: string; attachments: number }[]; attachments: number };
  integrity: {
    entriesVerified: number;
    chainIntact: boolean;
    problems: { seq: number; problem: string }[];
    checkpoints: { entriesCovered: number; notYetCovered: number[] } | null;
  };
  dossierHash: string;
  dossierHashCovers: { entries: number; lastEntrySeq: number | null; matchesSeal: boolean | null; notCovered: { seq: number; type: string }[] };
}

export interface Retrieval {
  id: string;
  at: string;
  actor: string;
  roles: string[];
  purpose: string;
  reference: string | null;
  what: string;
  complaintId: string | null;
  ticketNumber: string | null;
  query?: { filter: Record<string, unknown>; hits: number };
}

export interface Integrity {
  checkedAt: string;
  intact: boolean;
  chainIntact?: boolean;
  entries: number;
  brokenAtSeq?: string | number;
  problem?: string;
}

export interface StatTable {
  sheet: string;
  title: string;
  columns: { key: string; title: string; type: string }[];
  rows: Record<string, string | number | null>[];
}
