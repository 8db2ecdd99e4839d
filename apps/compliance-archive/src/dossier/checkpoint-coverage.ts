import { KeyObject } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { CheckpointRow, checkpointFromRow } from '../checkpoints/checkpoints.service';
import { Checkpoint, merkleRoot, verifyCheckpointChain } from '../checkpoints/merkle';

/** Which of a complaint's entries are vouched for by a signed checkpoint (docs/archive.md, "Checkpoints"). */
export interface CheckpointCoverage {
  /** Under a checkpoint whose signature, statement hash and Merkle root verify. */
  covered: number[];
  /** After the newest checkpoint: the hash chain is all that vouches for them so far. */
  notYetCovered: number[];
  /** Under a checkpoint that does not verify, or in a gap between checkpoints: why. */
  failed: { seq: number; problem: string }[];
}

/**
 * The coverage of the complaint's entries `seqs`, from the checkpoints whose ranges hold them
 * and the stored entry hashes of those ranges. Each such checkpoint must be signed by a key known
 * here, hash to its statement, and have the Merkle root of the stored hashes of its whole range.
 * The complaint's own entries are also recomputed from their text by composeDossier, so an entry
 * under a checkpoint that verifies is exactly the entry that was signed. Other entries of a range
 * count by their stored hash only: they are other complaints', and GET /v1/archive/checkpoints/verify
 * recomputes them. Pure: the archive reads the rows with `readCheckpointCoverage`.
 */
export function checkpointCoverageOf(
  seqs: readonly number[],
  checkpoints: readonly Checkpoint[],
  newestSeqTo: number | null,
  storedHashes: ReadonlyMap<number, string>,
  keys: ReadonlyMap<string, KeyObject>,
): CheckpointCoverage {
  const coverage: CheckpointCoverage = { covered: [], notYetCovered: [], failed: [] };
  const verdicts = new Map<Checkpoint, string | null>();
  const verdictOf = (c: Checkpoint): string | null => {
    if (!verdicts.has(c)) {
      const hashes: string[] = [];
      let missing: number | null = null;
      for (let seq = c.seqFrom; seq <= c.seqTo && missing === null; seq++) {
        const hash = storedHashes.get(seq);
        if (hash === undefined) missing = seq;
        else hashes.push(hash);
      }
      const verdict =
        missing !== null
          ? { intact: false as const, problem: `entry ${missing}, which it covers, is missing` }
          : verifyCheckpointChain([c], keys, () => {
              try {
                return { root: merkleRoot(hashes) };
              } catch (e) {
                return { problem: `an entry it covers has a malformed hash: ${(e as Error).message}` };
              }
            });
      verdicts.set(c, verdict.intact ? null : verdict.problem);
    }
    return verdicts.get(c) ?? null;
  };
  for (const seq of seqs) {
    if (newestSeqTo === null || seq > newestSeqTo) {
      coverage.notYetCovered.push(seq);
      continue;
    }
    const c = checkpoints.find((x) => x.seqFrom <= seq && seq <= x.seqTo);
    if (!c) {
      coverage.failed.push({ seq, problem: 'no signed checkpoint covers it, though the checkpoints reach past it' });
      continue;
    }
    const problem = verdictOf(c);
    if (problem === null) coverage.covered.push(seq);
    else coverage.failed.push({ seq, problem: `its signed checkpoint (seq ${c.seqFrom}..${c.seqTo}) does not verify: ${problem}` });
  }
  return coverage;
}

/**
 * Reads, in the caller's transaction, the checkpoints holding the complaint's entries and the
 * stored hashes of their ranges (at most ARCHIVE_CHECKPOINT_EVERY each, hashes only), and judges
 * them with `checkpointCoverageOf`.
 */
export async function readCheckpointCoverage(manager: EntityManager, seqs: readonly string[], keys: ReadonlyMap<string, KeyObject>): Promise<CheckpointCoverage> {
  const [newest]: { seqTo: string | null }[] = await manager.query(`SELECT max(seq_to)::text AS "seqTo" FROM checkpoints`);
  // The checkpoint holding an entry is the first ending at or after it, if it starts at or before it.
  const rows: CheckpointRow[] = seqs.length
    ? await manager.query(
        `SELECT DISTINCT c.seq_from::text AS seq_from, c.seq_to::text AS seq_to, c.merkle_root, c.previous_checkpoint_hash, c.signed_at, c.key_id, c.signature, c.checkpoint_hash
           FROM unnest($1::bigint[]) s(seq)
           JOIN LATERAL (SELECT * FROM checkpoints WHERE checkpoints.seq_to >= s.seq ORDER BY checkpoints.seq_to LIMIT 1) c ON c.seq_from <= s.seq`,
        [seqs],
      )
    : [];
  const checkpoints: Checkpoint[] = rows.map(checkpointFromRow);
  const hashes: { seq: string; entryHash: string }[] = checkpoints.length
    ? await manager.query(
        `SELECT e.seq::text AS seq, e.entry_hash AS "entryHash"
           FROM unnest($1::bigint[], $2::bigint[]) r(seq_from, seq_to) JOIN archive_entries e ON e.seq BETWEEN r.seq_from AND r.seq_to`,
        [checkpoints.map((c) => c.seqFrom), checkpoints.map((c) => c.seqTo)],
      )
    : [];
  return checkpointCoverageOf(
    seqs.map(Number),
    checkpoints,
    newest?.seqTo == null ? null : Number(newest.seqTo),
    new Map(hashes.map((h) => [Number(h.seq), h.entryHash])),
    keys,
  );
}
