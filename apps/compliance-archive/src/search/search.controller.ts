import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { CHANNELS } from '@complaints/contracts';
import { Allow, AuthenticatedRequest, StaffAuditTrail } from '@complaints/platform';
import { RETRIEVAL_PURPOSES, RetrievalLog, statedPurpose } from '../dossier/retrieval';
import { COMPLAINT_STATUSES } from './complaint-index';
import { filterForRecord, SEARCH_MAX_PAGE, SEARCH_PAGE_SIZE, searchFilter, SearchFilter } from './search-filter';

/** A row of the complaint index as search returns it: codes and times, no personal data (customerRef is a pseudonym). */
export interface IndexedComplaint {
  complaintId: string;
  ticketNumber: string | null;
  customerRef: string | null;
  channel: string | null;
  regime: string | null;
  receivedAt: string | null;
  taxonomy: string | null;
  productCode: string | null;
  causeCode: string | null;
  channelCode: string | null;
  category: string | null;
  severity: string | null;
  department: string | null;
  status: string;
  outcome: string | null;
  respondedAt: string | null;
  closedAt: string | null;
  withdrawnAt: string | null;
  redress: { amountMinor: number; currency: string } | null;
  updatedAt: string;
}

/** The columns of archive_complaint_index as IndexedComplaint names them (times as ISO 8601 UTC). */
export const INDEX_COLUMNS = `
  complaint_id AS "complaintId", ticket_number AS "ticketNumber", customer_ref AS "customerRef", channel, regime,
  received_at AS "receivedAt", taxonomy, product_code AS "productCode", cause_code AS "causeCode", channel_code AS "channelCode",
  category, severity, department, status, outcome, responded_at AS "respondedAt", closed_at AS "closedAt", withdrawn_at AS "withdrawnAt",
  redress_minor::text AS "redressMinor", redress_currency AS "redressCurrency", updated_at AS "updatedAt"`;

type IndexRow = Omit<IndexedComplaint, 'redress' | 'receivedAt' | 'respondedAt' | 'closedAt' | 'withdrawnAt' | 'updatedAt'> & {
  receivedAt: Date | null;
  respondedAt: Date | null;
  closedAt: Date | null;
  withdrawnAt: Date | null;
  updatedAt: Date;
  redressMinor: string | null;
  redressCurrency: string | null;
};

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function toIndexedComplaint({ redressMinor, redressCurrency, ...r }: IndexRow): IndexedComplaint {
  return {
    ...r,
    receivedAt: iso(r.receivedAt),
    respondedAt: iso(r.respondedAt),
    closedAt: iso(r.closedAt),
    withdrawnAt: iso(r.withdrawnAt),
    updatedAt: iso(r.updatedAt)!,
    redress: redressMinor !== null && redressCurrency !== null ? { amountMinor: Number(redressMinor), currency: redressCurrency } : null,
  };
}

/** WHERE clause and parameters for a checked filter: every value is a bind parameter. */
export function searchWhere(f: SearchFilter): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const clauses: string[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replace('?', `$${params.length}`));
  };
  if (f.ticket !== null) add('ticket_number = ?', f.ticket);
  if (f.complaintId !== null) add('complaint_id = ?::uuid', f.complaintId);
  if (f.customerRef !== null) add('customer_ref = ?', f.customerRef);
  if (f.from !== null) add('received_at >= ?::timestamptz', f.from.toISOString());
  if (f.to !== null) add('received_at < ?::timestamptz', f.to.toISOString());
  if (f.category !== null) add('category = ?', f.category);
  if (f.product !== null) add('product_code = ?', f.product);
  if (f.channel !== null) add('channel = ?', f.channel);
  if (f.status !== null) add('status = ?', f.status);
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

@ApiTags('archive')
@Controller('v1/archive')
export class ArchiveSearch {
  private readonly retrievals: RetrievalLog;

  constructor(
    private readonly dataSource: DataSource,
    audit: StaffAuditTrail,
  ) {
    this.retrievals = new RetrievalLog(audit);
  }

  @Get('search')
  @Allow('compliance-officer', 'auditor')
  @ApiHeader({ name: 'X-Retrieval-Purpose', required: true, description: 'why the records are searched', schema: { type: 'string', enum: [...RETRIEVAL_PURPOSES] } })
  @ApiHeader({ name: 'X-Retrieval-Reference', required: false, description: 'the case or letter number behind the search: at most 100 of [A-Za-z0-9 ._:/-]', schema: { type: 'string', maxLength: 100 } })
  @ApiOperation({ summary: `Finds complaints in the complaint index, newest received first, ${SEARCH_PAGE_SIZE} per page; the search (filter, hits) is put on the retrieval record` })
  @ApiQuery({ name: 'ticket', required: false, description: 'ticket number, exact', schema: { type: 'string', maxLength: 64 } })
  @ApiQuery({ name: 'complaintId', required: false, schema: { type: 'string', format: 'uuid' } })
  @ApiQuery({ name: 'customerRef', required: false, description: 'the customer pseudonym, exact', schema: { type: 'string', maxLength: 100 } })
  @ApiQuery({ name: 'from', required: false, description: 'received at or after, ISO 8601 with offset', schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'to', required: false, description: 'received before, ISO 8601 with offset', schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'category', required: false, description: 'triage category', schema: { type: 'string', maxLength: 60 } })
  @ApiQuery({ name: 'product', required: false, description: 'product code of the taxonomy (JR/T 0169 B code)', schema: { type: 'string', maxLength: 40 } })
  @ApiQuery({ name: 'channel', required: false, schema: { type: 'string', enum: [...CHANNELS] } })
  @ApiQuery({ name: 'status', required: false, schema: { type: 'string', enum: [...COMPLAINT_STATUSES] } })
  @ApiQuery({ name: 'page', required: false, schema: { type: 'integer', minimum: 1, maximum: SEARCH_MAX_PAGE } })
  async search(
    @Req() request: AuthenticatedRequest,
    @Query('ticket') ticket?: string,
    @Query('complaintId') complaintId?: string,
    @Query('customerRef') customerRef?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('category') category?: string,
    @Query('product') product?: string,
    @Query('channel') channel?: string,
    @Query('status') status?: string,
    @Query('page') page?: string,
  ) {
    const filter = searchFilter({ ticket, complaintId, customerRef, from, to, category, product, channel, status, page });
    const stated = statedPurpose(request.headers);
    const { where, params } = searchWhere(filter);
    return this.dataSource.transaction(async (manager) => {
      const [{ total }]: { total: string }[] = await manager.query(`SELECT count(*)::text AS total FROM archive_complaint_index ${where}`, params);
      const rows: IndexRow[] = await manager.query(
        `SELECT ${INDEX_COLUMNS} FROM archive_complaint_index ${where}
          ORDER BY received_at DESC NULLS LAST, complaint_id LIMIT ${SEARCH_PAGE_SIZE} OFFSET ${(filter.page - 1) * SEARCH_PAGE_SIZE}`,
        params,
      );
      // On the record before anything is returned, in the transaction that read.
      await this.retrievals.recordQuery(manager, request, stated, { filter: filterForRecord(filter), hits: rows.length });
      return {
        page: filter.page,
        perPage: SEARCH_PAGE_SIZE,
        total: Number(total),
        complaints: rows.map(toIndexedComplaint),
      };
    });
  }
}
