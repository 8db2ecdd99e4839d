import { fill } from '../i18n/format';
import { labelKey, LabelGroup, MESSAGES, MessageKey } from '../i18n/messages';
import { checkpointLines, dossierNotices, entryList, problemText, remedyRows, sealText, timelineMarks } from './dossier';
import type { Dossier, DossierRemedy } from './types';

const words = (language: 'en' | 'zh-CN') => ({
  language,
  t: (key: MessageKey, values?: Record<string, string | number>) => fill(MESSAGES[language][key], values),
  label: (group: LabelGroup, v: string | null | undefined) => (v ? (labelKey(group, v) ? MESSAGES[language][labelKey(group, v)!] : v) : '—'),
  dateTime: (iso: string | null | undefined) => `@${iso}`,
});
const en = words('en');
const zh = words('zh-CN');

const item = (seq: number, type: string, zhLabel: string, enLabel: string) => ({ seq, type, at: `2026-12-0${(seq % 9) + 1}T02:00:00.000Z`, producer: 'x', label: { zh: zhLabel, en: enLabel }, summary: '' });

/** A complaint answered and sealed at entry 17, as the archive composes it (docs/archive.md, "Dossier"). */
const sealedDossier = (over: Partial<Dossier> = {}): Dossier => ({
  format: 'complaints-dossier@1',
  complaintId: '6f1d2c3b-0a9e-4b8c-9d7e-1f2a3b4c5d6e',
  ticketNumber: 'CMP-20261207-00000042-7',
  sealed: { dossierHash: 'a'.repeat(64), sealedAt: '2026-12-07T03:00:00.000Z', entries: 4, lastEntrySeq: 17 },
  reopened: null,
  timeline: [
    item(1, 'complaint.received', '收到投诉', 'Complaint received'),
    item(5, 'case.response-issued', '作出答复', 'Response issued'),
    item(9, 'remedy.proposed', '补偿方案', 'Remedy proposed'),
    item(17, 'notification.sent', '发送函件', 'Letter sent'),
    item(19, 'dossier.sealed', '档案封存', 'Dossier sealed'),
  ],
  decisions: [],
  remedies: [],
  letters: [],
  staffActions: [],
  evidence: { entries: [], attachments: 0 },
  integrity: { entriesVerified: 5, chainIntact: true, problems: [], checkpoints: { entriesCovered: 5, notYetCovered: [] } },
  dossierHash: 'a'.repeat(64),
  dossierHashCovers: { entries: 4, lastEntrySeq: 17, matchesSeal: true, notCovered: [] },
  ...over,
});

describe('what the dossier page says before the record', () => {
  it('a sealed, intact record: one notice, that every entry verifies', () => {
    const notices = dossierNotices(sealedDossier(), zh);
    expect(notices.map((n) => [n.key, n.type, n.title])).toEqual([['integrity', 'success', '该投诉的所有记录均校验通过（5 条）。']]);
    expect(sealText(sealedDossier(), zh)).toBe('封存于 @2026-12-07T03:00:00.000Z，共 4 条记录，截至第 17 号记录');
  });

  it('names each event the seal leaves out, by its label and entry', () => {
    const d = sealedDossier({
      timeline: [...sealedDossier().timeline, item(21, 'remedy.paid', '补偿已支付', 'Remedy paid'), item(23, 'case.resolved', '处理决定', 'Decision')],
      dossierHashCovers: { entries: 4, lastEntrySeq: 17, matchesSeal: true, notCovered: [{ seq: 21, type: 'remedy.paid' }, { seq: 23, type: 'case.resolved' }] },
    });
    const [, notCovered] = dossierNotices(d, en);
    expect(notCovered).toMatchObject({ key: 'not-covered', type: 'warning', title: 'The seal does not cover 2 events after entry 17.', lines: ['Entry 21: Remedy paid', 'Entry 23: Decision'] });
    expect(dossierNotices(d, zh)[1].lines).toEqual(['第 21 号记录：补偿已支付', '第 23 号记录：处理决定']);
    expect([...timelineMarks(d)]).toEqual([[21, ['not-covered']], [23, ['not-covered']]]);
  });

  it('a reopened complaint has no seal standing, and says which event reopened it', () => {
    const d = sealedDossier({
      sealed: null,
      reopened: { seq: 25, type: 'case.review-requested', at: '2026-12-10T02:00:00.000Z' },
      timeline: [...sealedDossier().timeline, item(25, 'case.review-requested', '申请核查', 'Review requested')],
      dossierHashCovers: { entries: 5, lastEntrySeq: 25, matchesSeal: null, notCovered: [] },
    });
    expect(dossierNotices(d, en).map((n) => [n.key, n.type, n.title])).toEqual([
      ['integrity', 'success', 'Every entry of this complaint verifies (5 entries).'],
      ['reopened', 'warning', 'Reopened by Review requested (entry 25) @2026-12-10T02:00:00.000Z: no seal stands.'],
    ]);
    expect(sealText(d, zh)).toBe('当前无有效封存：@2026-12-10T02:00:00.000Z 因“申请核查”重新处理');
    expect(sealText(sealedDossier({ sealed: null, dossierHashCovers: { entries: 5, lastEntrySeq: 19, matchesSeal: null, notCovered: [] } }), en)).toBe('not sealed yet (the complaint is open)');
  });

  it('integrity problems come first and name each entry and why, a checkpoint’s range and reason kept', () => {
    const d = sealedDossier({
      integrity: {
        entriesVerified: 5,
        chainIntact: false,
        problems: [
          { seq: 5, problem: 'the entry after it does not link to it' },
          { seq: 5, problem: 'its signed checkpoint (seq 1..8) does not verify: Merkle root does not match the entries it covers' },
          { seq: 9, problem: 'its signed checkpoint (seq 1..8) does not verify: Merkle root does not match the entries it covers' },
        ],
        checkpoints: { entriesCovered: 1, notYetCovered: [17, 19] },
      },
      dossierHashCovers: { entries: 4, lastEntrySeq: 17, matchesSeal: false, notCovered: [] },
    });
    const notices = dossierNotices(d, en);
    expect(notices.map((n) => [n.key, n.type])).toEqual([['integrity', 'error'], ['seal-mismatch', 'error']]);
    expect(notices[0].title).toBe('2 entries fail verification.');
    expect(notices[0].lines).toEqual([
      'Entry 5 (Response issued): the entry after it does not link to it',
      'Entry 5 (Response issued): its signed checkpoint (entries 1 to 8) does not verify: Merkle root does not match the entries it covers',
      'Entry 9 (Remedy proposed): its signed checkpoint (entries 1 to 8) does not verify: Merkle root does not match the entries it covers',
    ]);
    expect(dossierNotices(d, zh)[0].lines[0]).toBe('第 5 号记录（作出答复）：后一条记录未链接到该记录');
    expect([...timelineMarks(d)]).toEqual([[5, ['problem']], [9, ['problem']]]);
    expect(checkpointLines(d, en)).toEqual([
      '1 of 5 entries are under a signed checkpoint that verifies.',
      '2 not yet under a checkpoint (the hash chain alone vouches for them until the next one): entries 17, 19.',
      '2 under a checkpoint that does not verify, or none: see the problems above.',
    ]);
  });

  it('translates each problem the archive names, and shows one it does not know as written', () => {
    const known = [
      'entry content does not match its hash',
      'the entry before it in the chain is missing',
      'previous-hash link does not match the entry before it',
      'the entry after it in the chain is missing',
      'the entry after it does not link to it',
      'no signed checkpoint covers it, though the checkpoints reach past it',
    ];
    expect(known.map((p) => problemText(p, zh)).every((text) => /[\u4e00-\u9fff]/.test(text))).toBe(true);
    expect(problemText('something new', zh)).toBe('something new');
  });

  it('checkpoints: all covered, none cut yet, or not looked up', () => {
    expect(checkpointLines(sealedDossier(), zh)).toEqual(['5 条记录中有 5 条处于校验通过的签名检查点之下。']);
    const none = sealedDossier({ integrity: { entriesVerified: 15, chainIntact: true, problems: [], checkpoints: { entriesCovered: 0, notYetCovered: Array.from({ length: 15 }, (_, i) => i * 2 + 1) } } });
    expect(checkpointLines(none, en)[1]).toBe(
      '15 not yet under a checkpoint (the hash chain alone vouches for them until the next one): entries 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23 and 3 more.',
    );
    expect(checkpointLines(sealedDossier({ integrity: { entriesVerified: 5, chainIntact: true, problems: [], checkpoints: null } }), en)).toEqual(['not checked']);
    expect(entryList([3, 5], zh)).toBe('3、5');
  });
});

describe('the dossier’s remedies as the page lists them', () => {
  const remedy = (over: Partial<DossierRemedy>): DossierRemedy => ({
    remedyId: '00000000-0000-4000-8000-000000000001',
    type: 'fee-refund',
    amount: { amountMinor: 45_000, currency: 'CNY' },
    seq: 9,
    at: '2026-12-05T02:00:00.000Z',
    firstProposedAt: '2026-12-05T02:00:00.000Z',
    proposals: 1,
    ended: null,
    ...over,
  });

  it('each once, at its latest amount, standing or ended with when, why and by whom', () => {
    const d = {
      remedies: [
        remedy({ proposals: 2, firstProposedAt: '2026-12-04T02:00:00.000Z' }),
        remedy({ remedyId: 'r2', type: 'goodwill', amount: { amountMinor: 5_000, currency: 'CNY' }, ended: { as: 'withdrawn', seq: 11, at: '2026-12-06T02:00:00.000Z', by: 'staff-0900', reason: '复核决定不再给予补偿', cause: 'later-decision' } }),
        remedy({ remedyId: 'r3', ended: { as: 'reversed', seq: 13, at: '2026-12-07T02:00:00.000Z', by: 'staff-0900', reason: '＊＊＊', cause: null } }),
      ],
    };
    const rows = remedyRows(d, en);
    expect(rows.map((r) => [r.type, r.amount, r.status, r.statusText, r.detail])).toEqual([
      ['Fee refund', 'CN¥450.00', 'stands', 'stands', ''],
      ['Goodwill payment', 'CN¥50.00', 'withdrawn', 'withdrawn @2026-12-06T02:00:00.000Z', 'a later decision grants no more · 复核决定不再给予补偿 · by staff-0900'],
      ['Fee refund', 'CN¥450.00', 'reversed', 'reversed @2026-12-07T02:00:00.000Z', '＊＊＊ · by staff-0900'],
    ]);
    expect(rows[0].proposed).toBe('@2026-12-05T02:00:00.000Z (amended: 2 proposals, first @2026-12-04T02:00:00.000Z)');
    const zhRows = remedyRows(d, zh);
    expect(zhRows.map((r) => r.statusText)).toEqual(['有效', '已于 @2026-12-06T02:00:00.000Z 撤回', '已于 @2026-12-07T02:00:00.000Z 冲正']);
    expect(zhRows[1].detail).toBe('后续决定不再给予补偿 · 复核决定不再给予补偿 · 操作人 staff-0900');
  });
});
