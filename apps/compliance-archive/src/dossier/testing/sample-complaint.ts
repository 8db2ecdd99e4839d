/**
 * Test support: one complaint's events from filing to final response, as the services publish
 * them, with Chinese text where customers and investigators write it. Each envelope is checked
 * against libs/contracts, so a test cannot pass on events the platform would refuse.
 */
import { randomUUID } from 'node:crypto';
import { TOPICS, validateEnvelope } from '@complaints/contracts';

export const SAMPLE_TICKET = 'CMP-20261120-00000042-7';
export const SAMPLE_EXPLANATION = '经核查，该笔年费系重复扣收，本行已全额退还并致歉。';
export const SAMPLE_SUMMARY = '信用卡年费被重复扣收，请求退还。';

export interface SampleEvent {
  topic: string;
  envelope: Record<string, unknown>;
}

/** The complaint's events, in the order they happened; the last is the final response, which seals the dossier. */
export function sampleComplaint(complaintId = randomUUID()): SampleEvent[] {
  const caseId = randomUUID();
  const due = '2026-12-07T15:59:59.999Z';
  const steps: [string, string, string, Record<string, unknown>][] = [
    [TOPICS.intake, 'intake', 'complaint.received', {
      ticketNumber: SAMPLE_TICKET, channel: 'mobile-app', channelReference: null, receivedAt: '2026-11-20T09:30:00+08:00',
      customerRef: 'cust_0123456789abcdef01234567', productHint: '信用卡', summary: SAMPLE_SUMMARY, language: 'zh-CN',
      amountInDispute: { amountMinor: 30_000, currency: 'CNY' }, preferredReplyChannel: 'sms', regime: 'cn-cbirc', responseDueBy: due, attachmentCount: 2,
    }],
    [TOPICS.triage, 'triage', 'complaint.triaged', {
      ticketNumber: SAMPLE_TICKET, category: 'cards', severity: 'medium', department: 'card-centre', routingRule: 'keyword:card',
      reasons: ['term "信用卡" -> cards'], regime: 'cn-cbirc', responseDueBy: due,
    }],
    [TOPICS.notification, 'notification', 'notification.sent', { messageId: randomUUID(), kind: 'acknowledgement', channel: 'sms', template: 'acknowledgement.zh-CN', language: 'zh-CN' }],
    [TOPICS.investigation, 'investigation', 'case.opened', { caseId, ticketNumber: SAMPLE_TICKET, department: 'card-centre', severity: 'medium', responseDueBy: due }],
    [TOPICS.intake, 'intake', 'complaint.supplemented', { ticketNumber: SAMPLE_TICKET, summary: '补充：扣款时间为11月20日 10:32。', attachmentCount: 1 }],
    [TOPICS.staffActions, 'investigation', 'staff.action-recorded', {
      actor: 'staff-0042', roles: ['investigator'], action: 'case.resolved', service: 'investigation', method: 'POST',
      route: '/v1/cases/:caseId/resolution', outcome: 'succeeded', detail: { outcome: 'upheld' },
    }],
    [TOPICS.investigation, 'investigation', 'case.resolved', {
      caseId, ticketNumber: SAMPLE_TICKET, outcome: 'upheld', explanation: SAMPLE_EXPLANATION,
      remedy: { type: 'fee-refund', amount: { amountMinor: 30_000, currency: 'CNY' } }, decidedBy: 'staff-0042',
    }],
    [TOPICS.compensation, 'compensation', 'remedy.proposed', { remedyId: randomUUID(), caseId, type: 'fee-refund', amount: { amountMinor: 30_000, currency: 'CNY' } }],
    [TOPICS.notification, 'notification', 'notification.sent', { messageId: randomUUID(), kind: 'final-response', channel: 'sms', template: 'final-response.zh-CN', language: 'zh-CN' }],
  ];
  return steps.map(([topic, producer, type, payload], i) => {
    const envelope = {
      eventId: randomUUID(),
      type,
      version: 1,
      occurredAt: new Date(Date.UTC(2026, 10, 20, 1, 30 + i * 7, i)).toISOString(),
      complaintId,
      correlationId: 'dossier-spec',
      causationId: null,
      producer,
      payload,
    };
    const verdict = validateEnvelope(envelope);
    if (!verdict.ok) throw new Error(`sample ${type} is not a valid envelope: ${verdict.detail}`);
    return { topic, envelope };
  });
}
