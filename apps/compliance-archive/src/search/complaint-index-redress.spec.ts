import { EventEnvelope } from '@complaints/contracts';
import { INDEXED_EVENT_TYPES, indexPatchOf } from './complaint-index';

const complaintId = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const remedyId = 'A0000000-0000-4000-8000-000000000009';
const caseId = 'b0000000-0000-4000-8000-000000000001';
const GBP = (amountMinor: number) => ({ amountMinor, currency: 'GBP' });
const envelope = (type: string, payload: Record<string, unknown>, occurredAt = '2025-06-12T10:00:00.000Z'): EventEnvelope => ({
  eventId: '00000000-0000-4000-8000-000000000001', type, version: 1, occurredAt, complaintId, correlationId: 'c', causationId: null, producer: 'p', payload,
});

describe('indexPatchOf: what ends a remedy', () => {
  it('reads remedy.withdrawn, remedy.rejected and remedy.reversed', () => {
    expect(INDEXED_EVENT_TYPES).toEqual(expect.arrayContaining(['remedy.withdrawn', 'remedy.rejected', 'remedy.reversed']));
  });

  it('takes a withdrawal, a rejection and a reversal as the end of the remedy, with when it ended', () => {
    const ends = {
      'remedy.withdrawn': { remedyId, caseId, amount: GBP(30_000), cause: 'case-reopened', reason: 'reopened', withdrawnBy: 'staff-1' },
      'remedy.rejected': { remedyId, caseId, amount: GBP(30_000), reason: 'over the limit', rejectedBy: 'staff-2' },
      'remedy.reversed': { remedyId, caseId, payoutId: caseId, amount: GBP(30_000), reason: 'paid in error', reversedBy: 'staff-3', coreReference: 'CORE-1' },
    };
    for (const [type, payload] of Object.entries(ends)) {
      const patch = indexPatchOf(envelope(type, payload));
      expect({ type, remedy: patch?.remedy, remedyEnd: patch?.remedyEnd }).toEqual({
        type,
        remedy: null,
        remedyEnd: { remedyId: remedyId.toLowerCase(), endedAs: type.slice('remedy.'.length), endedAt: '2025-06-12T10:00:00.000Z' },
      });
    }
  });

  it('ends nothing on a remedy id of the wrong shape', () => {
    expect(indexPatchOf(envelope('remedy.withdrawn', { remedyId: 'nope', amount: GBP(1) }))?.remedyEnd).toBeNull();
  });
});

describe('indexPatchOf: the milestones closures are derived from', () => {
  it('keeps every decision with its outcome, every final response, reopening and withdrawal', () => {
    expect(indexPatchOf({ ...envelope('case.response-issued', { outcome: 'not-upheld' }, '2025-01-16T09:00:00Z'), version: 2 })?.milestone).toEqual({
      kind: 'decision', at: '2025-01-16T09:00:00.000Z', outcome: 'not-upheld',
    });
    expect(indexPatchOf(envelope('case.resolved', { outcome: 'upheld' }))?.milestone).toEqual({ kind: 'decision', at: '2025-06-12T10:00:00.000Z', outcome: 'upheld' });
    expect(indexPatchOf(envelope('notification.sent', { kind: 'final-response' }, '2025-01-16T10:00:00Z'))?.milestone).toEqual({
      kind: 'final-response', at: '2025-01-16T10:00:00.000Z', outcome: null,
    });
    for (const type of ['case.reopened', 'case.review-requested', 'survey.review-opened']) {
      expect(indexPatchOf(envelope(type, { caseId }, '2025-05-01T08:00:00Z'))?.milestone).toEqual({ kind: 'reopening', at: '2025-05-01T08:00:00.000Z', outcome: null });
    }
    expect(indexPatchOf(envelope('complaint.withdrawn', { withdrawnAt: '2025-05-02T10:00:00+01:00' }))?.milestone).toEqual({ kind: 'withdrawal', at: '2025-05-02T09:00:00.000Z', outcome: null });
  });

  it('keeps no milestone for a decision without a known outcome, nor for events that close nothing', () => {
    expect(indexPatchOf(envelope('case.resolved', { outcome: 'maybe' }))?.milestone).toBeNull();
    expect(indexPatchOf(envelope('complaint.received', { receivedAt: '2025-01-06T10:00:00Z' }))?.milestone).toBeNull();
    expect(indexPatchOf(envelope('remedy.proposed', { remedyId, amount: GBP(1) }))?.milestone).toBeNull();
  });
});
