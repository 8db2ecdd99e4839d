import { createHash, randomUUID } from 'node:crypto';
import { allEventDefinitions, EventEnvelope, validateEnvelope } from '@complaints/contracts';
import { canonicalJson, chainHash, GENESIS_HASH } from '../archive/hash-chain';
import { composeDossier, DossierEntry, EVENT_LABELS } from './compose-dossier';
import { SAMPLE_EXPLANATION, SAMPLE_SUMMARY, SAMPLE_TICKET, sampleComplaint } from './testing/sample-complaint';

const complaintId = randomUUID();
/** As sealDossier in archive.controller.ts computes it, written out again so a change to either is caught. */
const dossierHashOf = (hashes: string[]) => createHash('sha256').update(hashes.join('\n')).digest('hex');

interface StoredRow {
  seq: string;
  canonical: string;
  prevHash: string;
  entryHash: string;
  complaintId: string;
}

/** A global chain as stored: the complaint's events interleaved with another complaint's, as the archive appends them. */
function chainOf(envelopes: Record<string, unknown>[]): StoredRow[] {
  let prev = GENESIS_HASH;
  return envelopes.map((envelope, i) => {
    const canonical = canonicalJson(envelope);
    const entryHash = chainHash(prev, canonical);
    const row = { seq: String(i + 1), canonical, prevHash: prev, entryHash, complaintId: String(envelope.complaintId) };
    prev = entryHash;
    return row;
  });
}

/**
 * One complaint's entries as the archive's dossier query reads them from the stored chain: the
 * stored hash of the entry before each, and the prev_hash of the entry after it (the head's hash
 * for the newest entry).
 */
function readAs(rows: StoredRow[], id: string, head: { seq: string; entryHash: string } = rows[rows.length - 1]): DossierEntry[] {
  const bySeq = new Map(rows.map((r) => [Number(r.seq), r]));
  return rows
    .filter((r) => r.complaintId === id)
    .map(({ complaintId: _c, ...r }) => {
      const seq = Number(r.seq);
      const next = bySeq.get(seq + 1);
      return {
        ...r,
        precedingHash: seq === 1 ? GENESIS_HASH : (bySeq.get(seq - 1)?.entryHash ?? null),
        followingHash: next ? next.prevHash : r.seq === head.seq ? head.entryHash : null,
      };
    });
}

const other = sampleComplaint().map((e) => e.envelope);
const mine = sampleComplaint(complaintId).map((e) => e.envelope);
const interleaved = mine.flatMap((e, i) => [e, other[i]]);
const global = chainOf(interleaved);
const own = () => readAs(global, complaintId);

const envelope = (type: string, occurredAt: string, payload: Record<string, unknown>, producer = 'compliance-archive') => ({
  eventId: randomUUID(), type, version: 1, occurredAt, complaintId, correlationId: 'x', causationId: null, producer, payload,
});

/** The seal the archive publishes over the complaint's stored entries so far. */
const sealOver = (rows: StoredRow[], occurredAt = '2026-11-20T03:00:00.000Z') => {
  const entries = rows.filter((r) => r.complaintId === complaintId);
  return envelope('dossier.sealed', occurredAt, {
    dossierId: randomUUID(), ticketNumber: SAMPLE_TICKET, entries: entries.length, lastEntrySeq: Number(entries[entries.length - 1].seq),
    dossierHash: dossierHashOf(entries.map((e) => e.entryHash)),
  });
};

const viewed = (occurredAt = '2026-11-21T03:00:00.000Z') =>
  envelope('staff.action-recorded', occurredAt, {
    actor: 'auditor-1', roles: ['auditor'], action: 'archive.dossier-viewed', service: 'compliance-archive', method: 'GET', route: '/v1/archive/complaints/:complaintId/dossier', outcome: 'succeeded', detail: { purpose: 'internal-audit' },
  });

/** The seal the archive publishes after the final response, and a reading after it. */
function sealedChain() {
  const seal = sealOver(global);
  const all = chainOf([...interleaved, seal, viewed()]);
  return { all, entries: readAs(all, complaintId), seal: seal.payload };
}

describe('EVENT_LABELS', () => {
  it('names every event type the catalogue defines, in Chinese and English, so no entry of a dossier reads as an unnamed event', () => {
    const unnamed = [...new Set(allEventDefinitions().map((d) => d.type))].filter((type) => !EVENT_LABELS[type]?.zh || !EVENT_LABELS[type]?.en);
    expect(unnamed).toEqual([]);
  });
});

describe('composeDossier', () => {
  it('lays out the timeline in order with labels and summaries, and gathers decisions, remedies, letters and staff actions', () => {
    const dossier = composeDossier(complaintId, own().reverse());
    expect(dossier.format).toBe('complaints-dossier@1');
    expect(dossier.ticketNumber).toBe(SAMPLE_TICKET);
    expect(dossier.sealed).toBeNull();
    expect(dossier.timeline.map((t) => t.type)).toEqual([
      'complaint.received', 'complaint.triaged', 'notification.sent', 'case.opened', 'complaint.supplemented',
      'staff.action-recorded', 'case.resolved', 'remedy.proposed', 'notification.sent',
    ]);
    expect(dossier.timeline.map((t) => t.seq)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17]);
    expect(dossier.timeline[0]).toMatchObject({ label: { zh: '收到投诉', en: 'Complaint received' }, producer: 'intake', at: '2026-11-20T01:30:00.000Z' });
    expect(dossier.timeline[0].summary).toContain(SAMPLE_SUMMARY);
    expect(dossier.timeline[0].summary).toContain('CNY 300.00 in dispute');
    expect(dossier.timeline[6].summary).toBe('upheld by staff-0042, remedy fee-refund CNY 300.00');
    expect(dossier.decisions).toEqual([expect.objectContaining({ outcome: 'upheld', explanation: SAMPLE_EXPLANATION, decidedBy: 'staff-0042', seq: 13 })]);
    expect(dossier.remedies).toEqual([expect.objectContaining({ type: 'fee-refund', amount: { amountMinor: 30_000, currency: 'CNY' } })]);
    expect(dossier.letters.map((l) => l.kind)).toEqual(['acknowledgement', 'final-response']);
    expect(dossier.staffActions).toEqual([expect.objectContaining({ actor: 'staff-0042', action: 'case.resolved' })]);
    expect(dossier.evidence.attachments).toBe(3);
    expect(dossier.evidence.entries.map((e) => e.entryHash)).toEqual(own().map((e) => e.entryHash));
    expect(dossier.integrity).toEqual({ entriesVerified: 9, chainIntact: true, problems: [], checkpoints: null });
    expect(dossier.reopened).toBeNull();
    expect(dossier.dossierHash).toBe(dossierHashOf(own().map((e) => e.entryHash)));
    expect(dossier.dossierHashCovers).toEqual({ entries: 9, lastEntrySeq: 17, matchesSeal: null, notCovered: [] });
  });

  it('once sealed, the dossier hash covers the sealed entries and equals the seal, readings after it notwithstanding', () => {
    const { entries, seal } = sealedChain();
    const dossier = composeDossier(complaintId, entries);
    expect(entries).toHaveLength(11);
    expect(dossier.sealed).toEqual({ dossierHash: seal.dossierHash, sealedAt: '2026-11-20T03:00:00.000Z', entries: 9, lastEntrySeq: 17 });
    expect(dossier.dossierHash).toBe(seal.dossierHash);
    expect(dossier.dossierHashCovers).toEqual({ entries: 9, lastEntrySeq: 17, matchesSeal: true, notCovered: [] });
    expect(dossier.staffActions.map((s) => s.action)).toEqual(['case.resolved', 'archive.dossier-viewed']);
    expect(dossier.integrity.chainIntact).toBe(true);
  });

  it('a seal that does not match the stored entries is reported, not hidden', () => {
    const { entries } = sealedChain();
    const changed = entries.map((e, i) => (i === 2 ? { ...e, entryHash: 'f'.repeat(64) } : e));
    const dossier = composeDossier(complaintId, changed);
    expect(dossier.dossierHashCovers.matchesSeal).toBe(false);
    expect(dossier.integrity.chainIntact).toBe(false);
    expect(dossier.integrity.problems[0]).toEqual({ seq: 5, problem: 'entry content does not match its hash' });
  });

  it('names an entry whose content changed by one byte', () => {
    const entries = own();
    entries[3] = { ...entries[3], canonical: entries[3].canonical.replace('card-centre', 'Card-centre') };
    const dossier = composeDossier(complaintId, entries);
    expect(dossier.integrity).toEqual({ entriesVerified: 9, chainIntact: false, problems: [{ seq: 7, problem: 'entry content does not match its hash' }], checkpoints: null });
  });

  it('names an entry whose link to the chain does not hold, or whose predecessor is gone', () => {
    const entries = own();
    entries[4] = { ...entries[4], precedingHash: 'a'.repeat(64) };
    entries[6] = { ...entries[6], precedingHash: null };
    expect(composeDossier(complaintId, entries).integrity.problems).toEqual([
      { seq: 9, problem: 'previous-hash link does not match the entry before it' },
      { seq: 13, problem: 'the entry before it in the chain is missing' },
    ]);
  });

  it('an empty record composes to an empty dossier with the hash of nothing', () => {
    const dossier = composeDossier(complaintId, []);
    expect(dossier).toMatchObject({ ticketNumber: null, sealed: null, timeline: [], integrity: { entriesVerified: 0, chainIntact: true } });
    expect(dossier.dossierHash).toBe(dossierHashOf([]));
  });
});

/** Rewrites a stored entry as a superuser with the trigger off would: new text, its hash recomputed over its unchanged prev_hash. */
const rewritten = (row: StoredRow, canonical: string): StoredRow => ({ ...row, canonical, entryHash: chainHash(row.prevHash, canonical) });

describe('composeDossier: an entry is checked against the entries on both sides of it in the whole chain', () => {
  /** Two complaints archived together, sealed, and another complaint's entry after the seal. */
  const stored = () => {
    const seal = sealOver(global);
    const laterOfOther = { ...other[2], eventId: randomUUID(), occurredAt: '2026-11-20T04:00:00.000Z' };
    return chainOf([...interleaved, seal, laterOfOther]);
  };

  it('names a rewritten decision and seal whose hashes were recomputed: the entries after them, another complaint\'s, no longer link to them', () => {
    const rows = stored();
    const head = rows[rows.length - 1];
    const decision = rows.findIndex((r) => r.complaintId === complaintId && JSON.parse(r.canonical).type === 'case.resolved');
    const seal = rows.findIndex((r) => JSON.parse(r.canonical).type === 'dossier.sealed');
    expect({ decision: rows[decision].seq, after: rows[decision + 1].complaintId, seal: rows[seal].seq, afterSeal: rows[seal + 1].complaintId }).toEqual({
      decision: '13', after: String(other[0].complaintId), seal: '19', afterSeal: String(other[0].complaintId),
    });

    // The outcome changed, and the seal rewritten to the new hashes: each entry still hashes to itself and links backwards.
    rows[decision] = rewritten(rows[decision], rows[decision].canonical.replace('"outcome":"upheld"', '"outcome":"not-upheld"'));
    const sealEnvelope = JSON.parse(rows[seal].canonical);
    const sealedHashes = rows.filter((r) => r.complaintId === complaintId && Number(r.seq) <= sealEnvelope.payload.lastEntrySeq).map((r) => r.entryHash);
    rows[seal] = rewritten(rows[seal], canonicalJson({ ...sealEnvelope, payload: { ...sealEnvelope.payload, dossierHash: dossierHashOf(sealedHashes) } }));

    const dossier = composeDossier(complaintId, readAs(rows, complaintId, head));
    expect(dossier.decisions[0].outcome).toBe('not-upheld');
    expect(dossier.dossierHashCovers.matchesSeal).toBe(true);
    expect(dossier.integrity).toEqual({
      entriesVerified: 10,
      chainIntact: false,
      problems: [
        { seq: 13, problem: 'the entry after it does not link to it' },
        { seq: 19, problem: 'the entry after it does not link to it' },
      ],
      checkpoints: null,
    });
  });

  it('the newest entry must be the one the chain head records, and an entry after it that is gone is named', () => {
    const sealed = sealedChain().all;
    const head = sealed[sealed.length - 1];
    const last = sealed.length - 1;
    const tampered = [...sealed];
    tampered[last] = rewritten(sealed[last], sealed[last].canonical.replace('internal-audit', 'court-order'));
    expect(composeDossier(complaintId, readAs(tampered, complaintId, head)).integrity.problems).toEqual([{ seq: 20, problem: 'the entry after it does not link to it' }]);

    const gone = sealed.filter((r) => r.seq !== '14');
    expect(composeDossier(complaintId, readAs(gone, complaintId, head)).integrity.problems).toEqual([
      { seq: 13, problem: 'the entry after it in the chain is missing' },
      { seq: 15, problem: 'the entry before it in the chain is missing' },
    ]);
  });

  it('counts the entries under a verifying signed checkpoint, and names each under one that does not verify', () => {
    const coverage = {
      covered: [1, 3, 5, 7, 9, 11],
      notYetCovered: [17],
      failed: [13, 15].map((seq) => ({ seq, problem: 'its signed checkpoint (seq 13..16) does not verify: Merkle root does not match the entries it covers' })),
    };
    const dossier = composeDossier(complaintId, own(), undefined, coverage);
    expect(dossier.integrity).toEqual({
      entriesVerified: 9,
      chainIntact: false,
      problems: coverage.failed,
      checkpoints: { entriesCovered: 6, notYetCovered: [17] },
    });
  });
});

describe('composeDossier: what the seal covers, and a record reopened after it', () => {
  const [received, , , , , , decision, , finalResponse] = mine;

  it('flags a decision archived after the final response as not covered by the seal, and covers it once sealed again', () => {
    // The letter went out on one topic while the decision, on another, was still on its way.
    const first = chainOf([received, finalResponse]);
    const [seal, reading] = [sealOver(first), viewed()];
    const late = chainOf([received, finalResponse, seal, decision, reading]);
    const dossier = composeDossier(complaintId, readAs(late, complaintId));
    expect(dossier.sealed).toMatchObject({ entries: 2, lastEntrySeq: 2 });
    expect(dossier.decisions.map((d) => d.seq)).toEqual([4]);
    expect(dossier.dossierHashCovers).toEqual({ entries: 2, lastEntrySeq: 2, matchesSeal: true, notCovered: [{ seq: 4, type: 'case.resolved' }] });

    const resealed = chainOf([received, finalResponse, seal, decision, reading, sealOver(late, '2026-11-21T04:00:00.000Z')]);
    const again = composeDossier(complaintId, readAs(resealed, complaintId));
    expect(again.sealed).toMatchObject({ entries: 5, lastEntrySeq: 5 });
    expect(again.dossierHashCovers).toEqual({ entries: 5, lastEntrySeq: 5, matchesSeal: true, notCovered: [] });
  });

  it.each([
    ['case.reopened', 'investigation', { caseId: randomUUID(), reason: '客户提交了新的交易流水', reopenedBy: 'staff-0900' }],
    ['case.review-requested', 'investigation', { caseId: randomUUID(), reviewRound: 1, level: 2, reason: '客户不认可答复', loggedBy: 'staff-0042' }],
    ['survey.review-opened', 'notification', { surveyId: randomUUID(), caseId: randomUUID(), score: 1, threshold: 2 }],
  ])('after %s the record is open: no seal stands until it is answered and sealed again', (type, producer, payload) => {
    const [seal, reading] = [sealOver(global), viewed()];
    const reopening = envelope(type, '2026-11-25T02:00:00.000Z', payload, producer);
    const reopened = chainOf([...interleaved, seal, reading, reopening]);
    const open = composeDossier(complaintId, readAs(reopened, complaintId));
    expect(open.sealed).toBeNull();
    expect(open.reopened).toEqual({ seq: 21, type, at: '2026-11-25T02:00:00.000Z' });
    expect(open.dossierHashCovers).toEqual({ entries: 12, lastEntrySeq: 21, matchesSeal: null, notCovered: [] });

    // Answered again: the old seal is all there is until the new one is archived, and it leaves the reopening out.
    const answered = { ...finalResponse, eventId: randomUUID(), occurredAt: '2026-11-30T02:00:00.000Z' };
    const closedAgain = chainOf([...interleaved, seal, reading, reopening, answered]);
    const pending = composeDossier(complaintId, readAs(closedAgain, complaintId));
    expect(pending).toMatchObject({ reopened: null, sealed: { lastEntrySeq: 17 } });
    expect(pending.dossierHashCovers.notCovered).toEqual([{ seq: 21, type }, { seq: 22, type: 'notification.sent' }]);

    const sealedAgain = chainOf([...interleaved, seal, reading, reopening, answered, sealOver(closedAgain, '2026-11-30T03:00:00.000Z')]);
    const done = composeDossier(complaintId, readAs(sealedAgain, complaintId));
    expect(done).toMatchObject({ reopened: null, sealed: { lastEntrySeq: 22, entries: 13 }, dossierHashCovers: { matchesSeal: true, notCovered: [] } });
  });

  it('a reopening that happened before the last answer, archived after it, leaves the record closed', () => {
    const reopening = envelope('case.reopened', '2026-11-20T02:00:00.000Z', { caseId: randomUUID(), reason: '补充核查', reopenedBy: 'staff-0900' }, 'investigation');
    const rows = chainOf([...interleaved, reopening]);
    const dossier = composeDossier(complaintId, readAs(chainOf([...interleaved, reopening, sealOver(rows)]), complaintId));
    expect(dossier.reopened).toBeNull();
    expect(dossier.sealed).toMatchObject({ lastEntrySeq: 19 });
  });
});

describe('composeDossier: each remedy once, at its latest amount, with what ended it', () => {
  const [received, , , , , , decision, proposed, finalResponse] = mine;
  const caseId = String((proposed.payload as { caseId: string }).caseId);
  const CNY = (amountMinor: number) => ({ amountMinor, currency: 'CNY' });
  const at = (minute: number) => new Date(Date.UTC(2026, 10, 21, 2, minute)).toISOString();
  /** Checked against libs/contracts, so the test reads the payloads compensation really publishes. */
  const remedyEvent = (type: string, minute: number, payload: Record<string, unknown>) => {
    const e = envelope(type, at(minute), { caseId, ...payload }, 'compensation');
    const verdict = validateEnvelope(e);
    if (!verdict.ok) throw new Error(`${type}: ${verdict.detail}`);
    return e;
  };
  const [amended, withdrawn, rejected, reversed] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];

  const events = () => [
    received,
    decision,
    remedyEvent('remedy.proposed', 1, { remedyId: amended, type: 'fee-refund', amount: CNY(30_000) }),
    remedyEvent('remedy.proposed', 2, { remedyId: withdrawn, type: 'goodwill', amount: CNY(5_000) }),
    remedyEvent('remedy.proposed', 3, { remedyId: rejected, type: 'delay-interest', amount: CNY(1_200) }),
    remedyEvent('remedy.proposed', 4, { remedyId: reversed, type: 'fee-waiver', amount: CNY(8_800) }),
    remedyEvent('remedy.proposed', 5, { remedyId: amended, type: 'fee-refund', amount: CNY(45_000) }),
    remedyEvent('remedy.withdrawn', 6, { remedyId: withdrawn, amount: CNY(5_000), cause: 'later-decision', reason: '复核决定不再给予补偿', withdrawnBy: 'staff-0900' }),
    remedyEvent('remedy.rejected', 7, { remedyId: rejected, amount: CNY(1_200), reason: '利息计算有误', rejectedBy: 'approver-0001' }),
    remedyEvent('remedy.paid', 8, { remedyId: reversed, payoutId: randomUUID(), type: 'fee-waiver', amount: CNY(8_800), coreReference: 'CORE-1', paidAt: at(8) }),
    remedyEvent('remedy.reversed', 9, { remedyId: reversed, payoutId: randomUUID(), amount: CNY(8_800), reason: '重复支付', reversedBy: 'staff-0900', coreReference: 'CORE-2' }),
    finalResponse,
  ];
  const composed = (list: Record<string, unknown>[], open?: Parameters<typeof composeDossier>[2]) =>
    composeDossier(complaintId, readAs(chainOf(list), complaintId), open).remedies;

  it('lists an amended remedy once at its latest amount, and ends a withdrawn, rejected or reversed one with when and why', () => {
    expect(composed(events())).toEqual([
      expect.objectContaining({ remedyId: amended, type: 'fee-refund', amount: CNY(45_000), seq: 7, at: at(5), firstProposedAt: at(1), proposals: 2, ended: null }),
      expect.objectContaining({
        remedyId: withdrawn, amount: CNY(5_000), proposals: 1,
        ended: { as: 'withdrawn', seq: 8, at: at(6), by: 'staff-0900', reason: '复核决定不再给予补偿', cause: 'later-decision' },
      }),
      expect.objectContaining({ remedyId: rejected, ended: { as: 'rejected', seq: 9, at: at(7), by: 'approver-0001', reason: '利息计算有误', cause: null } }),
      expect.objectContaining({ remedyId: reversed, ended: { as: 'reversed', seq: 11, at: at(9), by: 'staff-0900', reason: '重复支付', cause: null } }),
    ]);
  });

  it('takes the latest proposal by when it happened, not by when it was archived, and the earliest end', () => {
    const list = events();
    // The amendment reaches the archive before the proposal it amends; a second end, later, changes nothing.
    const reordered = [list[0], list[1], list[6], list[2], list[3], list[7], remedyEvent('remedy.withdrawn', 30, { remedyId: withdrawn, amount: CNY(5_000), cause: 'case-reopened', reason: '重新处理', withdrawnBy: 'staff-0901' }), list[11]];
    const remedies = composed(reordered);
    expect(remedies.map((r) => [r.remedyId, r.amount.amountMinor, r.at, r.firstProposedAt, r.proposals])).toEqual([
      [amended, 45_000, at(5), at(1), 2],
      [withdrawn, 5_000, at(2), at(2), 1],
    ]);
    expect(remedies[1].ended).toMatchObject({ as: 'withdrawn', at: at(6), by: 'staff-0900' });
  });

  it('matches a remedy by its id whatever its letter case, and leaves an end without a proposal to the timeline', () => {
    const list = events();
    const upper = { ...list[7], payload: { ...(list[7].payload as object), remedyId: withdrawn.toUpperCase() } };
    const orphan = remedyEvent('remedy.rejected', 10, { remedyId: randomUUID(), amount: CNY(100), reason: '无', rejectedBy: 'approver-0001' });
    const dossier = composeDossier(complaintId, readAs(chainOf([list[0], list[3], upper, orphan]), complaintId));
    expect(dossier.remedies).toEqual([expect.objectContaining({ remedyId: withdrawn, ended: expect.objectContaining({ as: 'withdrawn', seq: 3 }) })]);
    expect(dossier.timeline.map((t) => t.type)).toContain('remedy.rejected');
  });

  it('quotes an end’s reason as the reader may see it, like every personal field', () => {
    const masked = (e: EventEnvelope) => (e.type === 'remedy.rejected' ? { ...e, payload: { ...(e.payload as object), reason: '＊＊＊' } } : e);
    expect(composed(events(), masked).find((r) => r.remedyId === rejected)?.ended).toMatchObject({ reason: '＊＊＊', by: 'approver-0001' });
  });

  it('a record without remedies has none', () => {
    expect(composed([received, decision, finalResponse])).toEqual([]);
  });
});
