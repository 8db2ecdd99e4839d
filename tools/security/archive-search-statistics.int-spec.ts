/**
 * The archive's complaint index, search and regulatory statistics on a running archive: events
 * arrive in any order across topics, re-delivered events count once, every filter finds exactly
 * its complaints, bad filters are 400 problems, searches and reports are on the retrieval
 * record, and the CSV and XLSX hold the same numbers as the JSON.
 */
import ExcelJS from 'exceljs';
import { randomBytes, randomUUID } from 'node:crypto';
import { Events, TOPICS, validateEnvelope, type Role } from '@complaints/contracts';
import { FieldCipher } from '@complaints/platform';
import { TEST_DATABASE_URL } from '@complaints/testing';
import { archiveWriterRole } from '../../apps/compliance-archive/src/migrations';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { ComplaintIndex } from '../../apps/compliance-archive/src/search/complaint-index';
import { kafkaMessage } from '../archive-verify/archive-fixtures';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

type Envelope = Record<string, unknown> & { eventId: string; type: string; complaintId: string };

const due = '2026-12-31T23:59:59.000Z';
const GBP = (amountMinor: number) => ({ amountMinor, currency: 'GBP' });

describe('compliance archive: complaint index, search and regulatory statistics', () => {
  let archive: ServiceUnderTest;
  const tokens: Record<string, string> = {};
  const ids = { c1: randomUUID(), c2: randomUUID(), c3: randomUUID(), c4: randomUUID(), c5: randomUUID(), c6: randomUUID() };
  const ticket = (k: keyof typeof ids) => `CMP-20260401-0000000${k.slice(1)}-${k.slice(1)}`;
  const sent: { topic: string; envelope: Envelope; offset: number }[] = [];
  let offset = 0;

  const envelope = (complaint: keyof typeof ids, type: string, occurredAt: string, payload: Record<string, unknown>): Envelope => {
    const e = {
      eventId: randomUUID(), type, version: 1, occurredAt, complaintId: ids[complaint], correlationId: `stats-${complaint}`, causationId: null,
      producer: type.split('.')[0], payload,
    };
    const verdict = validateEnvelope(e);
    if (!verdict.ok) throw new Error(`${type} is not a valid envelope: ${verdict.detail}`);
    return e;
  };
  const deliver = async (topic: string, e: Envelope, at = offset++) => {
    const outcome = await archive.running.transport.handleRecord(`${archive.schema}.${topic}`, 0, kafkaMessage(e, at));
    sent.push({ topic, envelope: e, offset: at });
    return outcome;
  };

  const received = (k: keyof typeof ids, receivedAt: string, channel: string, customerRef: string) =>
    envelope(k, 'complaint.received', receivedAt, {
      ticketNumber: ticket(k), channel, channelReference: null, receivedAt, customerRef, productHint: null, summary: '投诉内容已脱敏',
      language: 'zh-CN', amountInDispute: null, preferredReplyChannel: 'email', regime: 'uk-fca', responseDueBy: due,
    });
  const triaged = (k: keyof typeof ids, at: string, product: string, cause: string, channelCode: string, category: string) =>
    envelope(k, 'complaint.triaged', at, {
      ticketNumber: ticket(k), category, severity: 'medium', department: 'complaints', routingRule: 'model', reasons: ['model'], regime: 'uk-fca',
      responseDueBy: due, taxonomy: 'cn-jrt0169', product: { code: product, title: product }, cause: { code: cause, title: cause }, channelCode,
    });
  const resolved = (k: keyof typeof ids, at: string, outcome: string) =>
    envelope(k, 'case.resolved', at, { caseId: randomUUID(), ticketNumber: ticket(k), outcome, explanation: '已核查', remedy: null, decidedBy: 'staff-1' });
  const remedy = (k: keyof typeof ids, at: string, amount: { amountMinor: number; currency: string }, remedyId = randomUUID()) =>
    envelope(k, 'remedy.proposed', at, { remedyId, caseId: randomUUID(), type: 'goodwill', amount });
  const finalResponse = (k: keyof typeof ids, at: string) =>
    envelope(k, 'notification.sent', at, { messageId: randomUUID(), kind: 'final-response', channel: 'email', template: 'final-response.en', language: 'en' });

  const get = async (path: string, role = 'compliance-officer', headers: Record<string, string> = { 'x-retrieval-purpose': 'regulator-request', 'x-retrieval-reference': 'FCA-RET-2026' }) => {
    const res = await fetch(`${archive.baseUrl}${path}`, { headers: { authorization: `Bearer ${tokens[role]}`, ...headers } });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get('content-type') ?? '', disposition: res.headers.get('content-disposition'), bytes, json: () => JSON.parse(bytes.toString('utf8')) };
  };
  const search = async (query: string) => {
    const res = await get(`/v1/archive/search?${query}`);
    expect({ query, status: res.status }).toEqual({ query, status: 200 });
    return res.json() as { page: number; perPage: number; total: number; complaints: { complaintId: string }[] };
  };
  const found = async (query: string) => (await search(query)).complaints.map((c) => Object.entries(ids).find(([, id]) => id === c.complaintId)?.[0]);
  const indexRows = async () => (await archive.pg.query(`SELECT * FROM "${archive.schema}".archive_complaint_index ORDER BY complaint_id`)).rows;

  const PERIOD = `from=${encodeURIComponent('2026-04-01T00:00:00+01:00')}&to=${encodeURIComponent('2026-07-01T00:00:00+01:00')}`;

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService);
    for (const role of ['compliance-officer', 'auditor', 'investigator']) tokens[role] = await archive.issuer.token(role as Role, { subject: `${role}-0077` });

    // c1: answered within 3 business days thanks to Good Friday and Easter Monday, upheld, £120.50.
    await deliver(TOPICS.intake, received('c1', '2026-04-02T09:00:00Z', 'mobile-app', 'cust_A'));
    await deliver(TOPICS.triage, triaged('c1', '2026-04-02T09:05:00Z', 'B03', 'C07', 'A010303', 'cards'));
    await deliver(TOPICS.investigation, resolved('c1', '2026-04-08T10:00:00Z', 'upheld'));
    await deliver(TOPICS.compensation, remedy('c1', '2026-04-08T10:05:00Z', GBP(12_050)));
    await deliver(TOPICS.notification, finalResponse('c1', '2026-04-09T12:00:00Z'));
    // c2: triage arrives before the complaint itself; answered within 8 weeks, not upheld.
    await deliver(TOPICS.triage, triaged('c2', '2026-05-04T10:05:00Z', 'B02', 'C09', 'A0101', 'loans'));
    await deliver(TOPICS.intake, received('c2', '2026-05-04T10:00:00Z', 'branch', 'cust_B'));
    await deliver(TOPICS.notification, finalResponse('c2', '2026-05-20T10:00:00Z'));
    await deliver(TOPICS.investigation, resolved('c2', '2026-05-19T10:00:00Z', 'not-upheld'));
    // c3: same customer as c1, withdrawn two days later.
    await deliver(TOPICS.intake, received('c3', '2026-05-10T10:00:00Z', 'web', 'cust_A'));
    await deliver(TOPICS.triage, triaged('c3', '2026-05-10T10:05:00Z', 'B03', 'C10', 'A010301', 'cards'));
    await deliver(TOPICS.intake, envelope('c3', 'complaint.withdrawn', '2026-05-12T10:00:00Z', { ticketNumber: ticket('c3'), withdrawnAt: '2026-05-12T10:00:00Z', reason: null }));
    // c4: not triaged yet.
    await deliver(TOPICS.intake, received('c4', '2026-06-01T10:00:00Z', 'hotline', 'cust_C'));
    // c5: received before the period, retriaged from B03 to B02, answered after 8 weeks, partially upheld, £10 and €5.
    await deliver(TOPICS.intake, received('c5', '2026-01-05T10:00:00Z', 'wechat', 'cust_D'));
    await deliver(TOPICS.triage, triaged('c5', '2026-01-05T10:05:00Z', 'B03', 'C07', 'A010304', 'cards'));
    await deliver(TOPICS.triage, envelope('c5', 'complaint.retriaged', '2026-01-06T10:00:00Z', {
      ticketNumber: ticket('c5'), previous: { product: 'B03', cause: 'C07', severity: 'medium', department: 'complaints' },
      current: { product: 'B02', cause: 'C07', severity: 'high', department: 'loans' }, routingRule: 'manual', reason: 'it is a loan', actor: 'staff-2',
    }));
    await deliver(TOPICS.investigation, resolved('c5', '2026-04-19T10:00:00Z', 'partially-upheld'));
    await deliver(TOPICS.compensation, remedy('c5', '2026-04-19T10:05:00Z', GBP(1_000)));
    await deliver(TOPICS.compensation, remedy('c5', '2026-04-19T10:06:00Z', { amountMinor: 500, currency: 'EUR' }));
    await deliver(TOPICS.notification, finalResponse('c5', '2026-04-20T10:00:00Z'));
    // c6: decided and remedied, but no final response yet: not closed, its redress not in the return.
    await deliver(TOPICS.intake, received('c6', '2026-06-15T10:00:00Z', 'email', 'cust_E'));
    await deliver(TOPICS.triage, triaged('c6', '2026-06-15T10:05:00Z', 'B02', 'C07', 'A010399', 'fees'));
    await deliver(TOPICS.investigation, resolved('c6', '2026-06-20T10:00:00Z', 'upheld'));
    await deliver(TOPICS.compensation, remedy('c6', '2026-06-20T10:05:00Z', GBP(2_000)));
  });

  let writerService: ServiceUnderTest | null = null;

  afterAll(async () => {
    if (writerService) {
      await writerService.running.stop();
      await writerService.pg.end();
    }
    await archive?.stop();
  });

  it('projects each complaint, whatever order its events came in', async () => {
    const rows = Object.fromEntries((await indexRows()).map((r) => [Object.entries(ids).find(([, id]) => id === r.complaint_id)![0], r]));
    expect(Object.keys(rows).sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    const pick = (k: string) => {
      const r = rows[k];
      return [r.status, r.ticket_number, r.customer_ref, r.channel, r.product_code, r.cause_code, r.channel_code, r.category, r.outcome, r.redress_minor, r.redress_currency];
    };
    expect(pick('c1')).toEqual(['closed', ticket('c1'), 'cust_A', 'mobile-app', 'B03', 'C07', 'A010303', 'cards', 'upheld', '12050', 'GBP']);
    expect(pick('c2')).toEqual(['closed', ticket('c2'), 'cust_B', 'branch', 'B02', 'C09', 'A0101', 'loans', 'not-upheld', null, null]);
    expect(pick('c3')).toEqual(['withdrawn', ticket('c3'), 'cust_A', 'web', 'B03', 'C10', 'A010301', 'cards', null, null, null]);
    expect(pick('c4')).toEqual(['received', ticket('c4'), 'cust_C', 'hotline', null, null, null, null, null, null, null]);
    // Retriage replaced product and severity, kept what it does not say (channel code, taxonomy, category); two currencies: no single sum.
    expect(pick('c5')).toEqual(['closed', ticket('c5'), 'cust_D', 'wechat', 'B02', 'C07', 'A010304', 'cards', 'partially-upheld', null, null]);
    expect([rows.c5.severity, rows.c5.taxonomy]).toEqual(['high', 'cn-jrt0169']);
    expect(pick('c6')).toEqual(['triaged', ticket('c6'), 'cust_E', 'email', 'B02', 'C07', 'A010399', 'fees', 'upheld', '2000', 'GBP']);
    expect(rows.c2.received_at.toISOString()).toBe('2026-05-04T10:00:00.000Z');
    expect(rows.c1.responded_at.toISOString()).toBe('2026-04-09T12:00:00.000Z');
    expect(rows.c3.closed_at.toISOString()).toBe('2026-05-12T10:00:00.000Z');
  });

  it('finds exactly the expected complaints with each filter, newest received first', async () => {
    expect(await found(`ticket=${ticket('c1')}`)).toEqual(['c1']);
    expect(await found(`complaintId=${ids.c2}`)).toEqual(['c2']);
    expect(await found(`complaintId=${ids.c2.toUpperCase()}`)).toEqual(['c2']);
    expect(await found('customerRef=cust_A')).toEqual(['c3', 'c1']);
    expect(await found(`from=${encodeURIComponent('2026-05-01T00:00:00+01:00')}&to=${encodeURIComponent('2026-06-01T11:00:00+01:00')}`)).toEqual(['c3', 'c2']);
    expect(await found(`from=${encodeURIComponent('2026-06-01T11:00:00+01:00')}`)).toEqual(['c6', 'c4']);
    expect(await found('category=cards')).toEqual(['c3', 'c1', 'c5']);
    expect(await found('product=B02')).toEqual(['c6', 'c2', 'c5']);
    expect(await found('channel=hotline')).toEqual(['c4']);
    expect(await found('status=closed')).toEqual(['c2', 'c1', 'c5']);
    expect(await found('status=withdrawn')).toEqual(['c3']);
    expect(await found('status=triaged')).toEqual(['c6']);
    expect(await found('status=responded')).toEqual([]);
    expect(await found('product=B03&category=cards&customerRef=cust_A')).toEqual(['c3', 'c1']);
    expect(await found('')).toEqual(['c6', 'c4', 'c3', 'c2', 'c1', 'c5']);
    const page2 = await search('page=2');
    expect({ page: page2.page, perPage: page2.perPage, total: page2.total, n: page2.complaints.length }).toEqual({ page: 2, perPage: 100, total: 6, n: 0 });
    const [one] = (await search(`ticket=${ticket('c1')}`)).complaints;
    expect(one).toEqual({
      complaintId: ids.c1, ticketNumber: ticket('c1'), customerRef: 'cust_A', channel: 'mobile-app', regime: 'uk-fca', receivedAt: '2026-04-02T09:00:00.000Z',
      taxonomy: 'cn-jrt0169', productCode: 'B03', causeCode: 'C07', channelCode: 'A010303', category: 'cards', severity: 'medium', department: 'complaints',
      status: 'closed', outcome: 'upheld', respondedAt: '2026-04-09T12:00:00.000Z', closedAt: '2026-04-09T12:00:00.000Z', withdrawnAt: null,
      redress: { amountMinor: 12_050, currency: 'GBP' }, updatedAt: '2026-04-09T12:00:00.000Z',
    });
    expect(JSON.stringify(one)).not.toContain('投诉内容');
  });

  it('refuses bad filters and a missing purpose with 400 problem+json naming the parameter, and records nothing', async () => {
    const before = await archive.rowCounts();
    const bad: [string, string][] = [
      ['ticket=', 'query:ticket'], ["ticket=x' OR '1'='1", 'query:ticket'], ['complaintId=nope', 'query:complaintId'], ['customerRef=%E5%BC%A0', 'query:customerRef'],
      ['from=2026-05-01', 'query:from'], ['from=2026-05-01T00:00:00+01:00', 'query:from'], ['to=2026-02-30T00:00:00Z', 'query:to'],
      ['from=2026-06-01T00:00:00Z&to=2026-05-01T00:00:00Z', 'query:to'], ['category=%3Cscript%3E', 'query:category'], ['product=B0%3B1', 'query:product'],
      ['channel=fax', 'query:channel'], ['status=open', 'query:status'], ['page=0', 'query:page'], ['page=abc', 'query:page'], ['page=100000', 'query:page'],
      ['status=closed&status=withdrawn', 'query:status'], ['limit=1000', 'query:limit'], ['product[$ne]=x', 'query:product[$ne]'],
    ];
    const wrong: string[] = [];
    for (const [query, named] of bad) {
      const res = await get(`/v1/archive/search?${query}`);
      const problem = res.type.startsWith('application/problem+json') ? res.json() : null;
      if (res.status !== 400 || problem?.errors?.[0]?.path !== named) wrong.push(`search?${query} -> ${res.status} ${JSON.stringify(problem)}`);
    }
    const badStats: [string, string][] = [
      ['report=jrt0169', 'query:from'], [`${PERIOD}`, 'query:report'], [`${PERIOD}&report=fca`, 'query:report'], [`${PERIOD}&report=jrt0169&format=pdf`, 'query:format'],
      [`from=2026-04-01T00:00:00Z&to=2026-04-01T00:00:00Z&report=jrt0169`, 'query:to'], [`from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&report=jrt0169`, 'query:to'],
      [`${PERIOD}&report=jrt0169&table=A`, 'query:table'],
    ];
    for (const [query, named] of badStats) {
      const res = await get(`/v1/archive/statistics?${query}`);
      const problem = res.type.startsWith('application/problem+json') ? res.json() : null;
      if (res.status !== 400 || problem?.errors?.[0]?.path !== named) wrong.push(`statistics?${query} -> ${res.status} ${JSON.stringify(problem)}`);
    }
    for (const path of ['/v1/archive/search?status=closed', `/v1/archive/statistics?${PERIOD}&report=jrt0169`]) {
      for (const headers of [{}, { 'x-retrieval-purpose': 'curiosity' }] as Record<string, string>[]) {
        const res = await get(path, 'auditor', headers);
        const problem = res.type.startsWith('application/problem+json') ? res.json() : null;
        if (res.status !== 400 || problem?.errors?.[0]?.path !== 'header:X-Retrieval-Purpose') wrong.push(`${path} ${JSON.stringify(headers)} -> ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
    expect((await get('/v1/archive/search', 'investigator')).status).toBe(403);
    expect((await get(`/v1/archive/statistics?${PERIOD}&report=jrt0169`, 'investigator')).status).toBe(403);
    expect(await archive.rowCounts()).toEqual(before);
  });

  const UK_PRODUCTS = [
    { code: 'B02', opened: 2, closed: 2, closedWithin3BusinessDays: 0, closedWithin8Weeks: 1, closedAfter8Weeks: 1, upheld: 1, upheldPercent: 50, 'redress.EUR': 5, 'redress.GBP': 10 },
    { code: 'B03', opened: 2, closed: 2, closedWithin3BusinessDays: 2, closedWithin8Weeks: 0, closedAfter8Weeks: 0, upheld: 1, upheldPercent: 50, 'redress.EUR': 0, 'redress.GBP': 120.5 },
    { code: 'unclassified', opened: 1, closed: 0, closedWithin3BusinessDays: 0, closedWithin8Weeks: 0, closedAfter8Weeks: 0, upheld: 0, upheldPercent: null, 'redress.EUR': 0, 'redress.GBP': 0 },
    { code: 'total', opened: 5, closed: 4, closedWithin3BusinessDays: 2, closedWithin8Weeks: 1, closedAfter8Weeks: 1, upheld: 2, upheldPercent: 50, 'redress.EUR': 5, 'redress.GBP': 130.5 },
  ];
  const JRT_NONZERO = {
    A: { A01: 5, A0101: 1, A0103: 4, A010301: 1, A010302: 1, A010303: 1, A010399: 1, total: 5 },
    B: { B02: 2, B03: 2, unclassified: 1, total: 5 },
    C: { C07: 2, C09: 1, C10: 1, unclassified: 1, total: 5 },
  };
  type Row = Record<string, string | number | null>;
  const nonZero = (rows: Row[]) => Object.fromEntries(rows.filter((r) => Number(r.complaints) > 0).map((r) => [r.code, r.complaints]));
  const ukRows = (rows: Row[]) => rows.map(({ label: _n, labelEn: _e, ...r }) => r);

  it('draws the FCA return and the JR/T 0169 tables as JSON, hand-computed', async () => {
    const uk = await get(`/v1/archive/statistics?${PERIOD}&report=uk-return`);
    expect({ status: uk.status, type: uk.type }).toEqual({ status: 200, type: expect.stringContaining('application/json') });
    const report = uk.json();
    expect({ report: report.report, from: report.from, to: report.to, tables: report.tables.map((t: { sheet: string }) => t.sheet) }).toEqual({
      report: 'uk-return', from: '2026-03-31T23:00:00.000Z', to: '2026-06-30T23:00:00.000Z', tables: ['products'],
    });
    expect(ukRows(report.tables[0].rows)).toEqual(UK_PRODUCTS);
    expect(report.tables[0].rows[1]).toMatchObject({ code: 'B03', label: '银行卡', labelEn: 'Bank cards (debit and credit)' });

    const jrt = (await get(`/v1/archive/statistics?${PERIOD}&report=jrt0169&format=json`, 'auditor')).json();
    const [a, b, c, bxc] = jrt.tables;
    expect([a.sheet, b.sheet, c.sheet, bxc.sheet]).toEqual(['A', 'B', 'C', 'BxC']);
    expect({ A: nonZero(a.rows), B: nonZero(b.rows), C: nonZero(c.rows) }).toEqual(JRT_NONZERO);
    expect(b.rows).toHaveLength(14 + 2);
    const cell = (row: string, col: string) => bxc.rows.find((r: Row) => r.code === row)[col];
    expect([cell('B03', 'C07'), cell('B03', 'C10'), cell('B02', 'C09'), cell('B02', 'C07'), cell('unclassified', 'unclassified'), cell('total', 'total'), cell('B01', 'total')]).toEqual([1, 1, 1, 1, 1, 5, 0]);
  });

  it('gives the same numbers as CSV (UTF-8 with BOM, RFC 4180) and as an XLSX workbook', async () => {
    const csv = await get(`/v1/archive/statistics?${PERIOD}&report=jrt0169&format=csv`);
    expect({ status: csv.status, type: csv.type, disposition: csv.disposition }).toEqual({
      status: 200, type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="complaints-jrt0169-2026-03-31-2026-06-30.csv"',
    });
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = parseCsv(csv.bytes.subarray(3).toString('utf8'));
    expect(lines[0]).toEqual(['table', 'code', 'label', 'label_en', 'measure', 'value']);
    expect(lines.every((l) => l.length === 6)).toBe(true);
    const csvCount = (table: string) => Object.fromEntries(lines.filter((l) => l[0] === table && l[4] === 'complaints' && Number(l[5]) > 0).map((l) => [l[1], Number(l[5])]));
    expect({ A: csvCount('A'), B: csvCount('B'), C: csvCount('C') }).toEqual(JRT_NONZERO);
    expect(lines.find((l) => l[0] === 'B' && l[1] === 'B03')).toEqual(['B', 'B03', '银行卡', 'Bank cards (debit and credit)', 'complaints', '2']);
    expect(lines.find((l) => l[0] === 'BxC' && l[1] === 'B03' && l[4] === 'C10')?.[5]).toBe('1');

    const ukCsv = parseCsv((await get(`/v1/archive/statistics?${PERIOD}&report=uk-return&format=csv`)).bytes.subarray(3).toString('utf8'));
    const ukFromCsv = UK_PRODUCTS.map((p) => Object.fromEntries([['code', p.code], ...ukCsv.filter((l) => l[1] === p.code).map((l) => [l[4], l[5] === '' ? null : Number(l[5])])]));
    expect(ukFromCsv).toEqual(UK_PRODUCTS);

    const xlsx = await get(`/v1/archive/statistics?${PERIOD}&report=uk-return&format=xlsx`, 'auditor');
    expect({ status: xlsx.status, type: xlsx.type }).toEqual({ status: 200, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(arrayBufferOf(xlsx.bytes));
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['products', 'about']);
    const sheet = workbook.getWorksheet('products')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(['Code', 'Name', 'Name (English)', 'Complaints opened', 'Complaints closed', 'Closed within 3 business days', 'Closed after 3 business days, within 8 weeks', 'Closed after 8 weeks', 'Upheld (incl. partially)', 'Upheld %', 'Redress EUR', 'Redress GBP']);
    expect(sheet.getCell('A1').font?.bold).toBe(true);
    const keys = ['code', 'label', 'labelEn', 'opened', 'closed', 'closedWithin3BusinessDays', 'closedWithin8Weeks', 'closedAfter8Weeks', 'upheld', 'upheldPercent', 'redress.EUR', 'redress.GBP'];
    const fromSheet: Row[] = [];
    sheet.eachRow((row, n) => {
      if (n > 1) fromSheet.push(Object.fromEntries(keys.map((k, i) => [k, (row.getCell(i + 1).value as string | number | null) ?? null])));
    });
    expect(ukRows(fromSheet)).toEqual(UK_PRODUCTS);
    expect(typeof sheet.getCell('D2').value).toBe('number');

    const jrtBook = new ExcelJS.Workbook();
    await jrtBook.xlsx.load(arrayBufferOf((await get(`/v1/archive/statistics?${PERIOD}&report=jrt0169&format=xlsx`)).bytes));
    expect(jrtBook.worksheets.map((s) => s.name)).toEqual(['A', 'B', 'C', 'BxC', 'about']);
    const bSheet = jrtBook.getWorksheet('B')!;
    const bCounts: Record<string, number> = {};
    bSheet.eachRow((row, n) => {
      if (n > 1 && Number(row.getCell(4).value) > 0) bCounts[String(row.getCell(1).value)] = row.getCell(4).value as number;
    });
    expect(bCounts).toEqual(JRT_NONZERO.B);
    expect(bSheet.getCell('B3').value).toBe('贷款');
  });

  it('puts every search and report on the retrieval record: who, why, the filter and the hits', async () => {
    const before = (await get('/v1/archive/retrievals', 'auditor')).json().retrievals.length;
    await search('product=B03&status=closed');
    expect((await get(`/v1/archive/statistics?${PERIOD}&report=uk-return&format=csv`, 'auditor', { 'x-retrieval-purpose': 'internal-audit' })).status).toBe(200);
    const { retrievals } = (await get('/v1/archive/retrievals', 'auditor')).json();
    expect(retrievals).toHaveLength(before + 2);
    expect(retrievals.slice(0, 2)).toEqual([
      {
        id: expect.any(String), at: expect.any(String), actor: 'auditor-0077', roles: ['auditor'], purpose: 'internal-audit', reference: null,
        what: 'GET /v1/archive/statistics', complaintId: null, ticketNumber: null,
        query: { filter: { report: 'uk-return', from: '2026-03-31T23:00:00.000Z', to: '2026-06-30T23:00:00.000Z', format: 'csv' }, hits: 5 },
      },
      {
        id: expect.any(String), at: expect.any(String), actor: 'compliance-officer-0077', roles: ['compliance-officer'], purpose: 'regulator-request', reference: 'FCA-RET-2026',
        what: 'GET /v1/archive/search', complaintId: null, ticketNumber: null, query: { filter: { product: 'B03', status: 'closed', page: 1 }, hits: 1 },
      },
    ]);
    const whats = new Set(retrievals.map((r: { what: string }) => r.what));
    expect(whats).toEqual(new Set(['GET /v1/archive/search', 'GET /v1/archive/statistics']));
    // Append-only, like the retrievals themselves.
    await expect(archive.pg.query(`UPDATE "${archive.schema}".archive_retrieval_queries SET hits = 0`)).rejects.toMatchObject({ code: '42501' });
  });

  it('counts a re-delivered event once, and a rebuild from the chain gives the same index', async () => {
    const before = await indexRows();
    const report = async () => (await get(`/v1/archive/statistics?${PERIOD}&report=uk-return`)).json().tables[0].rows;
    const statsBefore = await report();
    // The same Kafka records again: the consumer's idempotency log answers duplicate.
    const remedyRecord = sent.find((s) => s.envelope.type === 'remedy.proposed' && s.envelope.complaintId === ids.c1)!;
    expect(await archive.running.transport.handleRecord(`${archive.schema}.${remedyRecord.topic}`, 0, kafkaMessage(remedyRecord.envelope, remedyRecord.offset))).toBe('duplicate');
    // The same remedy published again under a new event id (a producer's retry): archived, but counted once.
    const again = { ...remedyRecord.envelope, eventId: randomUUID() };
    expect(await deliver(TOPICS.compensation, again)).toBe('handled');
    const received1 = sent.find((s) => s.envelope.type === 'complaint.received' && s.envelope.complaintId === ids.c2)!;
    expect(await deliver(TOPICS.intake, { ...received1.envelope, eventId: randomUUID() })).toBe('handled');
    // Projecting every archived event again, directly, changes nothing either.
    const index = new ComplaintIndex();
    await archive.running.dataSource.transaction(async (manager) => {
      for (const s of sent) await index.projectOrFail(manager, s.envelope as never);
    });
    expect(await indexRows()).toEqual(before);
    expect(await report()).toEqual(statsBefore);

    // Rebuilt from the chain into an empty index: the same rows.
    await archive.pg.query(`TRUNCATE "${archive.schema}".archive_complaint_index, "${archive.schema}".archive_complaint_index_remedies`);
    expect(await indexRows()).toEqual([]);
    const projected = await archive.running.dataSource.transaction((manager) => index.rebuild(manager));
    expect(projected).toBeGreaterThanOrEqual(sent.length);
    expect(await indexRows()).toEqual(before);
  });

  it('keeps an event the index refuses out of it, and indexes the other events archived in the same transaction', async () => {
    const base = received('c1', '2026-06-10T10:00:00Z', 'web', 'cust_R');
    const [first, refused, last] = ['CMP-INDEXED-1', 'CMP-REFUSED', 'CMP-INDEXED-2'].map((ticketNumber) => ({
      ...base, eventId: randomUUID(), complaintId: randomUUID(), payload: { ...(base.payload as object), ticketNumber },
    }));
    const table = `"${archive.schema}".archive_complaint_index`;
    await archive.pg.query(`ALTER TABLE ${table} ADD CONSTRAINT refuse_for_test CHECK (ticket_number IS DISTINCT FROM 'CMP-REFUSED')`);
    try {
      await archive.running.dataSource.transaction(async (manager) => {
        await new ComplaintIndex().project(manager, [first, refused, last] as never);
        // The transaction is still usable after the refusal was rolled back to its savepoint.
        await manager.query(`SELECT 1`);
      });
    } finally {
      await archive.pg.query(`ALTER TABLE ${table} DROP CONSTRAINT refuse_for_test`);
    }
    const ids = [first, refused, last].map((e) => e.complaintId);
    const { rows } = await archive.pg.query(`SELECT ticket_number FROM ${table} WHERE complaint_id = ANY($1) ORDER BY ticket_number`, [ids]);
    expect(rows).toEqual([{ ticket_number: 'CMP-INDEXED-1' }, { ticket_number: 'CMP-INDEXED-2' }]);
    await archive.pg.query(`DELETE FROM ${table} WHERE complaint_id = ANY($1)`, [ids]);
  });

  it('grants the writer role what the index needs, and no more', async () => {
    const role = archiveWriterRole(archive.schema);
    const { rows } = await archive.pg.query(
      `SELECT t AS table, p AS privilege, has_table_privilege($1, format('%I.%I', $2::text, t), p) AS granted
         FROM unnest(ARRAY['archive_complaint_index', 'archive_complaint_index_remedies', 'archive_retrieval_queries']) t,
              unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p ORDER BY t, p`,
      [role, archive.schema],
    );
    const granted = rows.filter((r) => r.granted).map((r) => `${r.table}:${r.privilege}`);
    expect(granted.sort()).toEqual([
      'archive_complaint_index:INSERT', 'archive_complaint_index:SELECT', 'archive_complaint_index:UPDATE',
      'archive_complaint_index_remedies:INSERT', 'archive_complaint_index_remedies:SELECT',
      'archive_retrieval_queries:INSERT', 'archive_retrieval_queries:SELECT',
    ]);
  });

  it('runs as the writer role with these grants alone: live events reach the index, searches and reports are recorded', async () => {
    // Last: the owner's instance steps aside so the writer's is the only one on the schema (as in archive-append-only).
    const role = archiveWriterRole(archive.schema);
    const [{ db }] = (await archive.pg.query(`SELECT current_database() AS db`)).rows;
    await archive.pg.query(`GRANT CREATE ON DATABASE "${db}" TO "${role}"`);
    await archive.running.stop();
    const url = new URL(TEST_DATABASE_URL);
    url.username = role;
    url.password = '';
    writerService = await startInProcess(complianceArchiveService, { DATABASE_URL: url.toString(), DB_SCHEMA: archive.schema });
    const late = randomUUID();
    const e = { ...received('c1', '2026-06-20T10:00:00Z', 'wechat', 'cust_W'), eventId: randomUUID(), complaintId: late };
    const r = { ...remedy('c1', '2026-06-21T10:00:00Z', GBP(700)), complaintId: late };
    for (const [i, [topic, env]] of ([[TOPICS.intake, e], [TOPICS.compensation, r]] as const).entries()) {
      expect(await writerService.running.transport.handleRecord(`${archive.schema}.${topic}`, 0, kafkaMessage(env, 1000 + i))).toBe('handled');
    }
    const { rows } = await archive.pg.query(`SELECT status, customer_ref, redress_minor FROM "${archive.schema}".archive_complaint_index WHERE complaint_id = $1`, [late]);
    expect(rows).toEqual([{ status: 'received', customer_ref: 'cust_W', redress_minor: '700' }]);
    const officer = await writerService.issuer.token('compliance-officer', { subject: 'writer-check' });
    const headers = { authorization: `Bearer ${officer}`, 'x-retrieval-purpose': 'internal-audit' };
    const res = await fetch(`${writerService.baseUrl}/v1/archive/search?customerRef=cust_W`, { headers });
    expect(((await res.json()) as { complaints: { complaintId: string }[] }).complaints.map((c) => c.complaintId)).toEqual([late]);
    expect((await fetch(`${writerService.baseUrl}/v1/archive/statistics?${PERIOD}&report=jrt0169&format=xlsx`, { headers })).status).toBe(200);
    const recorded = await archive.pg.query(
      `SELECT r.what, q.hits FROM "${archive.schema}".archive_retrievals r JOIN "${archive.schema}".archive_retrieval_queries q ON q.retrieval_id = r.id WHERE r.actor = 'writer-check' ORDER BY r.at`,
    );
    expect(recorded.rows).toEqual([{ what: 'GET /v1/archive/search', hits: 1 }, { what: 'GET /v1/archive/statistics', hits: 6 }]);
  });
});

/** The bytes as exceljs's load takes them. */
const arrayBufferOf = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** RFC 4180 parsing: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 1;
    } else field += ch;
  }
  if (field !== '' || record.length) records.push([...record, field]);
  return records;
}

/**
 * What investigation publishes today (case.response-issued v2, its explanation sealed) and what puts
 * an answered complaint back in work (a case reopened, a 核查 review, a low follow-up score).
 */
describe('compliance archive: the index follows the current response event and reopenings', () => {
  const PII_KEYS = `t1:${randomBytes(32).toString('base64')}`;
  let archive: ServiceUnderTest;
  let offset = 10_000;
  const complaintId = randomUUID();
  const caseId = randomUUID();
  const ticket = 'CMP-20260601-00000077-3';

  const envelope = (type: string, version: number, occurredAt: string, payload: Record<string, unknown>): Envelope => {
    const e = { eventId: randomUUID(), type, version, occurredAt, complaintId, correlationId: `reopen-${complaintId}`, causationId: null, producer: type.split('.')[0], payload };
    const verdict = validateEnvelope(e);
    if (!verdict.ok) throw new Error(`${type} is not a valid envelope: ${verdict.detail}`);
    return e;
  };
  const deliver = async (topic: string, e: Envelope) => expect(await archive.running.transport.handleRecord(`${archive.schema}.${topic}`, 0, kafkaMessage(e, offset++))).toBe('handled');
  const row = async () => (await archive.pg.query(`SELECT status, outcome, responded_at, closed_at FROM "${archive.schema}".archive_complaint_index WHERE complaint_id = $1`, [complaintId])).rows[0];
  const responseIssued = (at: string, outcome: string, reviewRound = 0) =>
    envelope(Events.CaseResponseIssued.type, Events.CaseResponseIssued.version, at, {
      caseId, ticketNumber: ticket, reviewRound, outcome, explanation: FieldCipher.fromEnv({ PII_KEYS }, { pseudonyms: false }).encrypt('经核查，予以退还。'),
      liability: 'bank', rootCause: 'system', actions: ['explanation'], remedy: null, decidedBy: 'staff-1', approvedBy: null, issuedAt: at,
      rights: { reviewBy: '2026-12-22T15:59:59.999Z', escalateTo: [] },
    });
  const finalResponse = (at: string) => envelope('notification.sent', 1, at, { messageId: randomUUID(), kind: 'final-response', channel: 'email', template: 'final-response.en', language: 'en' });

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService, { PII_KEYS });
  });
  afterAll(async () => {
    await archive?.stop();
  });

  it('closes a complaint answered with case.response-issued v2, shows it reopened until it is answered again, and closes it again then', async () => {
    await deliver(TOPICS.intake, envelope('complaint.received', 1, '2026-06-01T10:00:00Z', {
      ticketNumber: ticket, channel: 'web', channelReference: null, receivedAt: '2026-06-01T10:00:00Z', customerRef: 'cust_R', productHint: null, summary: '投诉内容已脱敏',
      language: 'zh-CN', amountInDispute: null, preferredReplyChannel: 'email', regime: 'cn-cbirc', responseDueBy: due,
    }));
    await deliver(TOPICS.investigation, responseIssued('2026-06-05T10:00:00Z', 'not-upheld'));
    await deliver(TOPICS.notification, finalResponse('2026-06-05T10:05:00Z'));
    expect(await row()).toMatchObject({ status: 'closed', outcome: 'not-upheld', closed_at: new Date('2026-06-05T10:05:00Z') });

    // A low follow-up score: worked again, so no longer closed.
    await deliver(TOPICS.notification, envelope(Events.SurveyReviewOpened.type, 1, '2026-06-08T10:00:00Z', { surveyId: randomUUID(), caseId, score: 1, threshold: 2 }));
    await deliver(TOPICS.investigation, envelope(Events.CaseReopened.type, 1, '2026-06-08T10:00:01Z', { caseId, reason: '回访不满意复查', reopenedBy: 'follow-up-survey' }));
    expect(await row()).toMatchObject({ status: 'reopened', closed_at: null });
    const reopened = await archive.pg.query(`SELECT count(*)::int AS n FROM "${archive.schema}".archive_complaint_index WHERE complaint_id = $1 AND status = 'reopened'`, [complaintId]);
    expect(reopened.rows[0].n).toBe(1);

    // Answered again, upheld this time: closed at the second answer, the first answer kept as the first.
    await deliver(TOPICS.investigation, responseIssued('2026-06-12T10:00:00Z', 'upheld'));
    await deliver(TOPICS.notification, finalResponse('2026-06-12T10:05:00Z'));
    expect(await row()).toMatchObject({ status: 'closed', outcome: 'upheld', responded_at: new Date('2026-06-05T10:05:00Z'), closed_at: new Date('2026-06-12T10:05:00Z') });

    // The same from the chain: a rebuild gives the same row.
    const before = await row();
    await archive.pg.query(`DELETE FROM "${archive.schema}".archive_complaint_index WHERE complaint_id = $1`, [complaintId]);
    await archive.running.dataSource.transaction((manager) => new ComplaintIndex().rebuild(manager));
    expect(await row()).toEqual(before);
  });
});
