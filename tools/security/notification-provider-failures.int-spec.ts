import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Producer } from 'kafkajs';
import { simpleParser } from 'mailparser';
import { CaseResponseIssued, ComplaintReceived, Events } from '@complaints/contracts';
import { readDeadLetters, replayDeadLetters } from '@complaints/messaging';
import { FieldCipher } from '@complaints/platform';
import { eventually, quietKafka } from '@complaints/testing';
import { RecordingServer } from '../../apps/notification/src/channels/testing/recording-server';
import { startSmtpInbox, SmtpInbox } from '../../apps/notification/src/channels/testing/smtp-inbox';
import { HeldMessages } from '../../apps/notification/src/delivery/held-messages';
import { notificationClient } from './notification-client';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(180_000);

const KEYS = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}`, PII_PSEUDONYM_KEY: randomBytes(32).toString('base64') };
const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * What notification does when a provider fails, with events through the real broker and a real
 * SMTP server and SMS provider started here, each told per address how to answer:
 *
 *  - a provider's outage while the acknowledgement goes out holds the message for the watch and
 *    keeps the customer's preferences, so later messages reach them as they asked;
 *  - a message about a complaint whose complaint.received has not been handled is not sent with
 *    made-up preferences: the event is dead-lettered with the reason, and its replay sends it;
 *  - what providers say about the customer (a bounce quoting the address, a refusal quoting the
 *    number) is masked before it is stored, logged or shown to an auditor.
 *
 * The watch that sends held messages is switched off and driven with explicit instants.
 */
describe('notification when providers fail', () => {
  let notification: ServiceUnderTest;
  let producer: Producer;
  let smtp: SmtpInbox;
  let sms: RecordingServer;
  const cipher = FieldCipher.fromEnv(KEYS);
  /** Addresses the SMTP server refuses at RCPT TO, and how. */
  const smtpRefusals = new Map<string, { responseCode: number; text: string }>();
  /** Numbers the SMS provider refuses, and how. */
  const smsRefusals = new Map<string, { status: number; body: unknown }>();

  beforeAll(async () => {
    smtp = await startSmtpInbox({
      onRcptTo(address, _session, callback) {
        const refusal = smtpRefusals.get(address.address);
        if (refusal) return callback(Object.assign(new Error(refusal.text), { responseCode: refusal.responseCode }));
        callback();
      },
    });
    sms = await RecordingServer.start();
    sms.reply = (request) => smsRefusals.get((JSON.parse(request.body) as { to: string }).to) ?? { status: 200, body: { id: `sms-${randomUUID()}` } };
    notification = await startInProcess(ALL_SERVICES.find((d) => d.name === 'notification')!, {
      ...KEYS,
      SMTP_URL: smtp.url,
      SMTP_FROM: 'complaints@bank.example',
      SMS_ENDPOINT: `${sms.url}/send`,
      SMS_API_KEY: 'test-sms-key',
      // Quiet hours and the limit have their own suite (notification-survey.int-spec.ts).
      QUIET_HOURS: 'off',
      NOTIFICATION_RATE_LIMIT: 'off',
      NOTIFICATION_DUE_CHECK_INTERVAL_MS: '0',
    });
    producer = quietKafka('notification-failures-int').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await notification?.stop();
    await sms?.close();
    await smtp?.close();
  });

  const { envelopeOf, deliver, sql } = notificationClient(() => notification, () => producer, 'failures');
  /** How the service's consumer group settled an event: handled, or dead-lettered after its retries. */
  const outcomeOf = async (eventId: string) => {
    const [row] = await eventually(async () => {
      const rows = await sql<{ outcome: string }>(`SELECT outcome FROM processed_events WHERE event_id = $1`, [eventId]);
      return rows.length ? rows : null;
    }, { what: `event ${eventId} to be handled or dead-lettered`, timeoutMs: 60_000 });
    return row.outcome;
  };
  const deadLetters = (complaintId: string) =>
    sql<{ topic: string; headers: Record<string, string> }>(`SELECT topic, headers FROM outbox WHERE message_key = $1 AND topic LIKE '%.dlq' ORDER BY seq`, [complaintId]);
  const mailsTo = (email: string) => smtp.mails.filter((m) => m.to.includes(email));
  const held = () => notification.running.app.get(HeldMessages);
  const listedBy = async (role: 'investigator' | 'auditor', complaintId: string) => {
    const token = await notification.issuer.token(role);
    const res = await fetch(`${notification.baseUrl}/v1/notifications?complaintId=${complaintId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { kind: string; statusReason: string | null; attempts: { channel: string; status: string; detail: string | null }[] }[];
  };

  const received = (contact: { name: string; email?: string; phone?: string }, overrides: Partial<ComplaintReceived> = {}): ComplaintReceived => ({
    ticketNumber: `CMP-20261123-${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}-1`,
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
    replyTo: cipher.encrypt(JSON.stringify(contact)),
    ...overrides,
  });
  const response = (ticketNumber: string, regime: 'cn-cbirc' | 'uk-fca'): CaseResponseIssued => ({
    caseId: randomUUID(),
    ticketNumber,
    reviewRound: 0,
    outcome: 'upheld',
    explanation: cipher.encrypt(regime === 'uk-fca' ? 'The transfer was delayed by an interface fault between us and the receiving bank; it has now arrived.' : '经核查，因我行与合作银行接口异常，您的转账未能及时清算，现已到账。'),
    liability: 'bank',
    rootCause: 'system',
    actions: ['correction', 'apology'],
    remedy: null,
    decidedBy: 'ops-wang',
    approvedBy: null,
    issuedAt: new Date().toISOString(),
    rights:
      regime === 'uk-fca'
        ? { reviewBy: null, escalateTo: [{ body: 'Financial Ombudsman Service', contact: '0800 023 4567', within: 'six months from the date of this letter' }] }
        : { reviewBy: new Date(Date.now() + 30 * DAY).toISOString(), escalateTo: [{ body: '国家金融监督管理总局', contact: '12378', within: null }] },
  });

  it('acknowledgement_duringAProviderOutage_isHeldForRetry_whileThePreferencesCommit_soTheFinalResponseReachesTheCustomerAsAsked', async () => {
    const email = `harris-${randomUUID().slice(0, 6)}@example.co.uk`;
    const complaintId = randomUUID();
    const filed = received({ name: 'Ann Harris', email }, { language: 'en', regime: 'uk-fca', summary: 'A transfer did not arrive' });
    smtpRefusals.set(email, { responseCode: 451, text: '4.3.0 Temporary system problem, try again later' });
    const ack = envelopeOf(Events.ComplaintReceived, complaintId, filed);
    await deliver(Events.ComplaintReceived, ack);

    // The event is handled, not dead-lettered after its retries with the preferences rolled back.
    expect(await outcomeOf(ack.eventId)).toBe('handled');
    expect(await sql(`SELECT channel, language, regime, ticket_number FROM reply_preferences WHERE complaint_id = $1`, [complaintId])).toEqual([
      { channel: 'email', language: 'en', regime: 'uk-fca', ticket_number: filed.ticketNumber },
    ]);
    const [waiting] = await sql<{ status: string; held_for: string; not_before: Date; sent_at: Date | null }>(
      `SELECT status, held_for, not_before, sent_at FROM customer_messages WHERE complaint_id = $1 AND kind = 'acknowledgement'`,
      [complaintId],
    );
    expect(waiting).toMatchObject({ status: 'deferred', held_for: 'retry', sent_at: null });
    expect(waiting.not_before.getTime()).toBeGreaterThan(Date.now() + 4 * MINUTE);
    expect(await deadLetters(complaintId)).toEqual([]);
    expect(mailsTo(email)).toHaveLength(0);

    // The provider is back; the watch sends the acknowledgement when its retry is due.
    smtpRefusals.delete(email);
    expect(await held().tick(new Date(waiting.not_before.getTime() + 1_000))).toBeGreaterThanOrEqual(1);
    expect(await sql(`SELECT status, sink FROM customer_messages WHERE complaint_id = $1 AND kind = 'acknowledgement'`, [complaintId])).toEqual([{ status: 'sent', sink: 'email' }]);
    expect(mailsTo(email)).toHaveLength(1);

    // The final response goes as the customer asked: by e-mail, in English, under the FCA's rules.
    await deliver(Events.CaseResponseIssued, envelopeOf(Events.CaseResponseIssued, complaintId, response(filed.ticketNumber, 'uk-fca'), 'investigation'));
    const letter = await eventually(() => mailsTo(email)[1] ?? null, { what: 'the final response e-mail' });
    const text = (await simpleParser(letter.raw)).text ?? '';
    expect(text).toContain(filed.ticketNumber);
    expect(text).toContain('Financial Ombudsman Service');
    expect(text).toContain('we have upheld your complaint');
    expect(await sql(`SELECT kind, channel, status FROM customer_messages WHERE complaint_id = $1 ORDER BY created_at`, [complaintId])).toEqual([
      { kind: 'acknowledgement', channel: 'email', status: 'sent' },
      { kind: 'final-response', channel: 'email', status: 'sent' },
    ]);
    expect(await deadLetters(complaintId)).toEqual([]);
  });

  it('finalResponse_beforeComplaintReceived_isDeadLetteredWithTheReason_notSentWithMadeUpPreferences_andItsReplaySendsIt', async () => {
    const email = `qian-${randomUUID().slice(0, 6)}@example.com`;
    const complaintId = randomUUID();
    const filed = received({ name: '钱女士', email, phone: '13700003333' });
    // The response comes first (another topic than intake's, where complaint.received is late).
    const issued = envelopeOf(Events.CaseResponseIssued, complaintId, response(filed.ticketNumber, 'cn-cbirc'), 'investigation');
    await deliver(Events.CaseResponseIssued, issued);

    expect(await outcomeOf(issued.eventId)).toBe('dead-lettered');
    const [letter] = await deadLetters(complaintId);
    expect(letter.headers['dlq-reason']).toBe('handler-failed');
    expect(letter.headers['dlq-error']).toMatch(/no reply preferences for complaint .*final response.*complaint\.received has not been handled/);
    // Nothing recorded as owed and dealt with: no message went anywhere, none is marked failed.
    expect(await sql(`SELECT kind FROM customer_messages WHERE complaint_id = $1`, [complaintId])).toEqual([]);

    const ack = envelopeOf(Events.ComplaintReceived, complaintId, filed);
    await deliver(Events.ComplaintReceived, ack);
    await eventually(() => mailsTo(email)[0] ?? null, { what: 'the acknowledgement e-mail' });

    // The operator replays the dead letter (npm run dlq -- replay): the response now goes as the customer asked.
    const kafka = quietKafka('notification-failures-dlq');
    const mine = await eventually(async () => {
      const letters = (await readDeadLetters(kafka, letter.topic)).filter((l) => l.key === complaintId);
      return letters.length ? letters : null;
    }, { what: 'the dead letter on its topic' });
    expect(await replayDeadLetters(kafka, mine)).toBe(1);
    const sent = await eventually(() => mailsTo(email)[1] ?? null, { what: 'the final response e-mail after the replay' });
    expect((await simpleParser(sent.raw)).text).toContain('经核查，因我行与合作银行接口异常');
    expect(await sql(`SELECT kind, channel, status FROM customer_messages WHERE complaint_id = $1 ORDER BY created_at`, [complaintId])).toEqual([
      { kind: 'acknowledgement', channel: 'email', status: 'sent' },
      { kind: 'final-response', channel: 'email', status: 'sent' },
    ]);
    expect(await outcomeOf(issued.eventId)).toBe('handled');
  });

  it('providerTexts_quotingTheCustomersAddressOrNumber_areMasked_inAttemptsLogsAndWhatAnAuditorSees', async () => {
    const logged: string[] = [];
    const spies = (['log', 'warn', 'error'] as const).map((level) =>
      jest.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, ...args: unknown[]) {
        logged.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      }),
    );
    try {
      // Customer 1 prefers e-mail; the server bounces the address, quoting it, and the text goes by SMS.
      const email1 = `zhang.san-${randomUUID().slice(0, 6)}@x.cn`;
      const phone1 = '13912345678';
      const first = randomUUID();
      const filed1 = received({ name: '张三', email: email1, phone: phone1 });
      smtpRefusals.set(email1, { responseCode: 550, text: `5.1.1 <${email1}>: Recipient address rejected: User unknown in virtual mailbox table` });
      await deliver(Events.ComplaintReceived, envelopeOf(Events.ComplaintReceived, first, filed1));
      // Customer 2 prefers text; the provider refuses the number, quoting it, and the e-mail goes instead.
      const email2 = `li.si-${randomUUID().slice(0, 6)}@example.com`;
      const phone2 = '+8613698765432';
      const second = randomUUID();
      smsRefusals.set(phone2, { status: 400, body: { error: 'blocked', message: `number ${phone2} is on the operator's blocklist` } });
      await deliver(Events.ComplaintReceived, envelopeOf(Events.ComplaintReceived, second, received({ name: '李四', email: email2, phone: phone2 }, { preferredReplyChannel: 'sms' })));
      const acks = await eventually(async () => {
        const rows = await sql<{ complaint_id: string; sink: string; attempts: unknown; status_reason: string | null }>(
          `SELECT complaint_id, sink, attempts, status_reason FROM customer_messages WHERE complaint_id = ANY($1) AND status = 'sent'`,
          [[first, second]],
        );
        return rows.length === 2 ? rows : null;
      }, { what: 'both acknowledgements, over the other channel' });
      expect(Object.fromEntries(acks.map((a) => [a.complaint_id, a.sink]))).toEqual({ [first]: 'sms', [second]: 'email' });

      // Customer 1's final response meets a temporary refusal that quotes the address: held, and logged.
      smtpRefusals.set(email1, { responseCode: 450, text: `4.1.2 <${email1}>: Recipient address rejected: Domain not found` });
      const issued = envelopeOf(Events.CaseResponseIssued, first, response(filed1.ticketNumber, 'cn-cbirc'), 'investigation');
      await deliver(Events.CaseResponseIssued, issued);
      expect(await outcomeOf(issued.eventId)).toBe('handled');
      expect(await sql(`SELECT status, held_for FROM customer_messages WHERE complaint_id = $1 AND kind = 'final-response'`, [first])).toEqual([
        { status: 'deferred', held_for: 'retry' },
      ]);

      const personal = new RegExp([email1, email2, 'zhang.san', 'li.si', '13912345678', '13698765432', '张三', '李四'].map((v) => v.replace(/[.+]/g, '\\$&')).join('|'));
      // Stored: the providers' reasons, without the customers' details.
      const stored = JSON.stringify(await sql(`SELECT attempts, status_reason FROM customer_messages WHERE complaint_id = ANY($1)`, [[first, second]]));
      expect(stored).toContain('Recipient address rejected: User unknown');
      expect(stored).toContain('blocklist');
      expect(stored).not.toMatch(personal);
      // Logged: the temporary refusal, without the address.
      const said = logged.join('\n');
      expect(said).toContain('Recipient address rejected: Domain not found');
      expect(said).not.toMatch(personal);
      // Shown to an auditor: nothing personal either.
      const audited = JSON.stringify([...(await listedBy('auditor', first)), ...(await listedBy('auditor', second))]);
      expect(audited).toContain('Recipient address rejected');
      expect(audited).not.toMatch(personal);

      // A row written before provider texts were masked at the source: an auditor sees its details
      // masked like the text, an investigator (who may see personal data) as they are.
      const legacy = [
        { channel: 'email', status: 'bounced', detail: `550 5.1.1 <${email1}>: Recipient address rejected`, at: new Date().toISOString(), providerReference: null },
        { channel: 'sms', status: 'sent', detail: `queued for ${phone1}`, at: new Date().toISOString(), providerReference: 'sms-1' },
      ];
      await sql(`UPDATE customer_messages SET attempts = $2::jsonb WHERE complaint_id = $1 AND kind = 'acknowledgement'`, [first, JSON.stringify(legacy)]);
      const ackFor = async (role: 'investigator' | 'auditor') => (await listedBy(role, first)).find((m) => m.kind === 'acknowledgement')!;
      const masked = await ackFor('auditor');
      expect(masked.attempts.map((a) => a.detail)).toEqual([expect.stringContaining('Recipient address rejected'), expect.stringMatching(/^queued for \*+$/)]);
      expect(JSON.stringify(masked)).not.toMatch(personal);
      expect((await ackFor('investigator')).attempts.map((a) => a.detail)).toEqual(legacy.map((a) => a.detail));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
