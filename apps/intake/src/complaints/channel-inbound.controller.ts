import { Body, Controller, Headers, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CHANNELS } from '@complaints/contracts';
import { ProblemException, RateLimited, SignedWebhook } from '@complaints/platform';
import { ComplaintAcknowledgement } from './complaint-acknowledgement';
import { ComplaintIntake } from './complaint-intake.service';
import { FileComplaintDto } from './file-complaint.dto';

/**
 * Where channel systems that cannot hold our tokens push complaints: each request signed with the
 * channel's secret, fresh and used once. The body is the canonical complaint; a retry with the same
 * channel message id gets the original ticket.
 */
@ApiTags('channels')
@Controller('v1/channels')
export class ChannelInboundController {
  constructor(private readonly intake: ComplaintIntake) {}

  @Post(':channel/inbound')
  @SignedWebhook('channel')
  @RateLimited('intake')
  @ApiOperation({ summary: "A channel's signed push of a complaint" })
  @ApiParam({ name: 'channel', enum: CHANNELS })
  @ApiHeader({ name: 'X-Channel-Message-Id', required: true, description: "The channel's id of this message: a repeat gets the original ticket" })
  @ApiResponse({ status: 201, type: ComplaintAcknowledgement })
  @ApiResponse({ status: 200, type: ComplaintAcknowledgement, description: 'Repeat of an earlier message' })
  async receive(
    @Param('channel') channel: string,
    @Body() dto: FileComplaintDto,
    @Headers('x-channel-message-id') messageId: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ComplaintAcknowledgement> {
    const problems = [];
    if (dto.channel !== channel) problems.push({ path: 'channel', message: `must be "${channel}", the channel this webhook belongs to` });
    if (!messageId || !/^[A-Za-z0-9._:-]{1,128}$/.test(messageId)) {
      problems.push({ path: 'header:X-Channel-Message-Id', message: 'required: 1-128 letters, digits or ._:-' });
    }
    if (problems.length) {
      throw new ProblemException({ type: 'https://complaints.example/problems/validation', title: 'The request is not valid', status: 400, errors: problems });
    }
    const ack = await this.intake.fileComplaint(dto, messageId!);
    res.status(ack.duplicate ? HttpStatus.OK : HttpStatus.CREATED);
    return ack;
  }
}
