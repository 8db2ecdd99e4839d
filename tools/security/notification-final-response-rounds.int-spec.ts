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
const RIGHTS = { reviewBy: new Date(Date.now() + 30 * DAY).toISOString(), escalateTo: [{ body: '国家金融监督管理总局', contact: '12378', within: null }] };

/**
 * A case's final response is issued again after a review (核查, a higher `reviewRound`) or after a
 * reopening (the same round, issued later). The consumer can be handed an earlier response after a
 * later one: a dead letter replayed (`npm run dlq -- replay`), a consumer group reset after the
 * processed-event marks were pruned. Its event id is new to the service, so the processed-event
 * mark does not catch it. Here it is delivered, as such a replay reaches the service, after the
 * later one, with the real broker, database and SMTP server; and a response issued before a
 * reopening, delivered after that reopening, which voided it.
 */
describe('notification and final responses of earlier rounds', () => {
  let notification: ServiceUnderTest;
  let producer: Producer;
  let smtp: SmtpInbox;

  beforeAll(async () => {
    smtp = await startSmtpInbox();
    notification = await startInProcess(ALL_SERVICES.find((d) => d.name === 'notification')!, {
      ...KEYS,
      SMTP_URL: smtp.url,
      SMTP_FROM: 'complaints@bank.example',
      // Whatever the hour of the run and however many letters one customer gets here.
      QUIET_HOURS: 'off',
      NOTIFICATION_RATE_LIMIT: 'off',
    });
    producer = quietKafka('notification-rounds-int').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await notification?.stop();
    await smtp?.close();
  });

  const { envelopeOf, deliver, sql } = notificationClient(() => notification, () => producer, 'rounds');
  const sealer = FieldCipher.fromEnv(KEYS);

  const fileFor = async (email: string) => {
    const complaintId = randomUUID();
    const ticketNumber = `CMP-20261207-${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}-1`;
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
      replyTo: sealer.encrypt(JSON.stringify({ name: '王先生', phone: '13900001111', email })),
    };
    await deliver(Events.ComplaintReceived, envelopeOf(Events.ComplaintReceived, complaintId, received));
    await eventually(() => smtp.mails.find((m) => m.to.includes(email)) ?? null, { what: 'the acknowledgement e-mail' });
    return { complaintId, ticketNumber, caseId: randomUUID() };
  };

  /** The response as investigation publishes it (v2), issued now. */
  const issued = (complaintId: string, caseId: string, ticketNumber: string, reviewRound: number, explanation: string) => {
    const response: CaseResponseIssued = {
      caseId,
      ticketNumber,
      reviewRound,
      outcome: 'upheld',
      explanation: sealer.encrypt(explanation),
      liability: 'bank',
      rootCause: 'system',
      actions: ['correction', 'apology'],
      remedy: null,
      decidedBy: `ops-${reviewRound}`,
      approvedBy: null,
      issuedAt: new Date().toISOString(),
      rights: RIGHTS,
    };
    return envelopeOf(Events.CaseResponseIssued, complaintId, response, 'investigation');
  };
  const handled = (eventId: string) =>
    eventually(async () => (await sql<{ outcome: string }>(`SELECT outcome FROM processed_events WHERE event_id = $1`, [eventId]))[0]?.outcome === 'handled' || null, {
      what: `event ${eventId} to be handled`,
    });
  const lettersTo = async (email: string) =>
    Promise.all(
      smtp.mails
        .filter((m) => m.to.includes(email))
        .slice(1)
        .map(async (m) => (await simpleParser(m.raw)).text ?? ''),
    );
  const finalResponsesOf = (complaintId: string) => sql(`SELECT cause_event_id FROM customer_messages WHERE complaint_id = $1 AND kind = 'final-response' ORDER BY created_at`, [complaintId]);

  it('finalResponse_ofAnEarlierReviewRound_deliveredAfterTheReviewsOwn_sendsNoSecondLetter_butALaterRoundStillGoes', async () => {
    const email = `wang-${randomUUID().slice(0, 6)}@example.com`;
    const { complaintId, ticketNumber, caseId } = await fileFor(email);
    // Issued first; in the story it was dead-lettered, and the review's response went out before its replay.
    const first = issued(complaintId, caseId, ticketNumber, 0, '经核查，您的转账因系统故障延迟，现已到账。');
    const review = issued(complaintId, caseId, ticketNumber, 1, '核查后认定：除到账延迟外，手续费亦应退还。');

    await deliver(Events.CaseResponseIssued, review);
    await handled(review.eventId);
    await deliver(Events.CaseResponseIssued, first);
    await handled(first.eventId);

    // The processed-event mark commits with whatever the handler sent: nothing more can come of it.
    expect(await finalResponsesOf(complaintId)).toEqual([{ cause_event_id: review.eventId }]);
    const letters = await lettersTo(email);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toContain('手续费亦应退还');

    // A later round than the latest sent is the customer's answer, as ever.
    const second = issued(complaintId, caseId, ticketNumber, 2, '第二次核查维持上述结论。');
    await deliver(Events.CaseResponseIssued, second);
    await handled(second.eventId);
    expect(await finalResponsesOf(complaintId)).toEqual([{ cause_event_id: review.eventId }, { cause_event_id: second.eventId }]);
    expect(await lettersTo(email)).toEqual([expect.stringContaining('手续费亦应退还'), expect.stringContaining('第二次核查维持上述结论')]);
  });

  it('finalResponse_issuedBeforeAReopening_deliveredAfterTheOneThatFollowedIt_sendsNoSecondLetter', async () => {
    const email = `li-${randomUUID().slice(0, 6)}@example.com`;
    const { complaintId, ticketNumber, caseId } = await fileFor(email);
    // A reopening keeps the round: only the moment of issue tells the responses apart.
    const beforeReopening = issued(complaintId, caseId, ticketNumber, 0, '经核查，扣费符合合同约定。');
    await eventually(() => Date.now() > Date.parse(beforeReopening.payload.issuedAt) || null, { what: 'a later moment of issue' });
    const afterReopening = issued(complaintId, caseId, ticketNumber, 0, '根据您补充的流水，扣费有误，已予退还。');

    await deliver(Events.CaseResponseIssued, afterReopening);
    await handled(afterReopening.eventId);
    await deliver(Events.CaseResponseIssued, beforeReopening);
    await handled(beforeReopening.eventId);

    expect(await finalResponsesOf(complaintId)).toEqual([{ cause_event_id: afterReopening.eventId }]);
    expect(await lettersTo(email)).toEqual([expect.stringContaining('扣费有误，已予退还')]);
  });

  const reopening = (complaintId: string, caseId: string) =>
    envelopeOf(Events.CaseReopenedV1, complaintId, { caseId, reason: '客户补充了新的交易流水，需重新核实', reopenedBy: 'sup-1' }, 'investigation');
  const after = (instant: string) => eventually(() => Date.now() > Date.parse(instant) || null, { what: `a moment after ${instant}` });

  it('finalResponse_issuedBeforeAReopening_deliveredAfterTheReopening_sendsNoLetter_butTheResponseAfterItGoes', async () => {
    const email = `zhao-${randomUUID().slice(0, 6)}@example.com`;
    const { complaintId, ticketNumber, caseId } = await fileFor(email);
    // Issued, then dead-lettered here; the case was reopened, and the reopening was handled before the replay.
    const voided = issued(complaintId, caseId, ticketNumber, 0, '经核查，扣费符合合同约定。');
    await after(voided.payload.issuedAt);
    const reopened = reopening(complaintId, caseId);
    await deliver(Events.CaseReopenedV1, reopened);
    await handled(reopened.eventId);

    await deliver(Events.CaseResponseIssued, voided);
    await handled(voided.eventId);
    expect(await finalResponsesOf(complaintId)).toEqual([]);
    expect(await lettersTo(email)).toEqual([]);

    await after(reopened.occurredAt);
    const afterReopening = issued(complaintId, caseId, ticketNumber, 0, '根据您补充的流水，扣费有误，已予退还。');
    await deliver(Events.CaseResponseIssued, afterReopening);
    await handled(afterReopening.eventId);
    expect(await finalResponsesOf(complaintId)).toEqual([{ cause_event_id: afterReopening.eventId }]);
    expect(await lettersTo(email)).toEqual([expect.stringContaining('扣费有误，已予退还')]);
  });

  it('finalResponse_alreadySent_replayedAfterAReopening_sendsNoSecondLetter', async () => {
    const email = `sun-${randomUUID().slice(0, 6)}@example.com`;
    const { complaintId, ticketNumber, caseId } = await fileFor(email);
    const first = issued(complaintId, caseId, ticketNumber, 0, '经核查，扣费符合合同约定。');
    await deliver(Events.CaseResponseIssued, first);
    await handled(first.eventId);
    await after(first.payload.issuedAt);
    const reopened = reopening(complaintId, caseId);
    await deliver(Events.CaseReopenedV1, reopened);
    await handled(reopened.eventId);

    // The same response as a new record, once its processed-event mark was pruned.
    const replayed = { ...first, eventId: randomUUID() };
    await deliver(Events.CaseResponseIssued, replayed);
    await handled(replayed.eventId);
    expect(await finalResponsesOf(complaintId)).toEqual([{ cause_event_id: first.eventId }]);
    expect(await lettersTo(email)).toEqual([expect.stringContaining('扣费符合合同约定')]);
  });
});
