import { randomBytes, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { Role, validateEnvelope } from '@complaints/contracts';
import { FieldCipher } from '@complaints/platform';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const intake = ALL_SERVICES.find((d) => d.name === 'intake')!;
/** The service's personal-data keys, known to the test so it can open the reason that travels and rests sealed. */
const KEYS = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}`, PII_PSEUDONYM_KEY: randomBytes(32).toString('base64') };
/** The officer's words quote the customer: their name and phone must never be in clear on the wire or at rest. */
const REASON = '监管同意延期：钱七（13700005678）补充的流水需要对方银行核实';
const beijingDate = (days: number) => DateTime.now().setZone('Asia/Shanghai').plus({ days }).toISODate()!;

/**
 * Compliance and triage officers record that a regulator moved the deadline of its referral: the
 * referral takes the new deadline, the change is kept with its reason sealed, a staff action is
 * recorded and complaint.referral-deadline-changed goes out through the outbox, all at once; a
 * refusal writes nothing, and the same change twice is recorded once.
 */
describe("intake: a regulator's referral deadline changed by staff", () => {
  let service: ServiceUnderTest;
  const cipher = FieldCipher.fromEnv(KEYS);

  const token = async (role: Role, channel = 'regulator') => `Bearer ${await service.issuer.token(role, role === 'channel-adapter' ? { channel, subject: `${channel}-adapter` } : { subject: `${role}-9` })}`;
  const call = async (method: string, path: string, auth: string | null, body?: unknown) => {
    const res = await fetch(`${service.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0], text, body: text ? JSON.parse(text) : null };
  };
  const file = async (over: Record<string, unknown>) => {
    const res = await call('POST', '/v1/complaints', await token('channel-adapter', (over.channel as string | undefined) ?? 'regulator'), {
      channel: 'regulator',
      complainant: { customerId: 'C-RD-1', name: '钱七', phone: '13700005678' },
      description: '信用卡年费被重复收取，监管转办。',
      preferredReplyChannel: 'sms',
      ...over,
    });
    expect(res.status).toBe(201);
    return res.body as { complaintId: string; ticketNumber: string; responseDueBy: string };
  };
  let caseSeq = 0;
  const referral = (deadlineDays: number | null) =>
    file({ regulatorReferral: { body: 'nfra', caseNumber: `12378-2026-RD${String(++caseSeq).padStart(4, '0')}`, ...(deadlineDays === null ? {} : { deadline: beijingDate(deadlineDays) }) } });
  const change = async (complaintId: string, body: Record<string, unknown>, role: Role | null = 'compliance-officer') =>
    call('PUT', `/v1/staff/complaints/${complaintId}/regulator-deadline`, role ? await token(role) : null, body);
  const outboxOf = async (complaintId: string, type: string) =>
    (await service.pg.query(`SELECT convert_from(value, 'UTF8') AS v FROM "${service.schema}".outbox WHERE message_key = $1 ORDER BY seq`, [complaintId])).rows
      .map((r) => ({ raw: r.v as string, event: JSON.parse(r.v) }))
      .filter((e) => e.event.type === type);
  const changesOf = async (complaintId: string) =>
    (await service.pg.query(`SELECT * FROM "${service.schema}".regulator_deadline_changes WHERE complaint_id = $1 ORDER BY seq`, [complaintId])).rows;
  const referralOf = async (complaintId: string) =>
    (await service.pg.query(`SELECT regulator_referral FROM "${service.schema}".complaints WHERE id = $1`, [complaintId])).rows[0].regulator_referral;

  beforeAll(async () => {
    service = await startInProcess(intake, KEYS);
  });
  afterAll(() => service?.stop());

  it('records the new deadline on the referral, keeps the change with its reason sealed, and publishes it with a staff action in one go', async () => {
    const { complaintId, ticketNumber, responseDueBy } = await referral(5);
    const deadline = `${beijingDate(12)}T15:59:59.999Z`;
    const res = await change(complaintId, { deadline: beijingDate(12), reference: '金监消保函〔2026〕88号', reason: REASON });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ complaintId, ticketNumber, previousDeadline: responseDueBy, deadline, reference: '金监消保函〔2026〕88号', changedBy: 'compliance-officer-9', changed: true });

    // The referral now carries the new deadline; the history keeps the old one and the reason, sealed.
    expect(await referralOf(complaintId)).toMatchObject({ body: 'nfra', deadline });
    const [kept] = await changesOf(complaintId);
    expect({ previous: kept.previous_deadline.toISOString(), deadline: kept.deadline.toISOString(), reference: kept.reference, by: kept.changed_by }).toEqual({
      previous: responseDueBy,
      deadline,
      reference: '金监消保函〔2026〕88号',
      by: 'compliance-officer-9',
    });
    expect(cipher.decrypt(kept.reason_sealed)).toBe(REASON);
    const rows = JSON.stringify((await service.pg.query(`SELECT * FROM "${service.schema}".regulator_deadline_changes`)).rows);
    for (const clear of ['钱七', '13700005678', '流水']) expect(rows).not.toContain(clear);

    // The event: valid against the catalogue, the reason sealed and never in clear.
    const [published] = await outboxOf(complaintId, 'complaint.referral-deadline-changed');
    expect(validateEnvelope(published.event).ok).toBe(true);
    expect(published.event).toMatchObject({ version: 1, producer: 'intake' });
    expect(published.event.payload).toMatchObject({ ticketNumber, body: 'nfra', previousDeadline: responseDueBy, deadline, reference: '金监消保函〔2026〕88号', changedBy: 'compliance-officer-9' });
    expect(cipher.decrypt(published.event.payload.reason)).toBe(REASON);
    for (const clear of ['钱七', '13700005678', '流水']) expect(published.raw).not.toContain(clear);

    // The staff action: who, what, the dates and the reference; not the words.
    const [action] = await outboxOf(complaintId, 'staff.action-recorded');
    expect(action.event.payload).toMatchObject({
      actor: 'compliance-officer-9',
      action: 'complaint.regulator-deadline-changed',
      method: 'PUT',
      detail: { previousDeadline: responseDueBy, deadline, reference: '金监消保函〔2026〕88号' },
    });
    expect(action.raw).not.toContain('钱七');
  });

  it('takes a shorter deadline from a triage officer, and a first deadline for a referral that came without one', async () => {
    const shorter = await referral(10);
    const res = await change(shorter.complaintId, { deadline: `${beijingDate(3)}T12:00:00+08:00`, reference: 'NFRA-2026-0042', reason: '监管要求提前答复' }, 'triage-officer');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deadline: `${beijingDate(3)}T04:00:00.000Z`, changedBy: 'triage-officer-9' });

    const without = await referral(null);
    const first = await change(without.complaintId, { deadline: beijingDate(7), reference: 'NFRA-2026-0043', reason: '监管补充了答复期限' });
    expect(first.status).toBe(200);
    expect(first.body.previousDeadline).toBeNull();
    expect((await outboxOf(without.complaintId, 'complaint.referral-deadline-changed'))[0].event.payload.previousDeadline).toBeNull();
  });

  it('the same change twice is recorded and published once', async () => {
    const { complaintId } = await referral(5);
    const body = { deadline: beijingDate(20), reference: '金监消保函〔2026〕90号', reason: REASON };
    const first = await change(complaintId, body);
    expect(first.status).toBe(200);
    const before = await service.rowCounts();
    const again = await change(complaintId, { ...body, reason: '重复提交' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, changed: false });
    expect(await service.rowCounts()).toEqual(before);
    expect(await outboxOf(complaintId, 'complaint.referral-deadline-changed')).toHaveLength(1);
    expect(await changesOf(complaintId)).toHaveLength(1);

    // The same deadline under another reference is no change at all: refused, nothing written.
    const sameDate = await change(complaintId, { ...body, reference: '金监消保函〔2026〕91号' });
    expect(sameDate).toMatchObject({ status: 409, type: 'application/problem+json' });
    expect(await service.rowCounts()).toEqual(before);
  });

  it("shows the deadline's history, oldest first: the reasons as written to a compliance officer, without the customer's details to an auditor; each reading on the record", async () => {
    const { complaintId, ticketNumber, responseDueBy } = await referral(5);
    const first = { deadline: beijingDate(20), reference: '金监消保函〔2026〕95号', reason: '钱七补充材料，电话 13700005678，监管同意延期' };
    const second = { deadline: beijingDate(12), reference: '金监消保函〔2026〕96号', reason: '监管要求提前答复' };
    expect((await change(complaintId, first)).status).toBe(200);
    expect((await change(complaintId, second, 'triage-officer')).status).toBe(200);
    const history = async (role: Role | null) => call('GET', `/v1/staff/complaints/${complaintId}/regulator-deadline`, role ? await token(role) : null);

    const officer = await history('compliance-officer');
    expect(officer.status).toBe(200);
    const [firstDue, secondDue] = [`${beijingDate(20)}T15:59:59.999Z`, `${beijingDate(12)}T15:59:59.999Z`];
    expect(officer.body).toEqual({
      complaintId,
      ticketNumber,
      body: 'nfra',
      caseNumber: expect.stringMatching(/^12378-2026-RD/),
      deadline: secondDue,
      changes: [
        { previousDeadline: responseDueBy, deadline: firstDue, reference: first.reference, changedAt: expect.any(String), changedBy: 'compliance-officer-9', reason: first.reason },
        { previousDeadline: firstDue, deadline: secondDue, reference: second.reference, changedAt: expect.any(String), changedBy: 'triage-officer-9', reason: second.reason },
      ],
      personalData: 'clear',
    });
    expect(Date.parse(officer.body.changes[0].changedAt)).toBeLessThanOrEqual(Date.parse(officer.body.changes[1].changedAt));

    const auditor = await history('auditor');
    expect(auditor.status).toBe(200);
    expect(auditor.body.personalData).toBe('masked');
    expect(auditor.text).not.toMatch(/钱七|13700005678/);
    expect(auditor.body.changes.map((c: { reason: string }) => c.reason)).toEqual([expect.stringContaining('监管同意延期'), second.reason]);

    const readings = (await outboxOf(complaintId, 'staff.action-recorded')).filter((e) => e.event.payload.action === 'complaint.regulator-deadline-viewed');
    expect(readings.map((e) => [e.event.payload.actor, e.event.payload.detail])).toEqual([
      ['compliance-officer-9', { personalData: 'clear' }],
      ['auditor-9', { personalData: 'masked' }],
    ]);

    expect((await history(null)).status).toBe(401);
    expect((await history('channel-adapter')).status).toBe(403);
    expect((await call('GET', `/v1/staff/complaints/${randomUUID()}/regulator-deadline`, await token('auditor'))).status).toBe(404);
    const plain = await file({});
    expect(await call('GET', `/v1/staff/complaints/${plain.complaintId}/regulator-deadline`, await token('auditor'))).toMatchObject({ status: 409, type: 'application/problem+json' });
  });

  describe('refuses, and writes nothing', () => {
    let referred: { complaintId: string };
    let plain: { complaintId: string };
    beforeAll(async () => {
      referred = await referral(5);
      plain = await file({ channel: 'branch' });
    });
    const valid = { deadline: beijingDate(15), reference: 'NFRA-2026-0099', reason: REASON };

    it.each([
      ['no token', null, 401],
      ['an investigator', 'investigator', 403],
      ['an auditor', 'auditor', 403],
      ['a customer', 'customer', 403],
      ['a channel adapter', 'channel-adapter', 403],
    ] as const)('%s: %s', async (_who, role, status) => {
      const before = await service.rowCounts();
      const res = await change(referred.complaintId, valid, role);
      expect(res.status).toBe(status);
      expect(await service.rowCounts()).toEqual(before);
    });

    it.each([
      ['an unreadable deadline', { ...valid, deadline: '2026-02-30' }, 'deadline'],
      ['a deadline that is no date', { ...valid, deadline: 'next Friday' }, 'deadline'],
      ['a week date, which would read as the start of a day', { ...valid, deadline: '2027-W51-7' }, 'deadline'],
      ['the basic format', { ...valid, deadline: '20271220' }, 'deadline'],
      ["yesterday's date, over in Beijing", { ...valid, deadline: beijingDate(-1) }, 'deadline'],
      ['no reference', { deadline: valid.deadline, reason: REASON }, 'reference'],
      ['a blank reason', { ...valid, reason: '   ' }, 'reason'],
      ['an unknown field', { ...valid, note: 'x' }, 'note'],
    ])('%s: 400 naming the field', async (_what, body, path) => {
      const before = await service.rowCounts();
      const res = await change(referred.complaintId, body);
      expect(res).toMatchObject({ status: 400, type: 'application/problem+json' });
      expect((res.body.errors as { path: string }[]).map((e) => e.path)).toContain(path);
      expect(await service.rowCounts()).toEqual(before);
    });

    it('an unknown complaint: 404', async () => {
      const before = await service.rowCounts();
      expect(await change(randomUUID(), valid)).toMatchObject({ status: 404, type: 'application/problem+json' });
      expect(await service.rowCounts()).toEqual(before);
    });

    it('a complaint no regulator referred: 409', async () => {
      const before = await service.rowCounts();
      const res = await change(plain.complaintId, valid);
      expect(res).toMatchObject({ status: 409, type: 'application/problem+json' });
      expect(res.body.type).toBe('https://complaints.example/problems/not-a-regulator-referral');
      expect(await service.rowCounts()).toEqual(before);
    });

    it('a withdrawn referral: 409', async () => {
      const withdrawn = await referral(5);
      await service.pg.query(`UPDATE "${service.schema}".complaints SET status = 'withdrawn', withdrawn_at = now() WHERE id = $1`, [withdrawn.complaintId]);
      const before = await service.rowCounts();
      const res = await change(withdrawn.complaintId, valid);
      expect(res).toMatchObject({ status: 409, type: 'application/problem+json' });
      expect(res.body.type).toBe('https://complaints.example/problems/complaint-ended');
      expect(await service.rowCounts()).toEqual(before);
    });
  });
});
