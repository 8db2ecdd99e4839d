/**
 * The complaint index's redress and the FCA return's closures on a running archive: a remedy
 * amended in place counts at its latest amount, a withdrawn, rejected or reversed one not at all
 * (and one withdrawn at a reopening and granted again under a new id once); a reopened complaint
 * closes in the period of each final response, with the decision that response gave. Then the
 * same from an archive upgraded from earlier versions, whose index the migration rebuilds.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Events, TOPICS, validateEnvelope } from '@complaints/contracts';
import { FieldCipher } from '@complaints/platform';
import { createTestBed, dropRoleIfExists, TEST_DATABASE_URL, TestBed } from '@complaints/testing';
import { canonicalJson, chainHash, GENESIS_HASH } from '../../apps/compliance-archive/src/archive/hash-chain';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { ArchiveComplaintIndex1764633700000 } from '../../apps/compliance-archive/src/migrations/1764633700000-complaint-index';
import { ArchiveIndexReopenings1796750000000 } from '../../apps/compliance-archive/src/migrations/1796750000000-index-reopenings';
import { archiveMigrations, archiveWriterRole } from '../../apps/compliance-archive/src/migrations';
import { ComplaintIndex } from '../../apps/compliance-archive/src/search/complaint-index';
import { kafkaMessage } from '../archive-verify/archive-fixtures';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(180_000);

type Envelope = Record<string, unknown> & { eventId: string; type: string; complaintId: string; occurredAt: string };
type Row = Record<string, string | number | null>;

const PII_KEYS = `t1:${randomBytes(32).toString('base64')}`;
const GBP = (amountMinor: number) => ({ amountMinor, currency: 'GBP' });
const Q1 = `from=${encodeURIComponent('2025-01-01T00:00:00Z')}&to=${encodeURIComponent('2025-04-01T00:00:00+01:00')}`;
const Q2 = `from=${encodeURIComponent('2025-04-01T00:00:00+01:00')}&to=${encodeURIComponent('2025-07-01T00:00:00+01:00')}`;

/** Events of one complaint, as the producers publish them (the contracts check each). */
function complaintEvents(complaintId: string, ticket: string) {
  const caseId = randomUUID();
  const envelope = (type: string, occurredAt: string, payload: Record<string, unknown>, version = 1): Envelope => {
    const e = { eventId: randomUUID(), type, version, occurredAt, complaintId, correlationId: `redress-${complaintId}`, causationId: null, producer: type.split('.')[0], payload };
    const verdict = validateEnvelope(e);
    if (!verdict.ok) throw new Error(`${type} is not a valid envelope: ${verdict.detail}`);
    return e;
  };
  const remedyEnvelope = (type: string, at: string, remedyId: string, amountMinor: number, more: Record<string, unknown>) =>
    envelope(type, at, { remedyId, caseId, amount: GBP(amountMinor), ...more });
  return {
    received: (at: string) =>
      envelope('complaint.received', at, {
        ticketNumber: ticket, channel: 'web', channelReference: null, receivedAt: at, customerRef: `cust_${ticket.slice(-3)}`, productHint: null, summary: '投诉内容已脱敏',
        language: 'en', amountInDispute: null, preferredReplyChannel: 'email', regime: 'uk-fca', responseDueBy: '2025-12-31T23:59:59.000Z',
      }),
    triaged: (at: string, product: string) =>
      envelope('complaint.triaged', at, {
        ticketNumber: ticket, category: 'cards', severity: 'medium', department: 'complaints', routingRule: 'model', reasons: ['model'], regime: 'uk-fca',
        responseDueBy: '2025-12-31T23:59:59.000Z', taxonomy: 'cn-jrt0169', product: { code: product, title: product }, cause: { code: 'C07', title: 'C07' }, channelCode: 'A0103',
      }),
    /** What investigation publishes today: the explanation sealed with the platform's keys. */
    responseIssued: (at: string, outcome: string, reviewRound = 0) =>
      envelope(Events.CaseResponseIssued.type, at, {
        caseId, ticketNumber: ticket, reviewRound, outcome, explanation: FieldCipher.fromEnv({ PII_KEYS }, { pseudonyms: false }).encrypt('We looked into it again.'),
        liability: 'bank', rootCause: 'system', actions: ['explanation'], remedy: null, decidedBy: 'staff-1', approvedBy: null, issuedAt: at,
        rights: { reviewBy: null, escalateTo: [] },
      }, Events.CaseResponseIssued.version),
    /** The decision as archives before case.response-issued hold it. */
    resolved: (at: string, outcome: string) => envelope('case.resolved', at, { caseId, ticketNumber: ticket, outcome, explanation: 'looked into', remedy: null, decidedBy: 'staff-1' }),
    finalResponse: (at: string) => envelope('notification.sent', at, { messageId: randomUUID(), kind: 'final-response', channel: 'email', template: 'final-response.en', language: 'en' }),
    reopened: (at: string) => envelope('case.reopened', at, { caseId, reason: 'customer sent new evidence', reopenedBy: 'staff-2' }),
    proposed: (at: string, remedyId: string, amountMinor: number) => remedyEnvelope('remedy.proposed', at, remedyId, amountMinor, { type: 'goodwill' }),
    approved: (at: string, remedyId: string, amountMinor: number) => remedyEnvelope('remedy.approved', at, remedyId, amountMinor, { type: 'goodwill', route: 'automatic', approvedBy: [] }),
    paid: (at: string, remedyId: string, amountMinor: number, payoutId: string) =>
      remedyEnvelope('remedy.paid', at, remedyId, amountMinor, { type: 'goodwill', payoutId, coreReference: 'CORE-PAY-1', paidAt: at }),
    reversed: (at: string, remedyId: string, amountMinor: number, payoutId: string) =>
      remedyEnvelope('remedy.reversed', at, remedyId, amountMinor, { payoutId, reason: 'paid in error', reversedBy: 'staff-3', coreReference: 'CORE-REV-1' }),
    rejected: (at: string, remedyId: string, amountMinor: number) => remedyEnvelope('remedy.rejected', at, remedyId, amountMinor, { reason: 'over the catalogue limit', rejectedBy: 'catalogue-policy' }),
    withdrawn: (at: string, remedyId: string, amountMinor: number) =>
      remedyEnvelope('remedy.withdrawn', at, remedyId, amountMinor, { cause: 'case-reopened', reason: 'the case was reopened', withdrawnBy: 'staff-2' }),
  };
}

const TOPIC_OF: Record<string, string> = {
  complaint: TOPICS.intake, case: TOPICS.investigation, remedy: TOPICS.compensation, notification: TOPICS.notification,
};
const topicOf = (e: Envelope) => (e.type === 'complaint.triaged' ? TOPICS.triage : TOPIC_OF[e.type.split('.')[0]]);

/**
 * Five UK complaints: (a) a £100 proposal amended to £250; (b) £300 granted, withdrawn when the case
 * was reopened and granted again under a new id; (c) a remedy the catalogue rejected; (d) one paid
 * and then reversed; (e) not upheld in Q1, reopened, upheld in Q2 (the reviewer's scenario).
 */
function scenario() {
  const ids = { a: randomUUID(), b: randomUUID(), c: randomUUID(), d: randomUUID(), e: randomUUID() };
  const ev = Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, complaintEvents(id, `CMP-20250401-0000000${k.charCodeAt(0) - 96}-${k}`)])) as Record<keyof typeof ids, ReturnType<typeof complaintEvents>>;
  const remedies = { a: randomUUID(), b1: randomUUID(), b2: randomUUID(), c: randomUUID(), d: randomUUID() };
  const payout = randomUUID();
  const { a, b, c, d, e } = ev;
  const events: Envelope[] = [
    a.received('2025-06-02T09:00:00Z'), a.triaged('2025-06-02T09:05:00Z', 'B03'), a.responseIssued('2025-06-10T09:00:00Z', 'upheld'),
    a.proposed('2025-06-10T09:01:00Z', remedies.a, 10_000), a.proposed('2025-06-10T09:30:00Z', remedies.a, 25_000), a.finalResponse('2025-06-10T10:00:00Z'),

    b.received('2025-04-07T09:00:00Z'), b.triaged('2025-04-07T09:05:00Z', 'B03'), b.responseIssued('2025-04-14T09:00:00Z', 'upheld'),
    b.proposed('2025-04-14T09:01:00Z', remedies.b1, 30_000), b.finalResponse('2025-04-14T10:00:00Z'),
    b.reopened('2025-05-02T08:00:00Z'), b.withdrawn('2025-05-02T08:00:01Z', remedies.b1, 30_000),
    b.responseIssued('2025-05-20T09:00:00Z', 'upheld'), b.proposed('2025-05-20T09:01:00Z', remedies.b2, 30_000), b.finalResponse('2025-05-20T10:00:00Z'),

    c.received('2025-04-08T09:00:00Z'), c.triaged('2025-04-08T09:05:00Z', 'B03'), c.responseIssued('2025-04-15T09:00:00Z', 'upheld'),
    c.proposed('2025-04-15T09:01:00Z', remedies.c, 50_000), c.rejected('2025-04-15T09:01:01Z', remedies.c, 50_000), c.finalResponse('2025-04-15T10:00:00Z'),

    d.received('2025-04-09T09:00:00Z'), d.triaged('2025-04-09T09:05:00Z', 'B03'), d.responseIssued('2025-04-10T09:00:00Z', 'upheld'),
    d.proposed('2025-04-10T09:01:00Z', remedies.d, 4_000), d.approved('2025-04-10T09:01:01Z', remedies.d, 4_000), d.finalResponse('2025-04-11T10:00:00Z'),
    d.paid('2025-04-11T12:00:00Z', remedies.d, 4_000, payout), d.reversed('2025-04-20T12:00:00Z', remedies.d, 4_000, payout),

    // e's events arrive out of order across topics: its second answer and reopening before its first decision.
    e.received('2025-01-06T10:00:00Z'), e.triaged('2025-01-06T10:05:00Z', 'B02'), e.finalResponse('2025-06-12T10:00:00Z'), e.reopened('2025-05-01T08:00:00Z'),
    e.finalResponse('2025-01-16T10:00:00Z'), e.responseIssued('2025-06-12T09:00:00Z', 'upheld'), e.responseIssued('2025-01-16T09:00:00Z', 'not-upheld'),
  ];
  return { ids, events, remedies };
}

/** The returns drawn by hand. Q2: a, b, c, d received and closed in it; e closed again in it, upheld, after eight weeks. */
const Q2_ROWS = [
  { code: 'B02', opened: 0, closed: 1, closedWithin3BusinessDays: 0, closedWithin8Weeks: 0, closedAfter8Weeks: 1, upheld: 1, upheldPercent: 100, 'redress.GBP': 0 },
  { code: 'B03', opened: 4, closed: 4, closedWithin3BusinessDays: 1, closedWithin8Weeks: 3, closedAfter8Weeks: 0, upheld: 4, upheldPercent: 100, 'redress.GBP': 550 },
  { code: 'total', opened: 4, closed: 5, closedWithin3BusinessDays: 1, closedWithin8Weeks: 3, closedAfter8Weeks: 1, upheld: 5, upheldPercent: 100, 'redress.GBP': 550 },
];
/** Q1: e received and first answered, not upheld then. */
const Q1_ROWS = [
  { code: 'B02', opened: 1, closed: 1, closedWithin3BusinessDays: 0, closedWithin8Weeks: 1, closedAfter8Weeks: 0, upheld: 0, upheldPercent: 0 },
  { code: 'total', opened: 1, closed: 1, closedWithin3BusinessDays: 0, closedWithin8Weeks: 1, closedAfter8Weeks: 0, upheld: 0, upheldPercent: 0 },
];

async function ukReturn(service: ServiceUnderTest, period: string): Promise<Row[]> {
  const token = await service.issuer.token('compliance-officer', { subject: 'fca-return-0001' });
  const res = await fetch(`${service.baseUrl}/v1/archive/statistics?${period}&report=uk-return`, {
    headers: { authorization: `Bearer ${token}`, 'x-retrieval-purpose': 'regulator-request', 'x-retrieval-reference': 'FCA-RET-2025' },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { tables: { rows: Row[] }[] };
  return body.tables[0].rows.map(({ label: _l, labelEn: _e, ...r }) => r);
}

async function indexOf(pg: Client, schema: string, ids: Record<string, string>) {
  const { rows } = await pg.query(`SELECT complaint_id, status, outcome, redress_minor, redress_currency FROM "${schema}".archive_complaint_index WHERE complaint_id = ANY($1)`, [Object.values(ids)]);
  return Object.fromEntries(Object.entries(ids).map(([k, id]) => {
    const r = rows.find((x) => x.complaint_id === id);
    return [k, r && [r.status, r.outcome, r.redress_minor, r.redress_currency]];
  }));
}

const EXPECTED_INDEX = {
  a: ['closed', 'upheld', '25000', 'GBP'],
  b: ['closed', 'upheld', '30000', 'GBP'],
  c: ['closed', 'upheld', null, null],
  d: ['closed', 'upheld', null, null],
  e: ['closed', 'upheld', null, null],
};

describe('compliance archive: redress follows each remedy to its end, and the FCA return each closure', () => {
  let archive: ServiceUnderTest;
  let writer: ServiceUnderTest | null = null;
  const { ids, events } = scenario();
  let offset = 0;
  const deliver = async (service: ServiceUnderTest, e: Envelope) =>
    expect(await service.running.transport.handleRecord(`${service.schema}.${topicOf(e)}`, 0, kafkaMessage(e, offset++))).toBe('handled');

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService, { PII_KEYS });
    for (const e of events) await deliver(archive, e);
  });
  afterAll(async () => {
    if (writer) {
      await writer.running.stop();
      await writer.pg.end();
    }
    await archive?.stop();
  });

  it('holds in the index the latest amount of each remedy still standing, once', async () => {
    expect(await indexOf(archive.pg, archive.schema, ids)).toEqual(EXPECTED_INDEX);
  });

  it('counts a reopened complaint closed in each quarter it was answered, with that answer\'s decision, and only standing redress', async () => {
    expect(await ukReturn(archive, Q2)).toEqual(Q2_ROWS);
    expect(await ukReturn(archive, Q1)).toEqual(Q1_ROWS);
  });

  it('gives the same index and returns when rebuilt from the chain into empty tables', async () => {
    const tables = ['archive_complaint_index', 'archive_complaint_index_remedies', 'archive_complaint_index_remedy_ends', 'archive_complaint_index_milestones'];
    await archive.pg.query(`TRUNCATE ${tables.map((t) => `"${archive.schema}".${t}`).join(', ')}`);
    await archive.running.dataSource.transaction((manager) => new ComplaintIndex().rebuild(manager));
    expect(await indexOf(archive.pg, archive.schema, ids)).toEqual(EXPECTED_INDEX);
    expect(await ukReturn(archive, Q2)).toEqual(Q2_ROWS);
    expect(await ukReturn(archive, Q1)).toEqual(Q1_ROWS);
  });

  it('grants the writer role reading and adding to the new tables only, and runs as it', async () => {
    const role = archiveWriterRole(archive.schema);
    const { rows } = await archive.pg.query(
      `SELECT t AS table, p AS privilege FROM unnest(ARRAY['archive_complaint_index_remedies', 'archive_complaint_index_remedy_ends', 'archive_complaint_index_milestones']) t,
              unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
        WHERE has_table_privilege($1, format('%I.%I', $2::text, t), p) ORDER BY t, p`,
      [role, archive.schema],
    );
    expect(rows.map((r) => `${r.table}:${r.privilege}`)).toEqual([
      'archive_complaint_index_milestones:INSERT', 'archive_complaint_index_milestones:SELECT',
      'archive_complaint_index_remedies:INSERT', 'archive_complaint_index_remedies:SELECT',
      'archive_complaint_index_remedy_ends:INSERT', 'archive_complaint_index_remedy_ends:SELECT',
    ]);

    // The owner's instance steps aside so the writer's is the only one on the schema.
    const [{ db }] = (await archive.pg.query(`SELECT current_database() AS db`)).rows;
    await archive.pg.query(`GRANT CREATE ON DATABASE "${db}" TO "${role}"`);
    await archive.running.stop();
    const url = new URL(TEST_DATABASE_URL);
    url.username = role;
    url.password = '';
    writer = await startInProcess(complianceArchiveService, { DATABASE_URL: url.toString(), DB_SCHEMA: archive.schema, PII_KEYS });
    const late = randomUUID();
    const f = complaintEvents(late, 'CMP-20250601-00000009-f');
    const remedyId = randomUUID();
    for (const e of [
      f.received('2025-06-02T09:00:00Z'), f.responseIssued('2025-06-03T09:00:00Z', 'partially-upheld'), f.proposed('2025-06-03T09:01:00Z', remedyId, 1_000),
      f.proposed('2025-06-03T09:02:00Z', remedyId, 1_500), f.finalResponse('2025-06-03T10:00:00Z'), f.reopened('2025-06-04T10:00:00Z'), f.withdrawn('2025-06-04T10:00:01Z', remedyId, 1_500),
    ]) await deliver(writer, e);
    expect(await indexOf(archive.pg, archive.schema, { f: late })).toEqual({ f: ['reopened', 'partially-upheld', null, null] });
    const total = (await ukReturn(writer, Q2)).find((r) => r.code === 'total');
    expect(total).toMatchObject({ opened: 5, closed: 6, upheld: 6, 'redress.GBP': 550 });
  });
});

/** Appends events to archive_entries as an archive of an earlier version did: linked, in clear. */
async function archiveDirectly(bed: TestBed, events: Envelope[]): Promise<void> {
  let prev = GENESIS_HASH;
  let seq = 0;
  for (const e of events) {
    seq += 1;
    const canonical = canonicalJson(e);
    const entryHash = chainHash(prev, canonical);
    await bed.dataSource.query(
      `INSERT INTO archive_entries (seq, event_id, complaint_id, event_type, event_version, producer, occurred_at, source_topic, source_partition, source_offset, canonical, prev_hash, entry_hash, archived_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $1, $9, $10, $11, now())`,
      [seq, e.eventId, e.complaintId, e.type, e.version, e.producer, e.occurredAt, `${bed.schema}.${topicOf(e)}`, canonical, prev, entryHash],
    );
    prev = entryHash;
  }
  await bed.dataSource.query(`UPDATE chain_head SET seq = $1, entry_hash = $2`, [seq, prev]);
}

describe('compliance archive: an archive upgraded to this version gets its index rebuilt', () => {
  let bed: TestBed | undefined;
  let archive: ServiceUnderTest | undefined;
  const pg = new Client({ connectionString: TEST_DATABASE_URL });

  beforeAll(async () => {
    await pg.connect();
  });
  afterEach(async () => {
    await archive?.stop();
    archive = undefined;
    const schema = bed?.schema;
    await bed?.teardown();
    bed = undefined;
    if (schema) await dropRoleIfExists(pg, archiveWriterRole(schema));
  });
  afterAll(async () => {
    await pg.end();
  });

  /** The decisions as case.resolved, which archives of those versions hold. */
  const asArchivedEarlier = (events: Envelope[]) =>
    events.map((e) => {
      if (e.type !== Events.CaseResponseIssued.type) return e;
      const p = e.payload as { caseId: string; ticketNumber: string; outcome: string };
      return { ...e, type: 'case.resolved', version: 1, payload: { caseId: p.caseId, ticketNumber: p.ticketNumber, outcome: p.outcome, explanation: 'looked into', remedy: null, decidedBy: 'staff-1' } };
    });

  it('from the version before: the stale redress and the first answers are replaced as the service starts', async () => {
    const { ids, events, remedies } = scenario();
    bed = await createTestBed({ migrations: archiveMigrations.slice(0, archiveMigrations.indexOf(ArchiveIndexReopenings1796750000000) + 1) });
    await archiveDirectly(bed, asArchivedEarlier(events));
    // What that version had projected of a: its remedy at the first amount proposed.
    await bed.dataSource.query(
      `INSERT INTO archive_complaint_index (complaint_id, received_at, redress_minor, redress_currency, updated_at) VALUES ($1, '2025-06-02T09:00:00Z', 10000, 'GBP', '2025-06-10T09:01:00Z')`,
      [ids.a],
    );
    await bed.dataSource.query(
      `INSERT INTO archive_complaint_index_remedies (remedy_id, complaint_id, amount_minor, currency, proposed_at) VALUES ($1, $2, 10000, 'GBP', '2025-06-10T09:01:00Z')`,
      [remedies.a, ids.a],
    );
    archive = await startInProcess(complianceArchiveService, { PII_KEYS, DB_SCHEMA: bed.schema });
    expect(await indexOf(archive.pg, archive.schema, ids)).toEqual(EXPECTED_INDEX);
    expect(await ukReturn(archive, Q2)).toEqual(Q2_ROWS);
    expect(await ukReturn(archive, Q1)).toEqual(Q1_ROWS);
  });

  it('from before the index existed: every index migration runs in turn and the last one builds it', async () => {
    const { ids, events } = scenario();
    bed = await createTestBed({ migrations: archiveMigrations.slice(0, archiveMigrations.indexOf(ArchiveComplaintIndex1764633700000)) });
    await archiveDirectly(bed, asArchivedEarlier(events));
    archive = await startInProcess(complianceArchiveService, { PII_KEYS, DB_SCHEMA: bed.schema });
    expect(await indexOf(archive.pg, archive.schema, ids)).toEqual(EXPECTED_INDEX);
    expect(await ukReturn(archive, Q2)).toEqual(Q2_ROWS);
  });
});
