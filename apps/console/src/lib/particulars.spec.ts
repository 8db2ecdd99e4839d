import { fill } from '../i18n/format';
import { labelKey, LabelGroup, MESSAGES, MessageKey } from '../i18n/messages';
import { complaintParticulars } from './particulars';
import type { StaffComplaint } from './types';

const words = (language: 'en' | 'zh-CN') => ({
  t: (key: MessageKey, values?: Record<string, string | number>) => fill(MESSAGES[language][key], values),
  label: (group: LabelGroup, v: string | null | undefined) => (v ? (labelKey(group, v) ? MESSAGES[language][labelKey(group, v)!] : v) : '—'),
  dateTime: (iso: string | null | undefined) => `at ${iso}`,
  date: (iso: string | null | undefined) => `on ${iso}`,
});

const complaint = (over: Partial<StaffComplaint> = {}): StaffComplaint => ({
  complaintId: '6f1d2c3b-0a9e-4b8c-9d7e-1f2a3b4c5d6e',
  ticketNumber: 'CMP-20261207-00000042-7',
  channel: 'regulator',
  complainant: { name: '王芳', phone: '13800138000' },
  description: '转账未到账',
  onBehalfOf: null,
  accountReference: null,
  attachments: [],
  vulnerability: null,
  regulatorReferral: null,
  amountInDispute: null,
  productHint: null,
  preferredReplyChannel: 'sms',
  occurredAt: null,
  receivedAt: '2026-12-07T02:00:00.000Z',
  personalData: 'clear',
  ...over,
});

describe('what the case page lists of a complaint', () => {
  it('lists only what the complaint gives: the complainant and how to answer them', () => {
    expect(complaintParticulars(complaint(), words('en')).map((p) => [p.key, p.value])).toEqual([
      ['complainant', '王芳 · 13800138000'],
      ['replyVia', 'SMS'],
    ]);
  });

  it('names the representative, marks a vulnerable customer and a regulator’s deadline, in the reader’s language', () => {
    const full = complaint({
      complainant: { name: '王*', phone: '138****8000', idNumber: '1101**********0021', postalAddress: '北京市朝阳区建国路1号\n100020' },
      preferredReplyChannel: 'letter',
      onBehalfOf: { relationship: 'heir', name: '王小明', phone: '13900001111', authorisationReference: 'GZ-2026-0091' },
      vulnerability: { ageBand: '75+', declaredNeeds: ['hearing', 'sight'] },
      regulatorReferral: { body: 'nfra', caseNumber: 'NFRA-2026-1188', deadline: '2026-12-15T15:59:59.999Z' },
      accountReference: '1234',
      occurredAt: '2026-12-01T01:00:00.000Z',
      attachments: [{ reference: 'sha256:ab', sha256: 'ab', sizeBytes: 10, mediaType: 'image/jpeg', fileName: '回单.jpg' }, { reference: 'sha256:cd', sha256: 'cd', sizeBytes: 9, mediaType: 'application/pdf' }],
    });
    const zh = complaintParticulars(full, words('zh-CN'));
    expect(zh.map((p) => [p.label, p.value, p.attention])).toEqual([
      ['投诉人', '王* · 138****8000', false],
      ['证件号码', '1101**********0021', false],
      ['通信地址', '北京市朝阳区建国路1号, 100020', false],
      ['答复方式', '信函', false],
      ['代为投诉人', '王小明 (继承人) · 13900001111 · 授权书 GZ-2026-0091', false],
      ['特殊群体', '年龄 75岁及以上 · 听力障碍 · 视力障碍', true],
      ['监管转办', '国家金融监督管理总局（12378） · NFRA-2026-1188 · 办结时限 at 2026-12-15T15:59:59.999Z', true],
      ['账户', '···· 1234', false],
      ['发生时间', 'on 2026-12-01T01:00:00.000Z', false],
      ['附件', '回单.jpg, application/pdf', false],
    ]);
    expect(complaintParticulars(full, words('en')).find((p) => p.key === 'vulnerability')?.value).toBe('age 75 or over · hearing · sight');
  });

  it('shows a referral without a deadline, and declared needs without an age band', () => {
    const rows = complaintParticulars(complaint({ vulnerability: { declaredNeeds: ['financial-hardship'] }, regulatorReferral: { body: 'pboc', caseNumber: 'PBOC-7' } }), words('en'));
    expect(rows.filter((p) => p.attention).map((p) => p.value)).toEqual(['financial hardship', 'PBOC (12363) · PBOC-7']);
  });
});
