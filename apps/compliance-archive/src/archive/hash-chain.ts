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

export interface ChainLink {
  seq: string;
  canonical: string;
  prevHash: string;
  entryHash: string;
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
 * Recomputes every link: each must name the hash before it and hash to its own entry hash. The
 * verdict names the first entry that fails and why. With `expect`, the seq numbers must also run
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
