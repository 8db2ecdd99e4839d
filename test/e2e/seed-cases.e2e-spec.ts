import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { Role } from '@complaints/contracts';
import { dropPlatformData, eventually, RunningPlatform, startPlatform, TEST_DATABASE_URL, uniqueTestId } from '@complaints/testing';
import { caseWork } from './case-work';

jest.setTimeout(300_000);

const DAY = 86_400_000;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

interface ArchivedEvent {
  type: string;
  producer: string;
  payload: Record<string, unknown>;
}

/**
 * The three cases of the handling guide (seeds/000) carried through all six services as real
 * processes over Kafka and Postgres: a stuck cross-bank transfer, an elderly customer spoken to
 * impatiently, and a mis-sold wealth product.
 */
describe('the three cases of the handling guide, through the platform', () => {
  let platform: RunningPlatform;
  let pg: Client;
  let work: ReturnType<typeof caseWork>;

  beforeAll(async () => {
    platform = await startPlatform(uniqueTestId(), {
      // Four eyes for critical cases and for remedies from CNY 1,000; every review decision too.
      RESOLUTION_APPROVAL_POLICY: JSON.stringify({ severities: ['critical'], amountThresholdMinor: { CNY: 100_000 }, reviewDecisionsNeedApproval: true }),
    });
    work = caseWork(platform);
    pg = new Client({ connectionString: TEST_DATABASE_URL });
    await pg.connect();
  });

  afterAll(async () => {
    await platform?.stop();
    if (pg) {
      if (platform) await dropPlatformData(pg, platform);
      await pg.end();
    }
  });

  const channelToken = async (channel: string) => ({ authorization: `Bearer ${await platform.issuer.token('channel-adapter', { channel, subject: `${channel}-adapter` })}` });
  const file = async (channel: string, body: Record<string, unknown>) => {
    const res = await work.call('POST', platform.url('intake', '/v1/complaints'), { channel, preferredReplyChannel: 'sms', language: 'zh-CN', ...body }, await channelToken(channel));
    if (res.status !== 201) throw new Error(`filing failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { complaintId: string; ticketNumber: string };
  };
  const post = (route: string, body: unknown, headers: Record<string, string>) => work.call('POST', work.investigation(route), body, headers);
  const put = (route: string, body: unknown, headers: Record<string, string>) => work.call('PUT', work.investigation(route), body, headers);
  const staffToken = (role: Role | Role[], subject: string, extra: { approvalLimitMinor?: number; department?: string } = {}) => work.as(role, subject, extra);
  const archiveOf = async (complaintId: string): Promise<ArchivedEvent[]> =>
    (
      await work.call('GET', platform.url('compliance-archive', `/v1/archive/complaints/${complaintId}`), undefined, {
        ...(await staffToken('compliance-officer', 'co-1')),
        'x-retrieval-purpose': 'complaint-handling',
      })
    ).body.events;
  const archived = (complaintId: string, types: string[], what: string) =>
    eventually(async () => {
      const events = await archiveOf(complaintId);
      return types.every((t) => events.some((e) => e.type === t)) ? events : null;
    }, { what, timeoutMs: 60_000 });
  const statusOf = async (ticketNumber: string, channel: string, phone: string) =>
    (await work.call('GET', platform.url('intake', `/v1/complaints/${ticketNumber}`), undefined, { ...(await channelToken(channel)), 'x-proof-of-identity': phone.slice(-4) })).body;

  /** Assigns a waiting case by workload and skill; answers who got it. */
  const assign = async (caseId: string) => {
    const res = await post(`/v1/cases/${caseId}/assignment`, {}, await staffToken('approver', 'supervisor-1'));
    expect(res.status).toBe(200);
    return res.body.assignedTo as string;
  };

  it('case 1: a cross-bank transfer stuck between two banks — a technology task, a fee waiver and a follow-up call', async () => {
    const phone = '13900001111';
    const { complaintId, ticketNumber } = await file('mobile-app', {
      complainant: { name: '王先生', phone },
      description: '我通过手机银行给他行账户跨行转账5000元，系统显示交易成功并已扣款，但收款方一直没有收到。多次联系客服都说正在处理，拖了好几天没有答复。',
      productHint: '转账汇款',
      amountInDispute: { amountMinor: 500_000, currency: 'CNY' },
    });
    const opened = await work.caseOf(complaintId);
    await work.staff([
      { staffId: 'ops-wang', department: opened.department, skills: [String(opened.category)], capacity: 5 },
      { staffId: 'ops-zhao', department: opened.department, skills: ['general'], capacity: 5 },
    ]);
    const investigator = await assign(opened.id);
    // The one with the case's skill is chosen over the one without.
    expect(investigator).toBe('ops-wang');
    const me = await staffToken('investigator', investigator);

    const task = await post(`/v1/cases/${opened.id}/tasks`, { department: 'technology', request: '请核查该笔跨行转账的交易日志和清算状态', dueBy: new Date(Date.now() + DAY).toISOString() }, me);
    expect(task.status).toBe(201);
    // Only staff of the department asked (or the investigator) record the result.
    const outsider = await post(`/v1/cases/${opened.id}/tasks/${task.body.id}/result`, { result: 'x' }, await staffToken('department-staff', 'branch-1', { department: 'branch-network' }));
    expect(outsider.status).toBe(403);
    const done = await post(
      `/v1/cases/${opened.id}/tasks/${task.body.id}/result`,
      { result: '与合作银行的接口在该时段数据交互异常，交易挂账未清算；已手动触发清算指令，款项今日到账' },
      await staffToken('department-staff', 'tech-li', { department: 'technology' }),
    );
    expect(done.body).toMatchObject({ status: 'done', late: false });

    const log = Buffer.from('time,txn,status\n2026-11-20T09:31:07+08:00,TXN-778120,PENDING_CLEARING\n', 'utf8');
    const upload = await work.call(
      'POST',
      work.investigation(`/v1/cases/${opened.id}/evidence/files?kind=transaction-log&sourceSystem=core-clearing&description=${encodeURIComponent('清算系统交易日志')}`),
      log,
      { ...me, 'content-type': 'text/csv' },
    );
    expect(upload.status).toBe(201);
    expect(upload.body).toMatchObject({ sha256: sha256(log), size: log.length, stored: true });
    const fetched = await fetch(work.investigation(`/v1/cases/${opened.id}/evidence/${upload.body.id}/content`), { headers: await staffToken('compliance-officer', 'co-1') });
    expect(Buffer.from(await fetched.arrayBuffer()).equals(log)).toBe(true);
    expect(fetched.headers.get('x-evidence-sha256')).toBe(sha256(log));
    const custody = await work.call('GET', work.investigation(`/v1/cases/${opened.id}/evidence/${upload.body.id}/custody`), undefined, await staffToken('auditor', 'audit-1'));
    expect(custody.body.map((c: { action: string; actor: string }) => [c.action, c.actor])).toEqual([
      ['stored', investigator],
      ['retrieved', 'co-1'],
    ]);

    expect((await put(`/v1/cases/${opened.id}/findings`, { facts: ['转账时段合作银行接口异常，交易挂账', '款项已手动清算到账'], liability: 'bank', rootCause: { code: 'system', detail: '跨行接口异常无告警' } }, me)).status).toBe(200);
    const answered = await post(
      `/v1/cases/${opened.id}/resolution`,
      { outcome: 'upheld', explanation: '经核查，因我行与合作银行接口短暂异常，您的转账未能及时清算，现已到账。为弥补不便，我行为您减免手机银行转账手续费。', actions: ['correction', 'apology', 'fee-waiver'], remedy: { type: 'fee-waiver', amount: { amountMinor: 2_000, currency: 'CNY' } } },
      me,
    );
    // A small remedy on a case that is not critical is issued without a second pair of eyes.
    expect(answered.body.status).toBe('responded');

    const contact = await post(`/v1/cases/${opened.id}/contacts`, { direction: 'outbound', channel: 'phone', outcome: 'customer-accepted', summary: `回访王先生（${phone}）：款项已到账，对处理结果满意` }, me);
    expect(contact.status).toBe(201);
    expect((await post(`/v1/cases/${opened.id}/closure`, { reason: '回访确认款项到账，客户满意' }, me)).status).toBe(200);

    const events = await archived(complaintId, ['case.assigned', 'case.task-completed', 'case.evidence-added', 'case.response-issued', 'remedy.proposed', 'case.closed'], 'case 1 on the record');
    const issued = events.find((e) => e.type === 'case.response-issued')!.payload;
    expect(issued).toMatchObject({ outcome: 'upheld', liability: 'bank', rootCause: 'system', decidedBy: investigator, approvedBy: null, remedy: { type: 'fee-waiver', amount: { amountMinor: 2_000, currency: 'CNY' } } });
    // 核查 within 30 days of the decision, and where else the customer may turn.
    const reviewBy = Date.parse((issued.rights as { reviewBy: string }).reviewBy);
    expect(reviewBy).toBeGreaterThan(Date.now() + 29 * DAY);
    expect(reviewBy).toBeLessThan(Date.now() + 40 * DAY);
    expect(JSON.stringify(issued.rights)).toContain('12378');
    expect(events.find((e) => e.type === 'remedy.proposed')!.payload).toMatchObject({ type: 'fee-waiver', amount: { amountMinor: 2_000 } });
    // The bytes never travel: the event carries the hash only, and the phone number never reaches the archive.
    expect(events.find((e) => e.type === 'case.evidence-added')!.payload).toMatchObject({ sha256: sha256(log), stored: true });
    expect(JSON.stringify(events)).not.toContain(phone);
    const letter = await eventually(async () => {
      const res = await work.call('GET', platform.url('notification', `/v1/notifications?complaintId=${complaintId}`), undefined, await staffToken('investigator', 'reader-1'));
      return res.body?.find?.((m: { kind: string }) => m.kind === 'final-response');
    }, { what: 'the final response letter', timeoutMs: 60_000 });
    expect(letter.body).toContain('12378');
    const status = await eventually(async () => {
      const s = await statusOf(ticketNumber, 'mobile-app', phone);
      return s.status === 'resolved' ? s : null;
    }, { what: 'the customer to see it resolved' });
    expect(status.timeline.map((t: { event: string }) => t.event)).toEqual(expect.arrayContaining(['case.response-issued', 'case.closed']));
    // The contact log keeps the call in clear for the investigator, masked for an approver.
    const forInvestigator = await work.call('GET', work.investigation(`/v1/cases/${opened.id}`), undefined, me);
    expect(forInvestigator.body.contacts[0].summary).toContain(phone);
    const forApprover = await work.call('GET', work.investigation(`/v1/cases/${opened.id}`), undefined, await staffToken('approver', 'supervisor-1'));
    expect(JSON.stringify(forApprover.body)).not.toContain(phone);
  });

  it('case 2: an elderly customer spoken to impatiently — 回避, call-recording evidence, a coaching action and an advisor’s call-back', async () => {
    const phone = '13800002222';
    const { complaintId } = await file('hotline', {
      complainant: { name: '李女士', phone },
      description: '我今年七十二岁，打电话问理财产品的风险等级和赎回规则，客服工号8123态度很不耐烦，说话很快，只说“条款上都写了”“您自己看清楚”，我很委屈。',
      productHint: '理财产品',
    });
    const opened = await work.caseOf(complaintId);
    // The agent complained about, their team lead, and two colleagues who could take the case.
    await work.staff([
      { staffId: 'agent-8123', department: 'hotline', lineManager: 'lead-hotline' },
      { staffId: 'lead-hotline', department: opened.department, capacity: 20 },
      { staffId: 'svc-chen', department: opened.department, capacity: 5 },
    ]);
    expect((await put(`/v1/cases/${opened.id}/involved-staff`, { staffIds: ['agent-8123'] }, await staffToken('triage-officer', 'triage-1'))).status).toBe(200);

    const refused = await post(`/v1/cases/${opened.id}/assignment`, { investigator: 'lead-hotline' }, await staffToken('approver', 'supervisor-1'));
    expect(refused.status).toBe(422);
    expect(refused.type).toContain('application/problem+json');
    expect(refused.body.detail).toContain('line-manager-of-complained-about');
    expect((await work.readCase(opened.id)).status).toBe('awaiting-assignment');

    const auto = await post(`/v1/cases/${opened.id}/assignment`, {}, await staffToken('approver', 'supervisor-1'));
    // The team lead has the most room but must stand aside; the exclusion is on the record.
    expect(auto.body.assignedTo).toBe('svc-chen');
    expect(auto.body.excluded).toEqual([{ staffId: 'lead-hotline', reason: 'line-manager-of-complained-about' }]);
    const me = await staffToken('investigator', 'svc-chen');

    const recording = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt '), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
    const evidence = await work.call(
      'POST',
      work.investigation(`/v1/cases/${opened.id}/evidence/files?kind=call-recording&sourceSystem=call-centre-recorder&reference=REC-8123-1120&description=${encodeURIComponent('客服通话录音')}`),
      recording,
      { ...me, 'content-type': 'audio/wav' },
    );
    expect(evidence.body).toMatchObject({ kind: 'call-recording', sha256: sha256(recording) });
    expect((await put(`/v1/cases/${opened.id}/findings`, { facts: ['录音显示客服语速过快、多次以“条款上都写了”回应', '未用通俗语言解释风险等级'], liability: 'bank', rootCause: { code: 'people', detail: '缺乏对老年客户的耐心与沟通技巧' } }, me)).status).toBe(200);
    const answered = await post(
      `/v1/cases/${opened.id}/resolution`,
      { outcome: 'upheld', explanation: '经调取通话录音核实，客服人员确有服务态度问题，我行向您诚恳致歉，已安排理财顾问为您重新讲解产品。', actions: ['apology', 'explanation', 'staff-coaching'] },
      me,
    );
    expect(answered.body.status).toBe('responded');
    const callBack = await post(`/v1/cases/${opened.id}/contacts`, { direction: 'outbound', channel: 'phone', outcome: 'explained', summary: '理财顾问致电李女士，用通俗语言讲解风险等级与赎回规则，并按其风险承受能力给出建议' }, me);
    expect(callBack.status).toBe(201);

    const action = await work.call(
      'POST',
      work.investigation('/v1/improvement-actions'),
      { sourceCaseId: opened.id, department: 'hotline', measure: '以本案为负面教材内部通报，对涉事客服进行服务规范与沟通技巧再培训', dueBy: new Date(Date.now() + 60 * DAY).toISOString() },
      me,
    );
    expect(action.body).toMatchObject({ rootCause: 'people', department: 'hotline', status: 'open' });
    const hotlineStaff = await staffToken('department-staff', 'lead-hotline', { department: 'hotline' });
    expect((await post(`/v1/improvement-actions/${action.body.id}/status`, { status: 'done', note: '培训已完成' }, hotlineStaff)).status).toBe(200);
    // The owning department does not mark its own fix effective; compliance checks it later.
    expect((await post(`/v1/improvement-actions/${action.body.id}/status`, { status: 'effective', note: '自评有效' }, hotlineStaff)).status).toBe(422);
    expect((await post(`/v1/improvement-actions/${action.body.id}/status`, { status: 'effective', note: '抽查三个月录音，无同类问题' }, await staffToken('compliance-officer', 'co-1'))).status).toBe(200);
    const open = await work.call('GET', work.investigation('/v1/improvement-actions?department=hotline&status=effective'), undefined, me);
    expect(open.body.map((a: { id: string }) => a.id)).toContain(action.body.id);

    const events = await archived(complaintId, ['case.assigned', 'case.evidence-added', 'case.response-issued', 'improvement.action-raised', 'improvement.action-updated'], 'case 2 on the record');
    expect(events.find((e) => e.type === 'case.assigned')!.payload).toMatchObject({ investigator: 'svc-chen', excluded: [{ staffId: 'lead-hotline', reason: 'line-manager-of-complained-about' }] });
    expect(events.find((e) => e.type === 'case.response-issued')!.payload).toMatchObject({ rootCause: 'people', actions: ['apology', 'explanation', 'staff-coaching'], remedy: null });
    // No remedy, no payout.
    expect(events.some((e) => e.type === 'remedy.proposed')).toBe(false);
  });

  it('case 3: a mis-sold wealth product — 双录 evidence, an extension, bank liable, compensation that needs approval, and a 核查 review', async () => {
    const phone = '13700003333';
    const { complaintId, ticketNumber } = await file('branch', {
      complainant: { name: '张先生', phone },
      description: '我在网点购买的“稳健型”理财产品实际收益远低于预期，净值大幅波动。销售时只强调历史业绩，没有充分提示风险，属于误导销售，要求赔偿损失15000元。',
      productHint: '理财产品',
      amountInDispute: { amountMinor: 1_500_000, currency: 'CNY' },
    });
    const opened = await work.caseOf(complaintId);
    await work.staff([
      { staffId: 'wm-sun', department: opened.department, capacity: 5 },
      { staffId: 'review-zhou', department: 'complaint-review', capacity: 5 },
    ]);
    const investigator = await assign(opened.id);
    const me = await staffToken('investigator', investigator);

    const dualRecording = Buffer.from('双录视频（摘要）：销售人员介绍历史年化收益4.8%，未提示净值波动风险', 'utf8');
    const registered = await post(
      `/v1/cases/${opened.id}/evidence`,
      { kind: 'sales-recording', sourceSystem: 'dual-recording-platform', reference: 'SR-2025-0611-0042', sha256: sha256(dualRecording), description: '销售双录（录音录像）', contentType: 'video/mp4' },
      me,
    );
    expect(registered.body).toMatchObject({ kind: 'sales-recording', stored: false });
    const questionnaire = Buffer.from('风险评估问卷：风险承受能力 C2（稳健型）', 'utf8');
    expect(
      (await work.call('POST', work.investigation(`/v1/cases/${opened.id}/evidence/files?kind=risk-questionnaire&sourceSystem=wealth-crm&description=${encodeURIComponent('客户风险评估问卷')}`), questionnaire, { ...me, 'content-type': 'text/plain' })).status,
    ).toBe(201);

    // More time for a complex case: asked by the investigator, approved by a supervisor, the clock moves.
    const before = (await work.readCase(opened.id)).responseDueBy;
    const asked = await post(`/v1/cases/${opened.id}/extensions`, { toPeriod: 'complex', reason: '需调取双录并由产品部门评估' }, me);
    expect(asked.status).toBe(201);
    const selfApproved = await post(`/v1/cases/${opened.id}/extensions/${asked.body.id}/decision`, { decision: 'approve', reason: '同意' }, await staffToken(['investigator', 'approver'], investigator));
    expect(selfApproved.status).toBe(403);
    const approvedExtension = await post(`/v1/cases/${opened.id}/extensions/${asked.body.id}/decision`, { decision: 'approve', reason: '案情复杂，需双录分析' }, await staffToken('approver', 'supervisor-1'));
    expect(approvedExtension.body).toMatchObject({ decision: 'approved', toPeriod: 'complex' });
    const extended = await eventually(async () => {
      const c = await work.readCase(opened.id);
      return c.period === 'complex' && c.responseDueBy !== before ? c : null;
    }, { what: 'the clock to move to the complex period', timeoutMs: 60_000 });
    expect(Date.parse(extended.responseDueBy) - Date.parse(before)).toBeGreaterThan(14 * DAY);
    const told = await eventually(async () => {
      const s = await statusOf(ticketNumber, 'branch', phone);
      return s.responseDueBy === extended.responseDueBy ? s : null;
    }, { what: 'the customer to see the new date' });
    expect(told.timeline.map((t: { event: string }) => t.event)).toContain('deadline.clock-changed');

    // A proposal without findings is refused: a decision rests on established facts.
    const premature = await post(`/v1/cases/${opened.id}/resolution`, { outcome: 'upheld', explanation: 'x', actions: ['compensation'], remedy: { type: 'loss-reimbursement', amount: { amountMinor: 1_200_000, currency: 'CNY' } } }, me);
    expect(premature.status).toBe(422);
    expect((await put(`/v1/cases/${opened.id}/findings`, { facts: ['双录显示销售人员过度强调历史业绩', '未充分提示净值波动风险', '客户风险评估为稳健型'], liability: 'bank', rootCause: { code: 'people', detail: '销售人员风险揭示不到位' } }, me)).status).toBe(200);
    const proposal = { outcome: 'partially-upheld', explanation: '经调阅双录，销售过程风险揭示不充分，我行承担相应责任，赔偿您部分损失12000元。', actions: ['apology', 'compensation'], remedy: { type: 'loss-reimbursement', amount: { amountMinor: 1_200_000, currency: 'CNY' } } };
    const proposed = await post(`/v1/cases/${opened.id}/resolution`, proposal, me);
    expect(proposed.body.status).toBe('awaiting-approval');

    // Four eyes: not the proposer; and not above the approver's own limit.
    const own = await post(`/v1/cases/${opened.id}/resolution/decision`, { decision: 'approve' }, await staffToken(['investigator', 'approver'], investigator, { approvalLimitMinor: 10_000_000 }));
    expect(own.status).toBe(403);
    expect(own.body.type).toMatch(/case-four-eyes$/);
    const junior = await post(`/v1/cases/${opened.id}/resolution/decision`, { decision: 'approve' }, await staffToken('approver', 'supervisor-1', { approvalLimitMinor: 500_000 }));
    expect(junior.status).toBe(403);
    expect(junior.body.type).toMatch(/case-authority-limit$/);
    expect((await work.readCase(opened.id)).status).toBe('awaiting-approval');
    const approved = await post(`/v1/cases/${opened.id}/resolution/decision`, { decision: 'approve' }, await staffToken('approver', 'branch-president', { approvalLimitMinor: 5_000_000 }));
    expect(approved.body.status).toBe('responded');

    const first = await archived(complaintId, ['case.response-issued', 'remedy.proposed'], 'the approved decision and its remedy');
    expect(first.find((e) => e.type === 'case.response-issued')!.payload).toMatchObject({ liability: 'bank', decidedBy: investigator, approvedBy: 'branch-president' });
    expect(first.find((e) => e.type === 'remedy.proposed')!.payload).toMatchObject({ type: 'loss-reimbursement', amount: { amountMinor: 1_200_000, currency: 'CNY' } });

    // The customer contests within the window: a review opens a level up, with someone new.
    const review = await post(`/v1/cases/${opened.id}/review`, { reason: '客户认为应全额赔偿15000元' }, await staffToken('triage-officer', 'triage-1'));
    expect(review.body).toMatchObject({ status: 'investigating', level: 2, reviewRound: 1, department: 'complaint-review', assignedTo: 'review-zhou' });
    const reviewer = await staffToken('investigator', 'review-zhou');
    // The first decider may not take the review.
    const back = await post(`/v1/cases/${opened.id}/assignment`, { investigator }, await staffToken('approver', 'supervisor-1'));
    expect(back.status).toBe(422);
    expect(back.body.detail).toContain('decided-earlier-round');
    const upheld = await post(`/v1/cases/${opened.id}/resolution`, { ...proposal, explanation: '经复核，维持原处理意见：赔偿您部分损失12000元。' }, reviewer);
    expect(upheld.body.status).toBe('awaiting-approval');
    expect((await post(`/v1/cases/${opened.id}/resolution/decision`, { decision: 'approve' }, await staffToken('approver', 'review-head', { approvalLimitMinor: 5_000_000 }))).body.status).toBe('responded');

    const events = await eventually(async () => {
      const all = await archiveOf(complaintId);
      return all.filter((e) => e.type === 'case.response-issued').length === 2 ? all : null;
    }, { what: 'the review decision on the record', timeoutMs: 60_000 });
    const decisions = events.filter((e) => e.type === 'case.response-issued').map((e) => e.payload);
    expect(decisions.map((d) => [d.reviewRound, d.decidedBy, d.approvedBy])).toEqual([
      [0, investigator, 'branch-president'],
      [1, 'review-zhou', 'review-head'],
    ]);
    for (const type of ['case.extension-requested', 'case.extension-decided', 'case.resolution-proposed', 'case.resolution-decided', 'case.review-requested', 'deadline.clock-changed']) {
      expect({ type, archived: events.some((e) => e.type === type) }).toEqual({ type, archived: true });
    }
    // The review upheld the same remedy: compensation proposes it once, not once per decision.
    expect(events.filter((e) => e.type === 'remedy.proposed')).toHaveLength(1);
    // Every refused step left no trace on the case's transitions.
    const transitions = (await work.readCase(opened.id)).transitions.map((t: { action: string }) => t.action);
    expect(transitions).toEqual(['assign', 'record-findings', 'propose-resolution', 'approve-resolution', 'contest', 'assign', 'propose-resolution', 'approve-resolution']);
  });
});
