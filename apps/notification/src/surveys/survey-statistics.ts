import { ApiProperty } from '@nestjs/swagger';
import { DateTime } from 'luxon';
import { RequestValidationException } from '@complaints/platform';

/** The longest period one request may cover: a regulator's annual return, with room for a fiscal year that starts mid-month. */
const MAX_PERIOD_DAYS = 400;
const WITH_OFFSET = /(?:Z|[+-]\d\d:?\d\d)$/;

/**
 * The period `[from, to)` of `GET /v1/surveys/statistics`: instants in ISO 8601 with their offset
 * (a date alone would be read in the server's zone, not the bank's), read by luxon, which refuses
 * a day that does not exist (2026-02-30) instead of rolling it over.
 */
export function statisticsPeriod(from: unknown, to: unknown): { from: Date; to: Date } {
  const read = (name: string, value: unknown): Date => {
    const parsed = typeof value === 'string' && WITH_OFFSET.test(value) ? DateTime.fromISO(value, { setZone: true }) : null;
    if (!parsed?.isValid) {
      throw new RequestValidationException([{ path: `query:${name}`, message: `${value === undefined ? 'is required' : 'must be'}: an instant in ISO 8601 with its offset, e.g. 2026-11-01T00:00:00%2B08:00` }]);
    }
    return parsed.toJSDate();
  };
  const period = { from: read('from', from), to: read('to', to) };
  if (period.to <= period.from) throw new RequestValidationException([{ path: 'query:to', message: 'must be after from: the period is [from, to)' }]);
  if (period.to.getTime() - period.from.getTime() > MAX_PERIOD_DAYS * 86_400_000) {
    throw new RequestValidationException([{ path: 'query:to', message: `the period is at most ${MAX_PERIOD_DAYS} days` }]);
  }
  return period;
}

/** Counts of the surveys offered in a period, as the database sums them. */
export interface SurveyCounts {
  offered: number;
  answered: number;
  scores: [number, number, number, number, number];
  viaLink: number;
  viaSms: number;
  reviewsOpened: number;
  /** Not answered, and no longer taking answers. */
  expired: number;
}

export class SurveyStatistics {
  @ApiProperty() from!: string;
  @ApiProperty({ description: 'Exclusive' }) to!: string;
  @ApiProperty({ description: 'Surveys offered in the period (one per closed case)' }) offered!: number;
  @ApiProperty() answered!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'answered / offered; null when none was offered' }) responseRate!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Mean score of the answers, 1 very dissatisfied to 5 very satisfied; null without answers' }) averageScore!: number | null;
  @ApiProperty({ description: 'Answers per score, "1" to "5"' }) scores!: Record<'1' | '2' | '3' | '4' | '5', number>;
  @ApiProperty({ type: Number, nullable: true, description: 'Share of the answers scoring 4 or 5 (满意率)' }) satisfiedRate!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Share of the answers scoring 1 or 2' }) dissatisfiedRate!: number | null;
  @ApiProperty({ description: 'Answers low enough to reopen the case for review' }) reviewsOpened!: number;
  @ApiProperty({ description: 'Answers by the survey link and by text reply' }) answeredVia!: { link: number; sms: number };
  @ApiProperty({ description: 'Offered and expired without an answer' }) expired!: number;
  @ApiProperty({ description: 'Offered and still taking answers' }) open!: number;
}

/** Rates to four places, so a report shows 87.5% and not a float's tail. */
const rate = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);

/** What a manager or a regulator's return needs of the follow-up surveys of a period: no complaint and no customer in it. */
export function surveyStatistics(period: { from: Date; to: Date }, c: SurveyCounts): SurveyStatistics {
  const [s1, s2, s3, s4, s5] = c.scores;
  const sum = s1 + 2 * s2 + 3 * s3 + 4 * s4 + 5 * s5;
  return {
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    offered: c.offered,
    answered: c.answered,
    responseRate: rate(c.answered, c.offered),
    averageScore: c.answered === 0 ? null : Math.round((sum / c.answered) * 100) / 100,
    scores: { '1': s1, '2': s2, '3': s3, '4': s4, '5': s5 },
    satisfiedRate: rate(s4 + s5, c.answered),
    dissatisfiedRate: rate(s1 + s2, c.answered),
    reviewsOpened: c.reviewsOpened,
    answeredVia: { link: c.viaLink, sms: c.viaSms },
    expired: c.expired,
    open: c.offered - c.answered - c.expired,
  };
}
