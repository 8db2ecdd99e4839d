import { createHash, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { canonicalJson, GENESIS_HASH } from '../archive/hash-chain';

/**
 * Checkpoints of the archive's hash chain: a Merkle root over the entry hashes since the last
 * checkpoint, signed with Ed25519, each checkpoint naming the hash of the one before it.
 *
 * The Merkle tree is RFC 6962's (Certificate Transparency), over SHA-256:
 *
 *   leaf(e)        = SHA-256(0x00 || e)          e = the 32 bytes of an entry hash (hex decoded)
 *   node(l, r)     = SHA-256(0x01 || l || r)
 *   MTH([e])       = leaf(e)
 *   MTH(D[0..n))   = node(MTH(D[0..k)), MTH(D[k..n)))   k = the largest power of 2 below n
 *
 * which is the same tree as pairing neighbours level by level and promoting an odd last node
 * unchanged to the level above. The 0x00 / 0x01 prefixes keep a leaf from passing for a node.
 * Leaves are in seq order: leaf i is entry seqFrom + i.
 *
 * tools/archive-verify/archive-verify.mjs implements the same, independently; change neither
 * without the other and a new CHECKPOINT_FORMAT: stored checkpoints were made the old way.
 */

/** The format of the signed statement; a change to its meaning takes a new version. */
export const CHECKPOINT_FORMAT = 'complaints-archive-checkpoint@1';
/** The format of the export of checkpoints that tools/archive-verify reads. */
export const CHECKPOINTS_EXPORT_FORMAT = 'complaints-archive-checkpoints@1';
/** What the first checkpoint names as the one before it. */
export const GENESIS_CHECKPOINT_HASH = GENESIS_HASH;

const HASH = /^[0-9a-f]{64}$/;

function hashBytes(hex: string): Buffer {
  if (!HASH.test(hex)) throw new Error(`not a lowercase hex SHA-256: ${JSON.stringify(hex).slice(0, 80)}`);
  return Buffer.from(hex, 'hex');
}

export function leafHash(entryHash: string): Buffer {
  return createHash('sha256').update(Buffer.from([0x00])).update(hashBytes(entryHash)).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([0x01])).update(left).update(right).digest();
}

/** The largest power of two strictly below n (n > 1). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(leaves: Buffer[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 1) return leaves[from];
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(leaves, from, from + k), subtreeRoot(leaves, from + k, to));
}

/** The Merkle root (lowercase hex) over entry hashes in seq order. At least one is needed. */
export function merkleRoot(entryHashes: readonly string[]): string {
  if (entryHashes.length === 0) throw new Error('a Merkle root needs at least one entry');
  return subtreeRoot(entryHashes.map(leafHash), 0, entryHashes.length).toString('hex');
}

/**
 * The audit path of leaf `index` (RFC 6962 §2.1.1): the sibling hashes from the leaf up, as hex.
 * With it, one entry can be shown to be under a checkpoint's root without the other entries.
 */
export function inclusionProof(entryHashes: readonly string[], index: number): string[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= entryHashes.length) {
    throw new Error(`leaf index ${index} is outside a tree of ${entryHashes.length}`);
  }
  const leaves = entryHashes.map(leafHash);
  const path: Buffer[] = [];
  const walk = (m: number, from: number, to: number) => {
    const n = to - from;
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, from, from + k);
      path.push(subtreeRoot(leaves, from + k, to));
    } else {
      walk(m - k, from + k, to);
      path.push(subtreeRoot(leaves, from, from + k));
    }
  };
  walk(index, 0, leaves.length);
  return path.map((h) => h.toString('hex'));
}

/** Checks an audit path (RFC 9162 §2.1.3.2): entry `index` of a tree of `size` is under `root`. */
export function verifyInclusion(entryHash: string, index: number, size: number, proof: readonly string[], root: string): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  if (!HASH.test(entryHash) || !HASH.test(root) || !proof.every((p) => HASH.test(p))) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(entryHash);
  for (const p of proof) {
    if (sn === 0) return false;
    const sibling = Buffer.from(p, 'hex');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(sibling, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.toString('hex') === root;
}

/** What a checkpoint says, and what its signature covers. */
export interface CheckpointStatement {
  seqFrom: number;
  seqTo: number;
  merkleRoot: string;
  previousCheckpointHash: string;
  /** ISO 8601, UTC, milliseconds: `2026-11-23T12:00:00.000Z`. */
  signedAt: string;
  keyId: string;
}

/** A checkpoint as stored and exported: the statement, its signature (base64) and its hash. */
export interface Checkpoint extends CheckpointStatement {
  signature: string;
  checkpointHash: string;
}

/**
 * The exact text that is signed and hashed: RFC 8785 canonical JSON of the statement with its
 * format, as UTF-8. Every field is checked first, so nothing unexpected is ever signed.
 */
export function statementText(s: CheckpointStatement): string {
  if (!Number.isSafeInteger(s.seqFrom) || s.seqFrom < 1) throw new Error(`seqFrom ${s.seqFrom} is not a whole number from 1`);
  if (!Number.isSafeInteger(s.seqTo) || s.seqTo < s.seqFrom) throw new Error(`seqTo ${s.seqTo} is not a whole number from seqFrom`);
  if (!HASH.test(s.merkleRoot)) throw new Error('merkleRoot is not a lowercase hex SHA-256');
  if (!HASH.test(s.previousCheckpointHash)) throw new Error('previousCheckpointHash is not a lowercase hex SHA-256');
  if (typeof s.signedAt !== 'string' || !ISO_UTC.test(s.signedAt) || new Date(s.signedAt).toISOString() !== s.signedAt) throw new Error('signedAt is not an ISO 8601 UTC time with milliseconds');
  if (!KEY_ID.test(s.keyId)) throw new Error(`keyId ${JSON.stringify(s.keyId)} is not 1 to 64 of A-Z a-z 0-9 . _ : -`);
  return canonicalJson({
    format: CHECKPOINT_FORMAT,
    seqFrom: s.seqFrom,
    seqTo: s.seqTo,
    merkleRoot: s.merkleRoot,
    previousCheckpointHash: s.previousCheckpointHash,
    signedAt: s.signedAt,
    keyId: s.keyId,
  });
}

export const KEY_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The checkpoint's own hash, which the next checkpoint names: SHA-256 of the statement text. */
export function checkpointHash(s: CheckpointStatement): string {
  return createHash('sha256').update(statementText(s), 'utf8').digest('hex');
}

/** Signs a statement with an Ed25519 private key: the checkpoint, signature in base64. */
export function signCheckpoint(s: CheckpointStatement, privateKey: KeyObject): Checkpoint {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('checkpoints are signed with an Ed25519 key');
  const text = statementText(s);
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64');
  return { ...pickStatement(s), signature, checkpointHash: checkpointHash(s) };
}

/** Whether the signature is the key's over the statement. Never throws on malformed input. */
export function verifyCheckpointSignature(c: Checkpoint, publicKey: KeyObject): boolean {
  try {
    if (publicKey.asymmetricKeyType !== 'ed25519') return false;
    if (typeof c.signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(c.signature)) return false;
    return verify(null, Buffer.from(statementText(c), 'utf8'), publicKey, Buffer.from(c.signature, 'base64'));
  } catch {
    return false;
  }
}

export const publicKeyPem = (key: KeyObject): string =>
  (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'pem' }).toString();

function pickStatement(s: CheckpointStatement): CheckpointStatement {
  return { seqFrom: s.seqFrom, seqTo: s.seqTo, merkleRoot: s.merkleRoot, previousCheckpointHash: s.previousCheckpointHash, signedAt: s.signedAt, keyId: s.keyId };
}

export type CheckpointChainVerdict =
  | { intact: true; checkpoints: number }
  | { intact: false; checkpoints: number; brokenAt: { seqFrom: number; seqTo: number; checkpointHash: string }; problem: string };

/**
 * Checks a run of checkpoints in order: ranges follow on without gap or overlap, each names the
 * hash of the one before (the genesis hash before the first, when it starts at seq 1), its hash
 * is its statement's, and its signature verifies with the key its keyId names. `roots` gives the
 * Merkle root recomputed from the entries for a checkpoint (by its index), or a problem with
 * them; a checkpoint it returns undefined for is not checked against entries.
 */
export function verifyCheckpointChain(
  checkpoints: readonly Checkpoint[],
  keys: ReadonlyMap<string, KeyObject>,
  roots: (c: Checkpoint, index: number) => { root: string } | { problem: string } | undefined = () => undefined,
  previous: { checkpointHash: string; seqTo: number } | null = null,
): CheckpointChainVerdict {
  let before = previous;
  for (const [i, c] of checkpoints.entries()) {
    const fail = (problem: string): CheckpointChainVerdict => ({
      intact: false,
      checkpoints: i + 1,
      brokenAt: { seqFrom: c.seqFrom, seqTo: c.seqTo, checkpointHash: c.checkpointHash },
      problem,
    });
    if (before === null && i === 0 && c.seqFrom === 1 && c.previousCheckpointHash !== GENESIS_CHECKPOINT_HASH) {
      return fail('the first checkpoint does not start from the genesis checkpoint hash');
    }
    if (before !== null) {
      if (c.seqFrom !== before.seqTo + 1) return fail(`range does not start right after the checkpoint before it (which ends at seq ${before.seqTo})`);
      if (c.previousCheckpointHash !== before.checkpointHash) return fail('previous-checkpoint hash does not match the checkpoint before it');
    }
    let expectedHash: string;
    try {
      expectedHash = checkpointHash(c);
    } catch (e) {
      return fail(`statement is malformed: ${(e as Error).message}`);
    }
    if (c.checkpointHash !== expectedHash) return fail('checkpoint hash does not match its statement');
    const key = keys.get(c.keyId);
    if (!key) return fail(`signed with key ${c.keyId}, whose public key is not known here`);
    if (!verifyCheckpointSignature(c, key)) return fail(`signature does not verify with the public key of ${c.keyId}`);
    const recomputed = roots(c, i);
    if (recomputed && 'problem' in recomputed) return fail(recomputed.problem);
    if (recomputed && recomputed.root !== c.merkleRoot) return fail('Merkle root does not match the entries it covers');
    before = { checkpointHash: c.checkpointHash, seqTo: c.seqTo };
  }
  return { intact: true, checkpoints: checkpoints.length };
}

/**
 * Whether the scheduler should cut a checkpoint now: there are entries since the last one, and
 * either `every` of them are waiting, or the oldest has waited `intervalMs`.
 */
export function checkpointDue(pending: number, every: number, oldestPendingAgeMs: number | null, intervalMs: number): boolean {
  if (pending <= 0) return false;
  return pending >= every || (oldestPendingAgeMs !== null && oldestPendingAgeMs >= intervalMs);
}
