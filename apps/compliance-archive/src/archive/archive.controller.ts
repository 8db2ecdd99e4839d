import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { EventEnvelope, Events } from '@complaints/contracts';
import { ANY_EVENT, EventContext } from '@complaints/messaging';
import { ArchiveEntry } from './archive-entry.entity';
import { ChainWriter } from './chain-writer';
import { canonicalJson, ChainHead, ChainLink, EntryColumns, GENESIS_HASH, verifyChain } from './hash-chain';
import { Allow, AuthenticatedRequest, ProblemException, StaffAuditTrail, UuidParameterPipe } from '@complaints/platform';
import { ParseSeqPipe } from './seq-query.pipe';
import { composeDossier, Dossier, DossierEntry } from '../dossier/compose-dossier';
import { renderDossierPdf } from '../dossier/render-dossier-pdf';
import { readCheckpointCoverage } from '../dossier/checkpoint-coverage';
import { OUTSIDE_THE_SEAL, STANDING_EVENTS, StandingEvent, standingOf } from '../dossier/record-standing';
import { RETRIEVAL_PURPOSES, RetrievalLog, retrievalFilter, RETRIEVALS_PER_PAGE, StatedPurpose, statedPurpose } from '../dossier/retrieval';
import { CheckpointsService } from '../checkpoints/checkpoints.service';
import { SubjectKeys } from '../retention/subject-keys';
import { personalDataViewFor } from '../retention/personal-data-view';
import { holdsRecordOf, noRecordOf } from './complaint-on-record';

/** The bundle format tools/archive-verify reads; a change to its meaning takes a new version. */
export const BUNDLE_FORMAT = 'complaints-archive-bundle@1';

/** Entries per bundle: a larger archive is exported in consecutive ranges. */
export function exportLimitFromEnv(env: NodeJS.ProcessEnv = process.env): bigint {
  const raw = env.ARCHIVE_EXPORT_MAX_ENTRIES ?? '10000';
  if (!/^[1-9][0-9]{0,6}$/.test(raw)) throw new Error(`ARCHIVE_EXPORT_MAX_ENTRIES must be a whole number from 1 to 9999999, got ${raw}`);
  return BigInt(raw);
}

export interface BundleEntry {
  seq: number;
  canonical: string;
  prevHash: string;
  entryHash: string;
}

export interface ArchiveBundle {
  format: typeof BUNDLE_FORMAT;
  exportedAt: string;
  fromSeq: number;
  toSeq: number;
  /** The hash the first entry links to: the genesis hash when the range starts at seq 1. */
  anchorHash: string | null;
  entries: BundleEntry[];
}

/** Every retrieval of a complaint's record states why (docs/archive.md, "Retrievals"). */
const PurposeHeaders = () => (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
  ApiHeader({ name: 'X-Retrieval-Purpose', required: true, description: 'why the record is retrieved', schema: { type: 'string', enum: [...RETRIEVAL_PURPOSES] } })(target, key, descriptor);
  ApiHeader({ name: 'X-Retrieval-Reference', required: false, description: 'the case or letter number behind the retrieval: at most 100 of [A-Za-z0-9 ._:/-]', schema: { type: 'string', maxLength: 100 } })(target, key, descriptor);
};

const problem = (status: 400 | 404, title: string, detail: string) =>
  new ProblemException({ type: `https://complaints.example/problems/${status === 400 ? 'validation' : 'not-found'}`, title, status, detail });

@ApiTags('archive')
@Controller('v1/archive')
export class ComplianceArchive {
  /** Read at start-up, so a wrong setting stops the service instead of failing each export. */
  private readonly exportLimit = exportLimitFromEnv();

  /** Who retrieved which complaint's record, when and why: a plain class, so the module needs no provider. */
  private readonly retrievals: RetrievalLog;

  constructor(
    private readonly dataSource: DataSource,
    audit: StaffAuditTrail,
    private readonly checkpoints: CheckpointsService,
    private readonly subjectKeys: SubjectKeys,
  ) {
    this.retrievals = new RetrievalLog(audit);
  }

  /** Every event of every topic is appended to the hash chain, exactly once. */
  @EventPattern(ANY_EVENT)
  async appendToRecord(@Payload() event: EventEnvelope, @Ctx() ctx: EventContext) {
    const chain = await ChainWriter.of(ctx);
    // Personal text is sealed under the customer's key first: the chain hashes the sealed form, so erasing the key keeps it verifiable.
    chain.append(ctx, canonicalJson(await this.subjectKeys.seal(ctx.manager, event)));
    // Readings, holds and the seals themselves join a sealed record without leaving its seal short.
    if (OUTSIDE_THE_SEAL.includes(event.type)) return;
    const due = await ctx.transaction.memo('archive:seals-due', async () => {
      const complaints = new Map<string, EventContext>();
      // Registered after the chain writer's: by then every entry of the transaction is written.
      ctx.transaction.beforeCommit(() => this.sealClosedRecords(chain, complaints));
      return complaints;
    });
    // The complaint's last event in the transaction is the seal's cause.
    due.set(event.complaintId.toLowerCase(), ctx);
  }

  /**
   * Seals the record of every complaint an event of the transaction belongs to, if that complaint
   * stands closed (answered or withdrawn, not reopened since). The final response or the
   * withdrawal completes the record; whatever of the complaint's own arrives after it (a decision
   * on a topic running behind, a delivery receipt, a payout) is sealed again, so the newest seal
   * always covers every event of the complaint but staff actions and seals. A reopened complaint
   * is not sealed until it is answered again. Once per complaint per transaction.
   */
  private async sealClosedRecords(chain: ChainWriter, complaints: Map<string, EventContext>): Promise<void> {
    if (complaints.size === 0) return;
    await chain.flush();
    const [first] = complaints.values();
    const rows: { complaintId: string; seq: string; type: string; occurredAt: Date; payload: StandingEvent['payload'] }[] = await first.manager.query(
      `SELECT complaint_id::text AS "complaintId", seq::text AS seq, event_type AS type, occurred_at AS "occurredAt",
              jsonb_build_object('kind', canonical::jsonb -> 'payload' -> 'kind', 'withdrawnAt', canonical::jsonb -> 'payload' -> 'withdrawnAt') AS payload
         FROM archive_entries WHERE complaint_id = ANY($1::uuid[]) AND event_type = ANY($2)`,
      [[...complaints.keys()], STANDING_EVENTS],
    );
    for (const [complaintId, ctx] of complaints) {
      const events = rows.filter((r) => r.complaintId === complaintId).map((r) => ({ ...r, seq: Number(r.seq) }));
      if (standingOf(events).closed) await this.sealDossier(ctx, complaintId);
    }
  }

  /** The complaint's record so far, sealed: one hash over the hashes of its entries, published so the seal itself is part of the record. */
  private async sealDossier(ctx: EventContext, complaintId: string): Promise<void> {
    const entries: { seq: string; entry_hash: string }[] = await ctx.manager.query(
      `SELECT seq::text AS seq, entry_hash FROM archive_entries WHERE complaint_id = $1 ORDER BY archive_entries.seq`,
      [complaintId],
    );
    const dossierHash = createHash('sha256').update(entries.map((e) => e.entry_hash).join('\n')).digest('hex');
    await ctx.publish(
      Events.DossierSealed,
      {
        dossierId: randomUUID(),
        // The seal must name a ticket; one whose ticketed events have not arrived yet is sealed all the same.
        ticketNumber: (await this.ticketNumberOf(ctx.manager, complaintId)) ?? 'unknown',
        entries: entries.length,
        lastEntrySeq: Number(entries[entries.length - 1].seq),
        dossierHash,
      },
      complaintId,
    );
  }

  private async ticketNumberOf(manager: EntityManager, complaintId: string): Promise<string | null> {
    const rows: { ticket: string }[] = await manager.query(
      `SELECT (canonical::jsonb -> 'payload' ->> 'ticketNumber') AS ticket FROM archive_entries
        WHERE complaint_id = $1 AND (canonical::jsonb -> 'payload') ? 'ticketNumber' ORDER BY seq LIMIT 1`,
      [complaintId],
    );
    return rows[0]?.ticket ?? null;
  }

  @Get('complaints/:complaintId')
  @Allow('compliance-officer', 'auditor')
  @PurposeHeaders()
  @ApiOperation({
    summary:
      "A complaint's events, in the order they happened; the retrieval and its purpose are put on the record first. Personal data in clear for compliance officers, masked for auditors",
  })
  async complaintRecord(@Param('complaintId', UuidParameterPipe) complaintId: string, @Req() request: AuthenticatedRequest) {
    const stated = statedPurpose(request.headers);
    // The reading is on the record before the record is read, in the same transaction.
    const entries = await this.dataSource.transaction(async (manager) => {
      // Nothing was retrieved, so nothing goes on the record: a reading would make the id look like a complaint.
      if (!(await holdsRecordOf(manager, complaintId))) throw noRecordOf();
      await this.retrievals.record(manager, request, stated, {
        action: 'archive.record-viewed',
        complaintId,
        ticketNumber: await this.ticketNumberOf(manager, complaintId),
      });
      const found = await manager.getRepository(ArchiveEntry).find({ where: { complaintId }, order: { occurredAt: 'ASC', seq: 'ASC' } });
      const envelopes = found.map((e) => JSON.parse(e.canonical) as EventEnvelope);
      return { found, open: await this.subjectKeys.openerFor(manager, envelopes, personalDataViewFor(request.principal)) };
    });
    return {
      complaintId,
      events: entries.found.map((e) => {
        // Sealed fields read as they were (masked for roles that do not see personal data), or as the erasure marker once the customer's key is destroyed.
        const envelope = entries.open(JSON.parse(e.canonical) as EventEnvelope);
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

  @Get('complaints/:complaintId/dossier')
  @Allow('compliance-officer', 'auditor')
  @PurposeHeaders()
  @ApiOperation({
    summary: "The complaint's sealed dossier: timeline, decisions, remedies, letters, staff actions, entry hashes, integrity and the dossier hash; personal data masked for auditors",
  })
  async dossier(@Param('complaintId', UuidParameterPipe) complaintId: string, @Req() request: AuthenticatedRequest): Promise<Dossier> {
    const stated = statedPurpose(request.headers);
    return this.dataSource.transaction((manager) => this.retrieveDossier(manager, request, stated, complaintId, 'archive.dossier-viewed'));
  }

  @Get('complaints/:complaintId/dossier.pdf')
  @Allow('compliance-officer', 'auditor')
  @PurposeHeaders()
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'The sealed dossier as an A4 PDF (Chinese and English, Noto Sans SC embedded), for regulators and courts; personal data masked for auditors' })
  async dossierPdf(
    @Param('complaintId', UuidParameterPipe) complaintId: string,
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
  ): Promise<void> {
    const stated = statedPurpose(request.headers);
    // Rendered before the transaction commits: the retrieval is on the record only if the PDF exists.
    const { pdf, ticket } = await this.dataSource.transaction(async (manager) => {
      const dossier = await this.retrieveDossier(manager, request, stated, complaintId, 'archive.dossier-downloaded');
      return { pdf: await renderDossierPdf(dossier), ticket: dossier.ticketNumber ?? complaintId };
    });
    response
      .status(200)
      .set({
        'content-type': 'application/pdf',
        'content-disposition': `attachment; filename="dossier-${ticket.replace(/[^A-Za-z0-9-]/g, '')}.pdf"`,
        'cache-control': 'no-store',
      })
      .send(pdf);
  }

  /** Reads the complaint's entries, puts the retrieval on the record and composes the dossier, in the caller's transaction. */
  private async retrieveDossier(manager: EntityManager, request: AuthenticatedRequest, stated: StatedPurpose, complaintId: string, action: string): Promise<Dossier> {
    // One statement, so the head and the entries around the complaint's are read in one snapshot.
    const entries: Required<DossierEntry>[] = await manager.query(
      `SELECT e.seq::text AS seq, e.canonical, e.prev_hash AS "prevHash", e.entry_hash AS "entryHash",
              CASE WHEN e.seq = 1 THEN $2 ELSE p.entry_hash END AS "precedingHash",
              CASE WHEN n.seq IS NOT NULL THEN n.prev_hash WHEN e.seq = h.seq THEN h.entry_hash END AS "followingHash"
         FROM archive_entries e CROSS JOIN chain_head h
         LEFT JOIN archive_entries p ON p.seq = e.seq - 1
         LEFT JOIN archive_entries n ON n.seq = e.seq + 1
        WHERE e.complaint_id = $1 ORDER BY e.seq`,
      [complaintId, GENESIS_HASH],
    );
    if (!(await holdsRecordOf(manager, complaintId))) throw noRecordOf();
    const open = await this.subjectKeys.openerFor(manager, entries.map((e) => JSON.parse(e.canonical) as EventEnvelope), personalDataViewFor(request.principal));
    const checkpoints = await readCheckpointCoverage(manager, entries.map((e) => e.seq), this.checkpoints.knownKeys());
    // Integrity and hashes are computed from the entries as stored; only what the dossier quotes is opened, and masked for the reader.
    const dossier = composeDossier(complaintId, entries, open, checkpoints);
    await this.retrievals.record(manager, request, stated, { action, complaintId, ticketNumber: dossier.ticketNumber });
    return dossier;
  }

  @Get('retrievals')
  @Allow('auditor', 'compliance-officer')
  @ApiOperation({ summary: `Who retrieved which complaint's record, when and why; newest first, at most ${RETRIEVALS_PER_PAGE}` })
  @ApiQuery({ name: 'from', required: false, description: 'earliest instant, ISO 8601 with offset', schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'to', required: false, description: 'latest instant, ISO 8601 with offset', schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'actor', required: false, description: 'token subject of the staff member', schema: { type: 'string', maxLength: 200 } })
  async listRetrievals(@Query('from') from?: string, @Query('to') to?: string, @Query('actor') actor?: string) {
    const filter = retrievalFilter({ from, to, actor });
    const { retrievals, truncated } = await this.retrievals.list(this.dataSource.manager, filter);
    return { from: filter.from?.toISOString() ?? null, to: filter.to?.toISOString() ?? null, actor: filter.actor, truncated, retrievals };
  }

  @Get('integrity')
  @Allow('compliance-officer', 'auditor', 'administrator')
  @ApiOperation({ summary: 'Recomputes the whole hash chain, checks the stored columns against each entry\'s text, and names the first entry that does not verify, and why' })
  async integrity() {
    // One snapshot: entries appended meanwhile must not look like entries missing from the end.
    const verdict = await this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const [head]: ChainHead[] = await manager.query(`SELECT seq::text AS seq, entry_hash AS "entryHash" FROM chain_head`);
      const rows: (ChainLink & EntryColumns)[] = await manager.query(
        `SELECT seq::text AS seq, canonical, prev_hash AS "prevHash", entry_hash AS "entryHash",
                complaint_id::text AS "complaintId", event_type AS "eventType", occurred_at AS "occurredAt"
           FROM archive_entries ORDER BY archive_entries.seq`,
      );
      // The columns records are selected and ordered by are checked against the hashed text too.
      const links = rows.map(({ complaintId, eventType, occurredAt, ...link }) => ({ ...link, columns: { complaintId, eventType, occurredAt } }));
      return verifyChain(links, GENESIS_HASH, { firstSeq: '1', head });
    });
    // The signed checkpoints too: a chain rewritten from its start would verify on its own, not against them.
    const checkpoints = await this.checkpoints.verify();
    return { checkedAt: new Date().toISOString(), ...verdict, intact: verdict.intact && checkpoints.intact, chainIntact: verdict.intact, checkpoints };
  }

  /**
   * A range of the chain as a bundle anyone can verify offline with tools/archive-verify. A bulk
   * export hangs off no single complaint, so it goes to the retrieval log with its range and size
   * (archive_retrieval_queries), not to a complaint's staff trail.
   *
   * Only for roles that see personal data in clear: the bundle is the entries as stored, which
   * cannot be masked without breaking their hashes, and entries archived before fields were sealed,
   * or reasons that are never sealed, may still hold some. Auditors verify the chain through
   * /integrity and /checkpoints, and any bundle a compliance officer hands them.
   */
  @Get('export')
  @Allow('compliance-officer')
  @PurposeHeaders()
  @ApiOperation({ summary: 'Exports entries from..to of the hash chain as a bundle that tools/archive-verify checks offline' })
  @ApiQuery({ name: 'from', required: false, description: 'first seq, default 1', schema: { type: 'integer', minimum: 1 } })
  @ApiQuery({ name: 'to', required: false, description: 'last seq, default the newest (at most ARCHIVE_EXPORT_MAX_ENTRIES per bundle)', schema: { type: 'integer', minimum: 1 } })
  async exportBundle(
    @Req() request: AuthenticatedRequest,
    @Query('from', new ParseSeqPipe('from')) from?: string,
    @Query('to', new ParseSeqPipe('to')) to?: string,
  ): Promise<ArchiveBundle> {
    const stated = statedPurpose(request.headers);
    const limit = this.exportLimit;
    const fromSeq = BigInt(from ?? '1');
    if (to !== undefined && BigInt(to) < fromSeq) throw problem(400, 'The request is not valid', `to (${to}) is before from (${fromSeq})`);
    if (to !== undefined && BigInt(to) - fromSeq + 1n > limit) {
      throw problem(400, 'The request is not valid', `at most ${limit} entries per bundle; export the archive in consecutive ranges`);
    }
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const [head]: { seq: string }[] = await manager.query(`SELECT seq::text AS seq FROM chain_head`);
      const headSeq = BigInt(head.seq);
      if (headSeq === 0n) throw problem(404, 'Not found', 'the archive holds no entries yet');
      if (fromSeq > headSeq || (to !== undefined && BigInt(to) > headSeq)) {
        throw problem(404, 'Not found', `the archive holds entries 1 to ${headSeq}`);
      }
      const toSeq = to !== undefined ? BigInt(to) : headSeq - fromSeq + 1n > limit ? fromSeq + limit - 1n : headSeq;
      // As stored, gaps and all: the bundle is evidence, the verifier judges it.
      const rows: { seq: string; canonical: string; prevHash: string; entryHash: string }[] = await manager.query(
        `SELECT seq::text AS seq, canonical, prev_hash AS "prevHash", entry_hash AS "entryHash"
           FROM archive_entries WHERE seq BETWEEN $1 AND $2 ORDER BY archive_entries.seq`,
        [fromSeq.toString(), toSeq.toString()],
      );
      await this.retrievals.recordQuery(manager, request, stated, { filter: { fromSeq: fromSeq.toString(), toSeq: toSeq.toString() }, hits: rows.length });
      return {
        format: BUNDLE_FORMAT,
        exportedAt: new Date().toISOString(),
        fromSeq: Number(fromSeq),
        toSeq: Number(toSeq),
        anchorHash: rows[0]?.prevHash ?? null,
        entries: rows.map((r) => ({ seq: Number(r.seq), canonical: r.canonical, prevHash: r.prevHash, entryHash: r.entryHash })),
      };
    });
  }
}
