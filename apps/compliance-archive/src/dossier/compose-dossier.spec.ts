import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson, chainHash, GENESIS_HASH } from '../archive/hash-chain';
import { composeDossier, DossierEntry } from './compose-dossier';
import { SAMPLE_EXPLANATION, SAMPLE_SUMMARY, SAMPLE_TICKET, sampleComplaint } from './testing/sample-complaint';

const complaintId = randomUUID();
/** As sealDossier in archive.controller.ts computes it, written out again so a change to either is caught. */
const dossierHashOf = (hashes: string[]) => createHash('sha256').update(hashes.join('\n')).digest('hex');

/** A global chain: the complaint's events interleaved with another complaint's, as the archive stores them. */
function chain(envelopes: Record<string, unknown>[]): (DossierEntry & { complaintId: string })[] {
  let prev = GENESIS_HASH;
  return envelopes.map((envelope, i) => {
    const canonical = canonicalJson(envelope);
    const entryHash = chainHash(prev, canonical);
    const entry = { seq: String(i + 1), canonical, prevHash: prev, entryHash, precedingHash: prev, complaintId: String(envelope.complaintId) };
    prev = entryHash;
    return entry;
  });
}

const other = sampleComplaint().map((e) => e.envelope);
const mine = sampleComplaint(complaintId).map((e) => e.envelope);
const interleaved = mine.flatMap((e, i) => [e, other[i]]);
const global = chain(interleaved);
const own = () => global.filter((e) => e.complaintId === complaintId).map(({ complaintId: _c, ...e }) => ({ ...e }));

/** The seal the archive publishes after the final response, and a reading after it. */
function sealedChain() {
  const entries = own();
  const last = entries[entries.length - 1];
  const seal = {
    eventId: randomUUID(), type: 'dossier.sealed', version: 1, occurredAt: '2026-11-20T03:00:00.000Z', complaintId, correlationId: 'x', causationId: null,
    producer: 'compliance-archive',
    payload: { dossierId: randomUUID(), ticketNumber: SAMPLE_TICKET, entries: entries.length, lastEntrySeq: Number(last.seq), dossierHash: dossierHashOf(entries.map((e) => e.entryHash)) },
  };
  const viewed = {
    eventId: randomUUID(), type: 'staff.action-recorded', version: 1, occurredAt: '2026-11-21T03:00:00.000Z', complaintId, correlationId: 'y', causationId: null,
    producer: 'compliance-archive',
    payload: { actor: 'auditor-1', roles: ['auditor'], action: 'archive.dossier-viewed', service: 'compliance-archive', method: 'GET', route: '/v1/archive/complaints/:complaintId/dossier', outcome: 'succeeded', detail: { purpose: 'internal-audit' } },
  };
  const all = chain([...interleaved, seal, viewed]);
  return { entries: all.filter((e) => e.complaintId === complaintId).map(({ complaintId: _c, ...e }) => e), seal: seal.payload };
}

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
    expect(dossier.integrity).toEqual({ entriesVerified: 9, chainIntact: true, problems: [] });
    expect(dossier.dossierHash).toBe(dossierHashOf(own().map((e) => e.entryHash)));
    expect(dossier.dossierHashCovers).toEqual({ entries: 9, lastEntrySeq: 17, matchesSeal: null });
  });

  it('once sealed, the dossier hash covers the sealed entries and equals the seal, readings after it notwithstanding', () => {
    const { entries, seal } = sealedChain();
    const dossier = composeDossier(complaintId, entries);
    expect(entries).toHaveLength(11);
    expect(dossier.sealed).toEqual({ dossierHash: seal.dossierHash, sealedAt: '2026-11-20T03:00:00.000Z', entries: 9, lastEntrySeq: 17 });
    expect(dossier.dossierHash).toBe(seal.dossierHash);
    expect(dossier.dossierHashCovers).toEqual({ entries: 9, lastEntrySeq: 17, matchesSeal: true });
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
    expect(dossier.integrity).toEqual({ entriesVerified: 9, chainIntact: false, problems: [{ seq: 7, problem: 'entry content does not match its hash' }] });
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
