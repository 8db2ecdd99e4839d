import { createHash } from 'node:crypto';
import type {
  CaseOpened,
  CaseResolved,
  CaseResponseIssued,
  ComplaintAmended,
  ComplaintReceived,
  ComplaintSupplemented,
  ComplaintTriaged,
  ComplaintWithdrawn,
  DossierSealed,
  EventEnvelope,
  NotificationSent,
  RemedyProposed,
  RemedyRejected,
  RemedyReversed,
  RemedyWithdrawn,
  StaffActionRecorded,
} from '@complaints/contracts';
import { chainHash } from '../archive/hash-chain';
import { CheckpointCoverage } from './checkpoint-coverage';
import { OUTSIDE_THE_SEAL, standingOf } from './record-standing';

/** The dossier format; a change to its meaning takes a new version. */
export const DOSSIER_FORMAT = 'complaints-dossier@1';

/** One archived entry of the complaint, as stored, and what the chain stores on either side of it. */
export interface DossierEntry {
  seq: string;
  canonical: string;
  prevHash: string;
  entryHash: string;
  /** entry_hash of entry seq-1 (the genesis hash for seq 1); null when that entry is not in the archive. */
  precedingHash: string | null;
  /**
   * What the chain records right after this entry: prev_hash of entry seq+1, or for the newest
   * entry the chain head's hash; null when entry seq+1 is missing. A rewritten entry whose hash
   * was recomputed still links to the entry before it: only the link from the entry after it
   * breaks. The archive always reads it; left out (a test that builds entries in memory), that
   * link is not checked.
   */
  followingHash?: string | null;
}

/** How each event reads in the dossier, in Chinese and English. */
export const EVENT_LABELS: Record<string, { zh: string; en: string }> = {
  'complaint.received': { zh: '收到投诉', en: 'Complaint received' },
  'complaint.triaged': { zh: '分类分派', en: 'Triaged' },
  'complaint.triage-queued': { zh: '待人工分类', en: 'Queued for a triage officer' },
  'complaint.retriaged': { zh: '重新分类', en: 'Re-triaged' },
  'deadline.clock-changed': { zh: '处理时限变更', en: 'Deadline clock changed' },
  'deadline.warning': { zh: '时限预警', en: 'Deadline warning' },
  'deadline.breached': { zh: '处理超时', en: 'Deadline breached' },
  'incident.systemic-detected': { zh: '系统性事件', en: 'Systemic incident detected' },
  'complaint.supplemented': { zh: '补充材料', en: 'Information added' },
  'complaint.amended': { zh: '信息变更', en: 'Details amended' },
  'complaint.withdrawn': { zh: '撤回投诉', en: 'Complaint withdrawn' },
  'complaint.referral-deadline-changed': { zh: '监管转办时限变更', en: "Regulator's deadline changed" },
  'case.opened': { zh: '立案调查', en: 'Case opened' },
  'case.resolved': { zh: '处理决定', en: 'Decision' },
  'case.assigned': { zh: '指派调查人员', en: 'Investigator assigned' },
  'case.task-requested': { zh: '协办任务', en: 'Task to a department' },
  'case.task-completed': { zh: '协办结果', en: 'Task result' },
  'case.task-reminder': { zh: '协办催办', en: 'Task reminder' },
  'case.evidence-added': { zh: '登记证据', en: 'Evidence registered' },
  'case.findings-recorded': { zh: '调查结论', en: 'Findings' },
  'case.resolution-proposed': { zh: '拟定处理意见', en: 'Resolution proposed' },
  'case.resolution-decided': { zh: '审批处理意见', en: 'Resolution approved or returned' },
  'case.extension-requested': { zh: '申请延期', en: 'Extension requested' },
  'case.extension-decided': { zh: '延期审批', en: 'Extension decided' },
  'case.response-issued': { zh: '作出答复', en: 'Response issued' },
  'case.escalated': { zh: '升级处理', en: 'Escalated' },
  'case.review-requested': { zh: '申请核查', en: 'Review requested' },
  'case.reopened': { zh: '重新处理', en: 'Reopened' },
  'case.closed': { zh: '办结', en: 'Closed' },
  'improvement.action-raised': { zh: '整改措施', en: 'Improvement action' },
  'improvement.action-updated': { zh: '整改进展', en: 'Improvement progress' },
  'improvement.complaint-linked': { zh: '关联整改', en: 'Linked to improvement' },
  'remedy.proposed': { zh: '补偿方案', en: 'Remedy proposed' },
  'remedy.approved': { zh: '补偿审批通过', en: 'Remedy approved' },
  'remedy.rejected': { zh: '补偿审批未通过', en: 'Remedy rejected' },
  'remedy.paid': { zh: '补偿已支付', en: 'Remedy paid' },
  'remedy.payout-failed': { zh: '补偿支付失败', en: 'Remedy payout failed' },
  'remedy.reversed': { zh: '补偿冲正', en: 'Remedy reversed' },
  'remedy.withdrawn': { zh: '补偿方案撤回', en: 'Remedy withdrawn' },
  'notification.sent': { zh: '发送函件', en: 'Letter sent' },
  'notification.delivery-updated': { zh: '送达回执', en: 'Delivery receipt' },
  'survey.answered': { zh: '回访评价', en: 'Follow-up survey answered' },
  'survey.review-opened': { zh: '回访不满意复查', en: 'Review opened after a low survey score' },
  'staff.action-recorded': { zh: '员工操作', en: 'Staff action' },
  'dossier.sealed': { zh: '档案封存', en: 'Dossier sealed' },
};

export const labelOf = (type: string) => EVENT_LABELS[type] ?? { zh: '其他事件', en: type };

export const OUTCOME_LABELS: Record<string, { zh: string; en: string }> = {
  upheld: { zh: '投诉成立', en: 'upheld' },
  'partially-upheld': { zh: '部分成立', en: 'partially upheld' },
  'not-upheld': { zh: '投诉不成立', en: 'not upheld' },
};

export const LETTER_LABELS: Record<string, { zh: string; en: string }> = {
  acknowledgement: { zh: '受理通知', en: 'acknowledgement' },
  'final-response': { zh: '最终答复', en: 'final response' },
  'remedy-paid': { zh: '补偿款到账通知', en: 'compensation paid notice' },
};

export const money = (m: { amountMinor: number; currency: string } | null | undefined) =>
  m ? `${m.currency} ${(m.amountMinor / 100).toFixed(2)}` : '';

export interface TimelineItem {
  seq: number;
  type: string;
  version: number;
  at: string;
  producer: string;
  label: { zh: string; en: string };
  summary: string;
}

type At<T> = T & { seq: number; at: string };

/** The events after which nothing is, or stays, paid for a remedy, as the archive's index counts them. */
export const REMEDY_ENDS: Readonly<Record<string, 'withdrawn' | 'rejected' | 'reversed'>> = {
  'remedy.withdrawn': 'withdrawn',
  'remedy.rejected': 'rejected',
  'remedy.reversed': 'reversed',
};

/**
 * A remedy once, at its latest proposal (compensation amends a waiting proposal and proposes it
 * again under the same id): `seq`, `at` and the amount are that proposal's.
 */
export type DossierRemedy = At<RemedyProposed> & {
  firstProposedAt: string;
  /** More than one when the proposal was amended. */
  proposals: number;
  /** Its withdrawal, rejection or reversal; null while it stands. */
  ended: { as: 'withdrawn' | 'rejected' | 'reversed'; seq: number; at: string; by: string | null; reason: string | null; cause: string | null } | null;
};

export interface Dossier {
  format: typeof DOSSIER_FORMAT;
  complaintId: string;
  ticketNumber: string | null;
  /** The newest dossier.sealed event of the complaint; null while it is open, reopened after its seal included. */
  sealed: { dossierHash: string; sealedAt: string; entries: number; lastEntrySeq: number } | null;
  /** The reopening (case.reopened, case.review-requested, survey.review-opened) that put the answered complaint back in work; null unless it stands. */
  reopened: { seq: number; type: string; at: string } | null;
  timeline: TimelineItem[];
  /** Decisions issued, first and after each review (case.resolved is how older records wrote them). */
  decisions: At<CaseResolved | CaseResponseIssued>[];
  /** Each remedy proposed, once, in the order the archive received its first proposal. */
  remedies: DossierRemedy[];
  letters: At<NotificationSent>[];
  staffActions: At<StaffActionRecorded>[];
  evidence: { entries: { seq: number; type: string; entryHash: string; attachments: number }[]; attachments: number };
  integrity: {
    entriesVerified: number;
    /**
     * No problems: each of the complaint's entries hashes to its entry_hash, links to the entry
     * before it in the chain, the entry after it links to it, and a signed checkpoint over it (if
     * any) verifies. The rest of the chain is GET /v1/archive/integrity's to check.
     */
    chainIntact: boolean;
    problems: { seq: number; problem: string }[];
    /** Entries under a signed checkpoint that verifies, and those after the newest checkpoint; null when not looked up. */
    checkpoints: { entriesCovered: number; notYetCovered: number[] } | null;
  };
  /** sha256 over the entry hashes joined by "\n", as the seal computes it; over the sealed entries once sealed. */
  dossierHash: string;
  /**
   * The entries dossierHash covers, whether it matches the seal, and the complaint's events after
   * the seal it does not cover (staff actions and the seals themselves aside), which a seal that
   * is complete has none of.
   */
  dossierHashCovers: { entries: number; lastEntrySeq: number | null; matchesSeal: boolean | null; notCovered: { seq: number; type: string }[] };
}

/** The same hash sealDossier publishes: sha256 over the entries' hashes, in seq order, joined by "\n". */
export const dossierHashOf = (entryHashes: string[]) => createHash('sha256').update(entryHashes.join('\n')).digest('hex');

/** A one-line, English summary of an event; free text (Chinese as stored) is quoted as it is. */
export function summaryOf(type: string, payload: unknown): string {
  const p = payload as Record<string, unknown>;
  switch (type) {
    case 'complaint.received': {
      const r = p as ComplaintReceived;
      return `received via ${r.channel} (${r.language}), response due by ${r.responseDueBy}${r.amountInDispute ? `, ${money(r.amountInDispute)} in dispute` : ''}: ${oneLine(r.summary)}`;
    }
    case 'complaint.triaged': {
      const t = p as ComplaintTriaged;
      return `category ${t.category}, severity ${t.severity}, to ${t.department} (rule ${t.routingRule})`;
    }
    case 'complaint.supplemented': {
      const s = p as ComplaintSupplemented;
      return `customer added information, ${s.attachmentCount} attachment(s): ${oneLine(s.summary)}`;
    }
    case 'complaint.amended':
      return `changed: ${(p as ComplaintAmended).changed.join(', ')}`;
    case 'complaint.withdrawn': {
      const w = p as ComplaintWithdrawn;
      return `withdrawn at ${w.withdrawnAt}${w.reason ? `: ${oneLine(w.reason)}` : ''}`;
    }
    case 'case.opened': {
      const c = p as CaseOpened;
      return `case ${c.caseId} in ${c.department}, severity ${c.severity}`;
    }
    case 'case.resolved': {
      const c = p as CaseResolved;
      return `${OUTCOME_LABELS[c.outcome]?.en ?? c.outcome} by ${c.decidedBy}${c.remedy ? `, remedy ${c.remedy.type} ${money(c.remedy.amount)}` : ', no remedy'}`;
    }
    case 'case.response-issued': {
      const c = p as CaseResponseIssued;
      const approval = c.approvedBy ? `, approved by ${c.approvedBy}` : '';
      return `${OUTCOME_LABELS[c.outcome]?.en ?? c.outcome} by ${c.decidedBy}${approval}; liability ${c.liability}, root cause ${c.rootCause}${c.remedy ? `, remedy ${c.remedy.type} ${money(c.remedy.amount)}` : ', no remedy'}; review by ${c.rights.reviewBy ?? 'n/a'}`;
    }
    case 'case.assigned': {
      const a = p as { investigator: string; method: string; excluded: { staffId: string; reason: string }[] };
      return `assigned to ${a.investigator} (${a.method})${a.excluded.length ? `; excluded ${a.excluded.map((e) => `${e.staffId}: ${e.reason}`).join(', ')}` : ''}`;
    }
    case 'case.evidence-added': {
      const e = p as { kind: string; sourceSystem: string; sha256: string };
      return `${e.kind} from ${e.sourceSystem}, sha256 ${e.sha256}`;
    }
    case 'remedy.proposed': {
      const r = p as RemedyProposed;
      return `${r.type} ${money(r.amount)} (remedy ${r.remedyId})`;
    }
    case 'notification.sent': {
      const n = p as NotificationSent;
      return `${LETTER_LABELS[n.kind]?.en ?? n.kind} by ${n.channel}, template ${n.template} (${n.language})`;
    }
    case 'staff.action-recorded': {
      const s = p as StaffActionRecorded;
      const detail = Object.entries(s.detail).map(([k, v]) => `${k}=${v}`).join(', ');
      return `${s.action} by ${s.actor} (${s.roles.join(', ')}) in ${s.service}: ${s.outcome}${detail ? ` [${detail}]` : ''}`;
    }
    case 'dossier.sealed': {
      const d = p as DossierSealed;
      return `${d.entries} entries up to seq ${d.lastEntrySeq}, dossier hash ${d.dossierHash}`;
    }
    default:
      return type;
  }
}

/** Whether (at, seq) a happened after b: by when it happened, as the index takes a remedy's latest proposal; the archive's order breaks a tie. */
const happenedAfter = (a: { at: string; seq: number }, b: { at: string; seq: number }) => {
  const [ta, tb] = [Date.parse(a.at), Date.parse(b.at)];
  return ta > tb || (ta === tb && a.seq > b.seq);
};

/**
 * Each remedy once, at its latest proposal, with what ended it: the earliest withdrawal, rejection
 * or reversal, whenever it was archived (the index stops counting a remedy as redress at any end).
 * An end for a remedy the record holds no proposal of stays in the timeline only.
 */
function remediesOf(events: { seq: number; event: EventEnvelope }[]): DossierRemedy[] {
  const idOf = (payload: unknown) => String((payload as { remedyId?: unknown }).remedyId ?? '').toLowerCase();
  const remedies = new Map<string, DossierRemedy>();
  for (const { seq, event } of events) {
    if (event.type !== 'remedy.proposed') continue;
    const proposal = { ...(event.payload as RemedyProposed), seq, at: event.occurredAt };
    const known = remedies.get(idOf(event.payload));
    if (!known) {
      remedies.set(idOf(event.payload), { ...proposal, firstProposedAt: proposal.at, proposals: 1, ended: null });
      continue;
    }
    const firstProposedAt = Date.parse(proposal.at) < Date.parse(known.firstProposedAt) ? proposal.at : known.firstProposedAt;
    const latest = happenedAfter(proposal, known) ? proposal : known;
    remedies.set(idOf(event.payload), { ...latest, firstProposedAt, proposals: known.proposals + 1, ended: known.ended });
  }
  for (const { seq, event } of events) {
    const as = REMEDY_ENDS[event.type];
    const remedy = as ? remedies.get(idOf(event.payload)) : undefined;
    if (!as || !remedy) continue;
    const p = event.payload as Partial<RemedyWithdrawn & RemedyRejected & RemedyReversed>;
    const end = {
      as,
      seq,
      at: event.occurredAt,
      by: p.withdrawnBy ?? p.rejectedBy ?? p.reversedBy ?? null,
      reason: typeof p.reason === 'string' ? p.reason : null,
      cause: p.cause ?? null,
    };
    if (!remedy.ended || happenedAfter(remedy.ended, end)) remedy.ended = end;
  }
  return [...remedies.values()];
}

const oneLine = (text: string, max = 200) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/**
 * The complaint's dossier from its archived entries: pure, so the JSON and the PDF say the same
 * and a test can build one without a database. Entries may come in any order. `open` reads each
 * event's sealed personal fields (retention/subject-keys.ts): as they were, or as the erasure
 * marker; the integrity checks and hashes always run over the entries as stored.
 */
export function composeDossier(
  complaintId: string,
  stored: DossierEntry[],
  open: (event: EventEnvelope) => EventEnvelope = (e) => e,
  checkpoints: CheckpointCoverage | null = null,
): Dossier {
  const entries = [...stored].sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : BigInt(a.seq) > BigInt(b.seq) ? 1 : 0));
  const parsed = entries.map((e) => {
    const raw = JSON.parse(e.canonical) as EventEnvelope;
    return { entry: e, seq: Number(e.seq), raw, event: open(raw) };
  });
  const of = <T>(type: string) =>
    parsed.filter((x) => x.event.type === type).map((x) => ({ ...(x.event.payload as T), seq: x.seq, at: x.event.occurredAt }));

  const ticketNumber =
    parsed.map((x) => (x.event.payload as { ticketNumber?: unknown }).ticketNumber).find((t): t is string => typeof t === 'string') ?? null;

  // Read from the entries as stored: whoever reads, the same record is open or sealed.
  const standing = standingOf(parsed.map((x) => ({ seq: x.seq, type: x.raw.type, occurredAt: x.raw.occurredAt, payload: x.raw.payload as { kind?: unknown } })));
  const seals = parsed.filter((x) => x.event.type === 'dossier.sealed');
  const lastSeal = seals[seals.length - 1];
  // A seal stands for a record that is complete: once the complaint is back in work it no longer does, until the next answer is sealed.
  const sealed = lastSeal && !standing.reopened
    ? (() => {
        const d = lastSeal.event.payload as DossierSealed;
        return { dossierHash: d.dossierHash, sealedAt: lastSeal.event.occurredAt, entries: d.entries, lastEntrySeq: d.lastEntrySeq };
      })()
    : null;

  const timeline = parsed
    .map((x) => ({
      seq: x.seq,
      type: x.event.type,
      version: x.event.version,
      at: x.event.occurredAt,
      producer: x.event.producer,
      label: labelOf(x.event.type),
      summary: summaryOf(x.event.type, x.event.payload),
    }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.seq - b.seq);

  const attachmentsOf = (payload: unknown) => {
    const n = (payload as { attachmentCount?: unknown }).attachmentCount;
    return typeof n === 'number' ? n : 0;
  };
  const evidenceEntries = parsed.map((x) => ({ seq: x.seq, type: x.event.type, entryHash: x.entry.entryHash, attachments: attachmentsOf(x.event.payload) }));

  const checkpointProblems = new Map<number, string[]>();
  for (const f of checkpoints?.failed ?? []) checkpointProblems.set(f.seq, [...(checkpointProblems.get(f.seq) ?? []), f.problem]);
  const problems: { seq: number; problem: string }[] = [];
  for (const { entry, seq } of parsed) {
    if (chainHash(entry.prevHash, entry.canonical) !== entry.entryHash) problems.push({ seq, problem: 'entry content does not match its hash' });
    else if (entry.precedingHash === null) problems.push({ seq, problem: 'the entry before it in the chain is missing' });
    else if (entry.precedingHash !== entry.prevHash) problems.push({ seq, problem: 'previous-hash link does not match the entry before it' });
    // An entry rewritten with its hash recomputed still links backwards; only the entry after it (another complaint's, often) tells.
    if (entry.followingHash === null) problems.push({ seq, problem: 'the entry after it in the chain is missing' });
    else if (entry.followingHash !== undefined && entry.followingHash !== entry.entryHash) problems.push({ seq, problem: 'the entry after it does not link to it' });
    for (const problem of checkpointProblems.get(seq) ?? []) problems.push({ seq, problem });
  }

  const covered = sealed ? parsed.filter((x) => x.seq <= sealed.lastEntrySeq) : parsed;
  const dossierHash = dossierHashOf(covered.map((x) => x.entry.entryHash));
  const notCovered = sealed
    ? parsed.filter((x) => x.seq > sealed.lastEntrySeq && !OUTSIDE_THE_SEAL.includes(x.raw.type)).map((x) => ({ seq: x.seq, type: x.raw.type }))
    : [];

  return {
    format: DOSSIER_FORMAT,
    complaintId,
    ticketNumber,
    sealed,
    reopened: standing.reopened ? standing.reopenedBy : null,
    timeline,
    decisions: [...of<CaseResolved>('case.resolved'), ...of<CaseResponseIssued>('case.response-issued')].sort((a, b) => a.seq - b.seq),
    remedies: remediesOf(parsed.map((x) => ({ seq: x.seq, event: x.event }))),
    letters: of<NotificationSent>('notification.sent'),
    staffActions: of<StaffActionRecorded>('staff.action-recorded'),
    evidence: { entries: evidenceEntries, attachments: evidenceEntries.reduce((n, e) => n + e.attachments, 0) },
    integrity: {
      entriesVerified: parsed.length,
      chainIntact: problems.length === 0,
      problems,
      checkpoints: checkpoints ? { entriesCovered: checkpoints.covered.length, notYetCovered: checkpoints.notYetCovered } : null,
    },
    dossierHash,
    dossierHashCovers: {
      entries: covered.length,
      lastEntrySeq: covered.length ? covered[covered.length - 1].seq : null,
      matchesSeal: sealed ? sealed.dossierHash === dossierHash && sealed.entries === covered.length : null,
      notCovered,
    },
  };
}
