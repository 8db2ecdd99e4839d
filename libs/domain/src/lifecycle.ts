/**
 * Customer-facing lifecycle. Events of different services arrive on different topics, so a
 * later status may be seen before an earlier one; status only ever moves forward.
 */
export const COMPLAINT_STATUSES = [
  'received',
  'triaged',
  'under-investigation',
  'responded',
  'closed',
] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

const rank = (s: ComplaintStatus): number => COMPLAINT_STATUSES.indexOf(s);

/** What the customer is told, in the words of the regulator's statistics (待处理 / 处理中 / 已答复 / 已解决). */
export const CUSTOMER_STATUS_LABELS: Record<ComplaintStatus, { 'zh-CN': string; en: string }> = {
  received: { 'zh-CN': '待处理', en: 'Pending' },
  triaged: { 'zh-CN': '待处理', en: 'Pending' },
  'under-investigation': { 'zh-CN': '处理中', en: 'In progress' },
  responded: { 'zh-CN': '已答复', en: 'Replied' },
  closed: { 'zh-CN': '已解决', en: 'Resolved' },
};

export function advanceStatus(current: ComplaintStatus, observed: ComplaintStatus): ComplaintStatus {
  return rank(observed) > rank(current) ? observed : current;
}

/** The status an event implies, or null for events that do not change what the customer sees. */
export function statusImpliedBy(eventType: string): ComplaintStatus | null {
  switch (eventType) {
    case 'complaint.received':
      return 'received';
    case 'complaint.triaged':
      return 'triaged';
    case 'case.opened':
      return 'under-investigation';
    case 'case.resolved':
      return 'responded';
    default:
      return null;
  }
}
