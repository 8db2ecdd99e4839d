import { CASE_ACTIONS as DOMAIN_CASE_ACTIONS, CASE_STATES as DOMAIN_CASE_STATES } from '@complaints/domain';
import { placeholdersOf, fill } from './format';
import { LABEL_GROUPS, LabelGroup, labelKey, MESSAGES, MessageKey } from './messages';
import {
  ARCHIVE_STATUSES,
  AGE_BANDS,
  CASE_ACTIONS,
  CASE_STATES,
  CHANNELS,
  CONTACT_CHANNELS,
  CONTACT_DIRECTIONS,
  CONTACT_OUTCOMES,
  DECLARED_NEEDS,
  EVIDENCE_KINDS,
  EXTENSION_PERIODS,
  IMPROVEMENT_STATUSES,
  LIABILITIES,
  OUTCOMES,
  REGULATOR_BODIES,
  REMEDY_TYPES,
  REPLY_CHANNELS,
  REPRESENTATIVE_RELATIONSHIPS,
  RESOLUTION_ACTIONS,
  RETRIEVAL_PURPOSES,
  ROLES,
  ROOT_CAUSE_CODES,
  SEVERITIES,
} from '../lib/vocabulary';

const en = MESSAGES.en;
const zh = MESSAGES['zh-CN'];
const keys = Object.keys(en) as MessageKey[];

/** Every value each group labels: what the services send or accept. */
const VALUES: Record<LabelGroup, readonly string[]> = {
  caseStatus: CASE_STATES,
  caseAction: CASE_ACTIONS,
  deadline: ['on-track', 'warning', 'breached', 'paused', 'met', 'late', 'stopped'],
  severity: SEVERITIES,
  outcome: OUTCOMES,
  liability: LIABILITIES,
  rootCause: ROOT_CAUSE_CODES,
  resolutionAction: RESOLUTION_ACTIONS,
  remedyType: REMEDY_TYPES,
  evidenceKind: EVIDENCE_KINDS,
  contactChannel: CONTACT_CHANNELS,
  contactOutcome: CONTACT_OUTCOMES,
  direction: CONTACT_DIRECTIONS,
  purpose: RETRIEVAL_PURPOSES,
  channel: CHANNELS,
  archiveStatus: ARCHIVE_STATUSES,
  role: ROLES,
  improvementStatus: IMPROVEMENT_STATUSES,
  period: ['standard', ...EXTENSION_PERIODS],
  clockState: ['running', 'paused', 'stopped'],
  assignMethod: ['named', 'workload-and-skill'],
  taskStatus: ['open', 'done'],
  decision: ['approved', 'rejected'],
  ageBand: AGE_BANDS,
  declaredNeed: DECLARED_NEEDS,
  regulatorBody: REGULATOR_BODIES,
  relationship: REPRESENTATIVE_RELATIONSHIPS,
};

describe('the message table', () => {
  it('has the same keys in Chinese and English, none of them empty', () => {
    expect(Object.keys(zh).sort()).toEqual([...keys].sort());
    for (const key of keys) {
      expect([key, en[key].trim().length > 0]).toEqual([key, true]);
      expect([key, zh[key].trim().length > 0]).toEqual([key, true]);
    }
  });

  it('uses the same placeholders in both languages', () => {
    const differing = keys.filter((k) => placeholdersOf(en[k]).join() !== placeholdersOf(zh[k]).join());
    expect(differing).toEqual([]);
  });

  it('is translated: Chinese text for every sentence, not the English copied over', () => {
    // Codes, units and names read the same in both (SMS, JSON, PDF, SHA-256, staff ids).
    const copied = keys.filter((k) => zh[k] === en[k] && /[a-z]{3,}/i.test(en[k].replace(/\{\w+\}/g, '')) && !/^(SMS|JSON|PDF)/.test(en[k]));
    expect(copied).toEqual([]);
    const noChinese = keys.filter((k) => /[a-z]{4,}\s[a-z]{4,}/i.test(en[k].replace(/\{\w+\}/g, '')) && !/[\u4e00-\u9fff]/.test(zh[k]));
    expect(noChinese).toEqual([]);
  });

  it('labels every value the services send, in both languages', () => {
    expect(Object.keys(VALUES).sort()).toEqual([...LABEL_GROUPS].sort());
    const missing = LABEL_GROUPS.flatMap((group) => VALUES[group].filter((v) => labelKey(group, v) === null).map((v) => `${group}.${v}`));
    expect(missing).toEqual([]);
  });

  it('has no label for a value nobody sends (a renamed value leaves none behind)', () => {
    const known = new Set(LABEL_GROUPS.flatMap((g) => VALUES[g].map((v) => `${g}.${v}`)));
    const stray = keys.filter((k) => (LABEL_GROUPS as readonly string[]).includes(k.split('.')[0]) && !known.has(k) && !['deadline.left', 'deadline.overdueBy'].includes(k));
    expect(stray).toEqual([]);
  });

  it('labels every reply channel a complaint may name (the case page shows them as contact channels)', () => {
    for (const channel of REPLY_CHANNELS) expect([channel, labelKey('contactChannel', channel)]).toEqual([channel, `contactChannel.${channel}`]);
  });

  it('mirrors the case machine of libs/domain', () => {
    expect([...CASE_STATES]).toEqual([...DOMAIN_CASE_STATES]);
    expect([...CASE_ACTIONS]).toEqual([...DOMAIN_CASE_ACTIONS]);
  });

  it('fills placeholders and leaves a missing one visible', () => {
    expect(fill(zh['deadline.left'], { days: 3, hours: 4 })).toBe('剩余 3 天 4 小时');
    expect(fill(en['case.heading'], {})).toBe('Case {ticket}');
  });
});
