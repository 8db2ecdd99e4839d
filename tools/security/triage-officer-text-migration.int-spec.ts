import { randomBytes, randomUUID } from 'node:crypto';
import { maskDigitRuns } from '@complaints/domain';
import { FieldCipher } from '@complaints/platform';
import { createTestBed, migrateWithKeys, TestBed } from '@complaints/testing';
import type { Role } from '@complaints/contracts';
import { TriageSealedOfficerText1796930000000, triageMigrations } from '../../apps/triage/src/migrations';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const PII_KEYS = `t1:${randomBytes(32).toString('base64')}`;
const keys = FieldCipher.fromEnv({ PII_KEYS }, { pseudonyms: false });

/** The schema as the version before sealing triage officers' reasons left it. */
const earlierVersion = triageMigrations.slice(0, triageMigrations.indexOf(TriageSealedOfficerText1796930000000));

const name = '王建国';
const phone = '13900001111';
const decidedWords = `客户${name}来电 ${phone} 说明是存折`;
const retriagedWords = `回拨${name} ${phone} 确认为银行卡`;
const modelLine = 'product B01 人民币储蓄 (model m@v1, confidence 0.31): no decisive term';

const clock = (dueBy: Date) => ({ state: 'running', period: 'standard', startedAt: new Date().toISOString(), dueBy: dueBy.toISOString(), pauses: [], restarts: [], extensions: [] });

/** A decision as the earlier version stored it after an officer decided and re-triaged it: the words in clear. */
async function insertDecision(bed: TestBed, complaintId: string, ticket: string, reasons: string[]) {
  const due = new Date(Date.now() + 15 * 86_400_000);
  await bed.dataSource.query(
    `INSERT INTO triage_decisions (complaint_id, ticket_number, status, taxonomy, product, category, channel, severity, department, routing_rule, reasons, triaged_by,
                                   regime, clock_started_at, response_due_by, decided_at, received_at, clock)
     VALUES ($1, $2, 'routed', 'cn-jrt0169', 'B03', 'C01', 'mobile-app', 'low', 'branch-management', 'cn-jrt0169@v1#attitude-and-service', $3, 'triage-officer',
             'cn-cbirc', now(), $4, now(), now(), $5)`,
    [complaintId, ticket, JSON.stringify(reasons), due, JSON.stringify(clock(due))],
  );
}

describe("triage: officers' reasons stored before they were sealed", () => {
  let bed: TestBed;
  let triage: ServiceUnderTest | undefined;

  beforeEach(async () => {
    bed = await createTestBed({ migrations: earlierVersion });
  });
  afterEach(async () => {
    await triage?.stop();
    triage = undefined;
    await bed?.teardown();
  });

  const q = (sql: string, params: unknown[] = []) => bed.dataSource.query(sql, params);

  it('areSealedByTheMigrationAsTheServiceStarts_inBatches_andReadWholeByInvestigators_andMaskedForAuditors', async () => {
    const complaintId = randomUUID();
    const reasons = [modelLine, `decided by triage officer to-1: ${decidedWords}`, 'routed to operations by cn-jrt0169@v1#transactions', `re-triaged by triage officer to-2: ${retriagedWords}`];
    await insertDecision(bed, complaintId, 'CMP-T-1', reasons);
    await q(
      `INSERT INTO triage_revisions (id, complaint_id, revised_at, actor, reason, previous, current) VALUES
         ($1, $3, now() - interval '1 hour', 'to-1', $4, '{}', '{"product":"B01"}'),
         ($2, $3, now(), 'to-2', $5, '{"product":"B01"}', '{"product":"B03"}')`,
      [randomUUID(), randomUUID(), complaintId, decidedWords, retriagedWords],
    );
    // More than one batch of the migration's walk, of revisions and of decisions.
    const busy = randomUUID();
    await insertDecision(bed, busy, 'CMP-T-2', [modelLine]);
    await q(
      `INSERT INTO triage_revisions (id, complaint_id, revised_at, actor, reason, previous, current)
       SELECT gen_random_uuid(), $1, now() + i * interval '1 second', 'to-1', '第' || i || '次：' || $2, '{}', '{}' FROM generate_series(1, 1201) AS i`,
      [busy, decidedWords],
    );
    for (let i = 0; i < 3; i++) {
      const many: string[] = Array.from({ length: 250 }, () => randomUUID());
      await q(
        `INSERT INTO triage_decisions (complaint_id, ticket_number, category, severity, department, routing_rule, reasons, regime, clock_started_at, response_due_by, decided_at, received_at)
         SELECT id, 'CMP-M-' || id, 'C01', 'low', 'operations', 'r', $2, 'cn-cbirc', now(), now(), now(), now() FROM unnest($1::uuid[]) AS id`,
        [many, JSON.stringify([modelLine, `decided by triage officer to-3: ${decidedWords}`])],
      );
    }

    // The service migrates the schema the earlier version filled as it starts, as a release would; the bed drops it.
    triage = await startInProcess(ALL_SERVICES.find((d) => d.name === 'triage')!, { PII_KEYS, DB_SCHEMA: bed.schema, DEADLINE_CHECK_INTERVAL_MS: '60000' });

    // Nothing left in clear: not the customer's name, not the number, not the words, in any column of any row.
    for (const table of ['triage_revisions', 'triage_decisions']) {
      for (const secret of [name, phone, '说明是存折', '确认为银行卡']) {
        expect({ table, secret, rows: (await q(`SELECT count(*)::int AS n FROM ${table} t WHERE position($1 in t::text) > 0`, [secret]))[0].n }).toEqual({ table, secret, rows: 0 });
      }
    }
    const busyRevisions: { reason: string; reason_sealed: string }[] = await q(`SELECT reason, reason_sealed FROM triage_revisions WHERE complaint_id = $1 ORDER BY revised_at`, [busy]);
    expect(busyRevisions).toHaveLength(1201);
    expect(busyRevisions.map((r) => [r.reason, keys.decrypt(r.reason_sealed)])).toEqual(Array.from({ length: 1201 }, (_, i) => ['', `第${i + 1}次：${decidedWords}`]));
    const manyLines: { line: string }[] = await q(`SELECT reasons->>1 AS line FROM triage_decisions WHERE ticket_number LIKE 'CMP-M-%'`);
    expect(manyLines).toHaveLength(750);
    expect(new Set(manyLines.map((r) => keys.decrypt(r.line.slice('decided by triage officer to-3: '.length))))).toEqual(new Set([decidedWords]));
    const [stored] = await q(`SELECT reasons FROM triage_decisions WHERE complaint_id = $1`, [complaintId]);
    expect(stored.reasons[0]).toBe(modelLine);
    expect(stored.reasons[2]).toBe(reasons[2]);

    // A replica still on the earlier version inserts a revision in clear while the release rolls out: it is read too.
    const later = `${name}补充：实为信用卡`;
    await q(`INSERT INTO triage_revisions (id, complaint_id, revised_at, actor, reason, previous, current) VALUES ($1, $2, now() + interval '1 second', 'to-1', $3, '{}', '{}')`, [
      randomUUID(),
      complaintId,
      later,
    ]);

    const get = async (role: Role) => {
      const res = await fetch(`${triage!.baseUrl}/v1/triage/complaints/${complaintId}`, { headers: { authorization: `Bearer ${await triage!.issuer.token(role, { subject: `${role}-1` })}` } });
      expect({ role, status: res.status }).toEqual({ role, status: 200 });
      return (await res.json()) as { reasons: string[]; revisions: { reason: string; actor: string }[] };
    };
    const whole = await get('investigator');
    expect(whole.reasons).toEqual(reasons);
    expect(whole.revisions.map((r) => r.reason)).toEqual([decidedWords, retriagedWords, later]);
    const masked = await get('auditor');
    expect(masked.reasons).toEqual(reasons.map((r) => (r.includes('by triage officer') ? maskDigitRuns(r) : r)));
    expect(masked.revisions.map((r) => r.reason)).toEqual([maskDigitRuns(decidedWords), maskDigitRuns(retriagedWords), later]);
    expect(JSON.stringify(masked)).not.toContain(phone);
  });

  it('refusesWithoutPiiKeys_onlyWhenThereIsTextToSeal_andGoesBackDownToClearText', async () => {
    const sealedColumns = async () =>
      (await q(`SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = $1 AND column_name LIKE '%\\_sealed' ORDER BY 1`, [bed.schema])).map(
        (r: { c: string }) => r.c,
      );
    // Nothing stored yet: migrates without keys, like every other migration.
    await migrateWithKeys(bed, {}, (runner) => new TriageSealedOfficerText1796930000000().up(runner));
    expect(await sealedColumns()).toEqual(['triage_revisions.reason_sealed']);
    await migrateWithKeys(bed, {}, (runner) => new TriageSealedOfficerText1796930000000().down(runner));
    expect(await sealedColumns()).toEqual([]);

    const complaintId = randomUUID();
    const reasons = [modelLine, `decided by triage officer to-1: ${decidedWords}`];
    await insertDecision(bed, complaintId, 'CMP-T-1', reasons);
    const revisionId = randomUUID();
    await q(`INSERT INTO triage_revisions (id, complaint_id, revised_at, actor, reason, previous, current) VALUES ($1, $2, now(), 'to-1', $3, '{}', '{}')`, [revisionId, complaintId, decidedWords]);

    await expect(migrateWithKeys(bed, {}, (runner) => new TriageSealedOfficerText1796930000000().up(runner))).rejects.toThrow(/triage has triage officers' reasons to seal, which needs the service's PII_KEYS/);
    expect(await sealedColumns()).toEqual([]);
    expect(await q(`SELECT reason FROM triage_revisions WHERE id = $1`, [revisionId])).toEqual([{ reason: decidedWords }]);

    await migrateWithKeys(bed, { PII_KEYS }, (runner) => new TriageSealedOfficerText1796930000000().up(runner));
    const [sealed] = await q(`SELECT reason, reason_sealed FROM triage_revisions WHERE id = $1`, [revisionId]);
    expect({ reason: sealed.reason, opened: keys.decrypt(sealed.reason_sealed) }).toEqual({ reason: '', opened: decidedWords });
    const [decision] = await q(`SELECT reasons FROM triage_decisions WHERE complaint_id = $1`, [complaintId]);
    expect(JSON.stringify(decision.reasons)).not.toContain(name);
    // A blank reason in clear is still refused, as before.
    await expect(q(`INSERT INTO triage_revisions (id, complaint_id, revised_at, actor, reason, previous, current) VALUES ($1, $2, now(), 'to-1', '  ', '{}', '{}')`, [randomUUID(), complaintId])).rejects.toThrow(
      /triage_revisions_one_reason/,
    );

    await migrateWithKeys(bed, { PII_KEYS }, (runner) => new TriageSealedOfficerText1796930000000().down(runner));
    expect(await sealedColumns()).toEqual([]);
    expect(await q(`SELECT reason FROM triage_revisions WHERE id = $1`, [revisionId])).toEqual([{ reason: decidedWords }]);
    expect((await q(`SELECT reasons FROM triage_decisions WHERE complaint_id = $1`, [complaintId]))[0].reasons).toEqual(reasons);
  });
});
