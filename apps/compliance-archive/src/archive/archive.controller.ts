import { Controller, Get, Param, ParseUUIDPipe, Req } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { EventEnvelope, Events, NotificationSent } from '@complaints/contracts';
import { ANY_EVENT, EventContext } from '@complaints/messaging';
import { ArchiveEntry } from './archive-entry.entity';
import { canonicalJson, chainHash, verifyChain } from './hash-chain';
import { Allow, AuthenticatedRequest, StaffAuditTrail } from '@complaints/platform';

@ApiTags('archive')
@Controller('v1/archive')
export class ComplianceArchive {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: StaffAuditTrail,
  ) {}

  /** Every event of every topic is appended to the hash chain, exactly once. */
  @EventPattern(ANY_EVENT)
  async appendToRecord(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext) {
    const [head]: { seq: string; entry_hash: string }[] = await ctx.manager.query(
      `SELECT seq, entry_hash FROM chain_head FOR UPDATE`,
    );
    const canonical = canonicalJson(event);
    const seq = (BigInt(head.seq) + 1n).toString();
    const entryHash = chainHash(head.entry_hash, canonical);
    await ctx.manager.insert(ArchiveEntry, {
      seq,
      eventId: event.eventId,
      complaintId: event.complaintId,
      eventType: event.type,
      eventVersion: event.version,
      producer: event.producer,
      occurredAt: new Date(event.occurredAt),
      sourceTopic: ctx.position.topic,
      sourcePartition: ctx.position.partition,
      sourceOffset: ctx.position.offset,
      canonical,
      prevHash: head.entry_hash,
      entryHash,
      archivedAt: new Date(),
    });
    await ctx.manager.query(`UPDATE chain_head SET seq = $1, entry_hash = $2`, [seq, entryHash]);
    // The record is complete once the final response has gone out, or once the customer withdrew.
    const finalResponse = event.type === Events.NotificationSent.type && (event.payload as NotificationSent).kind === 'final-response';
    if (finalResponse || event.type === Events.ComplaintWithdrawn.type) {
      await this.sealDossier(ctx, event.complaintId);
    }
  }

  /**
   * Once the final response has gone out, the complaint's record is sealed: one hash over the
   * hashes of its entries, published so the seal itself is part of the record.
   */
  private async sealDossier(ctx: EventContext, complaintId: string): Promise<void> {
    const entries: { seq: string; entry_hash: string }[] = await ctx.manager.query(
      `SELECT seq::text AS seq, entry_hash FROM archive_entries WHERE complaint_id = $1 ORDER BY archive_entries.seq`,
      [complaintId],
    );
    const dossierHash = createHash('sha256').update(entries.map((e) => e.entry_hash).join('\n')).digest('hex');
    await ctx.publish(Events.DossierSealed, {
      dossierId: randomUUID(),
      ticketNumber: await this.ticketNumberOf(ctx.manager, complaintId),
      entries: entries.length,
      lastEntrySeq: Number(entries[entries.length - 1].seq),
      dossierHash,
    });
  }

  private async ticketNumberOf(manager: EntityManager, complaintId: string): Promise<string> {
    const rows: { ticket: string }[] = await manager.query(
      `SELECT (canonical::jsonb -> 'payload' ->> 'ticketNumber') AS ticket FROM archive_entries
        WHERE complaint_id = $1 AND (canonical::jsonb -> 'payload') ? 'ticketNumber' ORDER BY seq LIMIT 1`,
      [complaintId],
    );
    return rows[0]?.ticket ?? 'unknown';
  }

  @Get('complaints/:complaintId')
  @Allow('compliance-officer', 'auditor')
  @ApiOperation({ summary: "A complaint's events, in the order they happened" })
  async complaintRecord(@Param('complaintId', new ParseUUIDPipe()) complaintId: string, @Req() request: AuthenticatedRequest) {
    // The reading is on the record before the record is read.
    await this.dataSource.transaction((manager) => this.audit.record(manager, request, complaintId, 'archive.record-viewed'));
    const entries = await this.dataSource.getRepository(ArchiveEntry).find({
      where: { complaintId },
      order: { occurredAt: 'ASC', seq: 'ASC' },
    });
    return {
      complaintId,
      events: entries.map((e) => {
        const envelope = JSON.parse(e.canonical) as EventEnvelope;
        return {
          seq: Number(e.seq),
          eventId: e.eventId,
          type: e.eventType,
          version: e.eventVersion,
          producer: e.producer,
          occurredAt: envelope.occurredAt,
          correlationId: envelope.correlationId,
          causationId: envelope.causationId,
          payload: envelope.payload,
          entryHash: e.entryHash,
        };
      }),
    };
  }

  @Get('integrity')
  @Allow('compliance-officer', 'auditor', 'administrator')
  @ApiOperation({ summary: 'Recomputes the whole hash chain and names the first entry that does not verify' })
  async integrity() {
    const links = await this.dataSource.query(
      `SELECT seq::text AS seq, canonical, prev_hash AS "prevHash", entry_hash AS "entryHash" FROM archive_entries ORDER BY archive_entries.seq`,
    );
    return { checkedAt: new Date().toISOString(), ...verifyChain(links) };
  }
}
