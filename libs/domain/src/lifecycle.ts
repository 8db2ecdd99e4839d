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
  /** The customer withdrew: the procedure ends that day, and nothing later reopens it. */
  'withdrawn',
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
  withdrawn: { 'zh-CN': '已撤回', en: 'Withdrawn' },
};

/** The status codes customers and channels see. */
export const CUSTOMER_STATUS_CODES: Record<ComplaintStatus, 'pending' | 'in-progress' | 'replied' | 'resolved' | 'withdrawn'> = {
  received: 'pending',
  triaged: 'pending',
  'under-investigation': 'in-progress',
  responded: 'replied',
  closed: 'resolved',
  withdrawn: 'withdrawn',
};

/** A customer may add to, amend or withdraw a complaint until it has been answered. */
export const isOpenToCustomerChanges = (status: ComplaintStatus): boolean =>
  status === 'received' || status === 'triaged' || status === 'under-investigation';

/**
 * What the customer's timeline says about an event, or null for events the customer does not
 * see. Fixed wording: no department, no staff name, no internal note ever reaches it.
 */
export const CUSTOMER_TIMELINE: Record<string, { 'zh-CN': string; en: string }> = {
  'complaint.received': { 'zh-CN': '我们已收到您的投诉', en: 'We received your complaint' },
  'complaint.triaged': { 'zh-CN': '已转交负责的部门', en: 'Passed to the team responsible' },
  'case.opened': { 'zh-CN': '正在调查处理', en: 'Being investigated' },
  'complaint.supplemented': { 'zh-CN': '已收到您补充的信息', en: 'We received the information you added' },
  'complaint.amended': { 'zh-CN': '已更新您的投诉信息', en: 'Your complaint details were updated' },
  'deadline.clock-changed': { 'zh-CN': '答复期限已调整', en: 'The date for our answer changed' },
  'case.resolved': { 'zh-CN': '我们已作出答复', en: 'We have sent our answer' },
  'case.response-issued': { 'zh-CN': '我们已作出答复', en: 'We have sent our answer' },
  'case.review-requested': { 'zh-CN': '已受理您的核查申请，将由上级重新审查', en: 'We are reviewing our decision at a higher level as you asked' },
  'case.closed': { 'zh-CN': '投诉已办结', en: 'Your complaint is closed' },
  'complaint.withdrawn': { 'zh-CN': '您已撤回投诉，处理程序终止', en: 'You withdrew the complaint; the procedure has ended' },
};

export function advanceStatus(current: ComplaintStatus, observed: ComplaintStatus): ComplaintStatus {
  return rank(observed) > rank(current) ? observed : current;
}

/**
 * The statuses an observed one moves forward (those `advanceStatus` replaces with it), so that a
 * store can advance a status in one conditional write: `SET status = observed WHERE status IN (...)`.
 */
export function statusesAdvancedBy(observed: ComplaintStatus): ComplaintStatus[] {
  return COMPLAINT_STATUSES.filter((current) => advanceStatus(current, observed) !== current);
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
    // case.resolved is how the decision was recorded before responses were issued through approvals.
    case 'case.resolved':
    case 'case.response-issued':
      return 'responded';
    case 'case.closed':
      return 'closed';
    case 'complaint.withdrawn':
      return 'withdrawn';
    default:
      return null;
  }
}
