import { Controller, Get, HttpStatus, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CHANNELS } from '@complaints/contracts';
import { CanonicalComplaint, canonicalProblems, ChannelAdapter, FileComplaintDto, MAX_DESCRIPTION_LENGTH } from '@complaints/intake-adapters';
import { ProblemException, RateLimited, RequestWithRawBody, ServiceMetrics, SignedWebhook } from '@complaints/platform';
import { plainToInstance } from 'class-transformer';
import { ATTACHMENT_STORE, AttachmentStore, isAcceptedMediaType, StoredAttachment } from '../attachments/attachment-store';
import { REPLAY_HEADER, ComplaintAcknowledgement } from './complaint-acknowledgement';
import { ComplaintIntake } from './complaint-intake.service';
import { CHANNEL_ADAPTERS, inboundMessageOf } from './channel-adapters';

const VALIDATION = 'https://complaints.example/problems/validation';

/**
 * Where channels deliver complaints in their own format: the guard has had the channel's adapter
 * verify the signature and spent the nonce; here the adapter maps the payload to the canonical
 * complaint, which is validated like any other, its attachments stored, and filed once per
 * channel message id.
 */
@ApiTags('channels')
@Controller('v1/channels')
export class ChannelInboundController {
  constructor(
    private readonly intake: ComplaintIntake,
    private readonly metrics: ServiceMetrics,
    @Inject(CHANNEL_ADAPTERS) private readonly adapters: Map<string, ChannelAdapter>,
    @Inject(ATTACHMENT_STORE) private readonly attachments: AttachmentStore,
  ) {}

  @Post(':channel/inbound')
  @SignedWebhook('channel')
  @RateLimited('intake')
  @ApiOperation({ summary: "A channel's own payload (form JSON, call record, MIME e-mail, WeChat XML, ...), handed to its adapter" })
  @ApiParam({ name: 'channel', enum: CHANNELS })
  @ApiResponse({ status: 201, type: ComplaintAcknowledgement })
  @ApiResponse({ status: 201, type: ComplaintAcknowledgement, description: `A repeat of an earlier message (same channel message id) gets the original answer and ${'Idempotent-Replayed: true'}` })
  @ApiResponse({ status: 200, description: 'Channels whose protocol wants its own answer get it instead of the JSON (WeChat: "success")' })
  receive(@Param('channel') channel: string, @Req() request: RequestWithRawBody, @Res() res: Response): Promise<void> {
    return this.handle(channel, request, res);
  }

  /** Some channels check the endpoint with a signed GET first (WeChat's URL verification). */
  @Get(':channel/inbound')
  @SignedWebhook('channel')
  @ApiOperation({ summary: "A channel's signed check of the endpoint" })
  @ApiParam({ name: 'channel', enum: CHANNELS })
  check(@Param('channel') channel: string, @Req() request: RequestWithRawBody, @Res() res: Response): Promise<void> {
    return this.handle(channel, request, res);
  }

  private async handle(channel: string, request: RequestWithRawBody, res: Response): Promise<void> {
    const adapter = this.adapters.get(channel)!;
    const message = inboundMessageOf(channel, request);
    if (request.method === 'POST' && !adapter.accepts.includes(message.contentType)) {
      throw new ProblemException({
        type: 'https://complaints.example/problems/unsupported-media-type',
        title: 'Unsupported media type',
        status: 415,
        detail: `channel "${channel}" sends ${adapter.accepts.join(' or ')}, not ${message.contentType || 'no content type'}`,
      });
    }
    const outcome = await adapter.map(message);
    if (outcome.kind === 'reply') {
      res.status(outcome.status).type(outcome.contentType).send(outcome.body);
      return;
    }
    if (outcome.kind === 'refused') {
      this.metrics.requestsRejected.inc({ reason: `adapter-refused:${channel}` });
      throw new ProblemException({
        type: VALIDATION,
        title: 'The request is not valid',
        status: 400,
        detail: outcome.reason,
        errors: [{ path: outcome.path ?? '(body)', message: outcome.reason }],
      });
    }
    // A file of a type we do not keep must not cost the customer their complaint: it is left out,
    // and the description says so, so the handler can ask for it another way.
    const accepted = outcome.uploads.filter((u) => isAcceptedMediaType(u.mediaType));
    const refusedFiles = outcome.uploads.filter((u) => !isAcceptedMediaType(u.mediaType));
    if (refusedFiles.length) {
      const note = `\n\n[${refusedFiles.map((u) => `${u.fileName ?? 'unnamed'} (${u.mediaType})`).join(', ')}: not kept, file type not accepted]`;
      outcome.complaint.description = (outcome.complaint.description.slice(0, MAX_DESCRIPTION_LENGTH - note.length) + note).slice(0, MAX_DESCRIPTION_LENGTH);
    }
    // The complaint as it will be filed, the references of its attachments included (the store names
    // bytes by their content), is validated and handed to intake before any byte is stored: a message
    // refused for its 21st file, or by intake for its dates, leaves nothing behind in the store.
    const filed = withAttachments(outcome.complaint, accepted.map((u) => this.attachments.describe(u.content, u.mediaType, u.fileName)));
    this.refuseInvalid(channel, filed);
    const dto = plainToInstance(FileComplaintDto, filed);
    const ack = await this.intake.fileComplaint(dto, outcome.messageId, {
      // Bytes first, then the complaint that references them: a crash in between leaves an orphan file, never a dangling reference.
      beforeRecording: async () => {
        for (const upload of accepted) await this.attachments.put(upload.content, upload.mediaType, upload.fileName);
      },
    });
    const { replayed, ...answer } = ack;
    if (replayed) res.setHeader(REPLAY_HEADER, 'true');
    const reply = adapter.acknowledge?.(answer);
    if (reply) {
      res.status(reply.status).type(reply.contentType).send(reply.body);
      return;
    }
    res.status(HttpStatus.CREATED).json(answer);
  }

  private refuseInvalid(channel: string, complaint: CanonicalComplaint): void {
    const problems = canonicalProblems(complaint);
    if (!problems.length) return;
    this.metrics.requestsRejected.inc({ reason: `canonical-invalid:${channel}` });
    throw new ProblemException({ type: VALIDATION, title: 'The request is not valid', status: 400, detail: `the ${channel} message does not make a valid complaint`, errors: problems });
  }
}

function withAttachments(complaint: CanonicalComplaint, attachments: StoredAttachment[]): CanonicalComplaint {
  return attachments.length ? { ...complaint, attachments } : complaint;
}

