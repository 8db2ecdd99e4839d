import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { GENESIS_CHECKPOINT_HASH, merkleRoot, signCheckpoint } from '../checkpoints/merkle';
import { checkpointCoverageOf } from './checkpoint-coverage';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const keys = new Map([['archive-2026', publicKey]]);
const hash = () => randomBytes(32).toString('hex');
const stored = new Map(Array.from({ length: 10 }, (_, i) => [i + 1, hash()]));
const hashesOf = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => stored.get(from + i)!);

const first = signCheckpoint(
  { seqFrom: 1, seqTo: 4, merkleRoot: merkleRoot(hashesOf(1, 4)), previousCheckpointHash: GENESIS_CHECKPOINT_HASH, signedAt: '2026-11-23T12:00:00.000Z', keyId: 'archive-2026' },
  privateKey,
);
const second = signCheckpoint(
  { seqFrom: 5, seqTo: 8, merkleRoot: merkleRoot(hashesOf(5, 8)), previousCheckpointHash: first.checkpointHash, signedAt: '2026-11-23T12:01:00.000Z', keyId: 'archive-2026' },
  privateKey,
);

describe('checkpointCoverageOf', () => {
  it('counts entries under checkpoints that verify, and those after the newest as not yet covered', () => {
    expect(checkpointCoverageOf([2, 6, 9, 10], [first, second], 8, stored, keys)).toEqual({ covered: [2, 6], notYetCovered: [9, 10], failed: [] });
    expect(checkpointCoverageOf([2, 6], [], null, stored, keys)).toEqual({ covered: [], notYetCovered: [2, 6], failed: [] });
  });

  it('names each entry under a checkpoint whose range no longer hashes to its signed root', () => {
    const changed = new Map(stored);
    changed.set(7, hash());
    expect(checkpointCoverageOf([2, 6], [first, second], 8, changed, keys)).toEqual({
      covered: [2],
      notYetCovered: [],
      failed: [{ seq: 6, problem: 'its signed checkpoint (seq 5..8) does not verify: Merkle root does not match the entries it covers' }],
    });
    const missing = new Map(stored);
    missing.delete(5);
    expect(checkpointCoverageOf([6], [second], 8, missing, keys).failed).toEqual([
      { seq: 6, problem: 'its signed checkpoint (seq 5..8) does not verify: entry 5, which it covers, is missing' },
    ]);
  });

  it('names an entry under a checkpoint that is not signed by a known key, or in a gap of the checkpoints', () => {
    const forged = { ...second, signature: first.signature };
    expect(checkpointCoverageOf([6], [forged], 8, stored, keys).failed).toEqual([
      { seq: 6, problem: 'its signed checkpoint (seq 5..8) does not verify: signature does not verify with the public key of archive-2026' },
    ]);
    expect(checkpointCoverageOf([6], [second], 8, stored, new Map()).failed[0].problem).toContain('whose public key is not known here');
    expect(checkpointCoverageOf([6], [first], 8, stored, keys).failed).toEqual([{ seq: 6, problem: 'no signed checkpoint covers it, though the checkpoints reach past it' }]);
  });
});
