import {
  advanceStatus,
  statusesAdvancedBy,
  COMPLAINT_STATUSES,
  ComplaintStatus,
  CUSTOMER_STATUS_CODES,
  CUSTOMER_STATUS_LABELS,
  CUSTOMER_TIMELINE,
  isOpenToCustomerChanges,
  statusImpliedBy,
} from './lifecycle';

/** The customer-facing lifecycle, in order, as the domain describes it. */
const ORDER: ComplaintStatus[] = ['received', 'triaged', 'under-investigation', 'responded', 'closed', 'withdrawn'];
const ANSWERED_OR_ENDED: ComplaintStatus[] = ['responded', 'closed', 'withdrawn'];
const position = (s: ComplaintStatus) => ORDER.indexOf(s);

describe('COMPLAINT_STATUSES', () => {
  it('statuses_areTheLifecycleStagesInOrder_withWithdrawalLast', () => {
    expect([...COMPLAINT_STATUSES]).toEqual(ORDER);
  });
});

describe('advanceStatus', () => {
  const pairs = ORDER.flatMap((current) => ORDER.map((observed) => [current, observed] as const));

  it.each(pairs)('advanceStatus_from_%s_observing_%s_neverMovesBackwards', (current, observed) => {
    const next = advanceStatus(current, observed);
    expect(position(next)).toBeGreaterThanOrEqual(position(current));
    // and takes the later of the two
    const later = position(observed) > position(current) ? observed : current;
    expect(next).toBe(later);
  });

  it.each(ORDER)('statusesAdvancedBy_%s_isExactlyTheStatusesAdvanceStatusReplaces', (observed) => {
    const replaced = ORDER.filter((current) => advanceStatus(current, observed) === observed && current !== observed);
    expect(statusesAdvancedBy(observed)).toEqual(replaced);
    expect(statusesAdvancedBy(observed)).toEqual(ORDER.slice(0, position(observed)));
  });

  it('advanceStatus_coversAll36Pairs', () => {
    expect(pairs).toHaveLength(36);
  });

  it('advanceStatus_afterWithdrawal_nothingReopensTheComplaint', () => {
    for (const observed of ORDER) expect(advanceStatus('withdrawn', observed)).toBe('withdrawn');
  });

  it('advanceStatus_isOrderIndependent_anyArrivalOrderEndsAtTheLatestStatus', () => {
    const permutations = (xs: ComplaintStatus[]): ComplaintStatus[][] =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    const arrivals: ComplaintStatus[] = ['triaged', 'under-investigation', 'responded'];
    for (const order of permutations(arrivals)) {
      expect(order.reduce(advanceStatus, 'received' as ComplaintStatus)).toBe('responded');
    }
  });

  it('advanceStatus_aLateTriagedEvent_doesNotReopenAnAnsweredComplaint', () => {
    expect(advanceStatus('responded', 'triaged')).toBe('responded');
    expect(advanceStatus('closed', 'received')).toBe('closed');
  });
});

describe('statusImpliedBy', () => {
  it.each([
    ['complaint.received', 'received'],
    ['complaint.triaged', 'triaged'],
    ['case.opened', 'under-investigation'],
    ['case.resolved', 'responded'],
    ['case.response-issued', 'responded'],
    ['case.closed', 'closed'],
  ] as const)('statusImpliedBy_%s_is_%s', (eventType, status) => {
    expect(statusImpliedBy(eventType)).toBe(status);
  });

  it.each(['remedy.proposed', 'notification.sent', 'case.review-requested', 'case.assigned', 'dossier.sealed', 'complaint.received@v1', 'Complaint.Received', ''])(
    'statusImpliedBy_%p_changesNothingTheCustomerSees',
    (eventType) => {
      expect(statusImpliedBy(eventType)).toBeNull();
    },
  );

  it('statusImpliedBy_eventsInProcessOrder_implyStatusesInLifecycleOrder', () => {
    const implied = ['complaint.received', 'complaint.triaged', 'case.opened', 'case.response-issued', 'case.closed'].map(
      (t) => statusImpliedBy(t) as ComplaintStatus,
    );
    const positions = implied.map(position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
  });
});

describe('CUSTOMER_STATUS_LABELS', () => {
  it('labels_existForEveryStatus_andNoOther', () => {
    expect(Object.keys(CUSTOMER_STATUS_LABELS).sort()).toEqual([...ORDER].sort());
  });

  it.each(ORDER)('labels_for_%s_existInChineseAndEnglish', (status) => {
    const label = CUSTOMER_STATUS_LABELS[status];
    expect(label['zh-CN']).toMatch(/^[\u4e00-\u9fff]+$/);
    expect(label.en).toMatch(/^[A-Z][A-Za-z ]+$/);
  });

  it('labels_useTheRegulatorsFourCategories_plusWithdrawn', () => {
    const zh = new Set(ORDER.filter((s) => s !== 'withdrawn').map((s) => CUSTOMER_STATUS_LABELS[s]['zh-CN']));
    expect([...zh].sort()).toEqual(['处理中', '已答复', '已解决', '待处理'].sort());
  });

  it('labels_sameChineseLabel_meansSameEnglishLabel', () => {
    for (const a of ORDER) {
      for (const b of ORDER) {
        const la = CUSTOMER_STATUS_LABELS[a];
        const lb = CUSTOMER_STATUS_LABELS[b];
        expect(la['zh-CN'] === lb['zh-CN']).toBe(la.en === lb.en);
      }
    }
  });
});

describe('CUSTOMER_STATUS_CODES', () => {
  it('codes_followTheLabels_oneCodePerLabel', () => {
    for (const a of ORDER) for (const b of ORDER) expect(CUSTOMER_STATUS_CODES[a] === CUSTOMER_STATUS_CODES[b]).toBe(CUSTOMER_STATUS_LABELS[a].en === CUSTOMER_STATUS_LABELS[b].en);
  });

  it('codes_areTheFiveTheCustomerSees', () => {
    expect(new Set(Object.values(CUSTOMER_STATUS_CODES))).toEqual(new Set(['pending', 'in-progress', 'replied', 'resolved', 'withdrawn']));
  });
});

describe('isOpenToCustomerChanges', () => {
  it.each(ORDER)('isOpenToCustomerChanges_%s', (status) => {
    expect(isOpenToCustomerChanges(status)).toBe(!ANSWERED_OR_ENDED.includes(status));
  });
});

describe('CUSTOMER_TIMELINE', () => {
  it.each(Object.entries(CUSTOMER_TIMELINE))('timeline_%s_isFixedWordingInBothLanguages', (_type, label) => {
    expect(label['zh-CN']).toMatch(/^[\u4e00-\u9fff，]+$/);
    expect(label.en).toMatch(/^[A-Z][A-Za-z ;]+$/);
  });

  it('timeline_coversEveryEventThatChangesTheStatus', () => {
    for (const type of ['complaint.received', 'complaint.triaged', 'case.opened', 'case.resolved', 'case.response-issued', 'case.closed', 'complaint.withdrawn']) {
      expect({ type, status: statusImpliedBy(type) !== null, inTimeline: type in CUSTOMER_TIMELINE }).toEqual({ type, status: true, inTimeline: true });
    }
  });
});
