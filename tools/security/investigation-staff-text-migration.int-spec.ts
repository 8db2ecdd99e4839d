import { randomBytes, randomUUID } from 'node:crypto';
import { maskDigitRuns } from '@complaints/domain';
import { FieldCipher } from '@complaints/platform';
import { createTestBed, migrateWithKeys, TestBed } from '@complaints/testing';
import { investigationMigrations, SealedStaffText1796920316000 } from '../../apps/investigation/src/migrations';
import { investigationClient } from './investigation-client';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const PII = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}`, PII_PSEUDONYM_KEY: randomBytes(32).toString('base64') };
const keys = FieldCipher.fromEnv(PII);

/** The schema as the version before sealing staff text left it. */
const earlierVersion = investigationMigrations.slice(0, investigationMigrations.indexOf(SealedStaffText1796920316000));

const name = '周建国';
const phone = '13655556666';
const card = '6222027777888899990';

/** What handlers wrote before it was sealed. */
const written = {
  escalation: `${name}来电 ${phone} 要求上级处理`,
  interest: `客户${name}是我的表哥`,
  extension: `需调取${name}卡号 ${card} 的清算日志`,
  extensionDecision: `同意，已告知${name} ${phone}`,
  measure: `回拨客户${name} ${phone} 后复盘话术`,
  note: `抽查${name}卡号 ${card} 的同类扣款，无复发`,
};

async function insertCase(bed: TestBed, investigator: string): Promise<string> {
  const caseId = randomUUID();
  await bed.dataSource.query(
    `INSERT INTO cases (id, complaint_id, ticket_number, department, severity, status, response_due_by, opened_at, assigned_to)
     VALUES ($1, $2, 'CMP-T-1', 'operations', 'low', 'investigating', now() + interval '15 days', now(), $3)`,
    [caseId, randomUUID(), investigator],
  );
  return caseId;
}

const migrate = migrateWithKeys;

describe('investigation: staff text stored before it was sealed', () => {
  let bed: TestBed;
  let investigation: ServiceUnderTest | undefined;
  const { token, call } = investigationClient(() => investigation!);

  beforeEach(async () => {
    bed = await createTestBed({ migrations: earlierVersion });
  });
  afterEach(async () => {
    await investigation?.stop();
    investigation = undefined;
    await bed?.teardown();
  });

  it('isSealedByTheMigrationAsTheServiceStarts_andReadAsWrittenByTheInvestigator_andMaskedForAnAuditor', async () => {
    const investigator = 'inv-1';
    const caseId = await insertCase(bed, investigator);
    const q = (sql: string, params: unknown[] = []) => bed.dataSource.query(sql, params);
    await q(
      `INSERT INTO case_transitions (case_id, action, from_state, to_state, at, actor, reason) VALUES
         ($1, 'assign', 'awaiting-assignment', 'investigating', now() - interval '2 hours', 'system', 'workload and skill'),
         ($1, 'record-findings', 'investigating', 'investigating', now() - interval '1 hour', $2, NULL),
         ($1, 'escalate', 'investigating', 'investigating', now(), $2, $3)`,
      [caseId, investigator, written.escalation],
    );
    // More than one batch of the migration's walk.
    const busy = await insertCase(bed, investigator);
    await q(
      `INSERT INTO case_transitions (case_id, action, from_state, to_state, at, actor, reason)
       SELECT $1, 'assign', 'investigating', 'investigating', now(), 'triage-officer-1', '第' || i || '次改派：' || $2 FROM generate_series(1, 1201) AS i`,
      [busy, written.escalation],
    );
    await q(`INSERT INTO case_declared_interests (case_id, staff_id, reason, declared_by, declared_at) VALUES ($1, 'inv-2', $2, 'inv-2', now())`, [caseId, written.interest]);
    const extensionId = randomUUID();
    await q(
      `INSERT INTO case_extension_requests (id, case_id, to_period, reason, requested_by, requested_at, decision, decided_by, decided_at, decision_reason, senior_approval)
       VALUES ($1, $2, 'complex', $3, $4, now(), 'approved', 'sup-1', now(), $5, false)`,
      [extensionId, caseId, written.extension, investigator, written.extensionDecision],
    );
    const actionId = randomUUID();
    await q(
      `INSERT INTO improvement_actions (id, source_case_id, root_cause, department, measure, due_by, status, effectiveness_note, raised_by, raised_at, updated_at)
       VALUES ($1, $2, 'system', 'hotline', $3, now() + interval '30 days', 'in-progress', $4, $5, now(), now())`,
      [actionId, caseId, written.measure, written.note, investigator],
    );

    // The service migrates the schema the earlier version filled as it starts, as a release would; the bed drops it.
    investigation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'investigation')!, { ...PII, DB_SCHEMA: bed.schema, TASK_CHECK_INTERVAL_MS: '0' });

    // Nothing is left in clear: not the customer's name, not a number, in any column of any of these rows.
    for (const table of ['case_transitions', 'case_declared_interests', 'case_extension_requests', 'improvement_actions']) {
      for (const secret of [name, phone, card]) {
        expect({ table, secret, rows: (await q(`SELECT count(*)::int AS n FROM ${table} t WHERE position($1 in t::text) > 0`, [secret]))[0].n }).toEqual({ table, secret, rows: 0 });
      }
    }
    const transitions: { reason: string | null; reason_sealed: string | null }[] = await q(`SELECT reason, reason_sealed FROM case_transitions WHERE case_id = $1 ORDER BY id`, [busy]);
    expect(transitions).toHaveLength(1201);
    expect(transitions.map((t) => [t.reason, keys.decrypt(t.reason_sealed!)])).toEqual(Array.from({ length: 1201 }, (_, i) => [null, `第${i + 1}次改派：${written.escalation}`]));
    const [extension] = await q(`SELECT reason, reason_sealed, decision_reason, decision_reason_sealed FROM case_extension_requests WHERE id = $1`, [extensionId]);
    expect({ ...extension, reason_sealed: keys.decrypt(extension.reason_sealed), decision_reason_sealed: keys.decrypt(extension.decision_reason_sealed) }).toEqual({
      reason: null,
      reason_sealed: written.extension,
      decision_reason: null,
      decision_reason_sealed: written.extensionDecision,
    });
    const [action] = await q(`SELECT measure, measure_sealed, effectiveness_note, effectiveness_note_sealed FROM improvement_actions WHERE id = $1`, [actionId]);
    expect({ ...action, measure_sealed: keys.decrypt(action.measure_sealed), effectiveness_note_sealed: keys.decrypt(action.effectiveness_note_sealed) }).toEqual({
      measure: null,
      measure_sealed: written.measure,
      effectiveness_note: null,
      effectiveness_note_sealed: written.note,
    });

    // A replica still on the earlier version writes a reason in clear while the release rolls out: it is read too.
    await q(`INSERT INTO case_transitions (case_id, action, from_state, to_state, at, actor, reason) VALUES ($1, 'close', 'investigating', 'closed', now() + interval '1 second', $2, $3)`, [
      caseId,
      investigator,
      `${name}接受处理结果`,
    ]);

    const get = async <T>(route: string, role: 'investigator' | 'auditor'): Promise<T> => {
      const answer = await call<T>('GET', route, await token(role, { subject: `${role}-1` }));
      expect({ route, status: answer.status }).toEqual({ route, status: 200 });
      return answer.body;
    };
    type CaseText = { transitions: { reason: string | null }[]; declaredInterests: { reason: string }[]; extensions: { reason: string; decisionReason: string }[] };
    type ActionText = { measure: string; effectivenessNote: string };
    const whole = await get<CaseText>(`/v1/cases/${caseId}`, 'investigator');
    expect(whole.transitions.map((t) => t.reason)).toEqual(['workload and skill', null, written.escalation, `${name}接受处理结果`]);
    expect(whole.declaredInterests.map((i) => i.reason)).toEqual([written.interest]);
    expect(whole.extensions.map((x) => [x.reason, x.decisionReason])).toEqual([[written.extension, written.extensionDecision]]);
    expect(await get<ActionText>(`/v1/improvement-actions/${actionId}`, 'investigator')).toMatchObject({ measure: written.measure, effectivenessNote: written.note });

    const masked = await get<CaseText>(`/v1/cases/${caseId}`, 'auditor');
    expect(masked.transitions.map((t) => t.reason)).toEqual(['workload and skill', null, maskDigitRuns(written.escalation), `${name}接受处理结果`]);
    expect(masked.extensions.map((x) => [x.reason, x.decisionReason])).toEqual([[maskDigitRuns(written.extension), maskDigitRuns(written.extensionDecision)]]);
    const listed = await get<ActionText[]>(`/v1/improvement-actions?department=hotline`, 'auditor');
    expect(listed.map((a) => [a.measure, a.effectivenessNote])).toEqual([[maskDigitRuns(written.measure), maskDigitRuns(written.note)]]);
  });

  it('takesWhatAReplicaOnTheEarlierVersionWritesOverSealedText_asTheNewerText_ratherThanFailingTheWrite', async () => {
    const investigator = 'inv-1';
    const caseId = await insertCase(bed, investigator);
    const q = (sql: string, params: unknown[] = []) => bed.dataSource.query(sql, params);
    await q(`INSERT INTO case_declared_interests (case_id, staff_id, reason, declared_by, declared_at) VALUES ($1, 'inv-2', $2, 'inv-2', now())`, [caseId, written.interest]);
    const extensionId = randomUUID();
    await q(`INSERT INTO case_extension_requests (id, case_id, to_period, reason, requested_by, requested_at) VALUES ($1, $2, 'complex', $3, $4, now())`, [extensionId, caseId, written.extension, investigator]);
    const actionId = randomUUID();
    await q(
      `INSERT INTO improvement_actions (id, source_case_id, root_cause, department, measure, due_by, status, effectiveness_note, raised_by, raised_at, updated_at)
       VALUES ($1, $2, 'system', 'hotline', $3, now() + interval '30 days', 'in-progress', $4, $5, now(), now())`,
      [actionId, caseId, written.measure, written.note, investigator],
    );

    // The release migrates and seals them; replicas on the earlier version still serve requests meanwhile.
    investigation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'investigation')!, { ...PII, DB_SCHEMA: bed.schema, TASK_CHECK_INTERVAL_MS: '0' });
    expect(await q(`SELECT reason IS NULL AS clear_gone, reason_sealed IS NOT NULL AS sealed FROM case_declared_interests WHERE case_id = $1`, [caseId])).toEqual([{ clear_gone: true, sealed: true }]);
    expect(await q(`SELECT effectiveness_note IS NULL AS clear_gone, effectiveness_note_sealed IS NOT NULL AS sealed FROM improvement_actions WHERE id = $1`, [actionId])).toEqual([
      { clear_gone: true, sealed: true },
    ]);

    // The earlier version's SQL, as it was (git show 48d96d3: case-actions.controller.ts, improvement-actions.controller.ts).
    const redeclared = `${name}已不是我的亲属，仅为同事`;
    const checked = `复查${name} ${phone} 的来电，话术已改`;
    const decided = `同意，已告知${name}`;
    await q(
      `INSERT INTO case_declared_interests (case_id, staff_id, reason, declared_by, declared_at) VALUES ($1, $2, $3, $2, $4) ON CONFLICT (case_id, staff_id) DO UPDATE SET reason = EXCLUDED.reason`,
      [caseId, 'inv-2', redeclared, new Date()],
    );
    const earlierStatusChange = (status: string, note: string | null) =>
      q(`UPDATE improvement_actions SET status = $2, effectiveness_note = coalesce($3, effectiveness_note), updated_at = $4 WHERE id = $1`, [actionId, status, note, new Date()]);
    await earlierStatusChange('done', null);
    expect(await q(`SELECT effectiveness_note, effectiveness_note_sealed IS NOT NULL AS sealed FROM improvement_actions WHERE id = $1`, [actionId])).toEqual([{ effectiveness_note: null, sealed: true }]);
    await earlierStatusChange('effective', checked);
    await q(`UPDATE case_extension_requests SET decision = $2, decided_by = $3, decided_at = $4, decision_reason = $5, senior_approval = $6 WHERE id = $1`, [
      extensionId,
      'approved',
      'sup-1',
      new Date(),
      decided,
      false,
    ]);

    // Each row holds one text, the newer one, and the service reads it.
    expect(await q(`SELECT reason, reason_sealed FROM case_declared_interests WHERE case_id = $1`, [caseId])).toEqual([{ reason: redeclared, reason_sealed: null }]);
    const [action] = await q(`SELECT measure, measure_sealed, effectiveness_note, effectiveness_note_sealed FROM improvement_actions WHERE id = $1`, [actionId]);
    expect({ ...action, measure_sealed: keys.decrypt(action.measure_sealed) }).toEqual({ measure: null, measure_sealed: written.measure, effectiveness_note: checked, effectiveness_note_sealed: null });
    const [extension] = await q(`SELECT reason, reason_sealed, decision_reason, decision_reason_sealed FROM case_extension_requests WHERE id = $1`, [extensionId]);
    expect({ ...extension, reason_sealed: keys.decrypt(extension.reason_sealed) }).toEqual({ reason: null, reason_sealed: written.extension, decision_reason: decided, decision_reason_sealed: null });

    const bearer = await token('investigator', { subject: 'investigator-1' });
    const whole = await call<{ declaredInterests: { reason: string }[]; extensions: { reason: string; decisionReason: string }[] }>('GET', `/v1/cases/${caseId}`, bearer);
    expect(whole.status).toBe(200);
    expect(whole.body.declaredInterests.map((i) => i.reason)).toEqual([redeclared]);
    expect(whole.body.extensions.map((x) => [x.reason, x.decisionReason])).toEqual([[written.extension, decided]]);
    const fix = await call<{ measure: string; effectivenessNote: string; status: string }>('GET', `/v1/improvement-actions/${actionId}`, bearer);
    expect(fix.status).toBe(200);
    expect(fix.body).toMatchObject({ measure: written.measure, effectivenessNote: checked, status: 'effective' });
  });

  it('isNotMigratedWithoutTheKeys_ratherThanLeftInClear_andMigratingBackPutsItInItsClearColumnsAgain', async () => {
    const caseId = await insertCase(bed, 'inv-1');
    const extensionId = randomUUID();
    await bed.dataSource.query(`INSERT INTO case_extension_requests (id, case_id, to_period, reason, requested_by, requested_at) VALUES ($1, $2, 'complex', $3, 'inv-1', now())`, [
      extensionId,
      caseId,
      written.extension,
    ]);
    const sealedColumns = async () =>
      (
        await bed.dataSource.query(
          `SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = $1 AND column_name LIKE '%\\_sealed' AND table_name IN ('case_transitions', 'case_declared_interests', 'case_extension_requests', 'improvement_actions') ORDER BY 1`,
          [bed.schema],
        )
      ).map((r: { c: string }) => r.c);

    await expect(migrate(bed, {}, (q) => new SealedStaffText1796920316000().up(q))).rejects.toThrow(/staff text to seal, which needs the service's PII_KEYS/);
    expect(await sealedColumns()).toEqual([]);
    expect(await bed.dataSource.query(`SELECT reason FROM case_extension_requests WHERE id = $1`, [extensionId])).toEqual([{ reason: written.extension }]);

    await migrate(bed, PII, (q) => new SealedStaffText1796920316000().up(q));
    expect(await sealedColumns()).toEqual(['case_declared_interests.reason_sealed', 'case_extension_requests.decision_reason_sealed', 'case_extension_requests.reason_sealed', 'case_transitions.reason_sealed', 'improvement_actions.effectiveness_note_sealed', 'improvement_actions.measure_sealed']);
    const [sealed] = await bed.dataSource.query(`SELECT reason, reason_sealed FROM case_extension_requests WHERE id = $1`, [extensionId]);
    expect({ reason: sealed.reason, opened: keys.decrypt(sealed.reason_sealed) }).toEqual({ reason: null, opened: written.extension });

    await migrate(bed, PII, (q) => new SealedStaffText1796920316000().down(q));
    expect(await sealedColumns()).toEqual([]);
    expect(await bed.dataSource.query(`SELECT reason FROM case_extension_requests WHERE id = $1`, [extensionId])).toEqual([{ reason: written.extension }]);
  });
});
