import type { Role } from '@complaints/contracts';
import { CLEAR_VIEW, MASKED_VIEW, personalDataViewFor, WITHHELD } from './personal-data-view';
import { openEnvelope, SEALED_FIELDS } from './sealed-fields';

const PHONE = '13800138000';
const principal = (...roles: Role[]) => ({ subject: 'staff-0001', roles });

describe('personalDataViewFor', () => {
  it.each<[Role[], 'clear' | 'masked']>([
    [['compliance-officer'], 'clear'],
    [['investigator'], 'clear'],
    [['auditor', 'compliance-officer'], 'clear'],
    [['auditor'], 'masked'],
    [['administrator'], 'masked'],
    [['triage-officer'], 'masked'],
  ])('roles %j read personal data %s', (roles, expected) => {
    expect(personalDataViewFor(principal(...roles)).personalData).toBe(expected);
  });

  it('reads masked without a caller', () => {
    expect(personalDataViewFor(undefined)).toBe(MASKED_VIEW);
  });
});

describe('the masked view', () => {
  it('masks digit runs in every sealed free-text field, strings and lists alike, and keeps dates and times', () => {
    const notFreeText = new Set(['complaint.received:channelReference', 'complaint.received:vulnerability', 'complaint.received:replyTo', 'complaint.amended:replyTo']);
    for (const [type, fields] of Object.entries(SEALED_FIELDS)) {
      for (const field of fields.filter((f) => !notFreeText.has(`${type}:${f}`))) {
        expect(MASKED_VIEW.field(type, `payload.${field}`, `回电 ${PHONE}，2026-11-20 10:32`)).toBe('回电 *******8000，2026-11-20 10:32');
      }
    }
    expect(MASKED_VIEW.field('complaint.received', 'payload.summary', `卡号 6222 0212 3456 7890`)).toBe('卡号 ************7890');
    expect(MASKED_VIEW.field('complaint.triaged', 'payload.reasons', [`term "${PHONE}" -> cards`, 'term "信用卡" -> cards'])).toEqual(['term "*******8000" -> cards', 'term "信用卡" -> cards']);
    expect(MASKED_VIEW.field('staff.action-recorded', 'payload.detail.reason', `客户 ${PHONE} 来电`)).toBe('客户 *******8000 来电');
  });

  it('masks the channel reference to its last four, withholds declared needs, and leaves the platform-sealed replyTo as it is', () => {
    expect(MASKED_VIEW.field('complaint.received', 'payload.channelReference', PHONE)).toBe('*******8000');
    expect(MASKED_VIEW.field('complaint.received', 'payload.channelReference', 'wxid_abcdefgh')).toBe('*********efgh');
    expect(MASKED_VIEW.field('complaint.received', 'payload.vulnerability', { ageBand: '75+', declaredNeeds: ['hearing-impaired'] })).toBe(WITHHELD);
    expect(MASKED_VIEW.field('complaint.amended', 'payload.replyTo', 'v1:k1:abc')).toBe('v1:k1:abc');
  });

  it('masks the reasons that are never sealed, and nothing else of the event', () => {
    const failed = { type: 'remedy.payout-failed', payload: { remedyId: 'r-1', reason: `账户 6217000010001234567 已销户`, retryable: false } };
    expect(MASKED_VIEW.unsealed(failed)).toEqual({ ...failed, payload: { ...failed.payload, reason: '账户 ***************4567 已销户' } });
    const sent = { type: 'notification.sent', payload: { messageId: '00000000-0000-4000-8000-000000000001', template: 'final-response.zh-CN' } };
    expect(MASKED_VIEW.unsealed(sent)).toBe(sent);
  });

  it('masks digit runs in free text outside events', () => {
    expect(MASKED_VIEW.text(`客户来电 138 0013 8000 要求保留`)).toBe('客户来电 *******8000 要求保留');
  });
});

describe('the clear view', () => {
  it('changes nothing', () => {
    const value = { ageBand: '75+' };
    expect(CLEAR_VIEW.field('complaint.received', 'payload.vulnerability', value)).toBe(value);
    expect(CLEAR_VIEW.field('complaint.received', 'payload.summary', PHONE)).toBe(PHONE);
    const failed = { type: 'remedy.payout-failed', payload: { reason: PHONE } };
    expect(CLEAR_VIEW.unsealed(failed)).toBe(failed);
    expect(CLEAR_VIEW.text(PHONE)).toBe(PHONE);
  });
});

describe('openEnvelope', () => {
  it('hands sealed fields to the opener and fields archived in clear, before sealing, to the reader as they are', () => {
    const envelope = { type: 'complaint.received', payload: { summary: `回电 ${PHONE}`, channelReference: { sealed: 'v1:sk_x:y' }, ticketNumber: 'CMP-1' } };
    const opened = openEnvelope(
      envelope,
      () => PHONE,
      (path, value) => MASKED_VIEW.field(envelope.type, path, value),
    );
    expect(opened.payload).toEqual({ summary: '回电 *******8000', channelReference: PHONE, ticketNumber: 'CMP-1' });
  });
});
