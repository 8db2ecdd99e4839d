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

export function verifyChain(links: Iterable<ChainLink>, startHash = GENESIS_HASH): ChainVerdict {
  let expectedPrev = startHash;
  let entries = 0;
  for (const link of links) {
    entries += 1;
    if (link.prevHash !== expectedPrev) {
      return { intact: false, entries, brokenAtSeq: link.seq, problem: 'previous-hash link does not match the entry before it' };
    }
    if (chainHash(link.prevHash, link.canonical) !== link.entryHash) {
      return { intact: false, entries, brokenAtSeq: link.seq, problem: 'entry content does not match its hash' };
    }
    expectedPrev = link.entryHash;
  }
  return { intact: true, entries };
}
