import { randomBytes, randomUUID } from 'node:crypto';
import { Producer } from 'kafkajs';
import { DateTime } from 'luxon';
import { simpleParser } from 'mailparser';
import { ComplaintReceived, Events } from '@complaints/contracts';
import { FieldCipher, signWebhook } from '@complaints/platform';
import { eventually, quietKafka } from '@complaints/testing';
import { RecordingServer } from '../../apps/notification/src/channels/testing/recording-server';
import { HeldMessages } from '../../apps/notification/src/delivery/held-messages';
import { startSmtpInbox, SmtpInbox } from '../../apps/notification/src/channels/testing/smtp-inbox';
import { notificationClient } from './notification-client';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(180_000);

const KEYS = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}`, PII_PSEUDONYM_KEY: randomBytes(32).toString('base64') };
const SMS_SECRET = randomBytes(32);
const EMAIL_SECRET = randomBytes(32);
const DAY = 86_400_000;

/**
 * Quiet hours that hold right now in Shanghai and not in London, whatever the hour of the run: from
 * an hour ago to two hours from now on Shanghai's clock. London's clock is seven or eight hours
 * behind, well outside that window, so a uk-fca customer is reachable at the same moment.
 */
const shanghaiNow = DateTime.now().setZone('Asia/Shanghai');
const QUIET_START = shanghaiNow.minus({ hours: 1 });
const QUIET_END = shanghaiNow.plus({ hours: 2 }).startOf('minute');
const QUIET_HOURS = `${QUIET_START.toFormat('HH:mm')}-${QUIET_END.toFormat('HH:mm')}`;

/**
 * Held messages, provider receipts, the follow-up survey and compensation notices, with events
 * through the real broker, a real SMTP server and recording SMS and app-inbox providers. The watch
 * that sends held messages is switched off and driven with explicit instants instead of waiting.
 */
describe('notification holds, receipts, surveys and compensation notices', () => {
  let notification: ServiceUnderTest;
  let producer: Producer;
  let smtp: SmtpInbox;
  let sms: RecordingServer;
  let app: RecordingServer;
  const cipher = FieldCipher.fromEnv(KEYS);

  beforeAll(async () => {
    smtp = await startSmtpInbox();
    sms = await RecordingServer.start();
    sms.reply = () => ({ status: 200, body: { id: `sms-${randomUUID()}` } });
    app = await RecordingServer.start();
    app.reply = () => ({ status: 202, body: { id: `inbox-${randomUUID()}` } });
    notification = await startInProcess(ALL_SERVICES.find((d) => d.name === 'notification')!, {
      ...KEYS,
      SMTP_URL: smtp.url,
      SMTP_FROM: 'complaints@bank.example',
      SMS_ENDPOINT: `${sms.url}/send`,
      SMS_API_KEY: 'test-sms-key',
      APP_INBOX_ENDPOINT: `${app.url}/inbox`,
      APP_INBOX_SECRET: randomBytes(32).toString('base64'),
      PROVIDER_WEBHOOK_SECRETS: `sms:${SMS_SECRET.toString('base64')},email:${EMAIL_SECRET.toString('base64')}`,
      QUIET_HOURS,
      NOTIFICATION_DUE_CHECK_INTERVAL_MS: '0',
      SURVEY_LINK_BASE_URL: 'https://bank.example/survey',
    });
    producer = quietKafka('notification-survey-int').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await notification?.stop();
    await sms?.close();
    await app?.close();
    await smtp?.close();
  });

  const { envelopeOf, deliver, sql } = notificationClient(() => notification, () => producer, 'survey');
  const handled = (...eventIds: string[]) =>
    eventually(async () => (await sql(`SELECT 1 FROM processed_events WHERE event_id = ANY($1)`, [eventIds])).length === eventIds.length || null, {
      what: `${eventIds.length} event(s) to be handled`,
    });
  /** Events this service published about a complaint, as they left in its outbox. */
  const published = async (complaintId: string, type?: string) => {
    const rows = await sql<{ envelope: { type: string; payload: Record<string, unknown> } }>(
      `SELECT convert_from(value, 'UTF8')::jsonb AS envelope FROM outbox WHERE message_key = $1 ORDER BY seq`,
      [complaintId],
    );
    return rows.map((r) => r.envelope).filter((e) => !type || e.type === type);
  };
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${notification.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
  };
  /** Headers of a callback signed the way providers sign (and the app inbox adapter signs ours). */
  const signedBy = (secret: Buffer, body: unknown, nonce = randomBytes(12).toString('hex')) => {
    const timestamp = Math.floor(Date.now() / 1000);
    return {
      'x-signature-timestamp': String(timestamp),
      'x-signature-nonce': nonce,
      'x-signature': signWebhook(secret, timestamp, nonce, JSON.stringify(body)),
    };
  };

  const fileFor = async (contact: { email?: string; phone?: string; appUserId?: string }, overrides: Partial<ComplaintReceived> = {}) => {
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
      preferredReplyChannel: 'sms',
      regime: 'cn-cbirc',
      responseDueBy: new Date(Date.now() + 15 * DAY).toISOString(),
      replyTo: cipher.encrypt(JSON.stringify({ name: '王先生', ...contact })),
      ...overrides,
    };
    await deliver(Events.ComplaintReceived, envelopeOf(Events.ComplaintReceived, complaintId, received));
    const [ack] = await eventually(async () => {
      const rows = await sql<MessageRow>(`SELECT * FROM customer_messages WHERE complaint_id = $1 AND kind = 'acknowledgement'`, [complaintId]);
      return rows.length ? rows : null;
    }, { what: 'the acknowledgement' });
    return { complaintId, ticketNumber, ack };
  };
  const closeCase = (complaintId: string, caseId = randomUUID()) =>
    envelopeOf(Events.CaseClosedV1, complaintId, { caseId, reason: '回访前结案', closedBy: 'investigator-7' }, 'investigation');

  interface MessageRow {
    id: string;
    kind: string;
    channel: string;
    sink: string;
    status: string;
    held_for: string | null;
    not_before: Date | null;
    sent_at: Date | null;
    body: string;
    attempts: { channel: string; status: string; detail: string | null; receipt?: boolean }[];
  }
  /** The plain text of every e-mail that reached this address. */
  const mailsTo = (email: string) => Promise.all(smtp.mails.filter((m) => m.to.includes(email)).map(async (m) => (await simpleParser(m.raw)).text ?? ''));
  const message = async (id: string) => (await sql<MessageRow>(`SELECT * FROM customer_messages WHERE id = $1`, [id]))[0];
  const held = () => notification.running.app.get(HeldMessages);
  const paidRemedy = (caseId: string, amountMinor = 2_000) => ({
    remedyId: randomUUID(),
    caseId,
    payoutId: randomUUID(),
    type: 'fee-refund' as const,
    amount: { amountMinor, currency: 'GBP' },
    coreReference: `CBS-${randomBytes(3).toString('hex')}`,
    paidAt: new Date().toISOString(),
  });

  describe('quiet hours', () => {
    it('smsInQuietHoursInShanghai_isHeldUntilTheyEnd_thenSentByTheWatchWhenDue', async () => {
      const { complaintId, ack } = await fileFor({ phone: '13900002222' });
      expect(ack).toMatchObject({ status: 'deferred', held_for: 'quiet-hours', sent_at: null, sink: 'none' });
      expect(ack.not_before!.toISOString()).toBe(QUIET_END.toJSDate().toISOString());
      expect(sms.requests.filter((r) => r.headers['idempotency-key'] === ack.id)).toHaveLength(0);
      expect(await published(complaintId, 'notification.sent')).toHaveLength(0);

      // A turn of the watch before the end of quiet hours leaves it where it is.
      await held().tick(new Date(ack.not_before!.getTime() - 60_000));
      expect(await message(ack.id)).toMatchObject({ status: 'deferred', sent_at: null });
      expect(sms.requests.filter((r) => r.headers['idempotency-key'] === ack.id)).toHaveLength(0);

      const due = new Date(ack.not_before!.getTime() + 1_000);
      expect(await held().tick(due)).toBeGreaterThanOrEqual(1);
      const sent = await message(ack.id);
      expect(sent).toMatchObject({ status: 'sent', channel: 'sms', sink: 'sms', held_for: null, not_before: null });
      expect(sent.sent_at!.toISOString()).toBe(due.toISOString());
      const texts = sms.requests.filter((r) => r.headers['idempotency-key'] === ack.id);
      expect(texts).toHaveLength(1);
      expect(JSON.parse(texts[0].body)).toMatchObject({ to: '13900002222', clientReference: ack.id });
      expect((await published(complaintId, 'notification.sent')).map((e) => e.payload)).toEqual([
        expect.objectContaining({ messageId: ack.id, kind: 'acknowledgement', channel: 'sms' }),
      ]);

      // The next turn finds nothing more to send for it.
      await held().tick(due);
      expect(sms.requests.filter((r) => r.headers['idempotency-key'] === ack.id)).toHaveLength(1);
    });

    it('theSameHourIsNotQuietInLondon_soAUkCustomerGetsTheTextAtOnce', async () => {
      const { ack } = await fileFor({ phone: '07700900123' }, { regime: 'uk-fca', language: 'en' });
      expect(ack).toMatchObject({ status: 'sent', sink: 'sms', held_for: null, not_before: null });
      expect(sms.requests.filter((r) => r.headers['idempotency-key'] === ack.id)).toHaveLength(1);
    });
  });

  describe('delivery receipts', () => {
    const receiptsPath = '/v1/notifications/receipts/email';

    it('receiptWithAForgedOrMissingSignature_is401_andChangesNothing', async () => {
      const email = `chen-${randomUUID().slice(0, 6)}@example.com`;
      const { ack } = await fileFor({ email, appUserId: 'app-user-9' }, { preferredReplyChannel: 'email', regime: 'uk-fca', language: 'en' });
      expect(ack).toMatchObject({ status: 'sent', sink: 'email' });
      const receipt = { messageId: ack.id, status: 'bounced', reason: 'mailbox unavailable' };
      const before = await notification.rowCounts();
      const attempts: [string, Record<string, string>][] = [
        ['no signature', {}],
        ['a guessed secret', signedBy(randomBytes(32), receipt)],
        ["the SMS provider's secret", signedBy(SMS_SECRET, receipt)],
        ['a body changed after signing', signedBy(EMAIL_SECRET, { ...receipt, status: 'delivered' })],
      ];
      for (const [what, headers] of attempts) {
        const res = await post(receiptsPath, receipt, headers);
        expect({ what, status: res.status, type: res.type }).toEqual({ what, status: 401, type: expect.stringContaining('application/problem+json') });
      }
      expect(await notification.rowCounts()).toEqual(before);
      expect(await message(ack.id)).toMatchObject({ status: 'sent', sink: 'email', attempts: ack.attempts });
      expect(app.requests.filter((r) => r.headers['idempotency-key'] === ack.id)).toHaveLength(0);
    });

    it('bouncedReceipt_recordsBounced_publishesDeliveryUpdatedOnce_andFallsBackToTheNextChannel', async () => {
      const email = `liu-${randomUUID().slice(0, 6)}@example.com`;
      const { complaintId, ack } = await fileFor({ email, appUserId: 'app-user-7' }, { preferredReplyChannel: 'email', regime: 'uk-fca', language: 'en' });
      const receipt = { messageId: ack.id, status: 'bounced', reason: `550 5.1.1 <${email}>: mailbox unavailable` };
      const headers = signedBy(EMAIL_SECRET, receipt);
      const first = await post(receiptsPath, receipt, headers);
      expect(first).toMatchObject({ status: 200, body: { messageId: ack.id, status: 'sent', duplicate: false } });

      const after = await message(ack.id);
      expect(after).toMatchObject({ channel: 'app', sink: 'app', status: 'sent' });
      expect(after.attempts.map((a) => `${a.channel} ${a.status}${a.receipt ? ' (receipt)' : ''}`)).toEqual(['email sent', 'email bounced (receipt)', 'app sent']);
      expect(app.requests.filter((r) => r.headers['idempotency-key'] === ack.id)).toHaveLength(1);
      expect(await sql(`SELECT channel, status FROM delivery_receipts WHERE message_id = $1`, [ack.id])).toEqual([{ channel: 'email', status: 'bounced' }]);
      const updates = await published(complaintId, 'notification.delivery-updated');
      expect(updates.map((e) => e.payload)).toEqual([{ messageId: ack.id, kind: 'acknowledgement', channel: 'email', status: 'bounced', reason: expect.stringContaining('mailbox unavailable') }]);
      // The provider quoted the address; it does not leave the service in the event.
      expect(JSON.stringify(updates)).not.toContain(email);
      expect((await published(complaintId, 'notification.sent')).map((e) => e.payload.channel)).toEqual(['email', 'app']);

      // The provider sends the same receipt again (a retry, freshly signed): nothing changes, nothing more is published.
      const again = await post(receiptsPath, receipt, signedBy(EMAIL_SECRET, receipt));
      expect(again).toMatchObject({ status: 200, body: { messageId: ack.id, status: 'sent', duplicate: true } });
      expect(await published(complaintId, 'notification.delivery-updated')).toHaveLength(1);
      expect(await message(ack.id)).toEqual(after);
      expect(app.requests.filter((r) => r.headers['idempotency-key'] === ack.id)).toHaveLength(1);
      // A captured request replayed as it was is refused outright.
      expect((await post(receiptsPath, receipt, headers)).status).toBe(401);

      // A receipt for a message that never went through this provider names nothing.
      const elsewhere = { messageId: randomUUID(), status: 'delivered' };
      expect((await post(receiptsPath, elsewhere, signedBy(EMAIL_SECRET, elsewhere))).status).toBe(404);
    });
  });

  describe('the follow-up survey', () => {
    const surveyMailTo = async (email: string) => {
      const [text] = await eventually(async () => {
        const texts = (await mailsTo(email)).filter((t) => t.includes('bank.example/survey'));
        return texts.length ? texts : null;
      }, { what: 'the survey e-mail' });
      return text;
    };

    it('caseClosed_evenWhenRedeliveredOrAnnouncedAgain_offersOneSurvey', async () => {
      const email = `zhou-${randomUUID().slice(0, 6)}@example.com`;
      const { complaintId, ticketNumber } = await fileFor({ email }, { preferredReplyChannel: 'email', regime: 'uk-fca', language: 'en' });
      const caseId = randomUUID();
      const closed = closeCase(complaintId, caseId);
      const closedAgain = closeCase(complaintId, caseId);
      await deliver(Events.CaseClosedV1, closed);
      await deliver(Events.CaseClosedV1, closed);
      await deliver(Events.CaseClosedV1, closedAgain);
      await handled(closed.eventId, closedAgain.eventId);
      expect(await sql(`SELECT case_id, sms_replies, answered_at FROM follow_up_surveys WHERE complaint_id = $1`, [complaintId])).toEqual([
        { case_id: caseId, sms_replies: false, answered_at: null },
      ]);
      const surveys = await sql<MessageRow>(`SELECT * FROM customer_messages WHERE complaint_id = $1 AND kind = 'survey'`, [complaintId]);
      expect(surveys).toHaveLength(1);
      expect(surveys[0]).toMatchObject({ status: 'sent', sink: 'email' });
      const text = await surveyMailTo(email);
      expect(text).toContain(ticketNumber);
      expect(text).toMatch(/Please tell us how we did by \d{1,2} \w+ \d{4}: https:\/\/bank\.example\/survey\/[0-9a-f]{24}/);
      expect((await mailsTo(email)).filter((t) => t.includes('bank.example/survey'))).toHaveLength(1);
    });

    it('linkAnswerWithScore2_publishesAnsweredAndReviewOpened_sealsTheComment_andASecondAnswerIs409', async () => {
      const email = `wu-${randomUUID().slice(0, 6)}@example.com`;
      const { complaintId } = await fileFor({ email }, { preferredReplyChannel: 'email', regime: 'uk-fca', language: 'en' });
      const closed = closeCase(complaintId);
      await deliver(Events.CaseClosedV1, closed);
      const token = /bank\.example\/survey\/([0-9a-f]{24})/.exec(await surveyMailTo(email))![1];
      const web = await notification.issuer.token('channel-adapter', { channel: 'web' });
      const comment = '等了三周才有人回电话，我的手机是13900005555';

      const answered = await post(`/v1/surveys/${token}/answers`, { score: 2, comment }, { authorization: `Bearer ${web}` });
      expect(answered).toMatchObject({ status: 201, body: { score: 2 } });
      const [survey] = await sql<{ id: string; case_id: string; score: number; answered_via: string; comment_sealed: string; review_opened: boolean }>(
        `SELECT id, case_id, score, answered_via, comment_sealed, review_opened FROM follow_up_surveys WHERE complaint_id = $1`,
        [complaintId],
      );
      expect(survey).toMatchObject({ id: answered.body.surveyId, case_id: closed.payload.caseId, score: 2, answered_via: 'link', review_opened: true });
      expect(cipher.decrypt(survey.comment_sealed)).toBe(comment);

      const [answer] = await published(complaintId, 'survey.answered');
      expect(answer.payload).toEqual({ surveyId: survey.id, caseId: closed.payload.caseId, score: 2, comment: expect.stringMatching(/^v2:/), via: 'link', answeredAt: answered.body.answeredAt });
      expect(cipher.decrypt(answer.payload.comment as string)).toBe(comment);
      expect((await published(complaintId, 'survey.review-opened')).map((e) => e.payload)).toEqual([{ surveyId: survey.id, caseId: closed.payload.caseId, score: 2, threshold: 2 }]);
      // The comment is personal data: nowhere in clear, neither in the tables nor in what leaves.
      const everything = JSON.stringify([await sql(`SELECT * FROM follow_up_surveys`), await published(complaintId)]);
      expect(everything).not.toContain('13900005555');
      expect(everything).not.toContain('等了三周');

      const second = await post(`/v1/surveys/${token}/answers`, { score: 5 }, { authorization: `Bearer ${web}` });
      expect(second).toMatchObject({ status: 409, type: expect.stringContaining('application/problem+json'), body: { status: 409 } });
      expect(await published(complaintId, 'survey.answered')).toHaveLength(1);
      expect((await post(`/v1/surveys/${'0'.repeat(24)}/answers`, { score: 5 }, { authorization: `Bearer ${web}` })).status).toBe(404);

      // Staff see that a survey went out, not a link they could answer it with.
      const investigator = await notification.issuer.token('investigator');
      const listed = (await (await fetch(`${notification.baseUrl}/v1/notifications?complaintId=${complaintId}`, { headers: { authorization: `Bearer ${investigator}` } })).json()) as { kind: string; body: string }[];
      expect(listed.find((m) => m.kind === 'survey')!.body).toContain('https://bank.example/survey/…');
      expect(JSON.stringify(listed)).not.toContain(token);
    });

    it('smsReply_isMatchedToTheOpenSurveyByTheKeyedHashOfTheNormalisedPhone', async () => {
      const { complaintId } = await fileFor({ phone: '139 0000 4444' });
      const closed = closeCase(complaintId);
      await deliver(Events.CaseClosedV1, closed);
      await handled(closed.eventId);
      const [survey] = await sql<{ id: string; phone_hash: string; sms_replies: boolean }>(`SELECT id, phone_hash, sms_replies FROM follow_up_surveys WHERE complaint_id = $1`, [complaintId]);
      expect(survey.sms_replies).toBe(true);
      expect(survey.phone_hash).toBe(cipher.pseudonym('phone', '+8613900004444'));
      const stored = JSON.stringify(await sql(`SELECT * FROM follow_up_surveys WHERE complaint_id = $1`, [complaintId]));
      expect(stored).not.toContain('13900004444');
      expect(stored).not.toContain('139 0000 4444');

      const reply = { from: '+86 139-0000-4444', text: '４ 很满意' };
      expect((await post('/v1/surveys/sms-replies', reply)).status).toBe(401);
      expect((await post('/v1/surveys/sms-replies', reply, signedBy(EMAIL_SECRET, reply))).status).toBe(401);
      expect(await published(complaintId, 'survey.answered')).toHaveLength(0);

      const answered = await post('/v1/surveys/sms-replies', reply, signedBy(SMS_SECRET, reply));
      expect(answered).toMatchObject({ status: 200, body: { outcome: 'answered' } });
      const [answer] = await published(complaintId, 'survey.answered');
      expect(answer.payload).toMatchObject({ surveyId: survey.id, caseId: closed.payload.caseId, score: 4, via: 'sms' });
      expect(cipher.decrypt(answer.payload.comment as string)).toBe('很满意');
      expect(await published(complaintId, 'survey.review-opened')).toHaveLength(0);

      const twice = await post('/v1/surveys/sms-replies', reply, signedBy(SMS_SECRET, reply));
      expect(twice).toMatchObject({ status: 200, body: { outcome: 'no-open-survey' } });
      const stranger = { from: '+8613900009999', text: '1' };
      expect((await post('/v1/surveys/sms-replies', stranger, signedBy(SMS_SECRET, stranger))).body).toEqual({ outcome: 'no-open-survey' });
      expect(await published(complaintId, 'survey.answered')).toHaveLength(1);
    });
  });

  describe('compensation notices', () => {
    it('remedyPaid_redeliveredOrAnnouncedAgain_tellsTheCustomerOnce_andAFailedPayoutTellsThemNothing', async () => {
      const email = `sun-${randomUUID().slice(0, 6)}@example.com`;
      const { complaintId, ticketNumber } = await fileFor({ email }, { preferredReplyChannel: 'email', regime: 'uk-fca', language: 'en' });
      const caseId = randomUUID();
      const paid = paidRemedy(caseId);
      const first = envelopeOf(Events.RemedyPaid, complaintId, paid, 'compensation');
      const second = envelopeOf(Events.RemedyPaid, complaintId, paid, 'compensation');
      const failed = envelopeOf(Events.RemedyPayoutFailed, complaintId, { remedyId: randomUUID(), caseId, payoutId: randomUUID(), amount: { amountMinor: 500, currency: 'GBP' }, reason: 'account closed', attempts: 3 }, 'compensation');
      const third = envelopeOf(Events.RemedyPaid, complaintId, paid, 'compensation');
      await deliver(Events.RemedyPaid, first);
      await deliver(Events.RemedyPaid, first);
      await deliver(Events.RemedyPaid, second);
      await deliver(Events.RemedyPayoutFailed, failed);
      await deliver(Events.RemedyPaid, third);
      // Same key, same partition, in order: once the third is handled, the failed payout has been read (and ignored) too.
      await handled(first.eventId, second.eventId, third.eventId);
      expect(await sql(`SELECT kind, status, sink FROM customer_messages WHERE complaint_id = $1 ORDER BY created_at`, [complaintId])).toEqual([
        { kind: 'acknowledgement', status: 'sent', sink: 'email' },
        { kind: 'remedy-paid', status: 'sent', sink: 'email' },
      ]);
      const notices = (await mailsTo(email)).filter((t) => t.includes(paid.coreReference));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain(ticketNumber);
      expect(notices[0]).toContain('your fee refund of £20.00 was credited to your account on');
      expect((await published(complaintId, 'notification.sent')).map((e) => e.payload.kind)).toEqual(['acknowledgement', 'remedy-paid']);
    });
  });

  describe('survey statistics', () => {
    it('countsTheSurveysOfferedInThePeriod_byScoreAndChannel_withRatesAndNothingPersonal_forManagersOnly', async () => {
      // Surveys of cases closed in March 2025 (Beijing), stored as the service stores them; one the day before and one the day after.
      const survey = (createdAt: string, answer: { score: number; via: 'link' | 'sms'; review?: boolean } | null, expiresAt = '2025-04-30T00:00:00+08:00') =>
        sql(
          `INSERT INTO follow_up_surveys (id, case_id, complaint_id, message_id, token_hash, sms_replies, created_at, expires_at, answered_at, answered_via, score, review_opened)
           VALUES ($1, $2, $3, $4, $5, true, $6, $7, $8, $9, $10, $11)`,
          [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomBytes(16).toString('hex'), createdAt, expiresAt, answer ? createdAt : null, answer?.via ?? null, answer?.score ?? null, answer?.review ?? false],
        );
      await survey('2025-02-28T23:59:59+08:00', { score: 1, via: 'link' });
      for (const [score, via] of [[5, 'link'], [5, 'sms'], [4, 'link'], [3, 'sms'], [2, 'link'], [1, 'sms']] as const) await survey('2025-03-10T10:00:00+08:00', { score, via, review: score === 1 });
      await survey('2025-03-20T10:00:00+08:00', null, '2025-03-27T10:00:00+08:00');
      await survey('2025-03-31T23:00:00+08:00', null, '2999-01-01T00:00:00Z');
      await survey('2025-04-01T00:00:00+08:00', { score: 5, via: 'sms' });

      const statistics = async (query: string, role: 'compliance-officer' | 'auditor' | 'approver' | 'investigator' = 'compliance-officer') => {
        const res = await fetch(`${notification.baseUrl}/v1/surveys/statistics${query}`, { headers: { authorization: `Bearer ${await notification.issuer.token(role)}` } });
        return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
      };
      const march = '?from=2025-03-01T00:00:00%2B08:00&to=2025-04-01T00:00:00%2B08:00';
      const answered = await statistics(march);
      expect(answered).toMatchObject({ status: 200 });
      expect(answered.body).toEqual({
        from: '2025-02-28T16:00:00.000Z',
        to: '2025-03-31T16:00:00.000Z',
        offered: 8,
        answered: 6,
        responseRate: 0.75,
        averageScore: 3.33,
        scores: { '1': 1, '2': 1, '3': 1, '4': 1, '5': 2 },
        satisfiedRate: 0.5,
        dissatisfiedRate: 0.3333,
        reviewsOpened: 1,
        answeredVia: { link: 3, sms: 3 },
        expired: 1,
        open: 1,
      });
      for (const role of ['auditor', 'approver'] as const) expect((await statistics(march, role)).body).toEqual(answered.body);
      expect((await statistics(march, 'investigator')).status).toBe(403);
      for (const bad of ['', '?from=2025-03-01&to=2025-04-01T00:00:00Z', `${march}&complaintId=${randomUUID()}`, '?from=2025-04-01T00:00:00Z&to=2025-03-01T00:00:00Z']) {
        expect(await statistics(bad)).toMatchObject({ status: 400, type: expect.stringMatching(/^application\/problem\+json/) });
      }
    });
  });

  describe('the per-customer limit (three an hour)', () => {
    it('aFourthMessageWithinTheHour_waitsForRoom_andIsSentWhenTheOldestLeavesTheWindow', async () => {
      const email = `he-${randomUUID().slice(0, 6)}@example.com`;
      const { complaintId, ack } = await fileFor({ email }, { preferredReplyChannel: 'email', regime: 'uk-fca', language: 'en' });
      const caseId = randomUUID();
      const paid = [2_000, 3_000, 4_000].map((amount) => envelopeOf(Events.RemedyPaid, complaintId, { ...paidRemedy(caseId, amount) }, 'compensation'));
      for (const event of paid) await deliver(Events.RemedyPaid, event);
      await handled(...paid.map((e) => e.eventId));
      const rows = await sql<MessageRow>(`SELECT * FROM customer_messages WHERE complaint_id = $1 ORDER BY created_at`, [complaintId]);
      expect(rows.map((r) => `${r.kind} ${r.status}`)).toEqual(['acknowledgement sent', 'remedy-paid sent', 'remedy-paid sent', 'remedy-paid deferred']);
      const waiting = rows[3];
      expect(waiting.held_for).toBe('rate-limit');
      expect(waiting.not_before!.toISOString()).toBe(new Date(ack.sent_at!.getTime() + 3_600_000).toISOString());
      expect((await mailsTo(email)).filter((t) => t.includes('was credited'))).toHaveLength(2);

      await held().tick(new Date(waiting.not_before!.getTime() - 1_000));
      expect(await message(waiting.id)).toMatchObject({ status: 'deferred' });
      await held().tick(waiting.not_before!);
      expect(await message(waiting.id)).toMatchObject({ status: 'sent', sink: 'email', held_for: null });
      await eventually(async () => (await mailsTo(email)).filter((t) => t.includes('was credited')).length === 3 || null, { what: 'the third compensation notice' });
    });
  });
});
