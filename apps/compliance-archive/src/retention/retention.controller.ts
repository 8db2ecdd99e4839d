import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DataSource } from 'typeorm';
import { Allow, AuthenticatedRequest, ProblemException, UuidParameterPipe } from '@complaints/platform';
import { holdsRecordOf, noRecordOf } from '../archive/complaint-on-record';
import { personalDataViewFor } from './personal-data-view';
import { RetentionService } from './retention.service';

/** Free text, not only blanks: why a hold is placed or released. */
const REASON = /^(?=[\s\S]*\S)[\s\S]{1,500}$/;
/** The court, regulator or case number behind a hold: as X-Retrieval-Reference. */
const REFERENCE = /^(?=.*[^ ])[A-Za-z0-9 ._:/-]{1,100}$/;
/** An instant with its offset, to the millisecond. */
const INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,3})?)?(?:Z|[+-]\d\d:\d\d)$/;

export class PlaceLegalHoldDto {
  @ApiProperty({ description: 'Why the record must be kept: litigation, an investigation, a regulator\'s request', maxLength: 500 })
  @IsString()
  @Matches(REASON, { message: 'reason must be 1 to 500 characters, not only blanks' })
  reason!: string;

  @ApiProperty({ description: 'The case, order or letter number behind the hold: 1-100 of A-Z a-z 0-9 space . _ : / -', maxLength: 100 })
  @IsString()
  @Matches(REFERENCE, { message: 'reference must be 1 to 100 of letters, digits, space and . _ : / -' })
  reference!: string;
}

export class ReleaseLegalHoldDto {
  @ApiProperty({ description: 'Why the hold ends', maxLength: 500 })
  @IsString()
  @Matches(REASON, { message: 'reason must be 1 to 500 characters, not only blanks' })
  reason!: string;
}

export class PurgeDto {
  @ApiProperty({ description: 'Erase what is due as of this instant (ISO 8601 with offset, not in the future): stated, never implied, since erasure cannot be undone', format: 'date-time' })
  @IsString()
  @MaxLength(40)
  @Matches(INSTANT, { message: 'asOf must be an instant in ISO 8601 with its offset, e.g. 2026-11-23T00:00:00Z' })
  asOf!: string;

  @ApiPropertyOptional({ description: 'The approval or batch run behind the purge: 1-100 of A-Z a-z 0-9 space . _ : / -', maxLength: 100 })
  @IsOptional()
  @IsString()
  @Matches(REFERENCE, { message: 'reference must be 1 to 100 of letters, digits, space and . _ : / -' })
  reference?: string;
}

const invalid = (path: string, message: string) =>
  new ProblemException({ type: 'https://complaints.example/problems/validation', title: 'The request is not valid', status: 400, detail: `${path.split(':')[1]} ${message}`, errors: [{ path, message }] });

function instant(path: string, value: unknown): Date | null {
  if (value === undefined) return null;
  const date = typeof value === 'string' && INSTANT.test(value) ? new Date(value) : null;
  // new Date rolls 2026-02-30 over into March: the calendar date must exist as written.
  const [y, m, d] = typeof value === 'string' ? value.slice(0, 10).split('-').map(Number) : [];
  const probe = new Date(Date.UTC(y, m - 1, d));
  const exists = probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
  if (!date || Number.isNaN(date.getTime()) || !exists) throw invalid(path, 'must be an instant in ISO 8601 with its offset, e.g. 2026-11-23T00:00:00Z (encode + as %2B)');
  return date;
}

@ApiTags('archive')
@Controller('v1/archive')
export class ArchiveRetention {
  constructor(
    private readonly dataSource: DataSource,
    private readonly retention: RetentionService,
  ) {}

  @Get('complaints/:complaintId/legal-holds')
  @Allow('compliance-officer', 'auditor')
  @ApiOperation({ summary: "The complaint's legal holds, active and released; their reasons masked for roles that do not see personal data, and erased with the customer's key" })
  async legalHolds(@Param('complaintId', UuidParameterPipe) complaintId: string, @Req() request: AuthenticatedRequest) {
    const holds = await this.retention.holdsOf(this.dataSource.manager, complaintId, personalDataViewFor(request.principal));
    // A hold found is listed even without a record, so that one placed on such a complaint can still be seen and released.
    if (!holds.length && !(await holdsRecordOf(this.dataSource.manager, complaintId))) throw noRecordOf();
    return { complaintId, active: holds.some((h) => !h.releasedAt), holds };
  }

  @Post('complaints/:complaintId/legal-holds')
  @Allow('compliance-officer')
  @ApiOperation({ summary: "Places a legal hold: the customer's personal data is not erased while it stands; put on the complaint's record" })
  placeLegalHold(@Param('complaintId', UuidParameterPipe) complaintId: string, @Body() dto: PlaceLegalHoldDto, @Req() request: AuthenticatedRequest) {
    return this.dataSource.transaction((manager) => this.retention.placeHold(manager, request, complaintId, dto.reason, dto.reference));
  }

  @Post('complaints/:complaintId/legal-holds/:holdId/release')
  @HttpCode(200)
  @Allow('compliance-officer')
  @ApiOperation({ summary: "Releases a legal hold; put on the complaint's record" })
  releaseLegalHold(
    @Param('complaintId', UuidParameterPipe) complaintId: string,
    @Param('holdId', UuidParameterPipe) holdId: string,
    @Body() dto: ReleaseLegalHoldDto,
    @Req() request: AuthenticatedRequest,
  ) {
    return this.dataSource.transaction((manager) => this.retention.releaseHold(manager, request, complaintId, holdId, dto.reason));
  }

  @Get('retention/due')
  @Allow('compliance-officer', 'auditor')
  @ApiOperation({
    summary: 'Which customers a purge would erase now (or as of asOf), which a legal hold keeps back, and which complaints no purge can judge (unfiled: no complaint.received on record)',
  })
  @ApiQuery({ name: 'asOf', required: false, description: 'ISO 8601 instant with offset; now by default', schema: { type: 'string', format: 'date-time' } })
  async due(@Query('asOf') asOf?: unknown) {
    const at = instant('query:asOf', asOf) ?? new Date();
    const manager = this.dataSource.manager;
    return { retentionYears: this.retention.years, ...(await this.retention.plan(manager, at)), unfiled: await this.retention.unfiled(manager) };
  }

  @Post('retention/purge')
  @HttpCode(200)
  @Allow('compliance-officer')
  @ApiOperation({ summary: "Erases the personal data of every customer due: destroys their data keys; each purge is recorded, and put on each complaint's record" })
  purge(@Body() dto: PurgeDto, @Req() request: AuthenticatedRequest) {
    const asOf = instant('body:asOf', dto.asOf)!;
    if (asOf > new Date()) throw invalid('body:asOf', 'must not be in the future: data is erased only once its retention period has run');
    return this.dataSource.transaction((manager) => this.retention.purge(manager, request, asOf, dto.reference ?? null));
  }
}
