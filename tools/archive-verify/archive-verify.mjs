#!/usr/bin/env node
// Verifies an export bundle of the compliance archive offline: no database, no network, no
// dependencies beyond Node itself (18 or later), so a regulator or auditor can read every line.
//
//   node archive-verify.mjs <bundle.json> [--anchor <hash>] [--last <hash>]
//                           [--checkpoints <checkpoints.json> [--public-key <key.pem>] [--allow-unsealed-tail]]
//
//   --anchor <hash>  the hash the bundle must start from: the last hash of the bundle before it,
//                    or one the bank published. A bundle from seq 1 starts from the genesis hash
//                    (64 zeros) whether or not this is given.
//   --last <hash>    the hash the bundle must end at (e.g. the archive's head when it was exported).
//   --checkpoints <file>  the archive's signed checkpoints (GET /v1/archive/checkpoints): every
//                    signature and link between checkpoints is checked, and each checkpoint wholly
//                    inside the bundle's range must have the Merkle root of the bundle's entries.
//   --public-key <file>   the Ed25519 public key (PEM) the checkpoints must be signed with, as the
//                    bank published it; without it, the keys inside the checkpoints file are used.
//   --allow-unsealed-tail  accept entries after the last checkpoint wholly inside the bundle (see
//                    exit 3), reported as checked against the entries before them only.
//
// Exit 0 and `OK: N entries, seq A..B, last hash H` when every entry verifies; exit 1 and
// `FAILED: ...` naming the first entry that does not, and why; exit 2 on wrong usage; exit 3 and
// `UNVERIFIED TAIL: seq X..B ...` when, with --checkpoints, the entries from X on lie after the
// last checkpoint wholly inside the bundle: nothing signed covers them, so a rewrite of them with
// their hashes recomputed would verify. Entries before a covered checkpoint need no checkpoint
// of their own: the first entry it covers names the hash of the one before, and so on back.
//
// The chain, exactly as apps/compliance-archive/src/archive/hash-chain.ts builds it:
//   entryHash = lowercase hex SHA-256 of the UTF-8 bytes of  prevHash + "\n" + canonical
// where canonical is the event envelope as RFC 8785 canonical JSON, prevHash is the entryHash of
// the entry before (the genesis hash, 64 zeros, before seq 1) and seq numbers run on by one.
//
// Checkpoints, exactly as apps/compliance-archive/src/checkpoints/merkle.ts makes them:
//   merkleRoot  = RFC 6962 Merkle tree over the entry hashes seqFrom..seqTo in order:
//                 leaf = SHA-256(0x00 || 32 bytes of entryHash), node = SHA-256(0x01 || left || right),
//                 split at the largest power of two below the number of leaves
//   statement   = RFC 8785 canonical JSON of { format: "complaints-archive-checkpoint@1", seqFrom,
//                 seqTo, merkleRoot, previousCheckpointHash, signedAt, keyId }
//   signature   = Ed25519 over the statement's UTF-8 bytes, base64
//   checkpointHash = lowercase hex SHA-256 of the statement; the next checkpoint names it as its
//                 previousCheckpointHash (64 zeros before the first).

import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUNDLE_FORMAT = 'complaints-archive-bundle@1';
export const GENESIS_HASH = '0'.repeat(64);
export const CHECKPOINTS_FORMAT = 'complaints-archive-checkpoints@1';
export const CHECKPOINT_FORMAT = 'complaints-archive-checkpoint@1';
const HASH = /^[0-9a-f]{64}$/;
const KEY_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;

/** Each entry's hash covers the previous entry's hash, so changing any entry breaks every later link. */
export function chainHash(prevHash, canonical) {
  return createHash('sha256').update(`${prevHash}\n${canonical}`, 'utf8').digest('hex');
}

/**
 * RFC 8785 canonical JSON of a parsed value: object keys sorted by UTF-16 code units, no
 * whitespace, strings and numbers as ECMAScript's JSON.stringify writes them (which RFC 8785
 * adopts). Used to check that each entry's text is what the archive would have written.
 */
export function canonicalJson(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  return `{${Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
    .join(',')}}`;
}

class BundleProblem extends Error {}

/** Names an entry for a reader: its seq, and the event in it when its text can still be read. */
function describeEntry(entry, position) {
  const seq = Number.isSafeInteger(entry?.seq) ? `seq ${entry.seq}` : `at position ${position + 1} (seq ${JSON.stringify(entry?.seq)})`;
  try {
    const event = JSON.parse(entry.canonical);
    if (event && typeof event.type === 'string' && typeof event.eventId === 'string') return `entry ${seq} (${event.type} ${event.eventId})`;
  } catch {
    // the text is not JSON; the seq alone names it
  }
  return `entry ${seq}`;
}

/**
 * Checks a parsed bundle. Returns { ok: true, entries, fromSeq, toSeq, anchorHash, lastHash } or
 * { ok: false, seq, problem } for the first thing that does not verify (seq is null when the
 * problem is with the bundle as a whole).
 */
export function verifyBundle(bundle, { anchor, last } = {}) {
  const fail = (seq, problem) => ({ ok: false, seq, problem });
  if (bundle === null || typeof bundle !== 'object' || Array.isArray(bundle)) return fail(null, 'the bundle is not a JSON object');
  if (bundle.format !== BUNDLE_FORMAT) return fail(null, `unknown bundle format ${JSON.stringify(bundle.format)}; this verifier reads ${BUNDLE_FORMAT}`);
  const { fromSeq, toSeq, anchorHash, entries } = bundle;
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) return fail(null, `fromSeq ${JSON.stringify(fromSeq)} is not a whole number from 1`);
  if (!Number.isSafeInteger(toSeq) || toSeq < fromSeq) return fail(null, `toSeq ${JSON.stringify(toSeq)} is not a whole number from fromSeq (${fromSeq})`);
  if (!Array.isArray(entries)) return fail(null, 'the bundle has no entries array');
  if (entries.length === 0) return fail(fromSeq, `the bundle declares seq ${fromSeq}..${toSeq} but holds no entries`);
  if (typeof anchorHash !== 'string' || !HASH.test(anchorHash)) return fail(null, `anchorHash ${JSON.stringify(anchorHash)} is not a lowercase hex SHA-256`);
  if (fromSeq === 1 && anchorHash !== GENESIS_HASH) return fail(1, `the bundle starts at seq 1 but its anchorHash is not the genesis hash (${GENESIS_HASH})`);
  if (anchor !== undefined && anchorHash !== anchor) return fail(fromSeq, `the bundle starts from ${anchorHash}, not from the expected anchor ${anchor}`);

  let expectedPrev = anchorHash;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const expectedSeq = fromSeq + i;
    const name = describeEntry(entry, i);
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return fail(expectedSeq, `the entry at position ${i + 1} is not an object`);
    const { seq, canonical, prevHash, entryHash } = entry;
    if (!Number.isSafeInteger(seq)) return fail(expectedSeq, `${name}: seq is not a whole number`);
    if (typeof canonical !== 'string') return fail(seq, `${name}: canonical is not text`);
    if (typeof prevHash !== 'string' || !HASH.test(prevHash)) return fail(seq, `${name}: prevHash is not a lowercase hex SHA-256`);
    if (typeof entryHash !== 'string' || !HASH.test(entryHash)) return fail(seq, `${name}: entryHash is not a lowercase hex SHA-256`);
    if (seq !== expectedSeq) {
      const why = seq > expectedSeq ? `entr${seq - expectedSeq === 1 ? 'y' : 'ies'} ${expectedSeq}${seq - expectedSeq > 1 ? `..${seq - 1}` : ''} missing` : 'out of order or repeated';
      return fail(seq, `${name}: found where seq ${expectedSeq} should be (${why})`);
    }
    if (prevHash !== expectedPrev) {
      return fail(seq, `${name}: previous-hash link does not match the entry before it (links to ${prevHash}, expected ${expectedPrev})`);
    }
    if (chainHash(prevHash, canonical) !== entryHash) return fail(seq, `${name}: entry content does not match its hash`);
    let parsed;
    try {
      parsed = JSON.parse(canonical);
    } catch {
      return fail(seq, `${name}: canonical text is not JSON`);
    }
    if (canonicalJson(parsed) !== canonical) return fail(seq, `${name}: canonical text is not in RFC 8785 canonical form`);
    expectedPrev = entryHash;
  }
  const lastSeq = fromSeq + entries.length - 1;
  if (lastSeq !== toSeq) {
    return lastSeq < toSeq
      ? fail(lastSeq + 1, `the bundle declares seq ${fromSeq}..${toSeq} but ends at seq ${lastSeq}: ${toSeq - lastSeq} entr${toSeq - lastSeq === 1 ? 'y is' : 'ies are'} missing from the end`)
      : fail(toSeq + 1, `the bundle declares seq ${fromSeq}..${toSeq} but holds entries up to seq ${lastSeq}`);
  }
  if (last !== undefined && expectedPrev !== last) return fail(lastSeq, `the bundle ends at ${expectedPrev}, not at the expected last hash ${last}`);
  return { ok: true, entries: entries.length, fromSeq, toSeq, anchorHash, lastHash: expectedPrev };
}

const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** RFC 6962 Merkle tree hash over entry hashes (lowercase hex), as lowercase hex. */
export function merkleRoot(entryHashes) {
  if (entryHashes.length === 0) throw new Error('a Merkle root needs at least one entry');
  const leaves = entryHashes.map((h) => sha256(Buffer.from([0x00]), Buffer.from(h, 'hex')));
  const subtree = (from, to) => {
    if (to - from === 1) return leaves[from];
    let k = 1;
    while (k * 2 < to - from) k *= 2;
    return sha256(Buffer.from([0x01]), subtree(from, from + k), subtree(from + k, to));
  };
  return subtree(0, leaves.length).toString('hex');
}

/** The text a checkpoint's signature and hash cover. */
export function checkpointStatement(c) {
  const { seqFrom, seqTo, merkleRoot: root, previousCheckpointHash, signedAt, keyId } = c;
  return canonicalJson({ format: CHECKPOINT_FORMAT, seqFrom, seqTo, merkleRoot: root, previousCheckpointHash, signedAt, keyId });
}

function readPublicKey(pem, where) {
  let key;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new BundleProblem(`${where} is not a public key in PEM`);
  }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') throw new BundleProblem(`${where} is not an Ed25519 public key`);
  return key;
}

/**
 * Checks an export of checkpoints against a bundle that verified (`bundle`). `publicKeyPem`, when
 * given, is the key every checkpoint must be signed with; otherwise each checkpoint's keyId is
 * looked up in the file's own publicKeys. Returns { ok: true, checkpoints, seqFrom, seqTo,
 * covered, keySource, unsealed } or { ok: false, problem } naming the first checkpoint that fails.
 * `unsealed` is null, or { fromSeq, toSeq, coveredBy } for the bundle's entries after the last
 * checkpoint wholly inside it (all of them when there is none), with the checkpoint covering the
 * first of them beyond the bundle's end, if one was signed yet.
 */
export function verifyCheckpoints(file, bundle, { publicKeyPem } = {}) {
  const fail = (problem) => ({ ok: false, problem });
  if (file === null || typeof file !== 'object' || Array.isArray(file)) return fail('the checkpoints file is not a JSON object');
  if (file.format !== CHECKPOINTS_FORMAT) return fail(`unknown checkpoints format ${JSON.stringify(file.format)}; this verifier reads ${CHECKPOINTS_FORMAT}`);
  if (!Array.isArray(file.checkpoints) || file.checkpoints.length === 0) return fail('the checkpoints file holds no checkpoints');
  const keys = new Map();
  let external = null;
  try {
    if (publicKeyPem !== undefined) {
      external = readPublicKey(publicKeyPem, 'the --public-key file');
    } else {
      if (!Array.isArray(file.publicKeys)) return fail('the checkpoints file has no publicKeys array');
      for (const k of file.publicKeys) {
        if (!k || typeof k.keyId !== 'string' || !KEY_ID.test(k.keyId) || typeof k.publicKeyPem !== 'string') return fail('a publicKeys item is not { keyId, publicKeyPem }');
        keys.set(k.keyId, readPublicKey(k.publicKeyPem, `the public key of ${k.keyId} in the checkpoints file`));
      }
    }
  } catch (e) {
    return fail(e.message);
  }
  const inside = new Map(bundle.entries.map((e) => [e.seq, e.entryHash]));
  let before = null;
  let covered = 0;
  let sealedTo = null;
  for (const [i, c] of file.checkpoints.entries()) {
    const name = c && Number.isSafeInteger(c.seqFrom) && Number.isSafeInteger(c.seqTo) ? `checkpoint seq ${c.seqFrom}..${c.seqTo}` : `checkpoint ${i + 1}`;
    const bad = (problem) => fail(`${name}: ${problem}`);
    if (c === null || typeof c !== 'object' || Array.isArray(c)) return bad('is not an object');
    if (!Number.isSafeInteger(c.seqFrom) || c.seqFrom < 1 || !Number.isSafeInteger(c.seqTo) || c.seqTo < c.seqFrom) return bad('seqFrom..seqTo is not a range of whole numbers from 1');
    for (const field of ['merkleRoot', 'previousCheckpointHash', 'checkpointHash']) {
      if (typeof c[field] !== 'string' || !HASH.test(c[field])) return bad(`${field} is not a lowercase hex SHA-256`);
    }
    if (typeof c.signedAt !== 'string' || !ISO_UTC.test(c.signedAt) || Number.isNaN(Date.parse(c.signedAt))) return bad('signedAt is not an ISO 8601 UTC time');
    if (typeof c.keyId !== 'string' || !KEY_ID.test(c.keyId)) return bad('keyId is malformed');
    if (typeof c.signature !== 'string' || !SIGNATURE.test(c.signature)) return bad('signature is not a base64 Ed25519 signature');
    if (before === null && c.seqFrom === 1 && c.previousCheckpointHash !== GENESIS_HASH) return bad('the first checkpoint does not start from the genesis checkpoint hash');
    if (before !== null) {
      if (c.seqFrom !== before.seqTo + 1) return bad(`range does not start right after the checkpoint before it (which ends at seq ${before.seqTo})`);
      if (c.previousCheckpointHash !== before.checkpointHash) return bad('previous-checkpoint hash does not match the checkpoint before it');
    }
    const statement = checkpointStatement(c);
    if (createHash('sha256').update(statement, 'utf8').digest('hex') !== c.checkpointHash) return bad('checkpoint hash does not match its statement');
    const key = external ?? keys.get(c.keyId);
    if (!key) return bad(`signed with key ${c.keyId}, which the checkpoints file does not hold`);
    if (!verify(null, Buffer.from(statement, 'utf8'), key, Buffer.from(c.signature, 'base64'))) {
      return bad(`signature does not verify with ${external ? 'the --public-key given' : `the public key of ${c.keyId} in the checkpoints file`}`);
    }
    if (c.seqFrom >= bundle.fromSeq && c.seqTo <= bundle.toSeq) {
      const hashes = [];
      for (let seq = c.seqFrom; seq <= c.seqTo; seq++) hashes.push(inside.get(seq));
      if (merkleRoot(hashes) !== c.merkleRoot) return bad("Merkle root does not match the bundle's entries it covers");
      covered += 1;
      sealedTo = c.seqTo;
    }
    before = c;
  }
  const first = file.checkpoints[0];
  const tailFrom = sealedTo === null ? bundle.fromSeq : sealedTo + 1;
  const over = file.checkpoints.find((c) => c.seqFrom <= tailFrom && tailFrom <= c.seqTo);
  const unsealed = tailFrom > bundle.toSeq ? null : { fromSeq: tailFrom, toSeq: bundle.toSeq, coveredBy: over ? { seqFrom: over.seqFrom, seqTo: over.seqTo } : null };
  return {
    ok: true,
    checkpoints: file.checkpoints.length,
    seqFrom: first.seqFrom,
    seqTo: before.seqTo,
    fromGenesis: first.seqFrom === 1,
    covered,
    keySource: external ? 'external' : [...new Set(file.checkpoints.map((c) => c.keyId))],
    unsealed,
  };
}

function parseArguments(argv) {
  const options = {};
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--anchor' || arg === '--last') {
      const value = argv[++i];
      if (value === undefined || !HASH.test(value)) throw new BundleProblem(`${arg} needs a lowercase hex SHA-256 (64 characters)`);
      options[arg.slice(2)] = value;
    } else if (arg === '--checkpoints' || arg === '--public-key') {
      const value = argv[++i];
      if (value === undefined || value.startsWith('-')) throw new BundleProblem(`${arg} needs a file`);
      options[arg === '--checkpoints' ? 'checkpoints' : 'publicKey'] = value;
    } else if (arg === '--allow-unsealed-tail') {
      options.allowUnsealedTail = true;
    } else if (arg === '-h' || arg === '--help') {
      return { help: true };
    } else if (arg.startsWith('-')) {
      throw new BundleProblem(`unknown option ${arg}`);
    } else {
      files.push(arg);
    }
  }
  if (files.length !== 1) throw new BundleProblem('give exactly one bundle file');
  if (options.publicKey !== undefined && options.checkpoints === undefined) throw new BundleProblem('--public-key checks checkpoints: give --checkpoints too');
  if (options.allowUnsealedTail && options.checkpoints === undefined) throw new BundleProblem('--allow-unsealed-tail is about checkpoints: give --checkpoints too');
  return { file: files[0], options };
}

function main(argv) {
  const usage = `usage: node ${basename(fileURLToPath(import.meta.url))} <bundle.json> [--anchor <hash>] [--last <hash>] [--checkpoints <checkpoints.json> [--public-key <key.pem>] [--allow-unsealed-tail]]`;
  let parsed;
  try {
    parsed = parseArguments(argv);
  } catch (e) {
    process.stderr.write(`${e.message}\n${usage}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  let bundle;
  try {
    bundle = JSON.parse(readFileSync(parsed.file, 'utf8'));
  } catch (e) {
    process.stdout.write(`FAILED: cannot read ${parsed.file} as JSON: ${e.message}\n`);
    return 1;
  }
  const { checkpoints: checkpointsFile, publicKey: publicKeyFile, allowUnsealedTail, ...hashes } = parsed.options;
  const verdict = verifyBundle(bundle, hashes);
  if (!verdict.ok) {
    process.stdout.write(`FAILED: ${verdict.problem}\n`);
    return 1;
  }
  let checked = null;
  if (checkpointsFile !== undefined) {
    let file;
    let publicKeyPem;
    try {
      file = JSON.parse(readFileSync(checkpointsFile, 'utf8'));
    } catch (e) {
      process.stdout.write(`FAILED: cannot read ${checkpointsFile} as JSON: ${e.message}\n`);
      return 1;
    }
    try {
      if (publicKeyFile !== undefined) publicKeyPem = readFileSync(publicKeyFile, 'utf8');
    } catch (e) {
      process.stdout.write(`FAILED: cannot read ${publicKeyFile}: ${e.message}\n`);
      return 1;
    }
    checked = verifyCheckpoints(file, bundle, { publicKeyPem });
    if (!checked.ok) {
      process.stdout.write(`FAILED: ${checked.problem}\n`);
      return 1;
    }
  }
  const tail = checked?.unsealed ?? null;
  const range = (r) => `seq ${r.fromSeq}..${r.toSeq}`;
  if (tail && !allowUnsealedTail) {
    const remedy = tail.coveredBy
      ? `export the bundle up to seq ${tail.coveredBy.seqTo}, where the checkpoint seq ${tail.coveredBy.seqFrom}..${tail.coveredBy.seqTo} that covers them ends`
      : 'no checkpoint covers them yet: ask for one to be cut (POST /v1/archive/checkpoints) and export again';
    process.stdout.write(
      `UNVERIFIED TAIL: ${range(tail)} of this bundle lie after the last checkpoint wholly inside it${checked.covered ? '' : ' (there is none)'}, ` +
        `so they were checked against nothing signed: rewritten with their hashes recomputed, they would verify. ` +
        `To check them, ${remedy}; to accept them as unverified, pass --allow-unsealed-tail\n`,
    );
  } else {
    process.stdout.write(`OK: ${verdict.entries} entries, seq ${verdict.fromSeq}..${verdict.toSeq}, last hash ${verdict.lastHash}\n`);
  }
  process.stdout.write(`  starts from ${verdict.anchorHash}${verdict.fromSeq === 1 ? ' (genesis)' : parsed.options.anchor ? ' (the expected anchor)' : ' (not checked: pass --anchor to tie it to the bundle before)'}\n`);
  if (checked) {
    process.stdout.write(
      `  checkpoints: ${checked.checkpoints} signed checkpoint${checked.checkpoints === 1 ? '' : 's'} of seq ${checked.seqFrom}..${checked.seqTo} verified, one chain${checked.fromGenesis ? ' from the first' : ''}; ` +
        (checked.covered
          ? `${checked.covered} lie wholly inside this bundle and match its entries\n`
          : `none lies wholly inside this bundle, so its entries were not checked against them\n`),
    );
    process.stdout.write(
      checked.keySource === 'external'
        ? `  signatures checked with the public key from ${publicKeyFile} (given separately)\n`
        : `  signatures checked with the public key${checked.keySource.length === 1 ? '' : 's'} in the checkpoints file itself (${checked.keySource.join(', ')}): ` +
            'that shows the file is consistent, not who signed it; pass --public-key with the key the bank published\n',
    );
    if (tail) {
      process.stdout.write(`  unsealed tail: ${range(tail)} lie after the last checkpoint wholly inside this bundle: checked against the entries before them only${allowUnsealedTail ? ' (--allow-unsealed-tail)' : ''}\n`);
    }
  }
  return tail && !allowUnsealedTail ? 3 : 0;
}

// Run as a program; imported (by a test or another script), it only exports verifyBundle and friends.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  process.exitCode = main(process.argv.slice(2));
}
