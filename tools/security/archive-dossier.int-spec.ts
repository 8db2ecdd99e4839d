/**
 * GET /v1/archive/complaints/{id}/dossier and /dossier.pdf from a running archive: one complaint
 * from filing to final response goes in through the archive's own consumer, the archive seals it,
 * and the dossier must carry every part, hash to exactly the seal, and print in Chinese.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Events, TOPICS, validateEnvelope } from '@complaints/contracts';
import { FieldCipher } from '@complaints/platform';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { embeddedFontNames, flatText, infoString, pageTexts } from '../../apps/compliance-archive/src/dossier/testing/pdf-text';
import { SAMPLE_EXPLANATION, SAMPLE_SUMMARY, SAMPLE_TICKET, sampleComplaint } from '../../apps/compliance-archive/src/dossier/testing/sample-complaint';
import { kafkaMessage } from '../archive-verify/archive-fixtures';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const AUDIT = { 'x-retrieval-purpose': 'regulator-request', 'x-retrieval-reference': 'NFRA/2026/0042' };
/** The platform's PII keys, as investigation seals a response's explanation with them. */
const PII_KEYS = `t1:${randomBytes(32).toString('base64')}`;

describe('compliance archive: the sealed dossier of one complaint', () => {
  let archive: ServiceUnderTest;
  const complaintId = randomUUID();
  const tokens: Record<string, string> = {};
  let seal: { dossierHash: string; entries: number; lastEntrySeq: number; ticketNumber: string };
  let sealedEntryHashes: string[];

  const get = async (path: string, role: string | null = 'auditor', headers: Record<string, string> = AUDIT) => {
    const res = await fetch(`${archive.baseUrl}/v1/archive/complaints/${path}`, { headers: { ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}), ...headers } });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get('content-type') ?? '', bytes, json: () => JSON.parse(bytes.toString('utf8')) };
  };

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService, { PII_KEYS });
    for (const role of ['compliance-officer', 'auditor', 'investigator', 'administrator']) tokens[role] = await archive.issuer.token(role as never);
    // Another complaint's events in between, as in a real archive: the complaint's entries are not contiguous.
    const other = sampleComplaint();
    let offset = 0;
    for (const [i, { topic, envelope }] of sampleComplaint(complaintId).entries()) {
      for (const e of [envelope, other[i].envelope]) {
        expect(await archive.running.transport.handleRecord(`${archive.schema}.${topic}`, 0, kafkaMessage(e, offset++))).toBe('handled');
      }
    }
    // The final response sealed the dossier: the seal waits in the outbox; it goes in like any event.
    const { rows } = await archive.pg.query(`SELECT value FROM "${archive.schema}".outbox WHERE convert_from(value, 'UTF8')::jsonb ->> 'type' = 'dossier.sealed' AND message_key = $1`, [complaintId]);
    expect(rows).toHaveLength(1);
    const sealed = JSON.parse(rows[0].value.toString('utf8'));
    seal = sealed.payload;
    expect(['handled', 'duplicate']).toContain(await archive.running.transport.handleRecord(`${archive.schema}.complaints.archive.v1`, 0, kafkaMessage(sealed, offset++)));
    sealedEntryHashes = (
      await archive.pg.query(`SELECT entry_hash FROM "${archive.schema}".archive_entries WHERE complaint_id = $1 AND seq <= $2 ORDER BY seq`, [complaintId, seal.lastEntrySeq])
    ).rows.map((r) => r.entry_hash);
  });

  afterAll(() => archive?.stop());

  it('the JSON dossier has every part, and its hash is the sealed one', async () => {
    const res = await get(`${complaintId}/dossier`);
    expect({ status: res.status, type: res.type }).toEqual({ status: 200, type: expect.stringContaining('application/json') });
    const dossier = res.json();
    expect(seal).toMatchObject({ ticketNumber: SAMPLE_TICKET, entries: 9 });
    expect(dossier).toMatchObject({
      format: 'complaints-dossier@1',
      complaintId,
      ticketNumber: SAMPLE_TICKET,
      sealed: { dossierHash: seal.dossierHash, entries: 9, lastEntrySeq: seal.lastEntrySeq, sealedAt: expect.any(String) },
      dossierHash: seal.dossierHash,
      dossierHashCovers: { entries: 9, lastEntrySeq: seal.lastEntrySeq, matchesSeal: true },
      integrity: { entriesVerified: 10, chainIntact: true, problems: [] },
    });
    expect(dossier.timeline.map((t: { type: string }) => t.type)).toEqual([
      'complaint.received', 'complaint.triaged', 'notification.sent', 'case.opened', 'complaint.supplemented',
      'staff.action-recorded', 'case.resolved', 'remedy.proposed', 'notification.sent', 'dossier.sealed',
    ]);
    expect(dossier.timeline[0]).toMatchObject({ producer: 'intake', label: { zh: '收到投诉', en: 'Complaint received' }, summary: expect.stringContaining(SAMPLE_SUMMARY) });
    expect(dossier.decisions).toEqual([expect.objectContaining({ outcome: 'upheld', explanation: SAMPLE_EXPLANATION, decidedBy: 'staff-0042' })]);
    expect(dossier.remedies).toEqual([expect.objectContaining({ type: 'fee-refund', amount: { amountMinor: 30_000, currency: 'CNY' } })]);
    expect(dossier.letters.map((l: { kind: string }) => l.kind)).toEqual(['acknowledgement', 'final-response']);
    expect(dossier.staffActions.map((s: { action: string }) => s.action)).toEqual(['case.resolved']);
    expect(dossier.evidence.attachments).toBe(3);
    expect(dossier.evidence.entries.slice(0, 9).map((e: { entryHash: string }) => e.entryHash)).toEqual(sealedEntryHashes);
  });

  it('the PDF is A4 with Noto Sans SC embedded, the ticket and first Chinese label in its metadata, and the Chinese text on its pages', async () => {
    const res = await get(`${complaintId}/dossier.pdf`, 'compliance-officer');
    expect({ status: res.status, type: res.type }).toEqual({ status: 200, type: 'application/pdf' });
    const pdf = res.bytes;
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1').trim()).toBe('%%EOF');
    expect(embeddedFontNames(pdf).some((n) => /^[A-Z]{6}\+NotoSansSC-/.test(n))).toBe(true);
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
    expect(infoString(pdf, 'Title')).toBe(`投诉档案 ${SAMPLE_TICKET}`);
    expect(infoString(pdf, 'Subject')).toBe(`投诉档案 Complaint dossier ${SAMPLE_TICKET}: 收到投诉 Complaint received`);
    const text = flatText(pdf);
    for (const s of [SAMPLE_EXPLANATION, '收到投诉Complaintreceived', '档案封存Dossiersealed', `封存哈希Sealhash${seal.dossierHash}`, '2026-11-2009:30:00北京时间', '2026-11-2001:30:00UTC', '最终答复finalresponse']) {
      expect(text).toContain(s);
    }
    const pages = pageTexts(pdf);
    expect(pages.every((p, i) => p.replace(/\s+/g, '').includes(`Page${i + 1}of${pages.length}`) && p.replace(/\s+/g, '').includes(`dossierhash${seal.dossierHash}`))).toBe(true);
  });

  it('each retrieval of the dossier is itself on the record, after the seal, without changing the sealed hash', async () => {
    await get(`${complaintId}/dossier`);
    const { rows } = await archive.pg.query(`SELECT payload FROM (SELECT convert_from(value, 'UTF8')::jsonb AS e FROM "${archive.schema}".outbox) o, LATERAL (SELECT e -> 'payload' AS payload) p WHERE e ->> 'type' = 'staff.action-recorded'`);
    const actions = rows.map((r) => r.payload);
    expect(actions).toEqual(expect.arrayContaining([
      expect.objectContaining({ action: 'archive.dossier-viewed', roles: ['auditor'], route: '/v1/archive/complaints/:complaintId/dossier', detail: { purpose: 'regulator-request', reference: 'NFRA/2026/0042' } }),
      expect.objectContaining({ action: 'archive.dossier-downloaded', roles: ['compliance-officer'], route: '/v1/archive/complaints/:complaintId/dossier.pdf' }),
    ]));
    // Fed back in as the archive's consumer would: the dossier grows, its sealed hash does not change.
    const { rows: outbox } = await archive.pg.query(`SELECT value FROM "${archive.schema}".outbox WHERE convert_from(value, 'UTF8')::jsonb ->> 'type' = 'staff.action-recorded'`);
    for (const [i, r] of outbox.entries()) {
      expect(['handled', 'duplicate']).toContain(await archive.running.transport.handleRecord(`${archive.schema}.complaints.staff-actions.v1`, 0, kafkaMessage(JSON.parse(r.value.toString('utf8')), 1000 + i)));
    }
    const after = (await get(`${complaintId}/dossier`)).json();
    expect(after.staffActions.length).toBeGreaterThan(1);
    expect(after.dossierHash).toBe(seal.dossierHash);
    expect(after.dossierHashCovers.matchesSeal).toBe(true);
    expect(after.integrity.chainIntact).toBe(true);
  });

  it('names a changed entry in its integrity, shows the entry as stored, and answers an unknown complaint with 404', async () => {
    const table = `"${archive.schema}".archive_entries`;
    const [{ seq }] = (await archive.pg.query(`SELECT seq::int AS seq FROM ${table} WHERE complaint_id = $1 AND event_type = 'case.resolved'`, [complaintId])).rows;
    await archive.pg.query(`ALTER TABLE ${table} DISABLE TRIGGER archive_entries_append_only`);
    try {
      await archive.pg.query(`UPDATE ${table} SET canonical = replace(canonical, '"upheld"', '"Upheld"') WHERE seq = $1`, [seq]);
      const dossier = (await get(`${complaintId}/dossier`)).json();
      expect(dossier.integrity).toMatchObject({ chainIntact: false, problems: [{ seq, problem: 'entry content does not match its hash' }] });
      expect(dossier.decisions[0].outcome).toBe('Upheld');
      // The stored entry hashes did not change, so the hash over them still names the seal: the integrity verdict is what tells.
      expect(dossier.dossierHash).toBe(seal.dossierHash);
      expect(flatText((await get(`${complaintId}/dossier.pdf`)).bytes)).toContain(`校验失败FAILED:seq${seq}:entrycontentdoesnotmatchitshash`);
    } finally {
      await archive.pg.query(`UPDATE ${table} SET canonical = replace(canonical, '"Upheld"', '"upheld"') WHERE seq = $1`, [seq]);
      await archive.pg.query(`ALTER TABLE ${table} ENABLE TRIGGER archive_entries_append_only`);
    }
    expect((await get(`${complaintId}/dossier`)).json().integrity.chainIntact).toBe(true);

    const unknown = await get(`${randomUUID()}/dossier`);
    expect({ status: unknown.status, type: unknown.type, detail: unknown.json().detail }).toEqual({
      status: 404,
      type: expect.stringContaining('application/problem+json'),
      detail: 'the archive holds no record of this complaint',
    });
    expect((await get(`${randomUUID()}/dossier.pdf`)).status).toBe(404);
  });

  it('shows auditors the record, the dossier and its PDF with personal data masked, compliance officers in clear, over the same stored entries and hashes', async () => {
    const PHONE = '13800138000';
    const CARD = '6222021234567890';
    const ACCOUNT = '6217000010001234567';
    const personalId = randomUUID();
    const caseId = randomUUID();
    const personal = sampleComplaint(personalId).map(({ topic, envelope }) => {
      const p = envelope.payload as Record<string, unknown>;
      const payload: Record<string, Record<string, unknown>> = {
        'complaint.received': { ...p, channelReference: PHONE, summary: `卡号 ${CARD} 年费被重复扣收，请回电 ${PHONE}。`, vulnerable: true, vulnerability: { ageBand: '75+', declaredNeeds: ['hearing-impaired'] } },
        'complaint.triaged': { ...p, reasons: [`card number ${CARD} -> cards`] },
        'complaint.supplemented': { ...p, summary: `补充：另一号码 ${PHONE}，扣款时间 2026-11-20 10:32。` },
        'staff.action-recorded': { ...p, detail: { outcome: 'upheld', note: `已回电 ${PHONE}` } },
        'case.resolved': { ...p, caseId, explanation: `经核查，卡号 ${CARD} 的年费系重复扣收，已退至账户 ${ACCOUNT}。` },
      };
      return { topic, envelope: { ...envelope, payload: payload[String(envelope.type)] ?? p } };
    });
    const final = personal.pop()!;
    const rejected = { ...final.envelope, eventId: randomUUID(), type: 'remedy.rejected', producer: 'compensation', payload: { remedyId: randomUUID(), caseId, amount: { amountMinor: 30_000, currency: 'CNY' }, reason: `账户 ${ACCOUNT} 已销户`, rejectedBy: 'approver-0007' } };
    for (const [i, { topic, envelope }] of [...personal, { topic: TOPICS.compensation, envelope: rejected }, final].entries()) {
      expect(validateEnvelope(envelope)).toMatchObject({ ok: true });
      expect(await archive.running.transport.handleRecord(`${archive.schema}.${topic}`, 0, kafkaMessage(envelope, 2000 + i))).toBe('handled');
    }
    // The seal comes back through the broker; both readers read after it.
    await archive.rowCounts();
    const inClear = [PHONE, CARD, ACCOUNT, 'hearing-impaired'];
    const record = (role: string) => get(personalId, role).then((r) => r.json() as { events: { seq: number; type: string; entryHash: string; payload: Record<string, unknown> }[] });
    const payloadOf = (events: { type: string; payload: Record<string, unknown> }[], type: string) => events.find((e) => e.type === type)!.payload;

    const officer = await record('compliance-officer');
    const officerText = JSON.stringify(officer);
    for (const value of inClear) expect(officerText).toContain(value);
    expect(payloadOf(officer.events, 'complaint.received')).toMatchObject({ channelReference: PHONE, vulnerability: { ageBand: '75+', declaredNeeds: ['hearing-impaired'] } });

    const auditor = await record('auditor');
    const auditorText = JSON.stringify(auditor);
    for (const value of inClear) expect(auditorText).not.toContain(value);
    expect(payloadOf(auditor.events, 'complaint.received')).toMatchObject({
      channelReference: '*******8000',
      summary: '卡号 ************7890 年费被重复扣收，请回电 *******8000。',
      vulnerable: true,
      vulnerability: '(masked)',
    });
    expect(payloadOf(auditor.events, 'complaint.triaged').reasons).toEqual(['card number ************7890 -> cards']);
    expect(payloadOf(auditor.events, 'complaint.supplemented').summary).toBe('补充：另一号码 *******8000，扣款时间 2026-11-20 10:32。');
    expect(payloadOf(auditor.events, 'staff.action-recorded').detail).toEqual({ outcome: 'upheld', note: '已回电 *******8000' });
    expect(payloadOf(auditor.events, 'case.resolved').explanation).toBe('经核查，卡号 ************7890 的年费系重复扣收，已退至账户 ***************4567。');
    expect(payloadOf(auditor.events, 'remedy.rejected').reason).toBe('账户 ***************4567 已销户');
    // Masking is a view: both readers get the entries' stored hashes.
    const { rows } = await archive.pg.query(`SELECT seq::int AS seq, entry_hash FROM "${archive.schema}".archive_entries WHERE complaint_id = $1`, [personalId]);
    const stored = new Map(rows.map((r) => [r.seq, r.entry_hash]));
    for (const e of [...officer.events, ...auditor.events]) expect(e.entryHash).toBe(stored.get(e.seq));

    const officerDossier = (await get(`${personalId}/dossier`, 'compliance-officer')).json();
    const auditorDossier = (await get(`${personalId}/dossier`)).json();
    expect(officerDossier.decisions[0].explanation).toContain(CARD);
    for (const value of inClear) expect(JSON.stringify(auditorDossier)).not.toContain(value);
    expect(auditorDossier.decisions[0].explanation).toBe('经核查，卡号 ************7890 的年费系重复扣收，已退至账户 ***************4567。');
    expect(auditorDossier.timeline[0].summary).toContain('卡号 ************7890 年费被重复扣收');
    expect(auditorDossier.sealed).toEqual(expect.objectContaining({ dossierHash: officerDossier.dossierHash }));
    for (const dossier of [officerDossier, auditorDossier]) {
      expect(dossier).toMatchObject({ dossierHash: auditorDossier.sealed.dossierHash, dossierHashCovers: { matchesSeal: true }, integrity: { chainIntact: true, problems: [] } });
    }

    const auditorPdf = flatText((await get(`${personalId}/dossier.pdf`)).bytes);
    for (const value of [PHONE, CARD, ACCOUNT]) expect(auditorPdf).not.toContain(value);
    expect(auditorPdf).toContain('************7890');
    expect(flatText((await get(`${personalId}/dossier.pdf`, 'compliance-officer')).bytes)).toContain(CARD);

    const integrity = await fetch(`${archive.baseUrl}/v1/archive/integrity`, { headers: { authorization: `Bearer ${tokens.auditor}` } });
    expect(await integrity.json()).toMatchObject({ chainIntact: true });
  });

  it('shows a response issued with its explanation sealed (v2) as written to compliance officers and masked to auditors; the chain holds it under the customer key only', async () => {
    const NAME = '王建国';
    const PHONE = '13900001111';
    const ACCOUNT = '6222021234567890123';
    const explanation = `${NAME}先生您好：经核查，您尾号 ${ACCOUNT} 的账户年费系重复扣收，已全额退还；我行已致电 ${PHONE} 告知。`;
    const sealedExplanation = FieldCipher.fromEnv({ PII_KEYS }, { pseudonyms: false }).encrypt(explanation);
    const issuedId = randomUUID();
    const caseId = randomUUID();
    const events = sampleComplaint(issuedId).map(({ topic, envelope }) => {
      if (envelope.type !== 'case.resolved') return { topic, envelope };
      const payload = {
        caseId, ticketNumber: SAMPLE_TICKET, reviewRound: 0, outcome: 'upheld', explanation: sealedExplanation, liability: 'bank', rootCause: 'system',
        actions: ['correction', 'apology'], remedy: { type: 'fee-refund', amount: { amountMinor: 30_000, currency: 'CNY' } }, decidedBy: 'staff-0042', approvedBy: null,
        issuedAt: String(envelope.occurredAt), rights: { reviewBy: '2026-12-22T15:59:59.999Z', escalateTo: [] },
      };
      return { topic, envelope: { ...envelope, type: Events.CaseResponseIssued.type, version: Events.CaseResponseIssued.version, payload } };
    });
    for (const [i, { topic, envelope }] of events.entries()) {
      expect(validateEnvelope(envelope)).toMatchObject({ ok: true });
      expect(await archive.running.transport.handleRecord(`${archive.schema}.${topic}`, 0, kafkaMessage(envelope, 3000 + i))).toBe('handled');
    }
    await archive.rowCounts();

    // Opened on the way in and sealed under the customer's key: neither the text nor the platform's seal of it is stored.
    const { rows } = await archive.pg.query(`SELECT canonical FROM "${archive.schema}".archive_entries WHERE complaint_id = $1 AND event_type = 'case.response-issued'`, [issuedId]);
    expect(rows).toHaveLength(1);
    for (const value of [NAME, PHONE, ACCOUNT, sealedExplanation]) expect(rows[0].canonical).not.toContain(value);
    expect(JSON.parse(rows[0].canonical)).toMatchObject({ version: 2, payload: { explanation: { sealed: expect.stringMatching(/^v1:sk_/) } } });

    const issuedOf = (record: { events: { type: string; payload: { explanation: string } }[] }) => record.events.find((e) => e.type === 'case.response-issued')!.payload;
    expect(issuedOf((await get(issuedId, 'compliance-officer')).json()).explanation).toBe(explanation);
    const masked = `${NAME}先生您好：经核查，您尾号 ***************0123 的账户年费系重复扣收，已全额退还；我行已致电 *******1111 告知。`;
    expect(issuedOf((await get(issuedId, 'auditor')).json()).explanation).toBe(masked);

    const officerDossier = (await get(`${issuedId}/dossier`, 'compliance-officer')).json();
    expect(officerDossier.decisions).toEqual([expect.objectContaining({ outcome: 'upheld', explanation, decidedBy: 'staff-0042' })]);
    expect(officerDossier).toMatchObject({ dossierHashCovers: { matchesSeal: true }, integrity: { chainIntact: true, problems: [] } });
    expect((await get(`${issuedId}/dossier`)).json().decisions[0].explanation).toBe(masked);
    const officerPdf = flatText((await get(`${issuedId}/dossier.pdf`, 'compliance-officer')).bytes);
    for (const value of [NAME, ACCOUNT, PHONE]) expect(officerPdf).toContain(value);
    const auditorPdf = flatText((await get(`${issuedId}/dossier.pdf`)).bytes);
    for (const value of [ACCOUNT, PHONE]) expect(auditorPdf).not.toContain(value);
  });

  it('is only for compliance officers and auditors, and only with a stated purpose', async () => {
    for (const path of [`${complaintId}/dossier`, `${complaintId}/dossier.pdf`]) {
      expect((await get(path, null)).status).toBe(401);
      expect((await get(path, 'investigator')).status).toBe(403);
      expect((await get(path, 'administrator')).status).toBe(403);
      const none = await get(path, 'auditor', {});
      expect({ status: none.status, type: none.type, errors: none.json().errors }).toEqual({
        status: 400,
        type: expect.stringContaining('application/problem+json'),
        errors: [{ path: 'header:X-Retrieval-Purpose', message: expect.stringContaining('regulator-request') }],
      });
    }
  });
});
