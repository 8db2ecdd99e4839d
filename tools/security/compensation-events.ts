import { ComplaintReceived } from '@complaints/contracts';

/** complaint.received as intake publishes it, for compensation: what it keeps is whose complaint it is (the customer's pseudonym). */
export function receivedFrom(customerRef: string, ticketNumber: string): ComplaintReceived {
  return {
    ticketNumber,
    channel: 'web',
    channelReference: null,
    receivedAt: new Date().toISOString(),
    customerRef,
    productHint: null,
    summary: '跨行转账未到账',
    language: 'zh-CN',
    amountInDispute: null,
    preferredReplyChannel: 'sms',
    regime: 'cn-cbirc',
    responseDueBy: new Date(Date.now() + 15 * 86_400_000).toISOString(),
  };
}
