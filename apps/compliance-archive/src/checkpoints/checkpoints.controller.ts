import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Allow, ProblemException } from '@complaints/platform';
import { ParseSeqPipe } from '../archive/seq-query.pipe';
import { CheckpointRefused, CheckpointsExport, CheckpointsService } from './checkpoints.service';
import { Checkpoint } from './merkle';

const conflict = (detail: string) =>
  new ProblemException({ type: 'https://complaints.example/problems/conflict', title: 'The checkpoint cannot be made', status: 409, detail });

/** Signed checkpoints of the hash chain: exported for publication, verified, cut on demand. */
@ApiTags('archive')
@Controller('v1/archive/checkpoints')
export class ArchiveCheckpoints {
  constructor(private readonly checkpoints: CheckpointsService) {}

  @Get()
  @Allow('compliance-officer', 'auditor', 'administrator')
  @ApiOperation({ summary: 'The signed checkpoints and the public keys to check them, for the bank to publish outside its own systems' })
  @ApiQuery({ name: 'after', required: false, description: 'only checkpoints ending after this seq (the seqTo of the last one already held)', schema: { type: 'integer', minimum: 1 } })
  exportCheckpoints(@Query('after', new ParseSeqPipe('after')) after?: string): Promise<CheckpointsExport> {
    return this.checkpoints.exportCheckpoints(after);
  }

  @Get('verify')
  @Allow('compliance-officer', 'auditor', 'administrator')
  @ApiOperation({ summary: 'Recomputes every checkpoint from the stored entries, checks signatures and the checkpoint chain, names the first that fails' })
  async verify() {
    const verdict = await this.checkpoints.verify();
    return { checkedAt: new Date().toISOString(), enabled: this.checkpoints.enabled, ...verdict };
  }

  /** Cuts the pending entries into checkpoints now (at most ARCHIVE_CHECKPOINT_EVERY entries each), e.g. before an export. */
  @Post()
  @HttpCode(200)
  @Allow('administrator', 'compliance-officer')
  @ApiOperation({ summary: 'Signs checkpoints over every entry since the last one, now; body empty or {}' })
  async cutNow(@Body() body: unknown): Promise<{ created: Checkpoint[] }> {
    if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).length > 0)) {
      throw new ProblemException({
        type: 'https://complaints.example/problems/validation',
        title: 'The request is not valid',
        status: 400,
        detail: 'this request takes no body, or an empty JSON object',
      });
    }
    if (!this.checkpoints.enabled) throw conflict('checkpoints are disabled: ARCHIVE_SIGNING_KEY is not set');
    const created: Checkpoint[] = [];
    try {
      // Bounded: each round cuts up to ARCHIVE_CHECKPOINT_EVERY entries; the rest waits for the scheduler.
      for (let i = 0; i < 100; i++) {
        const made = await this.checkpoints.cutNext('now');
        if (!made) break;
        created.push(made);
      }
    } catch (e) {
      if (e instanceof CheckpointRefused) throw conflict(`the entries to checkpoint do not verify: ${e.message}; see GET /v1/archive/integrity`);
      throw e;
    }
    return { created };
  }
}
