import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export const GENESIS_HASH = '0'.repeat(64);

/** RFC 8785 canonical JSON: the same event always hashes to the same bytes. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value cannot be canonicalised');
  return text;
}

/** Each entry's hash covers the previous entry's hash, so changing any entry breaks every later link. */
export function chainHash(prevHash: string, canonical: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonical, 'utf8').digest('hex');
}

/**
 * The columns archive_entries repeats from the envelope. Entries are selected and ordered by them
 * (a complaint's record, its dossier, holds, retention), yet only the canonical text is hashed:
 * they are evidence only while they say what the text says.
 */
export interface EntryColumns {
  complaintId: string;
  eventType: string;
  occurredAt: Date | string;
}

export interface ChainLink {
  seq: string;
  canonical: string;
  prevHash: string;
  entryHash: string;
  /** When given, each must match the canonical text too. */
  columns?: EntryColumns;
}

/** Why the stored columns do not say what the entry's canonical text says, or null when they do. */
export function columnsProblem(canonical: string, columns: EntryColumns): string | null {
  let envelope: { complaintId?: unknown; type?: unknown; occurredAt?: unknown };
  try {
    envelope = JSON.parse(canonical);
  } catch {
    return 'entry text is not a JSON event envelope, so its stored columns cannot be checked';
  }
  if (typeof envelope !== 'object' || envelope === null) return 'entry text is not a JSON event envelope, so its stored columns cannot be checked';
  const differs = (column: string) => `stored ${column} does not match the entry's canonical text`;
  // A uuid column reads back in lower case, whatever case the producer wrote.
  if (typeof envelope.complaintId !== 'string' || envelope.complaintId.toLowerCase() !== columns.complaintId.toLowerCase()) return differs('complaint_id');
  if (envelope.type !== columns.eventType) return differs('event_type');
  const stored = columns.occurredAt instanceof Date ? columns.occurredAt.getTime() : Date.parse(columns.occurredAt);
  // Compared as instants: the text may carry an offset, the column reads back in UTC.
  if (typeof envelope.occurredAt !== 'string' || Number.isNaN(stored) || Date.parse(envelope.occurredAt) !== stored) return differs('occurred_at');
  return null;
}

export type ChainVerdict = { intact: true; entries: number } | { intact: false; entries: number; brokenAtSeq: string; problem: string };

/** Where the chain's head says it ends: the seq and hash of the last entry appended. */
export interface ChainHead {
  seq: string;
  entryHash: string;
}

export interface ChainExpectations {
  /** The seq the first link must carry; each later link must carry the one after. */
  firstSeq?: string;
  /** The recorded head: the last link must be this one, so entries removed from the end are found too. */
  head?: ChainHead;
}

/**
 * Recomputes every link: each must name the hash before it and hash to its own entry hash, and
 * its stored columns, when given, must match its text. The verdict names the first entry that
 * fails and why. With `expect`, the seq numbers must also run
 * on without a gap from `firstSeq`, and the chain must end exactly at `head`.
 */
export function verifyChain(links: Iterable<ChainLink>, startHash = GENESIS_HASH, expect: ChainExpectations = {}): ChainVerdict {
  let expectedPrev = startHash;
  let expectedSeq = expect.firstSeq === undefined ? null : BigInt(expect.firstSeq);
  let entries = 0;
  let last: ChainLink | null = null;
  for (const link of links) {
    entries += 1;
    if (link.prevHash !== expectedPrev) {
      return { intact: false, entries, brokenAtSeq: link.seq, problem: 'previous-hash link does not match the entry before it' };
    }
    if (chainHash(link.prevHash, link.canonical) !== link.entryHash) {
      return { intact: false, entries, brokenAtSeq: link.seq, problem: 'entry content does not match its hash' };
    }
    const columns = link.columns ? columnsProblem(link.canonical, link.columns) : null;
    if (columns) return { intact: false, entries, brokenAtSeq: link.seq, problem: columns };
    if (expectedSeq !== null) {
      if (BigInt(link.seq) !== expectedSeq) {
        return { intact: false, entries, brokenAtSeq: link.seq, problem: `sequence number is not ${expectedSeq}, the one after the entry before it` };
      }
      expectedSeq += 1n;
    }
    expectedPrev = link.entryHash;
    last = link;
  }
  if (expect.head) {
    const end = last ? BigInt(last.seq) : expect.firstSeq === undefined ? 0n : BigInt(expect.firstSeq) - 1n;
    const headSeq = BigInt(expect.head.seq);
    if (end < headSeq) {
      return { intact: false, entries, brokenAtSeq: (end + 1n).toString(), problem: `entries are missing: the chain ends at seq ${end} but its head records seq ${headSeq}` };
    }
    if (end > headSeq) {
      return { intact: false, entries, brokenAtSeq: (headSeq + 1n).toString(), problem: `entries beyond the recorded head: the chain ends at seq ${end} but its head records seq ${headSeq}` };
    }
    if (expectedPrev !== expect.head.entryHash) {
      return { intact: false, entries, brokenAtSeq: end.toString(), problem: "the last entry's hash is not the one the chain head records" };
    }
  }
  return { intact: true, entries };
}
