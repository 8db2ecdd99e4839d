/**
 * What a complaint's dossier certifies, on a running archive: a decision rewritten behind the
 * service's back with its hash recomputed (and the seal rewritten to match) is named at the link
 * from the entry after it, which belongs to another complaint; a signed checkpoint catches a
 * rewrite of the whole chain after it; a decision that reaches the archive after the final
 * response is sealed again instead of left outside the seal; and a reopened complaint has no seal
 * until it is answered and sealed again.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { DossierSealed, Events, TOPICS } from '@complaints/contracts';
import { FieldCipher } from '@complaints/platform';
import { complianceArchiveService } from '../../apps/compliance-archive/src/main';
import { canonicalJson, chainHash } from '../../apps/compliance-archive/src/archive/hash-chain';
import { Dossier, dossierHashOf } from '../../apps/compliance-archive/src/dossier/compose-dossier';
import { flatText } from '../../apps/compliance-archive/src/dossier/testing/pdf-text';
import { SAMPLE_TICKET, sampleComplaint } from '../../apps/compliance-archive/src/dossier/testing/sample-complaint';
import { kafkaMessage } from '../archive-verify/archive-fixtures';
import { ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(120_000);

const AUDIT = { 'x-retrieval-purpose': 'court-order', 'x-retrieval-reference': 'HCCL/2026/117' };
const PII_KEYS = `t1:${randomBytes(32).toString('base64')}`;

/** An archived envelope as the test rewrites it. */
type Envelope = { occurredAt: string; payload: Record<string, unknown> } & Record<string, unknown>;

describe('compliance archive: what the dossier certifies', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  let archive: ServiceUnderTest;
  const tokens: Record<string, string> = {};
  let offset = 0;
  const fed = new Set<string>();

  const table = (name: string) => `"${archive.schema}".${name}`;
  const feed = async (topic: string, envelope: Record<string, unknown>) =>
    expect(['handled', 'duplicate']).toContain(await archive.running.transport.handleRecord(`${archive.schema}.${topic}`, 0, kafkaMessage(envelope, offset++)));
  /** What the archive published itself (seals, staff actions), in order, as its consumer takes it; the broker may have brought some in already. */
  const feedOutbox = async () => {
    const { rows } = await archive.pg.query(`SELECT event_id::text, topic, value FROM ${table('outbox')} ORDER BY seq`);
    for (const r of rows.filter((x) => !fed.has(x.event_id))) {
      fed.add(r.event_id);
      await feed(String(r.topic).replace(/^.*?(complaints\.)/, '$1'), JSON.parse(r.value.toString('utf8')));
    }
  };
  const sealsOf = async (complaintId: string): Promise<DossierSealed[]> =>
    (
      await archive.pg.query(
        `SELECT convert_from(value, 'UTF8')::jsonb -> 'payload' AS payload FROM ${table('outbox')} WHERE message_key = $1 AND convert_from(value, 'UTF8')::jsonb ->> 'type' = 'dossier.sealed' ORDER BY seq`,
        [complaintId],
      )
    ).rows.map((r) => r.payload);
  const get = async (path: string, role = 'compliance-officer', headers: Record<string, string> = AUDIT) => {
    const res = await fetch(`${archive.baseUrl}/v1/archive/${path}`, { headers: { authorization: `Bearer ${tokens[role]}`, ...headers } });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    return { bytes, json: <T>(): T => JSON.parse(bytes.toString('utf8')) as T };
  };
  const dossierOf = async (complaintId: string) => (await get(`complaints/${complaintId}/dossier`)).json<Dossier>();
  const pdfTextOf = async (complaintId: string) => flatText((await get(`complaints/${complaintId}/dossier.pdf`)).bytes);
  const integrity = async () => (await get('integrity', 'auditor', {})).json();
  const entriesOf = async (complaintId: string) =>
    (await archive.pg.query(`SELECT seq::int AS seq, event_type, canonical, prev_hash, entry_hash FROM ${table('archive_entries')} WHERE complaint_id = $1 ORDER BY seq`, [complaintId])).rows;

  /** Runs `work` as the superuser with the append-only trigger off, in one transaction holding the chain head, so nothing is appended meanwhile. */
  const asSuperuser = async (work: () => Promise<void>) => {
    await archive.pg.query('BEGIN');
    try {
      await archive.pg.query(`SELECT 1 FROM ${table('chain_head')} FOR UPDATE`);
      await archive.pg.query(`ALTER TABLE ${table('archive_entries')} DISABLE TRIGGER archive_entries_append_only`);
      await work();
      await archive.pg.query(`ALTER TABLE ${table('archive_entries')} ENABLE TRIGGER archive_entries_append_only`);
      await archive.pg.query('COMMIT');
    } catch (e) {
      await archive.pg.query('ROLLBACK');
      throw e;
    }
  };
  const rewrite = (seq: number, canonical: string, prevHash: string, entryHash: string) =>
    archive.pg.query(`UPDATE ${table('archive_entries')} SET canonical = $2, prev_hash = $3, entry_hash = $4 WHERE seq = $1`, [seq, canonical, prevHash, entryHash]);

  /** A decision as investigation issues it now: v2, its explanation sealed with the platform's keys. */
  const decisionOf = (resolved: Envelope) => ({
    ...resolved,
    eventId: randomUUID(),
    type: Events.CaseResponseIssued.type,
    version: Events.CaseResponseIssued.version,
    payload: {
      caseId: resolved.payload.caseId as string, ticketNumber: SAMPLE_TICKET, reviewRound: 0, outcome: 'upheld',
      explanation: FieldCipher.fromEnv({ PII_KEYS }, { pseudonyms: false }).encrypt('经核查，该笔年费系重复扣收，本行已全额退还并致歉。'),
      liability: 'bank', rootCause: 'system', actions: ['correction', 'apology'], remedy: null, decidedBy: 'staff-0042', approvedBy: null,
      issuedAt: resolved.occurredAt, rights: { reviewBy: '2026-12-22T15:59:59.999Z', escalateTo: [] },
    },
  });

  // Two complaints archived at the same time: their entries alternate in the one chain.
  const first = randomUUID();
  const second = randomUUID();

  beforeAll(async () => {
    archive = await startInProcess(complianceArchiveService, {
      PII_KEYS,
      ARCHIVE_SIGNING_KEY: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      ARCHIVE_SIGNING_KEY_ID: 'archive-it-2026',
      // Checkpoints are cut by the test alone, when it asks.
      ARCHIVE_CHECKPOINT_EVERY: '100000',
      ARCHIVE_CHECKPOINT_INTERVAL_MS: '3600000',
    });
    for (const role of ['compliance-officer', 'auditor', 'administrator']) tokens[role] = await archive.issuer.token(role as never);
    const others = sampleComplaint(second);
    for (const [i, { topic, envelope }] of sampleComplaint(first).entries()) {
      await feed(topic, envelope);
      await feed(others[i].topic, others[i].envelope);
    }
    await feedOutbox();
  });

  afterAll(() => archive?.stop());

  it('names a decision rewritten with its hash recomputed, and its rewritten seal: the entries after them no longer link to them', async () => {
    const entries = await entriesOf(first);
    const decision = entries.find((e) => e.event_type === 'case.resolved');
    const seal = entries.find((e) => e.event_type === 'dossier.sealed');
    const { rows: [after] } = await archive.pg.query(`SELECT complaint_id::text FROM ${table('archive_entries')} WHERE seq = $1`, [decision.seq + 1]);
    expect(after.complaint_id).toBe(second);
    expect(await dossierOf(first)).toMatchObject({ integrity: { chainIntact: true, problems: [] }, dossierHashCovers: { matchesSeal: true } });

    // Layer 3 of the threat model: a superuser turns the trigger off, changes the outcome and recomputes the hash, and the seal to match.
    const changed = JSON.parse(decision.canonical);
    changed.payload.outcome = 'not-upheld';
    const decisionCanonical = canonicalJson(changed);
    const decisionHash = chainHash(decision.prev_hash, decisionCanonical);
    const sealEnvelope = JSON.parse(seal.canonical);
    const sealedHashes = entries.filter((e) => e.seq <= sealEnvelope.payload.lastEntrySeq).map((e) => (e.seq === decision.seq ? decisionHash : e.entry_hash));
    sealEnvelope.payload.dossierHash = dossierHashOf(sealedHashes);
    const sealCanonical = canonicalJson(sealEnvelope);
    await asSuperuser(async () => {
      await rewrite(decision.seq, decisionCanonical, decision.prev_hash, decisionHash);
      await rewrite(seal.seq, sealCanonical, seal.prev_hash, chainHash(seal.prev_hash, sealCanonical));
    });
    try {
      expect(await integrity()).toMatchObject({ intact: false, brokenAtSeq: String(decision.seq + 1), problem: 'previous-hash link does not match the entry before it' });
      const dossier = await dossierOf(first);
      expect(dossier.decisions[0].outcome).toBe('not-upheld');
      // The rewritten seal matches the rewritten entries: only the links tell.
      expect(dossier.dossierHashCovers.matchesSeal).toBe(true);
      expect(dossier.integrity.chainIntact).toBe(false);
      expect(dossier.integrity.problems).toEqual(expect.arrayContaining([
        { seq: decision.seq, problem: 'the entry after it does not link to it' },
        { seq: seal.seq, problem: 'the entry after it does not link to it' },
      ]));
      const pdf = await pdfTextOf(first);
      expect(pdf).toContain(`校验失败FAILED:seq${decision.seq}:theentryafteritdoesnotlinktoit`);
      expect(pdf).not.toContain('verified');
    } finally {
      await asSuperuser(async () => {
        await rewrite(decision.seq, decision.canonical, decision.prev_hash, decision.entry_hash);
        await rewrite(seal.seq, seal.canonical, seal.prev_hash, seal.entry_hash);
      });
    }
    expect(await dossierOf(first)).toMatchObject({ integrity: { chainIntact: true, problems: [] } });
    const pdf = await pdfTextOf(first);
    expect(pdf).toContain('entriesofthiscomplaintverified,eachwithitslinkstotheentriesbeforeandafteritinthehashchain');
    expect(pdf).not.toContain('FAILED');
  });

  it('seals the record again when the decision reaches the archive after the final response', async () => {
    const late = randomUUID();
    const events = sampleComplaint(late);
    const [received, , , , , , resolved, , finalResponse] = events;
    // The letter's topic ran ahead of the investigation topic: the decision, taken before the letter went out, arrives last.
    await feed(received.topic, received.envelope);
    await feed(finalResponse.topic, finalResponse.envelope);
    expect(await sealsOf(late)).toEqual([expect.objectContaining({ entries: 2 })]);
    await feed(TOPICS.investigation, decisionOf(resolved.envelope as Envelope));
    await feedOutbox();

    const seals = await sealsOf(late);
    expect(seals).toHaveLength(2);
    const entries = await entriesOf(late);
    const decisionSeq = entries.find((e) => e.event_type === 'case.response-issued').seq;
    expect(seals[1].lastEntrySeq).toBeGreaterThanOrEqual(decisionSeq);
    const dossier = await dossierOf(late);
    expect(dossier).toMatchObject({
      sealed: { dossierHash: seals[1].dossierHash, lastEntrySeq: seals[1].lastEntrySeq },
      dossierHash: seals[1].dossierHash,
      dossierHashCovers: { matchesSeal: true, notCovered: [] },
      integrity: { chainIntact: true },
    });
    expect(dossier.decisions.map((d) => d.seq)).toEqual([decisionSeq]);
    expect(await pdfTextOf(late)).not.toContain('NOTCOVEREDBYTHESEAL');
  });

  it('has no seal once the complaint is reopened, seals nothing while it is open, and seals it again when answered again', async () => {
    const reopened = randomUUID();
    const events = sampleComplaint(reopened);
    for (const { topic, envelope } of events) await feed(topic, envelope);
    await feedOutbox();
    expect(await dossierOf(reopened)).toMatchObject({ sealed: { entries: 9 } });
    const caseId = (events[6].envelope.payload as { caseId: string }).caseId;
    const later = (type: string, version: number, occurredAt: string, payload: Record<string, unknown>, producer: string) => ({
      eventId: randomUUID(), type, version, occurredAt, complaintId: reopened, correlationId: 'verdict-spec', causationId: null, producer, payload,
    });

    await feed(TOPICS.investigation, later('case.reopened', 1, '2026-11-25T02:00:00.000Z', { caseId, reason: '客户提交了新的交易流水', reopenedBy: 'staff-0900' }, 'investigation'));
    await feed(TOPICS.investigation, later('case.findings-recorded', 1, '2026-11-26T02:00:00.000Z', { caseId, liability: 'bank', rootCause: 'system', facts: 2, recordedBy: 'staff-0900' }, 'investigation'));
    await feedOutbox();
    expect(await sealsOf(reopened)).toHaveLength(1);
    const open = await dossierOf(reopened);
    expect(open.sealed).toBeNull();
    expect(open).toMatchObject({ sealed: null, reopened: { type: 'case.reopened', at: '2026-11-25T02:00:00.000Z' }, dossierHashCovers: { matchesSeal: null } });
    expect(await pdfTextOf(reopened)).toContain('重新处理中，尚未再次封存reopened(Reopened');

    await feed(TOPICS.notification, later('notification.sent', 1, '2026-11-30T02:00:00.000Z', { messageId: randomUUID(), kind: 'final-response', channel: 'sms', template: 'final-response.zh-CN', language: 'zh-CN' }, 'notification'));
    await feedOutbox();
    const seals = await sealsOf(reopened);
    expect(seals).toHaveLength(2);
    const answered = await dossierOf(reopened);
    expect(answered).toMatchObject({ reopened: null, sealed: { dossierHash: seals[1].dossierHash }, dossierHashCovers: { matchesSeal: true, notCovered: [] } });
    expect(Math.max(...(await entriesOf(reopened)).filter((e) => e.event_type === 'notification.sent').map((e) => e.seq))).toBeLessThanOrEqual(answered.sealed!.lastEntrySeq);
  });

  it('names the entries under a signed checkpoint that no longer verifies, though the whole chain after a rewritten decision was recomputed', async () => {
    const cut = await fetch(`${archive.baseUrl}/v1/archive/checkpoints`, { method: 'POST', headers: { authorization: `Bearer ${tokens.administrator}`, 'content-type': 'application/json' }, body: '{}' });
    expect(cut.status).toBe(200);
    const covered = await dossierOf(first);
    expect(covered.integrity).toMatchObject({ chainIntact: true, checkpoints: { entriesCovered: covered.integrity.entriesVerified, notYetCovered: [] } });

    // A rewrite of the decision and of every entry after it, and the head: the hash chain verifies on its own again.
    const decision = (await entriesOf(first)).find((e) => e.event_type === 'case.resolved');
    await asSuperuser(async () => {
      const { rows } = await archive.pg.query(`SELECT seq::int AS seq, canonical FROM ${table('archive_entries')} WHERE seq >= $1 ORDER BY seq`, [decision.seq]);
      let prev = decision.prev_hash;
      for (const row of rows) {
        const canonical = row.seq === decision.seq ? row.canonical.replace('"outcome":"upheld"', '"outcome":"not-upheld"') : row.canonical;
        const hash = chainHash(prev, canonical);
        await rewrite(row.seq, canonical, prev, hash);
        prev = hash;
      }
      await archive.pg.query(`UPDATE ${table('chain_head')} SET entry_hash = $1`, [prev]);
    });
    expect(await integrity()).toMatchObject({ chainIntact: true, intact: false, checkpoints: { intact: false } });
    const dossier = await dossierOf(first);
    expect(dossier.integrity.chainIntact).toBe(false);
    const underCheckpoint = dossier.integrity.problems.filter((p) => /^its signed checkpoint \(seq 1\.\.\d+\) does not verify: Merkle root does not match the entries it covers$/.test(p.problem));
    expect(underCheckpoint.map((p) => p.seq)).toEqual(expect.arrayContaining([decision.seq]));
    expect(dossier.integrity.checkpoints?.entriesCovered).toBe(0);
    expect(await pdfTextOf(first)).toContain(`seq${decision.seq}:itssignedcheckpoint(seq1..`);
  });
});
