import { Body, Controller, Get, Inject, NotFoundException, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { EVIDENCE_KINDS, Events } from '@complaints/contracts';
import { assertActionAllowed } from '@complaints/domain';
import { Allow, AuthenticatedRequest, FieldCipher, ProblemException, UuidParameterPipe } from '@complaints/platform';
import { CaseWorkflow, event } from '../cases/case-workflow';
import { FIELD_CIPHER } from '../journal/field-cipher.token';
import { assertDepartmentMayHelp } from '../journal/helping-department';
import { evidenceDownloadHeaders } from './evidence-download';
import { EVIDENCE_STORE, EvidenceStore, evidenceKey, sha256Hex } from './storage/evidence-store';

type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export class EvidenceReferenceDto {
  @ApiProperty({ enum: EVIDENCE_KINDS })
  @IsIn(EVIDENCE_KINDS)
  kind!: EvidenceKind;

  @ApiProperty({ example: 'call-centre-recorder', description: 'The system that holds the original' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  sourceSystem!: string;

  @ApiProperty({ example: 'REC-2026-11-20-0931-778', description: 'The original’s id in that system' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reference!: string;

  @ApiProperty({ description: 'SHA-256 of the original as the source system reports it (hex)' })
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 lower-case hex digits' })
  sha256!: string;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  description!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  contentType?: string;
}

const READERS = ['investigator', 'approver', 'compliance-officer'] as const;

/** Who adds evidence to any case; department staff only to the cases their department helps with. */
const EVIDENCE_WRITERS = ['investigator'] as const;

/**
 * The evidence register: references to recordings, transaction logs, CCTV, 双录 sales recordings,
 * questionnaires and documents, each with its SHA-256, source system, who added it and a custody
 * log of every hand it passed through. File bytes go to the evidence store, never into Kafka.
 */
@ApiTags('evidence')
@Controller('v1/cases/:caseId/evidence')
export class EvidenceController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly workflow: CaseWorkflow,
    @Inject(EVIDENCE_STORE) private readonly store: EvidenceStore,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
  ) {}

  private async register(
    manager: EntityManager,
    row: { id: string; caseId: string; kind: EvidenceKind; sourceSystem: string; reference: string | null; description: string; sha256: string; size: number | null; contentType: string | null; storageKey: string | null; addedBy: string; at: Date },
  ) {
    await manager.query(
      `INSERT INTO case_evidence (id, case_id, kind, source_system, reference, description_sealed, sha256, size, content_type, storage_key, added_by, added_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [row.id, row.caseId, row.kind, row.sourceSystem, row.reference, this.cipher.encrypt(row.description), row.sha256, row.size, row.contentType, row.storageKey, row.addedBy, row.at],
    );
    await this.custody(manager, row.id, row.addedBy, row.storageKey ? 'stored' : 'registered', row.storageKey ? `${row.size} bytes, sha256 ${row.sha256}` : `${row.sourceSystem} ${row.reference}`, row.at);
    return event(Events.CaseEvidenceAdded, {
      caseId: row.caseId,
      evidenceId: row.id,
      kind: row.kind,
      sourceSystem: row.sourceSystem,
      sha256: row.sha256,
      size: row.size,
      stored: row.storageKey !== null,
      addedBy: row.addedBy,
    });
  }

  private custody(manager: EntityManager | DataSource, evidenceId: string, actor: string, action: string, detail: string | null, at = new Date()) {
    return manager.query(`INSERT INTO evidence_custody (evidence_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)`, [evidenceId, at, actor, action, detail]);
  }

  @Post()
  @Allow(...EVIDENCE_WRITERS, 'department-staff')
  @ApiOperation({ summary: 'Register evidence held in another system by its reference and SHA-256' })
  addReference(@Param('caseId', UuidParameterPipe) caseId: string, @Body() dto: EvidenceReferenceDto, @Req() request: AuthenticatedRequest) {
    return this.workflow.act(caseId, request, 'case.evidence-added', async (ctx) => {
      await assertDepartmentMayHelp(ctx.manager, ctx.found, request.principal!, EVIDENCE_WRITERS);
      assertActionAllowed(ctx.found.status, 'add-evidence');
      const id = randomUUID();
      const added = await this.register(ctx.manager, {
        id,
        caseId,
        kind: dto.kind,
        sourceSystem: dto.sourceSystem,
        reference: dto.reference,
        description: dto.description,
        sha256: dto.sha256,
        size: null,
        contentType: dto.contentType ?? null,
        storageKey: null,
        addedBy: ctx.actor,
        at: ctx.now,
      });
      return { events: [added], audit: { evidenceId: id, kind: dto.kind }, result: { id, caseId, kind: dto.kind, sha256: dto.sha256, stored: false } };
    });
  }

  @Post('files')
  @Allow(...EVIDENCE_WRITERS, 'department-staff')
  @ApiOperation({ summary: 'Upload a file as evidence (raw bytes as the body); it is stored write-once and registered with its SHA-256' })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiQuery({ name: 'kind', enum: EVIDENCE_KINDS })
  @ApiQuery({ name: 'sourceSystem' })
  @ApiQuery({ name: 'description' })
  @ApiQuery({ name: 'reference', required: false })
  async upload(
    @Param('caseId', UuidParameterPipe) caseId: string,
    @Query('kind') kindParam: string | undefined,
    @Query('sourceSystem') sourceSystem: string | undefined,
    @Query('description') description: string | undefined,
    @Query('reference') reference: string | undefined,
    @Body() body: unknown,
    @Req() request: AuthenticatedRequest,
  ) {
    const query = { kind: kindParam, sourceSystem, description, reference };
    const problems: { path: string; message: string }[] = [];
    const kind = query.kind as EvidenceKind;
    if (!(EVIDENCE_KINDS as readonly string[]).includes(kind ?? '')) problems.push({ path: 'kind', message: `kind must be one of ${EVIDENCE_KINDS.join(', ')}` });
    for (const [name, max] of [['sourceSystem', 100], ['description', 2000]] as const) {
      const v = query[name];
      if (typeof v !== 'string' || !v.trim() || v.length > max) problems.push({ path: name, message: `${name} is required, at most ${max} characters` });
    }
    if (query.reference !== undefined && (typeof query.reference !== 'string' || query.reference.length > 500)) problems.push({ path: 'reference', message: 'reference is at most 500 characters' });
    if (!Buffer.isBuffer(body) || body.length === 0) problems.push({ path: '(body)', message: 'the body must be the file’s bytes' });
    if (problems.length) throw new ProblemException({ type: 'https://complaints.example/problems/validation', title: 'The request is not valid', status: 400, errors: problems });
    const bytes = body as Buffer;
    const contentType = String(request.headers['content-type'] ?? 'application/octet-stream').slice(0, 100);
    const id = randomUUID();
    return this.workflow.act(caseId, request, 'case.evidence-added', async (ctx) => {
      await assertDepartmentMayHelp(ctx.manager, ctx.found, request.principal!, EVIDENCE_WRITERS);
      assertActionAllowed(ctx.found.status, 'add-evidence');
      // Stored before the register row commits: a failed commit leaves an unreferenced object
      // (harmless, never shown), while the reverse order could register bytes that do not exist.
      const stored = await this.store.put(evidenceKey(caseId, id), bytes, contentType);
      const added = await this.register(ctx.manager, {
        id,
        caseId,
        kind,
        sourceSystem: query.sourceSystem!,
        reference: query.reference ?? null,
        description: query.description!,
        sha256: stored.sha256,
        size: stored.size,
        contentType,
        storageKey: stored.key,
        addedBy: ctx.actor,
        at: ctx.now,
      });
      return { events: [added], audit: { evidenceId: id, kind, sha256: stored.sha256 }, result: { id, caseId, kind, sha256: stored.sha256, size: stored.size, stored: true } };
    });
  }

  @Get(':evidenceId/content')
  @Allow(...READERS)
  @ApiOperation({ summary: 'The stored file as a download, checked against its registered SHA-256; every retrieval goes on the custody log' })
  async content(
    @Param('caseId', UuidParameterPipe) caseId: string,
    @Param('evidenceId', UuidParameterPipe) evidenceId: string,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const [row]: { kind: string; sha256: string; content_type: string | null; storage_key: string | null }[] = await this.dataSource.query(
      `SELECT kind, sha256, content_type, storage_key FROM case_evidence WHERE id = $1 AND case_id = $2`,
      [evidenceId, caseId],
    );
    if (!row) throw new NotFoundException(`no evidence ${evidenceId} on case ${caseId}`);
    if (!row.storage_key) throw new NotFoundException(`evidence ${evidenceId} is held in its source system, not here`);
    const actor = request.principal!.subject;
    const found = await this.store.get(row.storage_key);
    const actual = found ? sha256Hex(found.bytes) : null;
    if (!found || actual !== row.sha256) {
      await this.custody(this.dataSource, evidenceId, actor, 'integrity-failed', found ? `sha256 ${actual} differs from the registered ${row.sha256}` : 'the stored file is missing');
      throw new ProblemException({
        type: 'https://complaints.example/problems/evidence-integrity',
        title: 'The stored evidence does not match its register entry',
        status: 409,
        detail: found ? `the file's SHA-256 is ${actual}, the register says ${row.sha256}` : 'the file is missing from the evidence store',
      });
    }
    await this.custody(this.dataSource, evidenceId, actor, 'retrieved', `sha256 verified`);
    for (const [name, value] of Object.entries(evidenceDownloadHeaders({ id: evidenceId, kind: row.kind, contentType: row.content_type }))) res.setHeader(name, value);
    res.setHeader('X-Evidence-SHA256', row.sha256);
    return new StreamableFile(found.bytes);
  }

  @Get(':evidenceId/custody')
  @Allow(...READERS, 'auditor')
  @ApiOperation({ summary: 'The custody log: registered, stored, every retrieval and integrity check, with who and when' })
  async custodyLog(@Param('caseId', UuidParameterPipe) caseId: string, @Param('evidenceId', UuidParameterPipe) evidenceId: string) {
    const [row] = await this.dataSource.query(`SELECT 1 FROM case_evidence WHERE id = $1 AND case_id = $2`, [evidenceId, caseId]);
    if (!row) throw new NotFoundException(`no evidence ${evidenceId} on case ${caseId}`);
    return this.dataSource.query(`SELECT at, actor, action, detail FROM evidence_custody WHERE evidence_id = $1 ORDER BY id`, [evidenceId]);
  }
}

