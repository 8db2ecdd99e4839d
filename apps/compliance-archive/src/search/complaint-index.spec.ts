import { allEventDefinitions, EventEnvelope } from '@complaints/contracts';
import { INDEXED_EVENT_TYPES, INDEXED_VERSIONS, indexPatchOf } from './complaint-index';

const id = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const envelope = (type: string, payload: Record<string, unknown>, occurredAt = '2026-11-20T01:30:00.000Z'): EventEnvelope => ({
  eventId: '00000000-0000-4000-8000-000000000001', type, version: 1, occurredAt, complaintId: id, correlationId: 'c', causationId: null, producer: 'p', payload,
});

describe('indexPatchOf', () => {
  it('takes what complaint.received says about the complaint, never its text', () => {
    const patch = indexPatchOf(envelope('complaint.received', {
      ticketNumber: 'CMP-1', channel: 'mobile-app', receivedAt: '2026-11-20T09:30:00+08:00', customerRef: 'cust_1', regime: 'cn-cbirc', summary: '卡号被盗刷', channelReference: '13800000000',
    }));
    expect(patch).toMatchObject({ complaintId: id, ticketNumber: 'CMP-1', channel: 'mobile-app', receivedAt: '2026-11-20T01:30:00.000Z', customerRef: 'cust_1', regime: 'cn-cbirc', triagedAt: null });
    expect(JSON.stringify(patch)).not.toMatch(/盗刷|13800000000/);
  });

  it('takes the triage codes, and a retriage as a later decision', () => {
    expect(indexPatchOf(envelope('complaint.triaged', {
      ticketNumber: 'CMP-1', category: 'cards', severity: 'medium', department: 'card-centre', taxonomy: 'cn-jrt0169',
      product: { code: 'B03', title: '银行卡' }, cause: { code: 'C07', title: '定价收费' }, channelCode: 'A010303',
    }))).toMatchObject({ triagedAt: '2026-11-20T01:30:00.000Z', taxonomy: 'cn-jrt0169', productCode: 'B03', causeCode: 'C07', channelCode: 'A010303', category: 'cards', severity: 'medium', department: 'card-centre' });
    expect(indexPatchOf(envelope('complaint.retriaged', {
      ticketNumber: 'CMP-1', current: { product: 'B02', cause: 'C09', severity: 'high', department: 'loans' }, previous: { product: 'B03', cause: 'C07', severity: 'medium', department: 'card-centre' },
    }, '2026-11-21T00:00:00Z'))).toMatchObject({ triagedAt: '2026-11-21T00:00:00.000Z', productCode: 'B02', causeCode: 'C09', severity: 'high', department: 'loans', taxonomy: null, channelCode: null });
  });

  it('takes outcome, remedy, final response and withdrawal; ignores acknowledgements and other events', () => {
    expect(indexPatchOf(envelope('case.resolved', { outcome: 'partially-upheld' }))).toMatchObject({ outcome: 'partially-upheld', resolvedAt: '2026-11-20T01:30:00.000Z' });
    expect(indexPatchOf(envelope('remedy.proposed', { remedyId: 'A0000000-0000-4000-8000-000000000009', amount: { amountMinor: 30_000, currency: 'CNY' } }))?.remedy).toEqual({
      remedyId: 'a0000000-0000-4000-8000-000000000009', amountMinor: 30_000, currency: 'CNY',
    });
    expect(indexPatchOf(envelope('remedy.proposed', { remedyId: 'x', amount: { amountMinor: 1.5, currency: 'CNY' } }))?.remedy).toBeNull();
    expect(indexPatchOf(envelope('notification.sent', { kind: 'final-response' }))).toMatchObject({ respondedAt: '2026-11-20T01:30:00.000Z' });
    expect(indexPatchOf(envelope('notification.sent', { kind: 'acknowledgement' }))).toBeNull();
    expect(indexPatchOf(envelope('complaint.withdrawn', { withdrawnAt: '2026-11-22T10:00:00+08:00' }))).toMatchObject({ withdrawnAt: '2026-11-22T02:00:00.000Z' });
    expect(indexPatchOf(envelope('case.opened', { caseId: id }))).toBeNull();
    expect(indexPatchOf({ ...envelope('complaint.received', {}), version: 2 })).toBeNull();
  });

  it('reads the outcome of case.response-issued in both its versions, and no version it does not know', () => {
    for (const version of [1, 2]) {
      expect(indexPatchOf({ ...envelope('case.response-issued', { outcome: 'upheld', explanation: 'v2:t1:sealed' }), version })).toMatchObject({ outcome: 'upheld', resolvedAt: '2026-11-20T01:30:00.000Z' });
    }
    expect(indexPatchOf({ ...envelope('case.response-issued', { outcome: 'upheld' }), version: 3 })).toBeNull();
    expect(JSON.stringify(indexPatchOf({ ...envelope('case.response-issued', { outcome: 'upheld', explanation: '王先生' }), version: 2 }))).not.toContain('王先生');
  });

  it('reads every version the catalogue defines of each type it indexes: a producer moving to a new version does not drop out of the statistics unnoticed', () => {
    const unread = allEventDefinitions()
      .filter((d) => (INDEXED_EVENT_TYPES as readonly string[]).includes(d.type))
      .filter((d) => !(INDEXED_VERSIONS[d.type] ?? [1]).includes(d.version))
      .map((d) => d.pattern);
    expect(unread).toEqual([]);
  });

  it('reads the versions that seal staff text as it read v1: the outcome and the moments, never the text', () => {
    const sealed = 'v2:t1:sealed';
    expect(indexPatchOf({ ...envelope('complaint.retriaged', { current: { product: 'B02', cause: 'C09', severity: 'high', department: 'loans' }, reason: sealed }), version: 2 })).toMatchObject({ productCode: 'B02', causeCode: 'C09' });
    for (const type of ['case.reopened', 'case.review-requested']) {
      expect(indexPatchOf({ ...envelope(type, { caseId: id, reason: sealed }), version: 2 })).toMatchObject({ reopenedAt: '2026-11-20T01:30:00.000Z' });
    }
    expect(JSON.stringify(indexPatchOf({ ...envelope('case.reopened', { caseId: id, reason: sealed }), version: 2 }))).not.toContain(sealed);
  });

  it('takes a reopened case, a review asked for and a low follow-up score as the complaint worked again', () => {
    for (const type of ['case.reopened', 'case.review-requested', 'survey.review-opened']) {
      expect(indexPatchOf(envelope(type, { caseId: id, reason: 'r' }))).toMatchObject({ reopenedAt: '2026-11-20T01:30:00.000Z', respondedAt: null, outcome: null });
    }
  });

  it('drops values of the wrong shape instead of failing', () => {
    expect(indexPatchOf(envelope('complaint.received', { channel: 'fax', regime: 42, customerRef: ['x'], receivedAt: 'soon' }))).toMatchObject({
      channel: null, regime: null, customerRef: null, receivedAt: '2026-11-20T01:30:00.000Z',
    });
    expect(indexPatchOf(envelope('complaint.triaged', { product: 'B03', severity: 'extreme' }))).toMatchObject({ productCode: null, severity: null });
  });
});
