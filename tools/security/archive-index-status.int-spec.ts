/**
 * The complaint index's status and closure, as the archive's migrations define them, over every
 * order in which a complaint can be answered, reopened and withdrawn.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestBed, dropRoleIfExists, TEST_DATABASE_URL, TestBed } from '@complaints/testing';
import { archiveMigrations, archiveWriterRole } from '../../apps/compliance-archive/src/migrations';

jest.setTimeout(60_000);

const at = (day: number) => new Date(Date.UTC(2025, 0, day, 2)).toISOString();

describe('archive index: where a complaint stands', () => {
  let bed: TestBed;

  beforeAll(async () => {
    bed = await createTestBed({ migrations: archiveMigrations });
  });
  afterAll(async () => {
    await bed?.teardown();
    const pg = new Client({ connectionString: TEST_DATABASE_URL });
    await pg.connect();
    await dropRoleIfExists(pg, archiveWriterRole(bed.schema)).catch(() => undefined);
    await pg.end();
  });

  const standing = async (row: { responded?: number; outcome?: string; reopened?: number; withdrawn?: number; resolved?: number }) => {
    const id = randomUUID();
    await bed.dataSource.query(
      `INSERT INTO archive_complaint_index (complaint_id, received_at, triaged_at, outcome, resolved_at, responded_at, last_responded_at, reopened_at, withdrawn_at, updated_at)
       VALUES ($1, $2, $2, $3, $4, $5, $5, $6, $7, now())`,
      [id, at(1), row.outcome ?? null, row.resolved ? at(row.resolved) : null, row.responded ? at(row.responded) : null, row.reopened ? at(row.reopened) : null, row.withdrawn ? at(row.withdrawn) : null],
    );
    const [r] = await bed.dataSource.query(`SELECT status, closed_at FROM archive_complaint_index WHERE complaint_id = $1`, [id]);
    return { status: r.status as string, closedAt: r.closed_at ? new Date(r.closed_at).toISOString() : null };
  };

  it.each([
    ['answered', { responded: 10, resolved: 9, outcome: 'upheld' }, { status: 'closed', closedAt: at(10) }],
    ['reopened after its answer', { responded: 10, resolved: 9, outcome: 'upheld', reopened: 20 }, { status: 'reopened', closedAt: null }],
    ['withdrawn before any answer', { withdrawn: 5 }, { status: 'withdrawn', closedAt: at(5) }],
    ['reopened after its answer, then withdrawn', { responded: 10, resolved: 9, outcome: 'upheld', reopened: 20, withdrawn: 25 }, { status: 'withdrawn', closedAt: at(25) }],
    ['reopened, withdrawn, yet answered again after (the answer stands)', { responded: 30, resolved: 29, outcome: 'not-upheld', reopened: 20, withdrawn: 25 }, { status: 'closed', closedAt: at(30) }],
    ['answered without a decision on the record yet', { responded: 10 }, { status: 'responded', closedAt: null }],
  ] as const)('%s', async (_what, row, expected) => {
    expect(await standing(row)).toEqual(expected);
  });
});
