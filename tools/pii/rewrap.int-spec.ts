import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { FieldCipher } from '@complaints/platform';
import { createTestBed, TestBed } from '@complaints/testing';
import { intakeMigrations } from '../../apps/intake/src/migrations';
import { compensationMigrations } from '../../apps/compensation/src/migrations';
import { investigationMigrations } from '../../apps/investigation/src/migrations';
import { notificationMigrations } from '../../apps/notification/src/migrations';
import { triageMigrations } from '../../apps/triage/src/migrations';
import { rewrapService, SEALED_VALUES, ServiceWithSealedValues } from './rewrap';

jest.setTimeout(60_000);

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const pseudonymKey = randomBytes(32);
const cipherWith = (...keys: [string, Buffer][]) => new FieldCipher(keys.map(([id, key]) => ({ id, key })), pseudonymKey);

const beforeRotation = cipherWith(['k1', k1]);
const duringRotation = cipherWith(['k2', k2], ['k1', k1]);
const afterRotation = cipherWith(['k2', k2]);

/** A value as the cipher wrote it before envelope encryption: AES-256-GCM straight under the key, kid as AAD. */
const sealV1 = (keyId: string, key: Buffer, plain: string) => {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(keyId));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', keyId, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
};

interface Plain {
  id: string;
  complainant: string;
  description: string;
}

type Stored = { id: string; complainant_sealed: string; description_sealed: string; status: string };

describe('pii:rewrap — rotating the key of the sealed complaint columns', () => {
  let bed: TestBed;
  let ticket = 0;

  beforeAll(async () => {
    bed = await createTestBed({ migrations: intakeMigrations });
  });

  afterAll(async () => {
    await bed?.teardown();
  });

  const plainRow = (i: number): Plain => ({
    id: randomUUID(),
    complainant: JSON.stringify({ customerId: `C${i}`, name: `张三${i}`, phone: `1380013${String(i).padStart(4, '0')}`, email: null, idNumber: null }),
    description: `第${i}号投诉：信用卡被重复扣款 ¥${i}.00 😡`,
  });

  async function insert(rows: { id: string; complainant: string; description: string }[]) {
    const tickets = rows.map(() => `CMP-T-${++ticket}`);
    await bed.dataSource.query(
      `INSERT INTO complaints (id, ticket_number, channel, customer_ref, complainant_sealed, description_sealed,
                               preferred_reply_channel, language, regime, received_at, response_due_by, status, status_changed_at)
       SELECT u.id, u.ticket, 'web', 'cust_test', u.complainant, u.description, 'email', 'zh', 'CN', now(), now() + interval '15 days', 'RECEIVED', now()
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS u(id, ticket, complainant, description)`,
      [rows.map((r) => r.id), tickets, rows.map((r) => r.complainant), rows.map((r) => r.description)],
    );
  }

  const stored = async (): Promise<Stored[]> =>
    bed.dataSource.query(`SELECT id, complainant_sealed, description_sealed, status FROM complaints ORDER BY id`);

  it('rewraps every value to k2 in batches, leaves the bodies alone, and a second run finds nothing to do', async () => {
    // 1 203 rows: three batches of 500, the last one partial
    const underK1 = Array.from({ length: 1190 }, (_, i) => plainRow(i));
    const legacyV1 = Array.from({ length: 10 }, (_, i) => plainRow(2000 + i));
    const alreadyK2 = Array.from({ length: 3 }, (_, i) => plainRow(3000 + i));
    const plain = new Map([...underK1, ...legacyV1, ...alreadyK2].map((r) => [r.id, r]));
    await insert(underK1.map((r) => ({ ...r, complainant: beforeRotation.encrypt(r.complainant), description: beforeRotation.encrypt(r.description) })));
    await insert(legacyV1.map((r) => ({ ...r, complainant: sealV1('k1', k1, r.complainant), description: sealV1('k1', k1, r.description) })));
    await insert(alreadyK2.map((r) => ({ ...r, complainant: duringRotation.encrypt(r.complainant), description: duringRotation.encrypt(r.description) })));
    const before = new Map((await stored()).map((r) => [r.id, r]));
    expect(before.size).toBe(1203);

    const progress: number[] = [];
    const first = await rewrapService(bed.dataSource, duringRotation, 'intake', { onBatch: (r) => progress.push(r.rows) });

    expect(first).toEqual({ rows: 1203, rewrapped: 2 * 1200, alreadyCurrent: 2 * 3, failed: [] });
    expect(progress).toEqual([500, 1000, 1203]);
    const after = await stored();
    expect(after).toHaveLength(1203);
    for (const row of after) {
      const original = plain.get(row.id)!;
      for (const [column, text] of [
        ['complainant_sealed', original.complainant],
        ['description_sealed', original.description],
      ] as const) {
        const sealed = row[column];
        expect(afterRotation.keyIdOf(sealed)).toBe('k2');
        expect(sealed.startsWith('v2:k2:')).toBe(true);
        expect(afterRotation.decrypt(sealed)).toBe(text);
        const old = before.get(row.id)![column];
        if (old.startsWith('v2:')) expect(sealed.split(':')[5]).toBe(old.split(':')[5]); // the body was not re-encrypted
      }
    }
    // the k2 rows were not touched at all
    for (const r of alreadyK2) expect(after.find((a) => a.id === r.id)).toEqual(before.get(r.id));

    const second = await rewrapService(bed.dataSource, duringRotation, 'intake');
    expect(second).toEqual({ rows: 1203, rewrapped: 0, alreadyCurrent: 2 * 1203, failed: [] });
    expect(await stored()).toEqual(after);
  });

  it('keeps going past a value it cannot open, reports it and leaves it as it was', async () => {
    const k0 = randomBytes(32);
    const lost = plainRow(4000);
    const fresh = plainRow(4001);
    const sealedUnderK0 = cipherWith(['k0', k0]).encrypt(lost.description);
    await insert([
      { ...lost, complainant: beforeRotation.encrypt(lost.complainant), description: sealedUnderK0 },
      { ...fresh, complainant: beforeRotation.encrypt(fresh.complainant), description: beforeRotation.encrypt(fresh.description) },
    ]);

    const report = await rewrapService(bed.dataSource, duringRotation, 'intake');

    expect(report.rewrapped).toBe(3);
    expect(report.failed).toEqual([{ table: 'complaints', id: lost.id, column: 'description_sealed', error: 'encryption key k0 is not configured' }]);
    const [row] = await bed.dataSource.query(`SELECT complainant_sealed, description_sealed FROM complaints WHERE id = $1`, [lost.id]);
    expect(row.description_sealed).toBe(sealedUnderK0);
    expect(afterRotation.decrypt(row.complainant_sealed)).toBe(lost.complainant);
    await bed.dataSource.query(`DELETE FROM complaints WHERE id = $1`, [lost.id]);
  });

  it('runs while a service keeps filing complaints and changing statuses, and loses none of their writes', async () => {
    const batch = Array.from({ length: 600 }, (_, i) => plainRow(5000 + i));
    await insert(batch.map((r) => ({ ...r, complainant: beforeRotation.encrypt(r.complainant), description: beforeRotation.encrypt(r.description) })));
    const ids: string[] = (await stored()).map((r) => r.id);

    let running = true;
    const filed: Plain[] = [];
    const closed = new Set<string>();
    const service = (async () => {
      // a replica already on PII_KEYS=k2,k1, filing and updating rows the rewrap is walking over
      for (let i = 0; running || i < 20; i++) {
        const row = plainRow(6000 + i);
        await insert([{ ...row, complainant: duringRotation.encrypt(row.complainant), description: duringRotation.encrypt(row.description) }]);
        filed.push(row);
        const id = ids[(i * 37) % ids.length];
        await bed.dataSource.query(`UPDATE complaints SET status = 'CLOSED', status_changed_at = now() WHERE id = $1`, [id]);
        closed.add(id);
      }
    })();
    const report = await rewrapService(bed.dataSource, duringRotation, 'intake', { batchSize: 50 });
    running = false;
    await service;

    expect(report.failed).toEqual([]);
    expect(report.rewrapped).toBeGreaterThanOrEqual(2 * 600);
    const after = await stored();
    for (const row of after) {
      expect(afterRotation.keyIdOf(row.complainant_sealed)).toBe('k2');
      expect(afterRotation.keyIdOf(row.description_sealed)).toBe('k2');
      afterRotation.decrypt(row.complainant_sealed);
      afterRotation.decrypt(row.description_sealed);
    }
    for (const r of filed) {
      const row = after.find((a) => a.id === r.id)!;
      expect(afterRotation.decrypt(row.description_sealed)).toBe(r.description);
    }
    for (const id of closed) expect(after.find((a) => a.id === id)!.status).toBe('CLOSED');
    expect((await rewrapService(bed.dataSource, duringRotation, 'intake')).rewrapped).toBe(0);
  });
});

describe('pii:rewrap — every service that keeps sealed values', () => {
  const migrationsOf: Record<ServiceWithSealedValues, NonNullable<Parameters<typeof createTestBed>[0]>['migrations']> = {
    intake: intakeMigrations,
    triage: triageMigrations,
    investigation: investigationMigrations,
    compensation: compensationMigrations,
    notification: notificationMigrations,
  };

  // A sealed column the tool does not know would stay under the old key, and be lost when it is dropped.
  it.each(Object.keys(SEALED_VALUES) as ServiceWithSealedValues[])('knows every sealed column of %s’s schema', async (service) => {
    const bed = await createTestBed({ migrations: migrationsOf[service] });
    try {
      const found: { table_name: string; column_name: string }[] = await bed.dataSource.query(
        `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND column_name LIKE '%\\_sealed' ORDER BY 1, 2`,
        [bed.schema],
      );
      expect(found.length).toBeGreaterThan(0);
      const known = SEALED_VALUES[service].flatMap((t) => ('columns' in t ? t.columns.map((c) => `${t.table}.${c}`) : []));
      expect(found.map((c) => `${c.table_name}.${c.column_name}`).sort()).toEqual([...known].sort());
    } finally {
      await bed.teardown();
    }
  });

  it('rewraps triage officers’ reasons on revisions and the sealed words in their lines of a decision’s reasons, leaving the other lines as they were', async () => {
    const bed = await createTestBed({ migrations: triageMigrations });
    try {
      const complaintId = randomUUID();
      const modelLine = 'product B01 人民币储蓄 (model m@v1, confidence 0.31): no decisive term';
      const reasons = [modelLine, `decided by triage officer to-1: ${beforeRotation.encrypt('王建国来电说明是存折')}`, 'routed to operations by cn-jrt0169@v1#transactions'];
      await bed.dataSource.query(
        `INSERT INTO triage_decisions (complaint_id, ticket_number, category, severity, department, routing_rule, reasons, regime, clock_started_at, response_due_by, decided_at, received_at)
         VALUES ($1, 'CMP-T-1', 'C03', 'low', 'operations', 'r', $2, 'cn-cbirc', now(), now(), now(), now())`,
        [complaintId, JSON.stringify(reasons)],
      );
      // A decision with no officer line: walked, nothing to do.
      await bed.dataSource.query(
        `INSERT INTO triage_decisions (complaint_id, ticket_number, category, severity, department, routing_rule, reasons, regime, clock_started_at, response_due_by, decided_at, received_at)
         VALUES ($1, 'CMP-T-2', 'C03', 'low', 'operations', 'r', $2, 'cn-cbirc', now(), now(), now(), now())`,
        [randomUUID(), JSON.stringify([modelLine])],
      );
      await bed.dataSource.query(
        `INSERT INTO triage_revisions (id, complaint_id, revised_at, actor, reason, reason_sealed, previous, current) VALUES ($1, $2, now(), 'to-1', '', $3, '{}', '{}')`,
        [randomUUID(), complaintId, beforeRotation.encrypt('王建国来电说明是存折')],
      );

      const report = await rewrapService(bed.dataSource, duringRotation, 'triage');

      expect(report).toEqual({ rows: 1 + 2, rewrapped: 2, alreadyCurrent: 0, failed: [] });
      const [revision] = await bed.dataSource.query(`SELECT reason, reason_sealed FROM triage_revisions`);
      expect([revision.reason, afterRotation.decrypt(revision.reason_sealed)]).toEqual(['', '王建国来电说明是存折']);
      const [decision] = await bed.dataSource.query(`SELECT reasons FROM triage_decisions WHERE complaint_id = $1`, [complaintId]);
      const [, line] = decision.reasons as string[];
      expect(decision.reasons[0]).toBe(modelLine);
      expect(decision.reasons[2]).toBe(reasons[2]);
      expect(line.startsWith('decided by triage officer to-1: v2:k2:')).toBe(true);
      expect(afterRotation.decrypt(line.slice('decided by triage officer to-1: '.length))).toBe('王建国来电说明是存折');
      expect(await rewrapService(bed.dataSource, duringRotation, 'triage')).toEqual({ rows: 3, rewrapped: 0, alreadyCurrent: 2, failed: [] });
    } finally {
      await bed.teardown();
    }
  });

  it('rewraps the reasons on investigation’s transitions (numbered, not uuid-keyed) across batches, on declared interests and extensions, and improvement measures and notes', async () => {
    const bed = await createTestBed({ migrations: investigationMigrations });
    try {
      const caseId = randomUUID();
      await bed.dataSource.query(
        `INSERT INTO cases (id, complaint_id, ticket_number, department, severity, status, response_due_by, opened_at) VALUES ($1, $2, 'CMP-T-1', 'operations', 'low', 'investigating', now(), now())`,
        [caseId, randomUUID()],
      );
      const reasons = Array.from({ length: 1203 }, (_, i) => `第${i}次改派：客户来电 13800138000`);
      await bed.dataSource.query(
        `INSERT INTO case_transitions (case_id, action, from_state, to_state, at, actor, reason_sealed)
         SELECT $1, 'assign', 'investigating', 'investigating', now(), 'triage-officer-1', r FROM unnest($2::text[]) WITH ORDINALITY AS u(r, n) ORDER BY n`,
        [caseId, reasons.map((r) => beforeRotation.encrypt(r))],
      );
      await bed.dataSource.query(`INSERT INTO case_transitions (case_id, action, from_state, to_state, at, actor) VALUES ($1, 'record-findings', 'investigating', 'investigating', now(), 'inv-1')`, [caseId]);
      await bed.dataSource.query(`INSERT INTO case_declared_interests (case_id, staff_id, reason_sealed, declared_by, declared_at) VALUES ($1, 'inv-2', $2, 'inv-2', now())`, [
        caseId,
        beforeRotation.encrypt('客户王某是我的表哥'),
      ]);
      await bed.dataSource.query(
        `INSERT INTO case_extension_requests (id, case_id, to_period, reason_sealed, requested_by, requested_at, decision, decided_by, decided_at, decision_reason_sealed)
         VALUES ($1, $2, 'complex', $3, 'inv-1', now(), 'approved', 'sup-1', now(), $4)`,
        [randomUUID(), caseId, beforeRotation.encrypt('需调取对方银行日志'), beforeRotation.encrypt('同意，已告知客户')],
      );
      await bed.dataSource.query(
        `INSERT INTO improvement_actions (id, source_case_id, root_cause, department, measure_sealed, due_by, status, effectiveness_note_sealed, raised_by, raised_at, updated_at)
         VALUES ($1, $2, 'system', 'hotline', $3, now(), 'in-progress', $4, 'inv-1', now(), now())`,
        [randomUUID(), caseId, beforeRotation.encrypt('回拨客户 13700004321 后复盘话术'), beforeRotation.encrypt('已联系客户')],
      );

      const report = await rewrapService(bed.dataSource, duringRotation, 'investigation');

      // The case, 1 204 transitions (one without a reason), an interest, an extension, an action.
      expect(report).toEqual({ rows: 1 + 1204 + 1 + 1 + 1, rewrapped: 1203 + 1 + 2 + 2, alreadyCurrent: 0, failed: [] });
      const transitions: { reason_sealed: string | null }[] = await bed.dataSource.query(`SELECT reason_sealed FROM case_transitions ORDER BY id`);
      expect(transitions.map((t) => t.reason_sealed && afterRotation.decrypt(t.reason_sealed))).toEqual([...reasons, null]);
      const [interest] = await bed.dataSource.query(`SELECT reason_sealed FROM case_declared_interests`);
      const [extension] = await bed.dataSource.query(`SELECT reason_sealed, decision_reason_sealed FROM case_extension_requests`);
      const [action] = await bed.dataSource.query(`SELECT measure_sealed, effectiveness_note_sealed FROM improvement_actions`);
      expect([interest.reason_sealed, extension.reason_sealed, extension.decision_reason_sealed, action.measure_sealed, action.effectiveness_note_sealed].map((v: string) => afterRotation.decrypt(v))).toEqual([
        '客户王某是我的表哥',
        '需调取对方银行日志',
        '同意，已告知客户',
        '回拨客户 13700004321 后复盘话术',
        '已联系客户',
      ]);
      expect(await rewrapService(bed.dataSource, duringRotation, 'investigation')).toEqual({ rows: 1208, rewrapped: 0, alreadyCurrent: 1208, failed: [] });
    } finally {
      await bed.teardown();
    }
  });

  it('rewraps investigation’s notes and the sealed member of a case’s findings and response, leaving the rest of the jsonb as it was', async () => {
    const bed = await createTestBed({ migrations: investigationMigrations });
    try {
      const caseId = randomUUID();
      const findingsText = JSON.stringify({ facts: ['客户回拨号码 13700005678'], rootCauseDetail: '清算接口超时' });
      const explanation = JSON.stringify({ explanation: '王先生您好，款项已退还。' });
      const findings = { liability: 'bank', rootCause: { code: 'system' }, recordedBy: 'inv-1', recordedAt: '2026-11-21T09:00:00.000Z', sealed: beforeRotation.encrypt(findingsText) };
      const resolution = { outcome: 'upheld', actions: ['explanation'], remedy: null, sealed: beforeRotation.encrypt(explanation) };
      await bed.dataSource.query(
        `INSERT INTO cases (id, complaint_id, ticket_number, department, severity, status, response_due_by, opened_at, findings, resolution)
         VALUES ($1, $2, 'CMP-T-1', 'operations', 'low', 'responded', now(), now(), $3, $4)`,
        [caseId, randomUUID(), JSON.stringify(findings), JSON.stringify(resolution)],
      );
      // A case from before sealing: its text is in clear and not for this tool.
      const legacyId = randomUUID();
      const legacy = { facts: ['旧记录'], liability: 'bank', rootCause: { code: 'system', detail: '旧' }, recordedBy: 'inv-1', recordedAt: '2026-11-01T09:00:00.000Z' };
      await bed.dataSource.query(
        `INSERT INTO cases (id, complaint_id, ticket_number, department, severity, status, response_due_by, opened_at, findings) VALUES ($1, $2, 'CMP-T-2', 'operations', 'low', 'investigating', now(), now(), $3)`,
        [legacyId, randomUUID(), JSON.stringify(legacy)],
      );
      await bed.dataSource.query(`INSERT INTO case_notes (id, case_id, at, author, body_sealed) VALUES ($1, $2, now(), 'inv-1', $3)`, [randomUUID(), caseId, beforeRotation.encrypt('客户要求回电')]);

      const report = await rewrapService(bed.dataSource, duringRotation, 'investigation');

      expect(report).toEqual({ rows: 3, rewrapped: 3, alreadyCurrent: 0, failed: [] });
      const [row] = await bed.dataSource.query(`SELECT findings, proposal, resolution FROM cases WHERE id = $1`, [caseId]);
      expect(row.proposal).toBeNull();
      expect(row.findings).toEqual({ ...findings, sealed: expect.stringMatching(/^v2:k2:/) });
      expect(row.resolution).toEqual({ ...resolution, sealed: expect.stringMatching(/^v2:k2:/) });
      expect(afterRotation.decrypt(row.findings.sealed)).toBe(findingsText);
      expect(afterRotation.decrypt(row.resolution.sealed)).toBe(explanation);
      const [note] = await bed.dataSource.query(`SELECT body_sealed FROM case_notes`);
      expect(afterRotation.decrypt(note.body_sealed)).toBe('客户要求回电');
      expect((await bed.dataSource.query(`SELECT findings FROM cases WHERE id = $1`, [legacyId]))[0].findings).toEqual(legacy);
      expect(await rewrapService(bed.dataSource, duringRotation, 'investigation')).toEqual({ rows: 3, rewrapped: 0, alreadyCurrent: 3, failed: [] });
    } finally {
      await bed.teardown();
    }
  });
});
