import { createHash, generateKeyPairSync, KeyObject } from 'node:crypto';
import { canonicalJson } from '../archive/hash-chain';
import { checkpointConfigFromEnv } from './checkpoint-config';
import {
  Checkpoint,
  CHECKPOINT_FORMAT,
  checkpointDue,
  checkpointHash,
  GENESIS_CHECKPOINT_HASH,
  inclusionProof,
  leafHash,
  merkleRoot,
  nodeHash,
  signCheckpoint,
  statementText,
  verifyCheckpointChain,
  verifyCheckpointSignature,
  verifyInclusion,
} from './merkle';

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const hashes = (n: number, salt = 'x') => Array.from({ length: n }, (_, i) => createHash('sha256').update(`${salt}${i}`).digest('hex'));

/** A second construction, bottom-up: pair neighbours level by level, promote an odd last node. */
function bottomUpRoot(entryHashes: string[]): string {
  let level: Buffer[] = entryHashes.map((h) => sha(Buffer.from([0]), Buffer.from(h, 'hex')));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? sha(Buffer.from([1]), level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return level[0].toString('hex');
}

const keys = () => generateKeyPairSync('ed25519');

describe('Merkle root (RFC 6962 over entry hashes)', () => {
  const [a, b, c, d, e] = hashes(5);
  const L = (h: string) => sha(Buffer.from([0x00]), Buffer.from(h, 'hex'));
  const N = (l: Buffer, r: Buffer) => sha(Buffer.from([0x01]), l, r);

  it('hashes a leaf as SHA-256(0x00 || the 32 bytes of the entry hash), a node as SHA-256(0x01 || left || right)', () => {
    expect(leafHash(a)).toEqual(L(a));
    expect(nodeHash(L(a), L(b))).toEqual(N(L(a), L(b)));
    // The hex text is decoded: hashing the 64 characters instead gives something else.
    expect(leafHash(a)).not.toEqual(sha(Buffer.from([0]), Buffer.from(a, 'utf8')));
  });

  it('matches the construction written out by hand for 1 to 5 leaves', () => {
    expect(merkleRoot([a])).toBe(L(a).toString('hex'));
    expect(merkleRoot([a, b])).toBe(N(L(a), L(b)).toString('hex'));
    expect(merkleRoot([a, b, c])).toBe(N(N(L(a), L(b)), L(c)).toString('hex'));
    expect(merkleRoot([a, b, c, d])).toBe(N(N(L(a), L(b)), N(L(c), L(d))).toString('hex'));
    expect(merkleRoot([a, b, c, d, e])).toBe(N(N(N(L(a), L(b)), N(L(c), L(d))), L(e)).toString('hex'));
  });

  it('is the same tree as pairing level by level with the odd node promoted, for every size from 1 to 130', () => {
    const all = hashes(130);
    for (let n = 1; n <= 130; n++) expect({ n, root: merkleRoot(all.slice(0, n)) }).toEqual({ n, root: bottomUpRoot(all.slice(0, n)) });
  });

  it('changes with any changed, removed, added, swapped or duplicated leaf', () => {
    const base = hashes(7);
    const root = merkleRoot(base);
    const variants: string[][] = [
      base.map((h, i) => (i === 3 ? h.slice(0, 63) + (h[63] === '0' ? '1' : '0') : h)),
      base.slice(0, 6),
      base.slice(1),
      [...base, base[6]],
      [base[1], base[0], ...base.slice(2)],
      [...base.slice(0, 6), base[5]],
    ];
    for (const v of variants) expect(merkleRoot(v)).not.toBe(root);
    // Second-preimage: the two children of a node, offered as leaves, do not give the same root.
    const inner = [N(L(base[0]), L(base[1])).toString('hex'), N(L(base[2]), L(base[3])).toString('hex')];
    expect(merkleRoot(inner)).not.toBe(merkleRoot(base.slice(0, 4)));
  });

  it('refuses an empty list and anything that is not a lowercase hex SHA-256', () => {
    expect(() => merkleRoot([])).toThrow(/at least one/);
    for (const bad of ['A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), 'g'.repeat(64), '', ` ${'a'.repeat(63)}`]) {
      expect(() => merkleRoot([bad])).toThrow(/not a lowercase hex SHA-256/);
    }
  });
});

describe('inclusion proofs', () => {
  it('prove every leaf of every tree size from 1 to 40, and no leaf at another index or under another root', () => {
    const all = hashes(40, 'p');
    for (let n = 1; n <= 40; n++) {
      const leaves = all.slice(0, n);
      const root = merkleRoot(leaves);
      for (let m = 0; m < n; m++) {
        const proof = inclusionProof(leaves, m);
        expect({ n, m, ok: verifyInclusion(leaves[m], m, n, proof, root) }).toEqual({ n, m, ok: true });
        if (n > 1) {
          expect({ n, m, other: verifyInclusion(leaves[m], (m + 1) % n, n, proof, root) }).toEqual({ n, m, other: false });
          expect({ n, m, foreign: verifyInclusion(all[n] ?? hashes(1, 'z')[0], m, n, proof, root) }).toEqual({ n, m, foreign: false });
        }
        expect(verifyInclusion(leaves[m], m, n, proof, merkleRoot([...leaves, all[0]]))).toBe(false);
      }
    }
  });

  it('has the RFC 6962 path length: ceil(log2 n) at most', () => {
    const leaves = hashes(1000);
    for (const m of [0, 1, 511, 512, 999]) expect(inclusionProof(leaves, m).length).toBeLessThanOrEqual(10);
    expect(inclusionProof(leaves.slice(0, 1), 0)).toEqual([]);
  });

  it('refuses a tampered, shortened or lengthened proof, wrong sizes and malformed input', () => {
    const leaves = hashes(13);
    const root = merkleRoot(leaves);
    const proof = inclusionProof(leaves, 6);
    expect(verifyInclusion(leaves[6], 6, 13, proof, root)).toBe(true);
    expect(verifyInclusion(leaves[6], 6, 13, proof.slice(0, -1), root)).toBe(false);
    expect(verifyInclusion(leaves[6], 6, 13, [...proof, proof[0]], root)).toBe(false);
    expect(verifyInclusion(leaves[6], 6, 13, [proof[1], proof[0], ...proof.slice(2)], root)).toBe(false);
    expect(verifyInclusion(leaves[6], 6, 13, proof.map((p, i) => (i === 1 ? 'f'.repeat(64) : p)), root)).toBe(false);
    // The size shapes the path: the last leaf's proof does not fit a tree one larger or smaller.
    const lastProof = inclusionProof(leaves, 12);
    expect(verifyInclusion(leaves[12], 12, 13, lastProof, root)).toBe(true);
    expect(verifyInclusion(leaves[12], 12, 14, lastProof, root)).toBe(false);
    expect(verifyInclusion(leaves[12], 12, 12, lastProof, root)).toBe(false);
    expect(verifyInclusion(leaves[6], 6, 7, proof, root)).toBe(false);
    expect(verifyInclusion(leaves[6], 13, 13, proof, root)).toBe(false);
    expect(verifyInclusion(leaves[6], -1, 13, proof, root)).toBe(false);
    expect(verifyInclusion(leaves[6], 6, 13, [...proof.slice(0, -1), 'ZZ'], root)).toBe(false);
    expect(() => inclusionProof(leaves, 13)).toThrow(/outside a tree of 13/);
    expect(() => inclusionProof(leaves, 1.5)).toThrow(/outside/);
  });
});

describe('checkpoint statements, signatures and chaining', () => {
  const { privateKey, publicKey } = keys();
  const statement = (over: Partial<Checkpoint> = {}) => ({
    seqFrom: 1,
    seqTo: 4,
    merkleRoot: merkleRoot(hashes(4)),
    previousCheckpointHash: GENESIS_CHECKPOINT_HASH,
    signedAt: '2026-11-23T12:00:00.000Z',
    keyId: 'archive-2026',
    ...over,
  });

  it('the statement is RFC 8785 canonical JSON with the format, and the checkpoint hash is its SHA-256', () => {
    const s = statement();
    const text = statementText(s);
    expect(text).toBe(canonicalJson({ ...s, format: CHECKPOINT_FORMAT }));
    expect(text.startsWith('{"format":"complaints-archive-checkpoint@1","keyId":"archive-2026","merkleRoot":"')).toBe(true);
    expect(checkpointHash(s)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    // Fields beyond the statement are not signed.
    expect(statementText({ ...s, extra: 'x' } as never)).toBe(text);
  });

  it.each<[string, Partial<Checkpoint>]>([
    ['seqFrom 0', { seqFrom: 0 }],
    ['seqTo before seqFrom', { seqFrom: 5, seqTo: 4 }],
    ['seq as text', { seqFrom: '1' as never }],
    ['seq beyond safe integers', { seqTo: 2 ** 53 }],
    ['a root in capitals', { merkleRoot: 'A'.repeat(64) }],
    ['a short previous hash', { previousCheckpointHash: '0'.repeat(63) }],
    ['a time without milliseconds', { signedAt: '2026-11-23T12:00:00Z' }],
    ['a local time', { signedAt: '2026-11-23T20:00:00.000+08:00' }],
    ['a key id with a space', { keyId: 'a b' }],
    ['an empty key id', { keyId: '' }],
  ])('refuses to state %s', (_what, over) => {
    expect(() => statementText(statement(over))).toThrow();
  });

  it('signs with Ed25519 over the statement text; the signature verifies with the public key only', () => {
    const c = signCheckpoint(statement(), privateKey);
    expect(c.signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(c.checkpointHash).toBe(checkpointHash(statement()));
    expect(verifyCheckpointSignature(c, publicKey)).toBe(true);
    expect(verifyCheckpointSignature(c, keys().publicKey)).toBe(false);
    const sig = Buffer.from(c.signature, 'base64');
    sig[10] ^= 0x01;
    expect(verifyCheckpointSignature({ ...c, signature: sig.toString('base64') }, publicKey)).toBe(false);
    for (const change of [{ seqTo: 5 }, { merkleRoot: 'e'.repeat(64) }, { signedAt: '2026-11-23T12:00:00.001Z' }, { keyId: 'other' }, { previousCheckpointHash: 'a'.repeat(64) }]) {
      expect(verifyCheckpointSignature({ ...c, ...change }, publicKey)).toBe(false);
    }
    expect(verifyCheckpointSignature({ ...c, signature: 'not base64' }, publicKey)).toBe(false);
    expect(verifyCheckpointSignature({ ...c, signature: undefined as never }, publicKey)).toBe(false);
    expect(() => signCheckpoint(statement(), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)).toThrow(/Ed25519/);
    expect(verifyCheckpointSignature(c, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)).toBe(false);
  });

  describe('a chain of checkpoints', () => {
    const entries = hashes(10, 'chain');
    const ranges: [number, number][] = [[1, 4], [5, 8], [9, 10]];
    const build = (signer: KeyObject = privateKey) => {
      const chain: Checkpoint[] = [];
      for (const [from, to] of ranges) {
        chain.push(
          signCheckpoint(
            statement({ seqFrom: from, seqTo: to, merkleRoot: merkleRoot(entries.slice(from - 1, to)), previousCheckpointHash: chain.at(-1)?.checkpointHash ?? GENESIS_CHECKPOINT_HASH }),
            signer,
          ),
        );
      }
      return chain;
    };
    const known = new Map([['archive-2026', publicKey]]);
    const roots = (list: string[]) => (c: Checkpoint) => ({ root: merkleRoot(list.slice(c.seqFrom - 1, c.seqTo)) });

    it('verifies when intact, against the entries too', () => {
      expect(verifyCheckpointChain(build(), known, roots(entries))).toEqual({ intact: true, checkpoints: 3 });
      expect(verifyCheckpointChain([], known)).toEqual({ intact: true, checkpoints: 0 });
    });

    const named = (verdict: ReturnType<typeof verifyCheckpointChain>) => (verdict.intact ? 'intact' : `${verdict.brokenAt.seqFrom}..${verdict.brokenAt.seqTo}: ${verdict.problem}`);

    it('names the checkpoint covering a changed entry', () => {
      const changed = entries.map((h, i) => (i === 5 ? 'c'.repeat(64) : h));
      expect(named(verifyCheckpointChain(build(), known, roots(changed)))).toBe('5..8: Merkle root does not match the entries it covers');
    });

    it('names a forged signature, an unknown key, a wrong key, a changed statement, a broken link and a gap', () => {
      const forged = build();
      const sig = Buffer.from(forged[1].signature, 'base64');
      sig[0] ^= 0x80;
      forged[1].signature = sig.toString('base64');
      expect(named(verifyCheckpointChain(forged, known))).toBe('5..8: signature does not verify with the public key of archive-2026');

      expect(named(verifyCheckpointChain(build(), new Map()))).toBe('1..4: signed with key archive-2026, whose public key is not known here');
      expect(named(verifyCheckpointChain(build(keys().privateKey), known))).toBe('1..4: signature does not verify with the public key of archive-2026');

      const restated = build();
      restated[2].merkleRoot = 'b'.repeat(64);
      expect(named(verifyCheckpointChain(restated, known))).toBe('9..10: checkpoint hash does not match its statement');

      // Re-signed by someone holding the key, the statement verifies, but the link to it does not.
      const resigned = build();
      resigned[1] = signCheckpoint({ ...resigned[1], merkleRoot: 'b'.repeat(64) }, privateKey);
      expect(named(verifyCheckpointChain(resigned, known))).toBe('9..10: previous-checkpoint hash does not match the checkpoint before it');

      const gap = build();
      gap.splice(1, 1);
      expect(named(verifyCheckpointChain(gap, known))).toBe('9..10: range does not start right after the checkpoint before it (which ends at seq 4)');

      const notGenesis = build();
      notGenesis[0] = signCheckpoint({ ...notGenesis[0], previousCheckpointHash: 'a'.repeat(64) }, privateKey);
      expect(named(verifyCheckpointChain(notGenesis, known))).toBe('1..4: the first checkpoint does not start from the genesis checkpoint hash');

      const malformed = build();
      malformed[0].signedAt = 'yesterday';
      expect(named(verifyCheckpointChain(malformed, known))).toMatch(/^1\.\.4: statement is malformed: signedAt/);

      expect(named(verifyCheckpointChain(build(), known, () => ({ problem: 'entry 3, which it covers, is missing' })))).toBe('1..4: entry 3, which it covers, is missing');
    });

    it('a run from the middle is checked from its first checkpoint on, or tied to the one before it', () => {
      const chain = build();
      expect(verifyCheckpointChain(chain.slice(1), known)).toEqual({ intact: true, checkpoints: 2 });
      expect(verifyCheckpointChain(chain.slice(1), known, undefined, { checkpointHash: chain[0].checkpointHash, seqTo: 4 }).intact).toBe(true);
      expect(named(verifyCheckpointChain(chain.slice(1), known, undefined, { checkpointHash: 'a'.repeat(64), seqTo: 4 }))).toMatch(/^5\.\.8: previous-checkpoint hash/);
    });
  });
});

describe('when a checkpoint falls due', () => {
  it.each<[number, number, number | null, number, boolean]>([
    [0, 1000, null, 60000, false],
    [0, 1000, 999999, 60000, false],
    [999, 1000, 59999, 60000, false],
    [1000, 1000, 0, 60000, true],
    [5000, 1000, 0, 60000, true],
    [1, 1000, 60000, 60000, true],
    [1, 1000, null, 60000, false],
  ])('pending %i, every %i, oldest waited %p ms of %i: %p', (pending, every, age, interval, due) => {
    expect(checkpointDue(pending, every, age, interval)).toBe(due);
  });
});

describe('checkpoint configuration', () => {
  const { privateKey, publicKey } = keys();
  const der = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
  const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

  it('is off without a key, with the defaults', () => {
    const config = checkpointConfigFromEnv({});
    expect({ signing: config.signing, every: config.every, intervalMs: config.intervalMs, retired: config.retired.size }).toEqual({ signing: null, every: 1000, intervalMs: 60000, retired: 0 });
  });

  it('reads an Ed25519 key as base64 PKCS#8 DER, with its id, and derives the public key', () => {
    const config = checkpointConfigFromEnv({ ARCHIVE_SIGNING_KEY: der, ARCHIVE_SIGNING_KEY_ID: 'k1', ARCHIVE_CHECKPOINT_EVERY: '10', ARCHIVE_CHECKPOINT_INTERVAL_MS: '500' });
    expect(config.signing?.keyId).toBe('k1');
    expect(config.signing?.publicKeyPem).toBe(publicKey.export({ type: 'spki', format: 'pem' }));
    expect({ every: config.every, intervalMs: config.intervalMs }).toEqual({ every: 10, intervalMs: 500 });
  });

  it('reads retired public keys', () => {
    const config = checkpointConfigFromEnv({ ARCHIVE_RETIRED_PUBLIC_KEYS: `old-1=${spki}, old-2=${spki}` });
    expect([...config.retired.keys()]).toEqual(['old-1', 'old-2']);
  });

  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['a key without an id', { ARCHIVE_SIGNING_KEY: der }, /ARCHIVE_SIGNING_KEY_ID must be set/],
    ['an id without a key', { ARCHIVE_SIGNING_KEY_ID: 'k1' }, /ARCHIVE_SIGNING_KEY is not/],
    ['a bad id', { ARCHIVE_SIGNING_KEY: der, ARCHIVE_SIGNING_KEY_ID: 'k 1' }, /ARCHIVE_SIGNING_KEY_ID/],
    ['a PEM key', { ARCHIVE_SIGNING_KEY: pem, ARCHIVE_SIGNING_KEY_ID: 'k1' }, /base64 of its PKCS#8 DER/],
    ['garbage', { ARCHIVE_SIGNING_KEY: 'bm90IGEga2V5', ARCHIVE_SIGNING_KEY_ID: 'k1' }, /base64 of its PKCS#8 DER/],
    ['an RSA key', { ARCHIVE_SIGNING_KEY: rsa, ARCHIVE_SIGNING_KEY_ID: 'k1' }, /must be an Ed25519 key, not rsa/],
    ['a public key as the signing key', { ARCHIVE_SIGNING_KEY: spki, ARCHIVE_SIGNING_KEY_ID: 'k1' }, /PKCS#8/],
    ['every 0', { ARCHIVE_CHECKPOINT_EVERY: '0' }, /ARCHIVE_CHECKPOINT_EVERY must be a whole number/],
    ['every as 1e3', { ARCHIVE_CHECKPOINT_EVERY: '1e3' }, /ARCHIVE_CHECKPOINT_EVERY/],
    ['interval negative', { ARCHIVE_CHECKPOINT_INTERVAL_MS: '-1' }, /ARCHIVE_CHECKPOINT_INTERVAL_MS/],
    ['interval over a day', { ARCHIVE_CHECKPOINT_INTERVAL_MS: '86400001' }, /ARCHIVE_CHECKPOINT_INTERVAL_MS/],
    ['a retired key without an id', { ARCHIVE_RETIRED_PUBLIC_KEYS: spki }, /keyId=/],
    ['a retired key twice', { ARCHIVE_RETIRED_PUBLIC_KEYS: `a=${spki},a=${spki}` }, /given twice/],
    ['a retired key that is not one', { ARCHIVE_RETIRED_PUBLIC_KEYS: 'a=bm90IGEga2V5' }, /not a public key/],
  ])('refuses %s at start-up, without echoing the key', (_what, env, message) => {
    let error: Error | null = null;
    try {
      checkpointConfigFromEnv(env);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain(der.slice(20, 40));
  });
});
