import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { calendarFor } from '@complaints/domain';
import { Allow, AuthenticatedRequest, StaffAuditTrail } from '@complaints/platform';
import { findCode, taxonomyById, TAXONOMY_IDS } from '@complaints/taxonomy';
import { RETRIEVAL_PURPOSES, RetrievalLog, statedPurpose } from '../dossier/retrieval';
import { MilestoneKind, Outcome, standingRemedies } from '../search/complaint-index';
import { badQuery } from '../search/search-filter';
import { retrievalFilter } from '../dossier/retrieval';
import { closuresOf } from './closures';
import { buildJrt0169 } from './jrt0169';
import { toCsv, toXlsx } from './render';
import { FORMATS, ReportFormat, ReportName, REPORTS, StatComplaint, StatReport } from './tables';
import { buildUkReturn } from './uk-return';

/** The checked parameters of GET /v1/archive/statistics. */
export function statisticsQuery(query: { from?: unknown; to?: unknown; report?: unknown; format?: unknown }): { from: Date; to: Date; report: ReportName; format: ReportFormat } {
  for (const name of ['from', 'to', 'report', 'format'] as const) {
    if (query[name] !== undefined && typeof query[name] !== 'string') throw badQuery(name, 'must be given once, as plain text');
  }
  if (query.from === undefined) throw badQuery('from', 'is required: the first instant of the period, ISO 8601 with offset');
  if (query.to === undefined) throw badQuery('to', 'is required: the instant the period ends (exclusive), ISO 8601 with offset');
  const { from, to } = retrievalFilter({ from: query.from, to: query.to });
  if (from!.getTime() === to!.getTime()) throw badQuery('to', 'must be after from: the period is [from, to)');
  if (to!.getTime() - from!.getTime() > 5 * 366 * 86_400_000) throw badQuery('to', 'the period is at most five years');
  if (query.report === undefined || !(REPORTS as readonly string[]).includes(query.report as string)) throw badQuery('report', `must be one of ${REPORTS.join(', ')}`);
  if (query.format !== undefined && !(FORMATS as readonly string[]).includes(query.format as string)) throw badQuery('format', `must be one of ${FORMATS.join(', ')}`);
  return { from: from!, to: to!, report: query.report as ReportName, format: (query.format as ReportFormat | undefined) ?? 'json' };
}

/** A complaint as the statistics query reads it: amounts as text (bigint), times as JSON gives them. */
type StatRow = Omit<StatComplaint, 'redress' | 'closures'> & {
  remedies: { proposedAt: string; currency: string; amountMinor: string }[];
  milestones: { kind: MilestoneKind; at: string; outcome: Outcome | null }[];
};

const TITLES: Record<ReportName, string> = {
  jrt0169: 'JR/T 0169-2018 金融消费者投诉统计 / complaints by channel, business type and cause',
  'uk-return': 'FCA complaints return (DISP 1.10) by product',
};

const NOTES: Record<ReportName, string[]> = {
  jrt0169: [
    'Complaints received in [from, to). A code counts its sub-codes too. Channel (A) is the triage channel code, or the intake channel mapped by the taxonomy when triage gave none.',
    'Counted from the complaint index, a projection of the hash-chained archive.',
  ],
  'uk-return': [
    'Opened: received in [from, to). Closed: final response sent (or complaint withdrawn) in [from, to). Within 3 business days: by close of the third business day after the day of receipt, UK (England and Wales) bank holidays and weekends excluded. Within 8 weeks: otherwise within eight weeks of receipt.',
    'A complaint reopened after its final response is closed again by the next one: each closure counts in its own period, with the decision that response gave; one closed more than once in the period counts once, as its last closure there left it.',
    'Upheld counts upheld and partially upheld decisions among complaints closed. Redress: the remedies granted by the decisions of the closures in the period, per currency, in major units, each at its latest amount; remedies withdrawn, rejected or reversed are not counted.',
  ],
};

@ApiTags('archive')
@Controller('v1/archive')
export class ArchiveStatistics {
  private readonly retrievals: RetrievalLog;

  constructor(
    private readonly dataSource: DataSource,
    audit: StaffAuditTrail,
  ) {
    this.retrievals = new RetrievalLog(audit);
  }

  @Get('statistics')
  @Allow('compliance-officer', 'auditor')
  @ApiHeader({ name: 'X-Retrieval-Purpose', required: true, description: 'why the statistics are drawn', schema: { type: 'string', enum: [...RETRIEVAL_PURPOSES] } })
  @ApiHeader({ name: 'X-Retrieval-Reference', required: false, description: 'the letter or return behind the request: at most 100 of [A-Za-z0-9 ._:/-]', schema: { type: 'string', maxLength: 100 } })
  @ApiOperation({ summary: 'Regulatory statistics for complaints received in [from, to): JR/T 0169 tables or the FCA complaints return, as JSON, CSV or XLSX; put on the retrieval record' })
  @ApiProduces('application/json', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiQuery({ name: 'from', required: true, description: 'first instant of the period, ISO 8601 with offset', schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'to', required: true, description: 'end of the period (exclusive), ISO 8601 with offset', schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'report', required: true, schema: { type: 'string', enum: [...REPORTS] } })
  @ApiQuery({ name: 'format', required: false, schema: { type: 'string', enum: [...FORMATS], default: 'json' } })
  async statistics(
    @Req() request: AuthenticatedRequest,
    @Res() response: Response,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('report') report?: string,
    @Query('format') format?: string,
  ): Promise<void> {
    const q = statisticsQuery({ from, to, report, format });
    const stated = statedPurpose(request.headers);
    const { body, type, extension } = await this.dataSource.transaction(async (manager) => {
      const rows: StatRow[] = await manager.query(
        `WITH chosen AS (
           SELECT complaint_id FROM archive_complaint_index WHERE received_at >= $1 AND received_at < $2
           UNION
           SELECT complaint_id FROM archive_complaint_index_milestones WHERE kind IN ('final-response', 'withdrawal') AND at >= $1 AND at < $2)
         SELECT i.complaint_id AS "complaintId", i.received_at AS "receivedAt", i.channel, i.channel_code AS "channelCode", i.taxonomy,
                i.product_code AS "productCode", i.cause_code AS "causeCode", i.outcome, i.responded_at AS "respondedAt", i.closed_at AS "closedAt",
                COALESCE((SELECT json_agg(json_build_object('proposedAt', s.proposed_at, 'currency', s.currency, 'amountMinor', s.amount_minor::text))
                            FROM (${standingRemedies('i.complaint_id')}) s), '[]'::json) AS remedies,
                COALESCE((SELECT json_agg(json_build_object('kind', m.kind, 'at', m.at, 'outcome', m.outcome))
                            FROM archive_complaint_index_milestones m WHERE m.complaint_id = i.complaint_id), '[]'::json) AS milestones
           FROM chosen JOIN archive_complaint_index i USING (complaint_id)`,
        [q.from.toISOString(), q.to.toISOString()],
      );
      const complaints: StatComplaint[] = rows.map(({ remedies, milestones, ...r }) => {
        const standing = remedies.map((x) => ({ proposedAt: new Date(x.proposedAt), currency: x.currency, amountMinor: Number(x.amountMinor) }));
        const redress = new Map<string, number>();
        for (const x of standing) redress.set(x.currency, (redress.get(x.currency) ?? 0) + x.amountMinor);
        return {
          ...r,
          receivedAt: r.receivedAt && new Date(r.receivedAt),
          respondedAt: r.respondedAt && new Date(r.respondedAt),
          closedAt: r.closedAt && new Date(r.closedAt),
          redress: [...redress].map(([currency, amountMinor]) => ({ currency, amountMinor })),
          closures: closuresOf(milestones.map((m) => ({ ...m, at: new Date(m.at) })), standing),
        };
      });
      const tables =
        q.report === 'jrt0169'
          ? buildJrt0169(complaints, taxonomyById('cn-jrt0169'), q.from, q.to)
          : buildUkReturn(complaints, calendarFor('uk-fca'), q.from, q.to, (code) => {
              for (const id of TAXONOMY_IDS) {
                const found = findCode(taxonomyById(id).product, code);
                if (found) return found;
              }
              return null;
            });
      const result: StatReport = {
        report: q.report,
        title: TITLES[q.report],
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        generatedAt: new Date().toISOString(),
        notes: NOTES[q.report],
        tables,
      };
      const rendered =
        q.format === 'csv'
          ? { body: toCsv(result), type: 'text/csv; charset=utf-8', extension: 'csv' }
          : q.format === 'xlsx'
            ? { body: await toXlsx(result), type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: 'xlsx' }
            : { body: result, type: 'application/json; charset=utf-8', extension: 'json' };
      // On the record only once the report exists, in the transaction that read.
      const hits = complaints.filter((c) => c.receivedAt !== null && c.receivedAt >= q.from && c.receivedAt < q.to).length;
      await this.retrievals.recordQuery(manager, request, stated, { filter: { report: q.report, from: result.from, to: result.to, format: q.format }, hits });
      return rendered;
    });
    if (extension === 'json') {
      response.status(200).set({ 'cache-control': 'no-store' }).json(body);
      return;
    }
    const name = `complaints-${q.report}-${q.from.toISOString().slice(0, 10)}-${q.to.toISOString().slice(0, 10)}.${extension}`;
    response
      .status(200)
      .set({ 'content-type': type, 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' })
      .send(body);
  }
}
