import { standingOf, StandingEvent } from './record-standing';

let seq = 0;
const event = (type: string, occurredAt: string, payload: StandingEvent['payload'] = null): StandingEvent => ({ seq: ++seq, type, occurredAt, payload });
const finalResponse = (at: string) => event('notification.sent', at, { kind: 'final-response' });

describe('standingOf', () => {
  it('an unanswered complaint is neither closed nor reopened; an acknowledgement does not close it', () => {
    expect(standingOf([])).toEqual({ closedBy: null, reopenedBy: null, reopened: false, closed: false });
    expect(standingOf([event('notification.sent', '2026-11-20T01:00:00Z', { kind: 'acknowledgement' })]).closed).toBe(false);
  });

  it('the final response or the withdrawal closes it; the latest counts', () => {
    const answered = finalResponse('2026-11-20T01:00:00Z');
    expect(standingOf([answered])).toMatchObject({ closed: true, closedBy: { seq: answered.seq, type: 'notification.sent', at: '2026-11-20T01:00:00.000Z' } });
    // Withdrawn from when the customer withdrew, not from when the event was written.
    const withdrawn = event('complaint.withdrawn', '2026-11-22T01:00:00Z', { withdrawnAt: '2026-11-21T09:00:00+08:00' });
    expect(standingOf([answered, withdrawn])).toMatchObject({ closed: true, closedBy: { type: 'complaint.withdrawn', at: '2026-11-21T01:00:00.000Z' } });
  });

  it.each(['case.reopened', 'case.review-requested', 'survey.review-opened'])('%s at or after the latest closure reopens it, until the next answer', (type) => {
    const answered = finalResponse('2026-11-20T01:00:00Z');
    expect(standingOf([answered, event(type, '2026-11-25T01:00:00Z')])).toMatchObject({ closed: false, reopened: true, reopenedBy: { type } });
    // A tie keeps it open, as retention counts it.
    expect(standingOf([answered, event(type, '2026-11-20T01:00:00Z')])).toMatchObject({ closed: false, reopened: true });
    expect(standingOf([answered, event(type, '2026-11-25T01:00:00Z'), finalResponse('2026-11-30T01:00:00Z')])).toMatchObject({ closed: true, reopened: false });
  });

  it('orders by when things happened, not by arrival: a reopening archived after the answer that settled it does not reopen', () => {
    const events = [finalResponse('2026-11-30T01:00:00Z'), event('case.reopened', '2026-11-25T01:00:00Z')];
    expect(standingOf(events)).toMatchObject({ closed: true, reopened: false, reopenedBy: { type: 'case.reopened' } });
  });
});
