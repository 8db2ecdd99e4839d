import { randomBytes, randomUUID } from 'node:crypto';
import { Producer } from 'kafkajs';
import { simpleParser } from 'mailparser';
import { CaseResponseIssued, ComplaintReceived, Events } from '@complaints/contracts';
import { FieldCipher } from '@complaints/platform';
import { eventually, quietKafka } from '@complaints/testing';
import { startSmtpInbox, SmtpInbox } from '../../apps/notification/src/channels/testing/smtp-inbox';
import { notificationClient } from './notification-client';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const KEYS = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}`, PII_PSEUDONYM_KEY: randomBytes(32).toString('base64') };
const DAY = 86_400_000;

/**
 * Notification against a real SMTP server started here, with events through the real broker:
 * the customer's sealed contact details are opened only inside the service, the final response
 * arrives as a UTF-8 e-mail with every element its regime requires, a redelivered event sends
 * nothing more, and a response missing mandatory content is refused before anything is sent.
 */
describe('notification delivers over the customer\'s channel', () => {
  let notification: ServiceUnderTest;
  let producer: Producer;
  let smtp: SmtpInbox;

  beforeAll(async () => {
    smtp = await startSmtpInbox();
    notification = await startInProcess(ALL_SERVICES.find((d) => d.name === 'notification')!, {
      ...KEYS,
      SMTP_URL: smtp.url,
      SMTP_FROM: 'complaints@bank.example',
      // Whatever the hour of the run: quiet hours have their own suite (notification-survey.int-spec.ts).
      QUIET_HOURS: 'off',
    });
    producer = quietKafka('notification-int').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await notification?.stop();
    await smtp?.close();
  });

  const { envelopeOf, deliver, sql } = notificationClient(() => notification, () => producer, 'notify');

  const fileFor = async (email: string, overrides: Partial<ComplaintReceived> = {}) => {
    const complaintId = randomUUID();
    const ticketNumber = `CMP-20261123-${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}-1`;
    const received: ComplaintReceived = {
      ticketNumber,
      channel: 'web',
      channelReference: null,
      receivedAt: new Date().toISOString(),
      customerRef: `cust_${randomUUID()}`,
      productHint: null,
      summary: '转账未到账',
      language: 'zh-CN',
      amountInDispute: null,
      preferredReplyChannel: 'email',
      regime: 'cn-cbirc',
      responseDueBy: new Date(Date.now() + 15 * DAY).toISOString(),
      replyTo: FieldCipher.fromEnv(KEYS).encrypt(JSON.stringify({ name: '王先生', phone: '13900001111', email })),
      ...overrides,
    };
    await deliver(Events.ComplaintReceived, envelopeOf(Events.ComplaintReceived, complaintId, received));
    await eventually(() => smtp.mails.find((m) => m.to.includes(email)) ?? null, { what: 'the acknowledgement e-mail' });
    return { complaintId, ticketNumber };
  };

  const response = (ticketNumber: string, rights: CaseResponseIssued['rights']): CaseResponseIssued => ({
    caseId: randomUUID(),
    ticketNumber,
    reviewRound: 0,
    outcome: 'upheld',
    explanation: '经核查，因我行与合作银行接口异常，您的转账未能及时清算，现已到账。',
    liability: 'bank',
    rootCause: 'system',
    actions: ['correction', 'apology', 'fee-waiver'],
    remedy: { type: 'fee-waiver', amount: { amountMinor: 2_000, currency: 'CNY' } },
    decidedBy: 'ops-wang',
    approvedBy: null,
    issuedAt: new Date().toISOString(),
    rights,
  });
  /** The response as investigation publishes it (v2): the explanation sealed under the platform's PII keys. */
  const sealed = (r: CaseResponseIssued): CaseResponseIssued => ({ ...r, explanation: FieldCipher.fromEnv(KEYS).encrypt(r.explanation) });
  const RIGHTS = { reviewBy: new Date(Date.now() + 30 * DAY).toISOString(), escalateTo: [{ body: '国家金融监督管理总局', contact: '12378', within: null }] };

  it('finalResponse_redelivered_isSentOnceAsAUtf8EmailWithEveryMandatoryElement', async () => {
    const email = `wang-${randomUUID().slice(0, 6)}@example.com`;
    const { complaintId, ticketNumber } = await fileFor(email);
    const issued = envelopeOf(Events.CaseResponseIssued, complaintId, sealed(response(ticketNumber, RIGHTS)), 'investigation');
    await deliver(Events.CaseResponseIssued, issued);
    await deliver(Events.CaseResponseIssued, issued);
    const letter = await eventually(() => smtp.mails.filter((m) => m.to.includes(email)).length === 2 || null, { what: 'the final response e-mail' }).then(() => smtp.mails.filter((m) => m.to.includes(email))[1]);
    // The redelivery has been handled (the inbox records it) and sent nothing more.
    await eventually(async () => (await sql(`SELECT 1 FROM processed_events WHERE event_id = $1`, [issued.eventId])).length > 0 || null, { what: 'the event to be handled' });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(smtp.mails.filter((m) => m.to.includes(email))).toHaveLength(2);
    expect(await sql(`SELECT kind, channel, sink, status FROM customer_messages WHERE complaint_id = $1 ORDER BY sent_at`, [complaintId])).toEqual([
      { kind: 'acknowledgement', channel: 'email', sink: 'email', status: 'sent' },
      { kind: 'final-response', channel: 'email', sink: 'email', status: 'sent' },
    ]);

    const parsed = await simpleParser(letter.raw);
    expect(letter.raw.toString('latin1')).toMatch(/charset="?utf-8"?/i);
    expect(parsed.text).toContain(ticketNumber);
    expect(parsed.text).toContain('经核查，因我行与合作银行接口异常');
    expect(parsed.text).toContain('核查');
    expect(parsed.text).toContain('12378');
    expect(parsed.subject).toContain(ticketNumber);
    const [row] = await sql<{ id: string }>(`SELECT id FROM customer_messages WHERE complaint_id = $1 AND kind = 'final-response'`, [complaintId]);
    expect(parsed.messageId).toContain(row.id);
    // The contact details travel sealed and rest sealed: no address in clear in the service's tables.
    const stored = JSON.stringify(await sql(`SELECT * FROM reply_preferences WHERE complaint_id = $1`, [complaintId]));
    expect(stored).not.toContain(email);
    expect(stored).not.toContain('13900001111');
  });

  it('amendment_v2_withANewPostalAddress_isFollowed_andTheFinalResponseGoesWhereTheCustomerNowIs', async () => {
    const before = `qian-${randomUUID().slice(0, 6)}@example.com`;
    const now = `qian-${randomUUID().slice(0, 6)}@example.org`;
    const { complaintId, ticketNumber } = await fileFor(before);
    // The customer moved and gave a new e-mail address with the new postal address: intake publishes v2, the address only inside replyTo.
    const replyTo = FieldCipher.fromEnv(KEYS).encrypt(JSON.stringify({ name: '钱女士', phone: '13900001111', email: now, postalAddress: '北京市西城区金融大街1号\n100033', appUserId: null, wechatOpenId: null }));
    const amended = envelopeOf(Events.ComplaintAmended, complaintId, { ticketNumber, changed: ['email', 'postalAddress'], replyTo });
    expect(amended).toMatchObject({ type: 'complaint.amended', version: 2 });
    await deliver(Events.ComplaintAmended, amended);
    await eventually(async () => ((await sql(`SELECT reply_to_sealed FROM reply_preferences WHERE complaint_id = $1`, [complaintId]))[0]?.reply_to_sealed === replyTo) || null, { what: 'the amended reply address' });
    await deliver(Events.CaseResponseIssued, envelopeOf(Events.CaseResponseIssued, complaintId, sealed(response(ticketNumber, RIGHTS)), 'investigation'));
    const letter = await eventually(() => smtp.mails.find((m) => m.to.includes(now)) ?? null, { what: 'the final response at the new address' });
    expect((await simpleParser(letter.raw)).subject).toContain(ticketNumber);
    expect(smtp.mails.filter((m) => m.to.includes(before))).toHaveLength(1);
  });

  it('extensionNotice_tellsTheCustomerTheStaffsReason_openedFromV3AsFromTheClearTextOfV2', async () => {
    const email = `sun-${randomUUID().slice(0, 6)}@example.com`;
    const { complaintId, ticketNumber } = await fileFor(email);
    const staffReason = '孙女士的转账需对方银行提供清算日志';
    const dueBy = new Date(Date.now() + 30 * DAY).toISOString();
    const v3 = envelopeOf(Events.DeadlineClockChanged, complaintId, {
      ticketNumber, change: 'extended', period: 'complex', reason: 'extension to complex approved in investigation', responseDueBy: dueBy, actor: 'approver-3',
      staffReason: FieldCipher.fromEnv(KEYS).encrypt(staffReason),
    }, 'triage');
    expect(v3).toMatchObject({ type: 'deadline.clock-changed', version: 3 });
    await deliver(Events.DeadlineClockChanged, v3);
    const notice = await eventually(() => (smtp.mails.filter((m) => m.to.includes(email)).length >= 2 ? smtp.mails.filter((m) => m.to.includes(email))[1] : null), { what: 'the extension notice' });
    const text = (await simpleParser(notice.raw)).text ?? '';
    expect(text).toContain(staffReason);
    expect(text).not.toContain('approved in investigation');
    expect(text).not.toMatch(/v2:t1:/);

    // Published before v3: the reason in clear is the one to tell.
    const earlierEmail = `sun-${randomUUID().slice(0, 6)}@example.com`;
    const earlier = await fileFor(earlierEmail);
    const v2 = envelopeOf(Events.DeadlineClockChangedV2, earlier.complaintId, { ticketNumber: earlier.ticketNumber, change: 'extended', period: 'complex', reason: '需对方银行提供清算日志', responseDueBy: dueBy, actor: 'approver-3' }, 'triage');
    await deliver(Events.DeadlineClockChangedV2, v2);
    const earlierNotice = await eventually(() => (smtp.mails.filter((m) => m.to.includes(earlierEmail)).length >= 2 ? smtp.mails.filter((m) => m.to.includes(earlierEmail))[1] : null), { what: 'the v2 extension notice' });
    expect((await simpleParser(earlierNotice.raw)).text).toContain('需对方银行提供清算日志');
  });

  it('finalResponse_withItsExplanationSealed_isWrittenToTheCustomerInClear', async () => {
    const email = `zhou-${randomUUID().slice(0, 6)}@example.com`;
    const { complaintId, ticketNumber } = await fileFor(email);
    const explanation = '王先生您好：经核查，您尾号为6222021234567890123的账户于当日被重复扣费，我行已致电13900001111与您确认。';
    const issued = envelopeOf(Events.CaseResponseIssued, complaintId, sealed({ ...response(ticketNumber, RIGHTS), explanation }), 'investigation');
    expect(issued).toMatchObject({ type: 'case.response-issued', version: 2 });
    expect(JSON.stringify(issued)).not.toMatch(/6222021234567890123|13900001111|王先生/);
    await deliver(Events.CaseResponseIssued, issued);
    const letter = await eventually(() => smtp.mails.filter((m) => m.to.includes(email))[1] ?? null, { what: 'the final response e-mail' });
    expect((await simpleParser(letter.raw)).text).toContain(explanation);
  });

  it('finalResponse_v1_publishedBeforeTheExplanationWasSealed_isStillSentWithItsExplanationAsIs', async () => {
    const email = `sun-${randomUUID().slice(0, 6)}@example.com`;
    const { complaintId, ticketNumber } = await fileFor(email);
    const explanation = '经核查，您反映的转账延迟系清算系统升级所致，款项已于次日到账。';
    const issued = envelopeOf(Events.CaseResponseIssuedV1, complaintId, { ...response(ticketNumber, RIGHTS), explanation }, 'investigation');
    expect(issued).toMatchObject({ type: 'case.response-issued', version: 1 });
    await deliver(Events.CaseResponseIssuedV1, issued);
    const letter = await eventually(() => smtp.mails.filter((m) => m.to.includes(email))[1] ?? null, { what: 'the final response e-mail' });
    expect((await simpleParser(letter.raw)).text).toContain(explanation);
  });

  it('finalResponse_restsSealed_andIsShownWhole_toAnInvestigator_butMasked_toAnAuditor', async () => {
    const email = `zhao-${randomUUID().slice(0, 6)}@example.com`;
    const { complaintId, ticketNumber } = await fileFor(email);
    const explanation = '王先生您好：经核查，您尾号为6222021234567890123的账户于当日被重复扣费，我行已致电13900001111与您确认。';
    const issued = envelopeOf(Events.CaseResponseIssued, complaintId, sealed({ ...response(ticketNumber, RIGHTS), explanation }), 'investigation');
    await deliver(Events.CaseResponseIssued, issued);
    await eventually(async () => (await sql(`SELECT 1 FROM customer_messages WHERE complaint_id = $1 AND kind = 'final-response'`, [complaintId])).length > 0 || null, {
      what: 'the final response',
    });
    const stored = await sql<{ body: string | null; body_sealed: string | null }>(`SELECT body, body_sealed FROM customer_messages WHERE complaint_id = $1`, [complaintId]);
    expect(stored).toHaveLength(2);
    for (const row of stored) expect(row).toEqual({ body: null, body_sealed: expect.stringMatching(/^v2:/) });
    expect(JSON.stringify(await sql(`SELECT * FROM customer_messages WHERE complaint_id = $1`, [complaintId]))).not.toMatch(/6222021234567890123|13900001111|王先生/);

    const listedBy = async (role: 'investigator' | 'auditor') => {
      const token = await notification.issuer.token(role);
      const res = await fetch(`${notification.baseUrl}/v1/notifications?complaintId=${complaintId}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const messages = (await res.json()) as { kind: string; body: string; bodySealed?: unknown }[];
      expect(messages.every((m) => !('bodySealed' in m))).toBe(true);
      return messages.find((m) => m.kind === 'final-response')!.body;
    };
    expect(await listedBy('investigator')).toContain(explanation);
    const masked = await listedBy('auditor');
    expect(masked).toContain('经核查');
    expect(masked).not.toMatch(/6222021234567890123|13900001111|王先生/);
  });

  it('finalResponse_missingTheReviewDateAndEveryRoute_isRefusedBeforeSending_withTheElementsNamed', async () => {
    const email = `li-${randomUUID().slice(0, 6)}@example.com`;
    const { complaintId, ticketNumber } = await fileFor(email);
    const issued = envelopeOf(Events.CaseResponseIssued, complaintId, sealed(response(ticketNumber, { reviewBy: null, escalateTo: [] })), 'investigation');
    await deliver(Events.CaseResponseIssued, issued);
    const [dead] = await eventually(async () => {
      const rows = await sql<{ headers: unknown }>(`SELECT headers FROM outbox WHERE message_key = $1 AND topic LIKE '%.dlq'`, [complaintId]);
      return rows.length ? rows : null;
    }, { what: 'the refused response on the dead-letter topic', timeoutMs: 60_000 });
    expect(JSON.stringify(dead)).toMatch(/review-deadline/);
    expect(JSON.stringify(dead)).toMatch(/external-routes/);
    expect(smtp.mails.filter((m) => m.to.includes(email))).toHaveLength(1);
    expect(await sql(`SELECT kind FROM customer_messages WHERE complaint_id = $1`, [complaintId])).toEqual([{ kind: 'acknowledgement' }]);
  });

  it('vulnerableCustomer_isCalledBackByAPerson_insteadOfAnAutomatedEmail', async () => {
    const email = `zhao-${randomUUID().slice(0, 6)}@example.com`;
    const complaintId = randomUUID();
    const received = envelopeOf(Events.ComplaintReceived, complaintId, {
      ticketNumber: 'CMP-20261123-00000077-3',
      channel: 'branch',
      channelReference: null,
      receivedAt: new Date().toISOString(),
      customerRef: `cust_${randomUUID()}`,
      productHint: null,
      summary: '柜员态度不耐烦',
      language: 'zh-CN',
      amountInDispute: null,
      preferredReplyChannel: 'email',
      regime: 'cn-cbirc',
      responseDueBy: new Date(Date.now() + 15 * DAY).toISOString(),
      vulnerable: true,
      replyTo: FieldCipher.fromEnv(KEYS).encrypt(JSON.stringify({ name: '赵建国', phone: '13800002222', email })),
    });
    await deliver(Events.ComplaintReceived, received);
    const [task] = await eventually(async () => {
      const rows = await sql<{ kind: string; status: string }>(`SELECT kind, status FROM call_back_tasks WHERE complaint_id = $1`, [complaintId]);
      return rows.length ? rows : null;
    }, { what: 'a call-back task' });
    expect(task).toEqual({ kind: 'acknowledgement', status: 'open' });
    expect(await sql(`SELECT sink FROM customer_messages WHERE complaint_id = $1`, [complaintId])).toEqual([{ sink: 'phone' }]);
    expect(smtp.mails.some((m) => m.to.includes(email))).toBe(false);
  });
});
