import { createHash, randomUUID } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Producer } from 'kafkajs';
import { Events } from '@complaints/contracts';
import { eventually, quietKafka } from '@complaints/testing';
import { Answer, investigationClient, triagedEnvelope } from './investigation-client';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

/**
 * What department staff may add to a case and do with an improvement action, in-process with the
 * real database and broker: cases open from complaint.triaged events, staff call over HTTP with
 * real tokens, and what the service stored and published is read back from its own schema.
 */
describe('investigation: department staff help with the cases and improvement actions of their department', () => {
  const evidenceDir = path.join(os.tmpdir(), 'complaints-evidence', `department-access-${randomUUID()}`);
  let investigation: ServiceUnderTest;
  let producer: Producer;

  beforeAll(async () => {
    investigation = await startInProcess(ALL_SERVICES.find((d) => d.name === 'investigation')!, { EVIDENCE_DIR: evidenceDir, TASK_CHECK_INTERVAL_MS: '0' });
    producer = quietKafka('department-access-int').producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await investigation?.stop();
    await rm(evidenceDir, { recursive: true, force: true });
  });

  const { tag, token, sql, call } = investigationClient(() => investigation);

  const upload = async (caseId: string, bearer: string): Promise<Answer> => {
    const res = await fetch(`${investigation.baseUrl}/v1/cases/${caseId}/evidence/files?kind=document&sourceSystem=branch-scanner&description=statement`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/pdf' },
      body: Buffer.from(`%PDF-1.7 ${randomUUID()}`),
    });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get('content-type'), body: text ? JSON.parse(text) : null };
  };

  /** Sends complaint.triaged and waits for the case, assigned to an investigator of its department. */
  const assignedCase = async () => {
    const department = `d-${tag()}`;
    const investigator = `inv-${tag()}`;
    const put = await call('PUT', '/v1/investigators', await token('administrator', { subject: 'admin-1' }), { staffId: investigator, department, skills: ['C03'], lineManager: null, capacity: 5, active: true });
    expect(put.status).toBe(200);
    const complaintId = randomUUID();
    const envelope = triagedEnvelope(complaintId, { department }, 'department-access');
    await producer.send({ topic: `${investigation.topicPrefix}${Events.ComplaintTriaged.topic}`, messages: [{ key: complaintId, value: JSON.stringify(envelope) }] });
    const opened = await eventually(
      async () => (await call<{ id: string; status: string; assignedTo: string | null }[]>('GET', `/v1/cases?complaintId=${complaintId}`, await token('investigator'))).body[0],
      { what: `the case of ${complaintId} to open` },
    );
    expect(opened).toMatchObject({ status: 'investigating', assignedTo: investigator });
    return { caseId: opened.id, complaintId, department, investigator };
  };

  /** Everything department staff could have added to the case, and everything published about it. */
  const writtenTo = async (caseId: string, complaintId: string) => ({
    evidence: await sql(`SELECT id FROM case_evidence WHERE case_id = $1`, [caseId]),
    contacts: await sql(`SELECT id FROM case_contacts WHERE case_id = $1`, [caseId]),
    notes: await sql(`SELECT id FROM case_notes WHERE case_id = $1`, [caseId]),
    outbox: await sql(`SELECT seq FROM outbox WHERE message_key = $1`, [complaintId]),
    stored: await readdir(path.join(evidenceDir, 'cases', caseId)).catch(() => []),
  });

  const reference = { kind: 'call-recording', sourceSystem: 'call-centre-recorder', reference: 'REC-1', sha256: createHash('sha256').update('rec').digest('hex'), description: '通话录音' };
  const contact = { direction: 'outbound', channel: 'phone', outcome: 'reached', summary: '已致电客户核实' };

  it('refuses department staff of an uninvolved department every addition to a case (403, nothing written)', async () => {
    const { caseId, complaintId } = await assignedCase();
    const before = await writtenTo(caseId, complaintId);
    for (const bearer of [await token('department-staff', { subject: 'mkt-1', department: 'marketing' }), await token('department-staff', { subject: 'nobody-1' })]) {
      const answers = [
        await upload(caseId, bearer),
        await call('POST', `/v1/cases/${caseId}/evidence`, bearer, reference),
        await call('POST', `/v1/cases/${caseId}/contacts`, bearer, contact),
        await call('POST', `/v1/cases/${caseId}/notes`, bearer, { body: '内部备注' }),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(403);
        expect(answer.contentType).toMatch(/^application\/problem\+json/);
        expect(answer.body).toMatchObject({ type: 'https://complaints.example/problems/forbidden', status: 403 });
      }
    }
    expect(await writtenTo(caseId, complaintId)).toEqual(before);
    expect(before).toMatchObject({ evidence: [], contacts: [], notes: [], stored: [] });
  });

  it("lets department staff add to their own department's case and to a case that asked their department for work, open or done", async () => {
    const { caseId, department, investigator } = await assignedCase();
    const own = await token('department-staff', { subject: `own-${tag()}`, department });
    expect((await upload(caseId, own)).status).toBe(201);
    expect((await call('POST', `/v1/cases/${caseId}/contacts`, own, contact)).status).toBe(201);

    const operations = await token('department-staff', { subject: `ops-${tag()}`, department: 'operations' });
    expect((await call('POST', `/v1/cases/${caseId}/evidence`, operations, reference)).status).toBe(403);
    const lead = await token('investigator', { subject: investigator });
    const task = await call<{ id: string }>('POST', `/v1/cases/${caseId}/tasks`, lead, { department: 'operations', request: '请提供柜面监控截图', dueBy: new Date(Date.now() + 7 * 86_400_000).toISOString() });
    expect(task.status).toBe(201);
    expect((await upload(caseId, operations)).status).toBe(201);
    expect((await call('POST', `/v1/cases/${caseId}/evidence`, operations, reference)).status).toBe(201);
    expect((await call('POST', `/v1/cases/${caseId}/contacts`, operations, contact)).status).toBe(201);
    expect((await call('POST', `/v1/cases/${caseId}/tasks/${task.body.id}/result`, operations, { result: '截图已上传' })).status).toBe(200);
    expect((await call('POST', `/v1/cases/${caseId}/notes`, operations, { body: '截图见证据' })).status).toBe(201);

    // The roles that add to any case are not held to a department, also when they hold department-staff too.
    expect((await upload(caseId, await token('investigator', { subject: `inv-${tag()}`, department: 'marketing' }))).status).toBe(201);
    const approverAndStaff = await token(['department-staff', 'approver'], { subject: `mix-${tag()}`, department: 'marketing' });
    expect((await call('POST', `/v1/cases/${caseId}/notes`, approverAndStaff, { body: '审批意见' })).status).toBe(201);
    expect((await call('POST', `/v1/cases/${caseId}/contacts`, approverAndStaff, contact)).status).toBe(403);
    expect(await sql(`SELECT added_by FROM case_evidence WHERE case_id = $1 ORDER BY added_at`, [caseId])).toHaveLength(4);
  });

  describe('improvement actions', () => {
    const raise = async () => {
      const { caseId, investigator } = await assignedCase();
      const lead = await token('investigator', { subject: investigator });
      expect((await call('PUT', `/v1/cases/${caseId}/findings`, lead, { facts: ['话术不当'], liability: 'bank', rootCause: { code: 'people', detail: '培训不足' } })).status).toBe(200);
      const department = `fix-${tag()}`;
      const raised = await call<{ id: string }>('POST', '/v1/improvement-actions', lead, { sourceCaseId: caseId, department, measure: '复盘话术并培训', dueBy: new Date(Date.now() + 30 * 86_400_000).toISOString() });
      expect(raised.status).toBe(201);
      const move = async (bearer: string, status: string, note?: string) => call(`POST`, `/v1/improvement-actions/${raised.body.id}/status`, bearer, { status, ...(note ? { note } : {}) });
      const statusNow = async () => (await sql<{ status: string }>(`SELECT status FROM improvement_actions WHERE id = $1`, [raised.body.id]))[0].status;
      return { department, move, statusNow };
    };

    it("lets department staff move only their own department's action, to in progress or done, and cancel none", async () => {
      const { department, move, statusNow } = await raise();
      const other = await token('department-staff', { subject: `other-${tag()}`, department: 'marketing' });
      for (const status of ['in-progress', 'done', 'cancelled']) {
        const refused = await move(other, status, '不再需要');
        expect(refused.status).toBe(403);
        expect(refused.contentType).toMatch(/^application\/problem\+json/);
      }
      expect(await statusNow()).toBe('open');

      const own = await token('department-staff', { subject: `own-${tag()}`, department });
      expect((await move(own, 'cancelled', '不做了')).status).toBe(403);
      expect(await statusNow()).toBe('open');
      expect((await move(own, 'in-progress')).status).toBe(200);
      expect((await move(own, 'done')).status).toBe(200);
      expect(await statusNow()).toBe('done');
    });

    it('refuses the effectiveness check to anyone of the owning department, approvers included, and takes it from outside', async () => {
      const { department, move, statusNow } = await raise();
      expect((await move(await token('investigator', { subject: `inv-${tag()}` }), 'done')).status).toBe(200);
      for (const insider of [
        await token('approver', { subject: `appr-${tag()}`, department }),
        await token('compliance-officer', { subject: `co-${tag()}`, department }),
        await token('department-staff', { subject: `own-${tag()}`, department }),
      ]) {
        for (const status of ['effective', 'ineffective']) {
          const refused = await move(insider, status, '自查有效');
          expect(refused.status).toBe(422);
          expect(refused.contentType).toMatch(/^application\/problem\+json/);
        }
      }
      expect(await statusNow()).toBe('done');
      // Department staff of another department do not certify it either: it is not theirs to move.
      expect((await move(await token('department-staff', { subject: `other-${tag()}`, department: 'marketing' }), 'effective', '看着不错')).status).toBe(403);
      expect((await move(await token('approver', { subject: `appr-${tag()}`, department: 'compliance' }), 'effective', '抽查三个月录音，无同类问题')).status).toBe(200);
      expect(await statusNow()).toBe('effective');
    });
  });
});
