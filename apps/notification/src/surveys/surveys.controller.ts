import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiOperation, ApiParam, ApiProperty, ApiPropertyOptional, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { CaseClosed, EventEnvelope, Events } from '@complaints/contracts';
import { EventContext } from '@complaints/messaging';
import { Allow, RateLimited, SignedWebhook } from '@complaints/platform';
import { FollowUpSurveys, SmsReplyOutcome } from './follow-up-surveys';
import { MAX_COMMENT_LENGTH, parseSurveyReply } from './sms-reply';
import { statisticsPeriod, SurveyStatistics } from './survey-statistics';

export class SurveyAnswerDto {
  @ApiProperty({ minimum: 1, maximum: 5, description: '1 very dissatisfied, 5 very satisfied' })
  @IsInt()
  @Min(1)
  @Max(5)
  score!: number;

  @ApiPropertyOptional({ maxLength: MAX_COMMENT_LENGTH, description: 'Kept sealed; may hold personal data' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_COMMENT_LENGTH)
  comment?: string;
}

export class SmsReplyDto {
  @ApiProperty({ description: 'The number the reply came from, preferably international (+8613900001111)' })
  @IsString()
  @Matches(/^\+?[0-9 ()-]{5,32}$/, { message: 'from must be a phone number' })
  from!: string;

  @ApiProperty({ maxLength: 1000, example: '4 很满意' })
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  text!: string;
}

/**
 * The follow-up survey (回访): offered when a case closes, answered through its personal link (the
 * bank's app or website posts the answer with the token from the link) or by replying to the text.
 */
@ApiTags('surveys')
@Controller('v1/surveys')
export class SurveysController {
  constructor(private readonly surveys: FollowUpSurveys) {}

  @EventPattern([Events.CaseClosedV1.pattern, Events.CaseClosed.pattern])
  async offerSurvey(@Payload() event: EventEnvelope<CaseClosed>, @Ctx() ctx: EventContext) {
    await this.surveys.offer(ctx, event.payload.caseId);
  }

  @Get('statistics')
  @Allow('compliance-officer', 'auditor', 'approver')
  @ApiOperation({
    summary: 'How the customers rated the handling of their complaints: the follow-up surveys offered in [from, to), answered, by score, satisfied and dissatisfied shares',
    description: 'Counts only: no complaint, customer or comment. A survey counts in the period it was offered (when its case closed).',
  })
  @ApiQuery({ name: 'from', description: 'ISO 8601 instant with offset', schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'to', description: 'ISO 8601 instant with offset, exclusive; at most 400 days after from', schema: { type: 'string', format: 'date-time' } })
  @ApiResponse({ status: 200, type: SurveyStatistics })
  statistics(@Query('from') from?: unknown, @Query('to') to?: unknown): Promise<SurveyStatistics> {
    return this.surveys.statistics(statisticsPeriod(from, to));
  }

  @Post(':token/answers')
  @Allow('channel-adapter', 'customer')
  @RateLimited('lookup')
  @ApiOperation({ summary: "The customer's answer through the survey link: the token in the link is the credential for that survey, once" })
  @ApiParam({ name: 'token', description: 'The last path segment of the survey link' })
  @ApiResponse({ status: 201, description: 'Answered' })
  @ApiResponse({ status: 404, description: 'No survey has this link' })
  @ApiResponse({ status: 409, description: 'The survey has been answered already' })
  @ApiResponse({ status: 410, description: 'The survey no longer takes answers' })
  answerByLink(@Param('token') token: string, @Body() dto: SurveyAnswerDto) {
    return this.surveys.answerByLink(token, { score: dto.score, comment: dto.comment?.trim() || null });
  }

  @Post('sms-replies')
  @SignedWebhook('channel')
  @HttpCode(200)
  @ApiOperation({ summary: "The SMS provider forwards a customer's reply; a score from 1 to 5 and a comment answer their open survey" })
  @ApiResponse({ status: 200, description: 'answered, not-a-score, no-open-survey or already-answered' })
  async answerBySms(@Body() dto: SmsReplyDto): Promise<{ outcome: SmsReplyOutcome }> {
    return { outcome: await this.surveys.answerBySms(dto.from, parseSurveyReply(dto.text)) };
  }
}
