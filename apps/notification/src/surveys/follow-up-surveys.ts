import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Events } from '@complaints/contracts';
import { EventContext, OutboxPublisher } from '@complaints/messaging';
import { FieldCipher, ProblemException } from '@complaints/platform';
import { CustomerDelivery, FIELD_CIPHER, stableMessageId } from '../delivery/customer-delivery';
import { renderMessage } from '../templates/message-catalogue';
import { normalisePhone, phoneCandidates, SurveyReply } from './sms-reply';
import { SurveyStatistics, surveyStatistics } from './survey-statistics';

export const SURVEY_SETTINGS = Symbol('SURVEY_SETTINGS');

export interface SurveySettings {
  /** Where the customer opens the survey; the token is appended as the last path segment. */
  linkBase: string;
  /** How long a survey takes answers. */
  answerDays: number;
  /** A score at or below this opens a review of the case's handling. */
  reviewThreshold: number;
}

/** A placeholder: deployments set SURVEY_LINK_BASE_URL to the page of their app or website that collects the answer. */
export const DEFAULT_SURVEY_LINK_BASE = 'https://complaints.example/survey';

/** SURVEY_LINK_BASE_URL, SURVEY_ANSWER_DAYS (default 30), SURVEY_REVIEW_THRESHOLD (default 2, 1 to 5). */
export function surveySettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SurveySettings {
  const raw = env.SURVEY_LINK_BASE_URL?.trim() || DEFAULT_SURVEY_LINK_BASE;
  let linkBase: string;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http');
    linkBase = url.toString().replace(/\/+$/, '');
  } catch {
    throw new Error(`SURVEY_LINK_BASE_URL is not an http(s) URL: ${raw}`);
  }
  const answerDays = Number(env.SURVEY_ANSWER_DAYS ?? 30);
  if (!Number.isInteger(answerDays) || answerDays < 1 || answerDays > 366) throw new Error(`SURVEY_ANSWER_DAYS must be a whole number of days from 1 to 366, got "${env.SURVEY_ANSWER_DAYS}"`);
  const reviewThreshold = Number(env.SURVEY_REVIEW_THRESHOLD ?? 2);
  if (!Number.isInteger(reviewThreshold) || reviewThreshold < 1 || reviewThreshold > 5) {
    throw new Error(`SURVEY_REVIEW_THRESHOLD must be a whole score from 1 to 5, got "${env.SURVEY_REVIEW_THRESHOLD}"`);
  }
  return { linkBase, answerDays, reviewThreshold };
}

/** The link's token: 24 hex digits, HMAC-derived from the survey id with the platform's pseudonym key. */
export const SURVEY_TOKEN = /^[0-9a-f]{24}$/;

const PROBLEMS = 'https://complaints.example/problems/';

interface SurveyRow {
  id: string;
  case_id: string;
  complaint_id: string;
  expires_at: Date;
  answered_at: Date | null;
}

export type SmsReplyOutcome = 'answered' | 'not-a-score' | 'no-open-survey' | 'already-answered';

/**
 * The follow-up survey (回访): offered once per closed case over the customer's channel, with a
 * personal link and, when it goes by text message, the invitation to reply with a score. An answer
 * (by link or by text) is taken once; its comment is sealed at rest and in the event; a low score
 * also opens a review of how the case was handled, in the same transaction.
 */
@Injectable()
export class FollowUpSurveys {
  private readonly logger = new Logger('FollowUpSurveys');

  constructor(
    private readonly dataSource: DataSource,
    private readonly delivery: CustomerDelivery,
    private readonly publisher: OutboxPublisher,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
    @Inject(SURVEY_SETTINGS) private readonly settings: SurveySettings,
  ) {}

  /**
   * The token in the survey's link. Derived rather than random so that a retried event sends the
   * very link the first attempt may already have delivered; only its hash is stored.
   */
  tokenOf(surveyId: string): string {
    return this.cipher.pseudonym('survey-link', surveyId).slice('survey-link_'.length);
  }

  /** The case is closed: the customer is asked how we did, once per case however often the closure is announced. */
  async offer(ctx: EventContext, caseId: string): Promise<void> {
    // Without the preferences the event fails, to be replayed once complaint.received is handled,
    // rather than the survey being skipped for good (CustomerDelivery.preferenceOf).
    const preference = await this.delivery.preferenceOf(ctx.manager, ctx.envelope.complaintId, 'follow-up survey');
    if (!preference.ticketNumber) {
      // Only preferences recorded before the ticket number was kept with them lack it.
      this.logger.warn(`case ${caseId} closed, but complaint ${ctx.envelope.complaintId} has no ticket number on record: no survey`);
      return;
    }
    const surveyId = stableMessageId(caseId, 'follow-up-survey');
    const token = this.tokenOf(surveyId);
    const to = this.delivery.recipientOf(preference);
    const phone = to.phone ? normalisePhone(to.phone, preference.regime) : null;
    const phoneHash = phone ? this.cipher.pseudonym('phone', phone) : null;
    // Replies by text are invited only when the survey goes by text, to a number we can match.
    const smsReplies = phoneHash !== null && this.delivery.planFor(preference, to)[0] === 'sms';
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.settings.answerDays * 86_400_000);
    const opened: unknown[] = await ctx.manager.query(
      `INSERT INTO follow_up_surveys (id, case_id, complaint_id, message_id, token_hash, phone_hash, sms_replies, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (case_id) DO NOTHING RETURNING id`,
      [surveyId, caseId, ctx.envelope.complaintId, stableMessageId(surveyId, 'survey'), sha256(token), phoneHash, smsReplies, now, expiresAt],
    );
    if (opened.length === 0) return;
    const rendered = renderMessage('survey', preference.language, {
      ticketNumber: preference.ticketNumber,
      regime: preference.regime,
      surveyUrl: `${this.settings.linkBase}/${token}`,
      answerBy: expiresAt.toISOString(),
      smsReplyHint: smsReplies,
    });
    await this.delivery.send(ctx, 'survey', rendered, preference, { onceFor: surveyId });
  }

  /** An answer through the survey's link: the token is the credential, for that survey only, once. */
  answerByLink(token: string, reply: SurveyReply, now: Date = new Date()): Promise<{ surveyId: string; score: number; answeredAt: string }> {
    const notFound = () =>
      new ProblemException({ type: `${PROBLEMS}not-found`, title: 'Not found', status: 404, detail: 'no survey has this link' });
    if (!SURVEY_TOKEN.test(token)) return Promise.reject(notFound());
    return this.dataSource.transaction(async (manager) => {
      const [survey]: SurveyRow[] = await manager.query(
        `SELECT id, case_id, complaint_id, expires_at, answered_at FROM follow_up_surveys WHERE token_hash = $1 FOR UPDATE`,
        [sha256(token)],
      );
      if (!survey) throw notFound();
      await this.answer(manager, survey, reply, 'link', now);
      return { surveyId: survey.id, score: reply.score, answeredAt: now.toISOString() };
    });
  }

  /**
   * A text message from the SMS provider: the score and comment read from it, matched to the most
   * recent open survey sent by text to that number, by the keyed hash of the number.
   */
  async answerBySms(from: string, reply: SurveyReply | null, now: Date = new Date()): Promise<SmsReplyOutcome> {
    if (!reply) return 'not-a-score';
    const hashes = phoneCandidates(from).map((p) => this.cipher.pseudonym('phone', p));
    if (hashes.length === 0) return 'no-open-survey';
    return this.dataSource.transaction(async (manager) => {
      const [survey]: SurveyRow[] = await manager.query(
        `SELECT id, case_id, complaint_id, expires_at, answered_at FROM follow_up_surveys
          WHERE phone_hash = ANY($1) AND sms_replies AND answered_at IS NULL AND expires_at > $2
          ORDER BY created_at DESC LIMIT 1 FOR UPDATE`,
        [hashes, now],
      );
      if (!survey) return 'no-open-survey';
      // Another reply may have answered it while this one waited for the lock.
      if (survey.answered_at) return 'already-answered';
      await this.answer(manager, survey, reply, 'sms', now);
      return 'answered';
    });
  }

  private async answer(manager: EntityManager, survey: SurveyRow, reply: SurveyReply, via: 'link' | 'sms', now: Date): Promise<void> {
    if (survey.answered_at) {
      throw new ProblemException({ type: `${PROBLEMS}survey-answered`, title: 'Conflict', status: 409, detail: 'this survey has been answered already' });
    }
    if (survey.expires_at <= now) {
      throw new ProblemException({ type: `${PROBLEMS}survey-expired`, title: 'Gone', status: 410, detail: 'this survey no longer takes answers' });
    }
    const comment = reply.comment?.trim() ? this.cipher.encrypt(reply.comment.trim()) : null;
    const reviewOpened = reply.score <= this.settings.reviewThreshold;
    await manager.query(
      `UPDATE follow_up_surveys SET answered_at = $2, answered_via = $3, score = $4, comment_sealed = $5, review_opened = $6 WHERE id = $1`,
      [survey.id, now, via, reply.score, comment, reviewOpened],
    );
    await this.publisher.publish(manager, Events.SurveyAnswered, survey.complaint_id, {
      surveyId: survey.id,
      caseId: survey.case_id,
      score: reply.score,
      comment,
      via,
      answeredAt: now.toISOString(),
    });
    if (reviewOpened) {
      await this.publisher.publish(manager, Events.SurveyReviewOpened, survey.complaint_id, {
        surveyId: survey.id,
        caseId: survey.case_id,
        score: reply.score,
        threshold: this.settings.reviewThreshold,
      });
    }
    this.logger.log(`survey ${survey.id} answered by ${via} with ${reply.score}${reviewOpened ? ': review opened' : ''}`);
  }

  /** The surveys offered in `[from, to)`, counted (`surveyStatistics`); nothing personal is read. */
  async statistics(period: { from: Date; to: Date }, now: Date = new Date()): Promise<SurveyStatistics> {
    const [row]: Record<string, number>[] = await this.dataSource.query(
      `SELECT count(*)::int AS offered,
              count(*) FILTER (WHERE answered_at IS NOT NULL)::int AS answered,
              count(*) FILTER (WHERE score = 1)::int AS s1, count(*) FILTER (WHERE score = 2)::int AS s2,
              count(*) FILTER (WHERE score = 3)::int AS s3, count(*) FILTER (WHERE score = 4)::int AS s4,
              count(*) FILTER (WHERE score = 5)::int AS s5,
              count(*) FILTER (WHERE answered_via = 'link')::int AS via_link,
              count(*) FILTER (WHERE answered_via = 'sms')::int AS via_sms,
              count(*) FILTER (WHERE review_opened)::int AS reviews_opened,
              count(*) FILTER (WHERE answered_at IS NULL AND expires_at <= $3)::int AS expired
         FROM follow_up_surveys WHERE created_at >= $1 AND created_at < $2`,
      [period.from, period.to, now],
    );
    return surveyStatistics(period, {
      offered: row.offered,
      answered: row.answered,
      scores: [row.s1, row.s2, row.s3, row.s4, row.s5],
      viaLink: row.via_link,
      viaSms: row.via_sms,
      reviewsOpened: row.reviews_opened,
      expired: row.expired,
    });
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
