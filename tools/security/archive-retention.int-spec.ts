/**
 * Retention, legal hold and erasure on a running archive (docs/archive.md): a UK complaint
 * closed in 2015 goes in through the archive's own consumer with its personal text sealed under
 * the customer's key; a legal hold keeps a purge from erasing it; once released, the purge
 * destroys the key, the record and the dossier show the erasure marker, and the chain, the
 * export and the offline verifier still verify.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Events, TOPICS } from '@complaints/contracts';
import { maskDigitRuns } from '@complaints/domain';
import { FieldCipher } from '@complaints/platform';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { archiveWriterRole } from '../../apps/compliance-archive/src/migrations';
import { flatText } from '../../apps/compliance-archive/src/dossier/testing/pdf-text';
import { SAMPLE_EXPLANATION, SAMPLE_SUMMARY, SAMPLE_TICKET, sampleComplaint } from '../../apps/compliance-archive/src/dossier/testing/sample-complaint';
import { kafkaMessage, removeScratch, runVerifier } from '../archive-verify/archive-fixtures';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(180_000);

const AUDIT = { 'x-retrieval-purpose': 'internal-audit' };
const SUPPLEMENT = '补充：扣款时间为11月20日 10:32。';
const TRIAGE_REASON = 'term "信用卡" -> cards';
const HOLD_REASON = '客户已起诉，诉讼期间保留档案';
/** A hold's reasons can name the customer, as this claim does: they must be erased with the customer's key. */
const CLAIM_REASON = 'Claim by Mr Wang Wei, phone 13800138000, account 6222021234567890';
const CLAIM_RELEASE = '诉讼已结案，已致电王伟先生 13800138000';
const CLAIM_TEXTS = ['Wang Wei', '王伟', '13800138000', '6222021234567890'];
const ERASED = /^\[erased under retention policy on \d{4}-\d\d-\d\d\]$/;
const PII_KEYS = `t1:${randomBytes(32).toString('base64')}`;
/** A review's response, its explanation sealed by investigation under the platform's PII keys (case.response-issued v2). */
const REVIEW_EXPLANATION = '复核后维持原决定：尾号 6222021234567890 的账户已于 2015-03-05 退款，我行已致电 13900001111 告知。';
/** Why staff reopened a case, sealed by investigation under the same keys (case.reopened v2): it names the customer. */
const REOPENING_REASON = '王秀兰女士提交了新的交易流水';
const platformSealed = (text: string) => FieldCipher.fromEnv({ PII_KEYS }, { pseudonyms: false }).encrypt(text);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- archived envelopes of every event type are read by deep paths; the assertions, not the types, check them
type Json = Record<string, any>;

describe('compliance archive: retention, legal hold and erasure by destroying the customer key', () => {
  let archive: ServiceUnderTest;
  const tokens: Record<string, string> = {};
  const oldComplaint = randomUUID();
  const recentComplaint = randomUUID();
  const reopenedComplaint = randomUUID();
  const OLD_CUSTOMER = `cust_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const RECENT_CUSTOMER = `cust_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const REOPENED_CUSTOMER = `cust_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  let reopenedCaseId: string;
  let offset = 0;
  const fed = new Set<string>();
  let holdId: string;
  /** A complaint of which only triage's events arrive: its complaint.received never does. */
  const triageOnly = randomUUID();

  const table = (name: string) => `"${archive.schema}".${name}`;
  const feed = async (topic: string, envelope: Record<string, unknown>) =>
    expect(['handled', 'duplicate']).toContain(await archive.running.transport.handleRecord(`${archive.schema}.${topic}`, 0, kafkaMessage(envelope, offset++)));
  /** What the archive published itself (seals, staff actions) goes in as its consumer would take it. */
  const feedOutbox = async () => {
    const { rows } = await archive.pg.query(`SELECT event_id::text, topic, value FROM ${table('outbox')} ORDER BY seq`);
    for (const r of rows.filter((x) => !fed.has(x.event_id))) {
      fed.add(r.event_id);
      await feed(String(r.topic).replace(/^.*?(complaints\.)/, '$1'), JSON.parse(r.value.toString('utf8')));
    }
  };
  const call = async (method: 'GET' | 'POST', path: string, role: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${archive.baseUrl}/v1/archive/${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens[role]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, bytes, json: (): Json => JSON.parse(bytes.toString('utf8')) };
  };
  const record = async (complaintId: string) => {
    const res = await call('GET', `complaints/${complaintId}`, 'auditor', undefined, AUDIT);
    expect(res.status).toBe(200);
    const events: Json[] = res.json().events;
    return (type: string) => events.filter((e) => e.type === type).map((e) => e.payload);
  };
  /** A hold's row as stored, every column as text. */
  const storedHold = async (id: string): Promise<string> =>
    (await archive.pg.query(`SELECT h::text AS row FROM ${table('archive_legal_holds')} h WHERE id = $1`, [id])).rows[0].row;
  const keyRows = async () =>
    (await archive.pg.query(`SELECT key_id, customer_ref, complaint_id::text, linked_to, wrapped_key, destroyed_at FROM ${table('archive_subject_keys')} ORDER BY created_at, key_id`)).rows;

  /** One complaint from filing to final response; `at` moves every time into the year given. */
  const complaintEvents = (complaintId: ReturnType<typeof randomUUID>, customerRef: string, regime: string, year: number) =>
    sampleComplaint(complaintId).map(({ topic, envelope }, i) => {
      const payload = { ...(envelope.payload as Json) };
      if (envelope.type === 'complaint.received') Object.assign(payload, { customerRef, regime, receivedAt: `${year}-03-02T09:30:00Z`, responseDueBy: `${year}-04-27T16:59:59.999Z` });
      if (envelope.type === 'complaint.triaged') Object.assign(payload, { regime });
      return { topic, envelope: { ...envelope, payload, occurredAt: new Date(Date.UTC(year, 2, 2 + i, 9, 30)).toISOString() } };
    });

  /** An event of the complaint's after its first answer, as its producer would publish it. */
  const laterEvent = (complaintId: string, event: { type: string; version: number }, occurredAt: string, payload: Json, producer = 'investigation') => ({
    eventId: randomUUID(), type: event.type, version: event.version, occurredAt, complaintId,
    correlationId: 'retention-spec', causationId: null, producer, payload,
  });

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService, { PII_KEYS });
    for (const role of ['compliance-officer', 'auditor', 'investigator']) tokens[role] = await archive.issuer.token(role as never);
    const old = complaintEvents(oldComplaint, OLD_CUSTOMER, 'uk-fca', 2015);
    // Triage's event overtakes intake's: sealed under a key of the complaint's own, linked to the customer once known.
    for (const i of [1, 0, 2, 3, 4, 5, 6, 7, 8]) await feed(old[i].topic, old[i].envelope);
    const resolved = old.find(({ envelope }) => (envelope as Json).type === 'case.resolved')!.envelope as Json;
    await feed(TOPICS.investigation, {
      ...resolved,
      eventId: randomUUID(),
      type: Events.CaseResponseIssued.type,
      version: Events.CaseResponseIssued.version,
      occurredAt: '2015-03-09T09:30:00.000Z',
      payload: {
        caseId: resolved.payload.caseId, ticketNumber: SAMPLE_TICKET, reviewRound: 1, outcome: 'upheld',
        explanation: platformSealed(REVIEW_EXPLANATION),
        liability: 'bank', rootCause: 'system', actions: ['explanation'], remedy: null, decidedBy: 'staff-0900', approvedBy: null,
        issuedAt: '2015-03-09T09:30:00.000Z', rights: { reviewBy: null, escalateTo: [] },
      },
    });
    for (const { topic, envelope } of complaintEvents(recentComplaint, RECENT_CUSTOMER, 'uk-fca', 2026)) await feed(topic, envelope);
    // Answered in 2022, reopened in 2025 and not answered since: open, however long ago the first answer went out.
    const reopened = complaintEvents(reopenedComplaint, REOPENED_CUSTOMER, 'uk-fca', 2022);
    for (const { topic, envelope } of reopened) await feed(topic, envelope);
    reopenedCaseId = (reopened.find(({ envelope }) => (envelope as Json).type === 'case.resolved')!.envelope as Json).payload.caseId;
    await feed(TOPICS.investigation, laterEvent(reopenedComplaint, Events.CaseReopened, '2025-06-02T08:00:00.000Z', { caseId: reopenedCaseId, reason: platformSealed(REOPENING_REASON), reopenedBy: 'staff-0900' }));
    await feedOutbox();
  });

  afterAll(async () => {
    removeScratch();
    await archive?.stop();
  });

  it('seals the personal text before hashing: archive_entries never holds it in clear', async () => {
    const { rows } = await archive.pg.query(`SELECT event_type, canonical FROM ${table('archive_entries')} WHERE complaint_id = $1 ORDER BY seq`, [oldComplaint]);
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const { canonical } of rows) {
      for (const text of [SAMPLE_SUMMARY, SAMPLE_EXPLANATION, SUPPLEMENT, '信用卡" -> cards', '6222021234567890', '13900001111']) expect(canonical).not.toContain(text);
    }
    const received = JSON.parse(rows.find((r) => r.event_type === 'complaint.received').canonical);
    expect(received.payload).toMatchObject({ customerRef: OLD_CUSTOMER, ticketNumber: SAMPLE_TICKET, regime: 'uk-fca', summary: { sealed: expect.stringMatching(/^v1:sk_[0-9a-f]{24}:[A-Za-z0-9_-]+$/) } });
    // The customer's key and the complaint's own (from the early triage event), linked.
    const keys = await keyRows();
    expect(keys.filter((k) => k.customer_ref === OLD_CUSTOMER || k.linked_to === OLD_CUSTOMER)).toEqual([
      expect.objectContaining({ complaint_id: oldComplaint, customer_ref: null, linked_to: OLD_CUSTOMER, wrapped_key: expect.stringMatching(/^v1:t1:/), destroyed_at: null }),
      expect.objectContaining({ customer_ref: OLD_CUSTOMER, complaint_id: null, wrapped_key: expect.stringMatching(/^v1:t1:/), destroyed_at: null }),
    ]);
    expect((await archive.pg.query(`SELECT customer_ref, regime FROM ${table('archive_complaint_subjects')} WHERE complaint_id = $1`, [oldComplaint])).rows).toEqual([
      { customer_ref: OLD_CUSTOMER, regime: 'uk-fca' },
    ]);
  });

  it('readers open the sealed fields while the key exists', async () => {
    const of = await record(oldComplaint);
    expect(of('complaint.received')[0].summary).toBe(SAMPLE_SUMMARY);
    expect(of('complaint.triaged')[0].reasons).toEqual([TRIAGE_REASON]);
    expect(of('complaint.supplemented')[0].summary).toBe(SUPPLEMENT);
    expect(of('case.resolved')[0].explanation).toBe(SAMPLE_EXPLANATION);
    expect(of('case.response-issued')[0].explanation).toBe('复核后维持原决定：尾号 ************7890 的账户已于 2015-03-05 退款，我行已致电 *******1111 告知。');
    const dossier = (await call('GET', `complaints/${oldComplaint}/dossier`, 'auditor', undefined, AUDIT)).json();
    expect(dossier.decisions[0].explanation).toBe(SAMPLE_EXPLANATION);
    expect(dossier.integrity.chainIntact).toBe(true);
    // Staff text that arrived sealed with the platform's keys (v2) reads as written, like the customer's own.
    expect((await record(reopenedComplaint))('case.reopened').map((p) => p.reason)).toEqual([REOPENING_REASON]);
    const { rows } = await archive.pg.query(`SELECT canonical FROM ${table('archive_entries')} WHERE complaint_id = $1 AND event_type = 'case.reopened'`, [reopenedComplaint]);
    expect(rows.map((r: Json) => String(r.canonical).includes('王秀兰'))).toEqual([false]);
  });

  it("opens a triage officer's sealed words on arrival (complaint.retriaged@v2, deadline.clock-changed@v3 staffReason) and keeps them under the customer's key only", async () => {
    const complaintId = triageOnly;
    const retriageReason = '王秀兰女士来电说明是信用卡年费';
    const pauseReason = '已致电王秀兰女士，等待回单';
    const outcome = (department: string) => ({ product: 'B03', cause: 'C01', severity: 'medium', department });
    await feed(TOPICS.triage, laterEvent(complaintId, Events.ComplaintRetriaged, '2026-11-02T08:00:00.000Z', {
      ticketNumber: 'CMP-20261102-00000001-0', previous: outcome('operations'), current: outcome('card-centre'), routingRule: 'cn-jrt0169@v1#card', reason: platformSealed(retriageReason), actor: 'triage-officer-3',
    }, 'triage'));
    await feed(TOPICS.triage, laterEvent(complaintId, Events.DeadlineClockChanged, '2026-11-02T09:00:00.000Z', {
      ticketNumber: 'CMP-20261102-00000001-0', change: 'paused', period: 'standard', reason: 'paused in triage: awaiting-customer', responseDueBy: null, actor: 'investigator-3', staffReason: platformSealed(pauseReason),
    }, 'triage'));
    const of = await record(complaintId);
    expect(of('complaint.retriaged').map((p) => p.reason)).toEqual([retriageReason]);
    expect(of('deadline.clock-changed').map((p) => [p.reason, p.staffReason])).toEqual([['paused in triage: awaiting-customer', pauseReason]]);
    const { rows } = await archive.pg.query(`SELECT canonical FROM ${table('archive_entries')} WHERE complaint_id = $1`, [complaintId]);
    expect(rows.map((r: Json) => String(r.canonical).includes('王秀兰'))).toEqual([false, false]);
  });

  it('lists what is due: the 2015 complaint (3 years after closure under uk-fca), not the 2026 one', async () => {
    const due = (await call('GET', 'retention/due', 'auditor')).json();
    expect(due.retentionYears).toEqual({ 'uk-fca': 3, 'cn-cbirc': 5, 'us-cfpb': 3 });
    expect(due.due).toEqual([
      expect.objectContaining({
        customerRef: OLD_CUSTOMER,
        complaints: [{ complaintId: oldComplaint, ticketNumber: SAMPLE_TICKET, regime: 'uk-fca', closedAt: '2015-03-10T09:30:00.000Z', retainedUntil: '2018-03-10T09:30:00.000Z' }],
      }),
    ]);
    expect(due.due[0].keyIds).toHaveLength(2);
    expect(due.heldBack).toEqual([]);
    // Triage's event came first for the 2015 complaint, and intake's followed: it is filed. Intake's never came for one.
    expect(due.unfiled).toEqual([{ complaintId: triageOnly, keyId: expect.stringMatching(/^sk_/), since: expect.any(String), entries: 2, lastOccurredAt: '2026-11-02T09:00:00.000Z' }]);
    // The 2026 complaint's period runs; the one reopened in 2025 is open.
    expect(due.notYetDue).toBe(2);
    // As of a date before the period ran out, nothing is due.
    expect((await call('GET', 'retention/due?asOf=2018-03-10T09:29:59Z', 'auditor')).json().due).toEqual([]);
    expect((await call('GET', 'retention/due?asOf=yesterday', 'auditor')).status).toBe(400);
    expect((await call('GET', 'retention/due?asOf=2026-02-30T00:00:00Z', 'auditor')).status).toBe(400);
  });

  it('a legal hold keeps the purge from erasing the customer; it is on the complaint\'s record', async () => {
    expect((await call('POST', `complaints/${oldComplaint}/legal-holds`, 'auditor', { reason: HOLD_REASON, reference: 'HCCL/2026/117' })).status).toBe(403);
    expect((await call('POST', `complaints/${oldComplaint}/legal-holds`, 'compliance-officer', { reason: '   ', reference: 'HCCL/2026/117' })).status).toBe(400);
    expect((await call('POST', `complaints/${oldComplaint}/legal-holds`, 'compliance-officer', { reason: HOLD_REASON, reference: 'bad\nref' })).status).toBe(400);
    expect((await call('POST', `complaints/${randomUUID()}/legal-holds`, 'compliance-officer', { reason: HOLD_REASON, reference: 'HCCL/2026/117' })).status).toBe(404);
    const placed = await call('POST', `complaints/${oldComplaint}/legal-holds`, 'compliance-officer', { reason: CLAIM_REASON, reference: 'HCCL/2026/117' });
    expect(placed.status).toBe(201);
    holdId = placed.json().id;
    expect(placed.json()).toMatchObject({ complaintId: oldComplaint, reason: CLAIM_REASON, reference: 'HCCL/2026/117', releasedAt: null });
    // Sealed at rest under the customer's key, opened for readers.
    const stored = await storedHold(holdId);
    for (const text of CLAIM_TEXTS) expect(stored).not.toContain(text);
    expect((await call('GET', `complaints/${oldComplaint}/legal-holds`, 'compliance-officer')).json().holds).toEqual([expect.objectContaining({ id: holdId, reason: CLAIM_REASON })]);
    expect((await call('GET', `complaints/${oldComplaint}/legal-holds`, 'auditor')).json().holds).toEqual([expect.objectContaining({ id: holdId, reason: maskDigitRuns(CLAIM_REASON) })]);

    const due = (await call('GET', 'retention/due', 'compliance-officer')).json();
    expect(due.due).toEqual([]);
    expect(due.heldBack).toEqual([expect.objectContaining({ customerRef: OLD_CUSTOMER, holds: [{ complaintId: oldComplaint, holdId }] })]);

    const purge = await call('POST', 'retention/purge', 'compliance-officer', { asOf: new Date().toISOString(), reference: 'RET-RUN/2026-11' });
    expect(purge.status).toBe(200);
    expect(purge.json()).toMatchObject({ purged: [], heldBack: [expect.objectContaining({ customerRef: OLD_CUSTOMER })] });
    expect((await keyRows()).every((k) => k.wrapped_key && !k.destroyed_at)).toBe(true);

    // On the wire, the hold's staff action carries its reason sealed under the platform's PII keys (staff.action-recorded v2).
    const { rows: published } = await archive.pg.query(`SELECT convert_from(value, 'UTF8') AS value FROM ${table('outbox')} WHERE convert_from(value, 'UTF8') LIKE '%legal-hold-placed%'`);
    expect(published).toHaveLength(1);
    for (const text of CLAIM_TEXTS) expect(published[0].value).not.toContain(text);
    const onTheWire: Json = JSON.parse(published[0].value);
    expect(onTheWire).toMatchObject({ type: 'staff.action-recorded', version: 2, payload: { detail: { holdId, reference: 'HCCL/2026/117', reason: expect.stringMatching(/^v2:t1:/) } } });
    expect(FieldCipher.fromEnv({ PII_KEYS }, { pseudonyms: false }).decrypt(onTheWire.payload.detail.reason)).toBe(CLAIM_REASON);
    await feedOutbox();
    const actions = (await record(oldComplaint))('staff.action-recorded');
    expect(actions).toEqual(expect.arrayContaining([
      expect.objectContaining({ action: 'archive.legal-hold-placed', roles: ['compliance-officer'], detail: { holdId, reference: 'HCCL/2026/117', reason: maskDigitRuns(CLAIM_REASON) } }),
    ]));
    const { rows } = await archive.pg.query(`SELECT canonical FROM ${table('archive_entries')} WHERE complaint_id = $1 AND canonical LIKE '%legal-hold-placed%'`, [oldComplaint]);
    expect(rows).toHaveLength(1);
    for (const text of CLAIM_TEXTS) expect(rows[0].canonical).not.toContain(text);
  });

  it('released, the purge destroys the customer\'s keys; the record and the dossier show the erasure marker', async () => {
    expect((await call('POST', `complaints/${oldComplaint}/legal-holds/${randomUUID()}/release`, 'compliance-officer', { reason: 'x' })).status).toBe(404);
    const released = await call('POST', `complaints/${oldComplaint}/legal-holds/${holdId}/release`, 'compliance-officer', { reason: CLAIM_RELEASE });
    expect(released.status).toBe(200);
    expect(released.json()).toMatchObject({ id: holdId, reason: CLAIM_REASON, releasedAt: expect.any(String), releaseReason: CLAIM_RELEASE });
    for (const text of CLAIM_TEXTS) expect(await storedHold(holdId)).not.toContain(text);
    expect((await call('POST', `complaints/${oldComplaint}/legal-holds/${holdId}/release`, 'compliance-officer', { reason: 'again' })).status).toBe(409);
    expect((await call('POST', 'retention/purge', 'auditor', { asOf: new Date().toISOString() })).status).toBe(403);
    expect((await call('POST', 'retention/purge', 'compliance-officer', { asOf: '2999-01-01T00:00:00Z' })).status).toBe(400);
    // Erasure cannot be undone: its cut-off is stated, never implied.
    expect((await call('POST', 'retention/purge', 'compliance-officer', {})).status).toBe(400);

    const purge = await call('POST', 'retention/purge', 'compliance-officer', { asOf: new Date().toISOString(), reference: 'RET-RUN/2026-11' });
    expect(purge.status).toBe(200);
    const result = purge.json();
    expect(result.purged).toEqual([
      expect.objectContaining({ customerRef: OLD_CUSTOMER, keysDestroyed: 2, complaints: [expect.objectContaining({ complaintId: oldComplaint, ticketNumber: SAMPLE_TICKET })] }),
    ]);

    // No key material left for the customer; the other customer's key untouched.
    const keys = await keyRows();
    const erased = keys.filter((k) => k.customer_ref === OLD_CUSTOMER || k.linked_to === OLD_CUSTOMER);
    expect(erased).toHaveLength(2);
    for (const k of erased) expect(k).toMatchObject({ wrapped_key: null, destroyed_at: expect.any(Date) });
    expect(keys.find((k) => k.customer_ref === RECENT_CUSTOMER)).toMatchObject({ wrapped_key: expect.stringMatching(/^v1:t1:/), destroyed_at: null });
    expect((await archive.pg.query(`SELECT customer_ref, complaints::text[], cardinality(key_ids) AS keys, reference, actor FROM ${table('archive_purges')}`)).rows).toEqual([
      { customer_ref: OLD_CUSTOMER, complaints: [oldComplaint], keys: 2, reference: 'RET-RUN/2026-11', actor: expect.any(String) },
    ]);

    const of = await record(oldComplaint);
    expect(of('complaint.received')[0].summary).toMatch(ERASED);
    expect(of('complaint.received')[0].customerRef).toBe(OLD_CUSTOMER);
    expect(of('complaint.triaged')[0].reasons).toMatch(ERASED);
    expect(of('complaint.supplemented')[0].summary).toMatch(ERASED);
    expect(of('case.resolved')[0]).toMatchObject({ explanation: expect.stringMatching(ERASED), outcome: 'upheld' });
    // Sealed under the platform's PII keys on the wire, archived as text under the customer's key: destroying that key erases it, whoever holds PII_KEYS.
    expect(of('case.response-issued')[0]).toMatchObject({ explanation: expect.stringMatching(ERASED), outcome: 'upheld', reviewRound: 1 });
    expect(of('staff.action-recorded').find((a) => a.action === 'archive.legal-hold-placed').detail).toEqual({ holdId, reference: 'HCCL/2026/117', reason: expect.stringMatching(ERASED) });
    // The hold's own row goes with the chain's copy: its reasons read as erased for everyone, and the table holds neither.
    for (const role of ['compliance-officer', 'auditor']) {
      const holds = await call('GET', `complaints/${oldComplaint}/legal-holds`, role);
      expect(holds.status).toBe(200);
      expect(holds.json()).toEqual({
        complaintId: oldComplaint,
        active: false,
        holds: [expect.objectContaining({ id: holdId, reference: 'HCCL/2026/117', reason: expect.stringMatching(ERASED), releaseReason: expect.stringMatching(ERASED) })],
      });
    }
    for (const text of CLAIM_TEXTS) expect(await storedHold(holdId)).not.toContain(text);
    // The recent complaint still reads in full.
    expect((await record(recentComplaint))('complaint.received')[0].summary).toBe(SAMPLE_SUMMARY);

    const dossier = (await call('GET', `complaints/${oldComplaint}/dossier`, 'auditor', undefined, AUDIT)).json();
    expect(dossier.decisions[0].explanation).toMatch(ERASED);
    expect(dossier.timeline[0].summary).toMatch(/: \[erased under retention policy on \d{4}-\d\d-\d\d\]$/);
    expect(dossier.integrity).toMatchObject({ chainIntact: true, problems: [] });
    expect(dossier.dossierHashCovers.matchesSeal).toBe(true);
    const pdf = await call('GET', `complaints/${oldComplaint}/dossier.pdf`, 'compliance-officer', undefined, AUDIT);
    expect(pdf.status).toBe(200);
    const text = flatText(pdf.bytes);
    expect(text).toContain('erasedunderretentionpolicyon');
    expect(text).not.toContain(SAMPLE_EXPLANATION);
    expect(text).not.toContain('6222021234567890');
  });

  it('the chain, the checkpoint-free integrity and an export verified offline are unchanged by the erasure', async () => {
    await feedOutbox();
    const integrity = (await call('GET', 'integrity', 'auditor')).json();
    expect(integrity).toMatchObject({ intact: true, chainIntact: true });
    const bundle = (await call('GET', 'export', 'compliance-officer', undefined, AUDIT)).json();
    expect(bundle.entries.length).toBe(integrity.entries);
    const verified = runVerifier(bundle);
    expect({ status: verified.status, stderr: verified.stderr }).toEqual({ status: 0, stderr: '' });
    for (const e of bundle.entries) expect(e.canonical).not.toContain(SAMPLE_SUMMARY);
  });

  it('puts the erasure on the complaint\'s record, and a second purge changes nothing', async () => {
    const { rows } = await archive.pg.query(
      `SELECT convert_from(value, 'UTF8')::jsonb -> 'payload' AS p FROM ${table('outbox')} WHERE message_key = $1 AND convert_from(value, 'UTF8')::jsonb -> 'payload' ->> 'action' = 'archive.personal-data-erased'`,
      [oldComplaint],
    );
    expect(rows.map((r) => r.p)).toEqual([
      expect.objectContaining({ roles: ['compliance-officer'], detail: expect.objectContaining({ purgeId: expect.any(String), reference: 'RET-RUN/2026-11', regime: 'uk-fca', closedAt: '2015-03-10T09:30:00.000Z', retainedUntil: '2018-03-10T09:30:00.000Z' }) }),
    ]);
    const before = { keys: await keyRows(), purges: (await archive.pg.query(`SELECT * FROM ${table('archive_purges')}`)).rows };
    const again = await call('POST', 'retention/purge', 'compliance-officer', { asOf: new Date().toISOString(), reference: 'RET-RUN/2026-11' });
    expect(again.status).toBe(200);
    expect(again.json().purged).toEqual([]);
    expect({ keys: await keyRows(), purges: (await archive.pg.query(`SELECT * FROM ${table('archive_purges')}`)).rows }).toEqual(before);
    // A hold can no longer bring anything back.
    expect((await call('POST', `complaints/${oldComplaint}/legal-holds`, 'compliance-officer', { reason: HOLD_REASON, reference: 'HCCL/2026/118' })).status).toBe(409);
  });

  it('a complaint reopened after its final response is open again until the next one: never due meanwhile, and the purges left it', async () => {
    const customers = (plan: Json) => [...plan.due, ...plan.heldBack].map((c: Json) => c.customerRef);
    // Three years after its 2022 answer have passed, but it was reopened since: no date makes it due.
    for (const asOf of ['', '?asOf=2099-01-01T00:00:00Z']) expect(customers((await call('GET', `retention/due${asOf}`, 'auditor')).json())).not.toContain(REOPENED_CUSTOMER);
    const live = (await keyRows()).filter((k) => k.customer_ref === REOPENED_CUSTOMER || k.linked_to === REOPENED_CUSTOMER);
    expect(live).toEqual([expect.objectContaining({ wrapped_key: expect.stringMatching(/^v1:t1:/), destroyed_at: null })]);
    expect((await record(reopenedComplaint))('complaint.received')[0].summary).toBe(SAMPLE_SUMMARY);

    // Answered again: closed from the new answer, and due three years after it.
    await feed(TOPICS.notification, laterEvent(reopenedComplaint, Events.NotificationSent, '2025-07-01T08:00:00.000Z',
      { messageId: randomUUID(), kind: 'final-response', channel: 'sms', template: 'final-response.zh-CN', language: 'zh-CN' }, 'notification'));
    const reopenedIn = (plan: Json) => plan.due.find((c: Json) => c.customerRef === REOPENED_CUSTOMER)?.complaints;
    expect(reopenedIn((await call('GET', 'retention/due', 'auditor')).json())).toBeUndefined();
    expect(reopenedIn((await call('GET', 'retention/due?asOf=2028-07-01T08:00:00Z', 'auditor')).json())).toEqual([
      { complaintId: reopenedComplaint, ticketNumber: SAMPLE_TICKET, regime: 'uk-fca', closedAt: '2025-07-01T08:00:00.000Z', retainedUntil: '2028-07-01T08:00:00.000Z' },
    ]);

    // A review opened by a poor survey score, and one the customer asks for, open it again just the same.
    await feed(TOPICS.notification, laterEvent(reopenedComplaint, Events.SurveyReviewOpened, '2025-07-20T08:00:00.000Z', { surveyId: randomUUID(), caseId: reopenedCaseId, score: 1, threshold: 2 }, 'notification'));
    expect(customers((await call('GET', 'retention/due?asOf=2099-01-01T00:00:00Z', 'auditor')).json())).not.toContain(REOPENED_CUSTOMER);
    await feed(TOPICS.notification, laterEvent(reopenedComplaint, Events.NotificationSent, '2025-08-01T08:00:00.000Z',
      { messageId: randomUUID(), kind: 'final-response', channel: 'sms', template: 'final-response.zh-CN', language: 'zh-CN' }, 'notification'));
    await feed(TOPICS.investigation, laterEvent(reopenedComplaint, Events.CaseReviewRequested, '2025-08-20T08:00:00.000Z',
      { caseId: reopenedCaseId, reviewRound: 1, level: 2, reason: platformSealed('王秀兰女士不认可答复'), loggedBy: 'staff-0042' }));
    expect((await record(reopenedComplaint))('case.review-requested').map((p) => p.reason)).toEqual(['王秀兰女士不认可答复']);
    expect(customers((await call('GET', 'retention/due?asOf=2099-01-01T00:00:00Z', 'auditor')).json())).not.toContain(REOPENED_CUSTOMER);
  });

  it('what arrives for an erased complaint later is erased at the door', async () => {
    const [, , , , supplemented] = complaintEvents(oldComplaint, OLD_CUSTOMER, 'uk-fca', 2015);
    await feed(supplemented.topic, { ...supplemented.envelope, eventId: randomUUID(), payload: { ...(supplemented.envelope.payload as Json), summary: '后来又补充的个人信息' } });
    const { rows } = await archive.pg.query(`SELECT canonical FROM ${table('archive_entries')} WHERE complaint_id = $1 ORDER BY seq DESC LIMIT 1`, [oldComplaint]);
    expect(rows[0].canonical).not.toContain('后来又补充');
    expect(JSON.parse(rows[0].canonical).payload.summary).toEqual({ erased: expect.any(String) });
    expect((await record(oldComplaint))('complaint.supplemented').map((p) => p.summary)).toEqual([expect.stringMatching(ERASED), expect.stringMatching(ERASED)]);
  });

  it('places no legal hold on a complaint without events of its own: an unknown id, or one with only staff actions on its record, is 404', async () => {
    const onlyActions = randomUUID();
    await feed('complaints.staff-actions.v1', {
      eventId: randomUUID(), type: 'staff.action-recorded', version: 1, occurredAt: new Date().toISOString(), complaintId: onlyActions,
      correlationId: 'retention-spec', causationId: null, producer: 'compliance-archive',
      payload: { actor: 'co-0001', roles: ['compliance-officer'], action: 'archive.record-viewed', service: 'compliance-archive', method: 'GET', route: '/v1/archive/complaints/:complaintId', outcome: 'succeeded', detail: { purpose: 'internal-audit' } },
    });
    const before = await archive.rowCounts();
    for (const complaintId of [randomUUID(), onlyActions]) {
      const placed = await call('POST', `complaints/${complaintId}/legal-holds`, 'compliance-officer', { reason: HOLD_REASON, reference: 'HCCL/2026/119' });
      expect({ status: placed.status, detail: placed.json().detail }).toEqual({ status: 404, detail: 'the archive holds no record of this complaint' });
      expect((await call('GET', `complaints/${complaintId}/legal-holds`, 'auditor')).status).toBe(404);
    }
    expect(await archive.rowCounts()).toEqual(before);
  });

  it('lists a legal hold\'s reasons in clear to compliance officers and with digit runs masked to auditors', async () => {
    const reason = '客户来电 138 0013 8000 要求保留，诉讼编号见参考号';
    const placed = await call('POST', `complaints/${recentComplaint}/legal-holds`, 'compliance-officer', { reason, reference: 'HCCL/2026/120' });
    expect(placed.status).toBe(201);
    const released = await call('POST', `complaints/${recentComplaint}/legal-holds/${placed.json().id}/release`, 'compliance-officer', { reason: '已联系 13800138000 确认结案' });
    expect(released.status).toBe(200);
    const officer = (await call('GET', `complaints/${recentComplaint}/legal-holds`, 'compliance-officer')).json();
    expect(officer.holds).toEqual([expect.objectContaining({ reason, releaseReason: '已联系 13800138000 确认结案' })]);
    const auditor = (await call('GET', `complaints/${recentComplaint}/legal-holds`, 'auditor')).json();
    expect(auditor.holds).toEqual([expect.objectContaining({ reason: '客户来电 *******8000 要求保留，诉讼编号见参考号', releaseReason: '已联系 *******8000 确认结案' })]);
  });

  it('the writer role may make, link and destroy keys, and nothing else; a destroyed key stays destroyed, whoever asks', async () => {
    const role = archiveWriterRole(archive.schema);
    const privileges = async (name: string) => {
      const granted: string[] = [];
      for (const p of ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) {
        if ((await archive.pg.query(`SELECT has_table_privilege($1, $2, $3) AS yes`, [role, table(name), p])).rows[0].yes) granted.push(p);
      }
      const { rows } = await archive.pg.query(
        `SELECT attname FROM pg_attribute WHERE attrelid = $2::regclass AND attnum > 0 AND NOT attisdropped AND has_column_privilege($1, $2, attname, 'UPDATE') ORDER BY attnum`,
        [role, table(name)],
      );
      return { table: granted, updateColumns: rows.map((r) => r.attname) };
    };
    expect(await privileges('archive_subject_keys')).toEqual({ table: ['SELECT', 'INSERT'], updateColumns: ['linked_to', 'wrapped_key', 'destroyed_at', 'purge_id'] });
    expect(await privileges('archive_complaint_subjects')).toEqual({ table: ['SELECT', 'INSERT'], updateColumns: [] });
    expect(await privileges('archive_legal_holds')).toEqual({ table: ['SELECT', 'INSERT'], updateColumns: ['released_at', 'released_by', 'release_reason'] });
    expect(await privileges('archive_purges')).toEqual({ table: ['SELECT', 'INSERT'], updateColumns: [] });
    expect((await privileges('archive_entries')).table).toEqual(['SELECT', 'INSERT']);

    const refusal = (sql: string, params: unknown[] = []) =>
      archive.pg.query(sql, params).then(() => null, (e: { code: string; message: string }) => ({ code: e.code, message: e.message }));
    const destroyed = (await keyRows()).find((k) => k.customer_ref === OLD_CUSTOMER)!;
    const live = (await keyRows()).find((k) => k.customer_ref === RECENT_CUSTOMER)!;
    expect(await refusal(`UPDATE ${table('archive_subject_keys')} SET wrapped_key = $2, destroyed_at = NULL WHERE key_id = $1`, [destroyed.key_id, live.wrapped_key])).toEqual({
      code: '42501', message: `archive_subject_keys: key ${destroyed.key_id} was destroyed and stays destroyed`,
    });
    expect(await refusal(`UPDATE ${table('archive_subject_keys')} SET wrapped_key = $2 WHERE key_id = $1`, [live.key_id, destroyed.key_id])).toEqual({
      code: '42501', message: 'archive_subject_keys: a key can be destroyed, never replaced',
    });
    expect(await refusal(`DELETE FROM ${table('archive_subject_keys')} WHERE key_id = $1`, [destroyed.key_id])).toMatchObject({ code: '42501' });
    expect(await refusal(`TRUNCATE ${table('archive_subject_keys')} CASCADE`)).toMatchObject({ code: '42501' });
    expect(await refusal(`DELETE FROM ${table('archive_legal_holds')}`)).toMatchObject({ code: '42501' });
    expect(await refusal(`UPDATE ${table('archive_legal_holds')} SET released_at = NULL, released_by = NULL, release_reason = NULL`)).toMatchObject({ code: '42501' });
    // A hold's reasons are stored sealed only: clear text is refused, whoever writes it.
    for (const reason of [CLAIM_REASON, { sealed: CLAIM_REASON }, { erased: CLAIM_REASON }, { sealed: 'v1:sk_0:x', note: CLAIM_REASON }].map((r) => JSON.stringify(r))) {
      expect(await refusal(`INSERT INTO ${table('archive_legal_holds')} (id, complaint_id, reason, reference, placed_by) VALUES ($1, $2, $3::jsonb, 'HCCL/2026/121', 'dba')`, [randomUUID(), recentComplaint, reason])).toMatchObject({
        code: '23514',
      });
    }
    expect(await refusal(`DELETE FROM ${table('archive_purges')}`)).toMatchObject({ code: '42501', message: 'archive_purges is append-only: DELETE refused' });
  });

  it('lists the complaints no purge can judge, those with events but no complaint.received on record, until it arrives', async () => {
    const unfiledComplaint = randomUUID();
    const events = complaintEvents(unfiledComplaint, `cust_${randomUUID().replace(/-/g, '').slice(0, 24)}`, 'uk-fca', 2016);
    const [received, triaged] = [events[0], events[1]];
    expect([(received.envelope as Json).type, (triaged.envelope as Json).type]).toEqual(['complaint.received', 'complaint.triaged']);
    // Triage's event overtakes intake's, whose complaint.received is then lost (say, dead-lettered).
    await feed(triaged.topic, triaged.envelope);
    for (const role of ['compliance-officer', 'auditor']) {
      const due = (await call('GET', 'retention/due?asOf=2099-01-01T00:00:00Z', role)).json();
      expect(due.unfiled).toEqual(expect.arrayContaining([{ complaintId: unfiledComplaint, keyId: expect.stringMatching(/^sk_/), since: expect.any(String), entries: 1, lastOccurredAt: (triaged.envelope as Json).occurredAt }]));
    }
    // Replayed, it files the complaint under its customer: no longer unfiled, judged as any other.
    await feed(received.topic, received.envelope);
    expect((await call('GET', 'retention/due', 'auditor')).json().unfiled.map((u: Json) => u.complaintId)).toEqual([triageOnly]);
  });
});

