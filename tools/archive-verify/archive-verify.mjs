#!/usr/bin/env node
// Verifies an export bundle of the compliance archive offline: no database, no network, no
// dependencies beyond Node itself (18 or later), so a regulator or auditor can read every line.
//
//   node archive-verify.mjs <bundle.json> [--anchor <hash>] [--last <hash>]
//
//   --anchor <hash>  the hash the bundle must start from: the last hash of the bundle before it,
//                    or one the bank published. A bundle from seq 1 starts from the genesis hash
//                    (64 zeros) whether or not this is given.
//   --last <hash>    the hash the bundle must end at (e.g. the archive's head when it was exported).
//
// Exit 0 and `OK: N entries, seq A..B, last hash H` when every entry verifies; exit 1 and
// `FAILED: ...` naming the first entry that does not, and why; exit 2 on wrong usage.
//
// The chain, exactly as apps/compliance-archive/src/archive/hash-chain.ts builds it:
//   entryHash = lowercase hex SHA-256 of the UTF-8 bytes of  prevHash + "\n" + canonical
// where canonical is the event envelope as RFC 8785 canonical JSON, prevHash is the entryHash of
// the entry before (the genesis hash, 64 zeros, before seq 1) and seq numbers run on by one.

import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUNDLE_FORMAT = 'complaints-archive-bundle@1';
export const GENESIS_HASH = '0'.repeat(64);
const HASH = /^[0-9a-f]{64}$/;

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

function parseArguments(argv) {
  const options = {};
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--anchor' || arg === '--last') {
      const value = argv[++i];
      if (value === undefined || !HASH.test(value)) throw new BundleProblem(`${arg} needs a lowercase hex SHA-256 (64 characters)`);
      options[arg.slice(2)] = value;
    } else if (arg === '-h' || arg === '--help') {
      return { help: true };
    } else if (arg.startsWith('-')) {
      throw new BundleProblem(`unknown option ${arg}`);
    } else {
      files.push(arg);
    }
  }
  if (files.length !== 1) throw new BundleProblem('give exactly one bundle file');
  return { file: files[0], options };
}

function main(argv) {
  const usage = `usage: node ${basename(fileURLToPath(import.meta.url))} <bundle.json> [--anchor <hash>] [--last <hash>]`;
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
  const verdict = verifyBundle(bundle, parsed.options);
  if (!verdict.ok) {
    process.stdout.write(`FAILED: ${verdict.problem}\n`);
    return 1;
  }
  process.stdout.write(`OK: ${verdict.entries} entries, seq ${verdict.fromSeq}..${verdict.toSeq}, last hash ${verdict.lastHash}\n`);
  process.stdout.write(`  starts from ${verdict.anchorHash}${verdict.fromSeq === 1 ? ' (genesis)' : parsed.options.anchor ? ' (the expected anchor)' : ' (not checked: pass --anchor to tie it to the bundle before)'}\n`);
  return 0;
}

// Run as a program; imported (by a test or another script), it only exports verifyBundle and friends.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  process.exitCode = main(process.argv.slice(2));
}
