/**
 * The offline verifier, run as a regulator runs it (node, a file, an exit code), against bundles
 * built with the archive's own chainHash and canonicalJson: it must accept what the archive
 * writes, byte for byte, and name the first entry of anything else.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { canonicalJson, chainHash, GENESIS_HASH } from '../../apps/compliance-archive/src/archive/hash-chain';
import { merkleRoot as archiveMerkleRoot, signCheckpoint } from '../../apps/compliance-archive/src/checkpoints/merkle';
import {
  Bundle,
  buildBundle,
  buildCheckpoints,
  CheckpointsFile,
  removeScratch,
  runVerifier,
  sampleEnvelopes,
  scratchFile,
  VERIFIER,
  withOneByteChanged,
} from './archive-fixtures';

jest.setTimeout(60_000);

const EVENTS = sampleEnvelopes(5);
const BUNDLE = buildBundle(EVENTS);
const last = (b: Bundle) => b.entries[b.entries.length - 1].entryHash;

afterAll(() => removeScratch());

const expectFailure = (run: ReturnType<typeof runVerifier>, ...patterns: (string | RegExp)[]) => {
  expect({ status: run.status, ok: run.stdout.startsWith('OK') }).toEqual({ status: 1, ok: false });
  expect(run.stdout).toMatch(/^FAILED: /);
  for (const p of patterns) expect(run.stdout).toMatch(p);
};

describe('archive-verify on intact bundles', () => {
  it('accepts a bundle the archive built, and reports its entries, range and last hash', () => {
    const run = runVerifier(BUNDLE);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe(`OK: 5 entries, seq 1..5, last hash ${last(BUNDLE)}`);
    expect(run.stdout).toContain('(genesis)');
  });

  it('hashes exactly as the archive does: SHA-256 over previous hash, newline, canonical UTF-8', () => {
    // Multi-byte text and escapes in the canonical form: any difference in encoding or separator fails.
    const tricky = [{ summary: '信用卡被盗刷 😡', quote: 'a"b\\c', control: '\u000f\n', n: JSON.parse('[1e21, 0.000001, -0, 333333333.33333329, 5e-324]') as number[] }];
    const bundle = buildBundle(tricky);
    expect(bundle.entries[0].entryHash).toBe(chainHash(GENESIS_HASH, canonicalJson(tricky[0])));
    expect(runVerifier(bundle).status).toBe(0);
  });

  it('accepts a range from the middle, starting from the hash before it; --anchor ties it to that hash', () => {
    const tail: Bundle = { ...BUNDLE, fromSeq: 3, anchorHash: BUNDLE.entries[1].entryHash, entries: BUNDLE.entries.slice(2) };
    const run = runVerifier(tail);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`OK: 3 entries, seq 3..5, last hash ${last(BUNDLE)}`);
    expect(run.stdout).toContain('not checked');
    expect(runVerifier(tail, ['--anchor', BUNDLE.entries[1].entryHash]).status).toBe(0);
    expectFailure(runVerifier(tail, ['--anchor', BUNDLE.entries[0].entryHash]), /expected anchor/);
  });

  it('--last checks where the bundle ends', () => {
    expect(runVerifier(BUNDLE, ['--last', last(BUNDLE)]).status).toBe(0);
    expectFailure(runVerifier(BUNDLE, ['--last', BUNDLE.entries[3].entryHash]), /expected last hash/);
  });
});

describe('archive-verify on tampered bundles', () => {
  it.each([0, 1, 2, 3, 4])('one changed byte in entry %i is found, and that entry is named', (index) => {
    const tampered = withOneByteChanged(BUNDLE, index);
    expect(tampered.entries[index].canonical).not.toBe(BUNDLE.entries[index].canonical);
    expectFailure(runVerifier(tampered), `entry seq ${index + 1} (`, 'entry content does not match its hash');
  });

  it('a changed entry whose hash was recomputed breaks the link of the entry after it', () => {
    const forged = structuredClone(BUNDLE);
    forged.entries[1].canonical = forged.entries[1].canonical.replace('"medium"', '"low"');
    forged.entries[1].entryHash = chainHash(forged.entries[1].prevHash, forged.entries[1].canonical);
    expectFailure(runVerifier(forged), /entry seq 3 .*previous-hash link does not match/);
  });

  it('a whole chain rebuilt from a changed entry verifies on its own, but not against the published last hash', () => {
    const events = structuredClone(EVENTS);
    (events[1].payload as Record<string, unknown>).severity = 'low';
    const rebuilt = buildBundle(events);
    expect(runVerifier(rebuilt).status).toBe(0);
    expectFailure(runVerifier(rebuilt, ['--last', last(BUNDLE)]), /expected last hash/);
  });

  it('an entry removed from the middle is found at the gap', () => {
    const gap = { ...BUNDLE, entries: BUNDLE.entries.filter((_, i) => i !== 2) };
    expectFailure(runVerifier(gap), /entry seq 4 .*found where seq 3 should be \(entry 3 missing\)/);
  });

  it('the first entry removed is found', () => {
    expectFailure(runVerifier({ ...BUNDLE, entries: BUNDLE.entries.slice(1) }), /entry seq 2 .*found where seq 1 should be/);
  });

  it('the last entry removed is found: the bundle no longer reaches its declared end', () => {
    expectFailure(runVerifier({ ...BUNDLE, entries: BUNDLE.entries.slice(0, -1) }), /declares seq 1\.\.5 but ends at seq 4: 1 entry is missing from the end/);
  });

  it('the last entry removed and toSeq lowered to match is found against the published last hash', () => {
    const cut = { ...BUNDLE, toSeq: 4, entries: BUNDLE.entries.slice(0, -1) };
    expect(runVerifier(cut).status).toBe(0);
    expectFailure(runVerifier(cut, ['--last', last(BUNDLE)]), /expected last hash/);
  });

  it('entries removed and renumbered to close the gap still break the chain', () => {
    const renumbered = { ...BUNDLE, toSeq: 4, entries: BUNDLE.entries.filter((_, i) => i !== 2).map((e, i) => ({ ...e, seq: i + 1 })) };
    expectFailure(runVerifier(renumbered), /entry seq 3 .*previous-hash link does not match/);
  });

  it('two entries swapped are found', () => {
    const swapped = structuredClone(BUNDLE);
    [swapped.entries[1], swapped.entries[2]] = [swapped.entries[2], swapped.entries[1]];
    expectFailure(runVerifier(swapped), /entry seq 3 .*found where seq 2 should be/);
  });

  it('a duplicated entry is found', () => {
    const dup = { ...BUNDLE, toSeq: 6, entries: [...BUNDLE.entries.slice(0, 3), BUNDLE.entries[2], ...BUNDLE.entries.slice(3)] };
    expectFailure(runVerifier(dup), /entry seq 3 .*found where seq 4 should be \(out of order or repeated\)/);
  });

  it('a changed entryHash or prevHash is found at that entry', () => {
    const hash = structuredClone(BUNDLE);
    hash.entries[3].entryHash = 'e'.repeat(64);
    expectFailure(runVerifier(hash), /entry seq 4 .*entry content does not match its hash/);
    const prev = structuredClone(BUNDLE);
    prev.entries[2].prevHash = 'f'.repeat(64);
    expectFailure(runVerifier(prev), /entry seq 3 .*previous-hash link does not match/);
  });

  it('a bundle from seq 1 must start from the genesis hash', () => {
    expectFailure(runVerifier(buildBundle(EVENTS, 1, 'a'.repeat(64))), /starts at seq 1 but its anchorHash is not the genesis hash/);
  });

  it('text that hashes right but is not the canonical form the archive writes is refused', () => {
    const pretty = JSON.stringify(EVENTS[0], null, 1);
    const bundle = buildBundle([EVENTS[0]]);
    bundle.entries[0].canonical = pretty;
    bundle.entries[0].entryHash = chainHash(GENESIS_HASH, pretty);
    expectFailure(runVerifier(bundle), /entry seq 1 .*not in RFC 8785 canonical form/);
    // Duplicate keys: JSON.parse keeps one value, so two readers could see two events.
    const dupKeys = '{"a":1,"a":2}';
    const ambiguous = buildBundle([{ a: 2 }]);
    ambiguous.entries[0].canonical = dupKeys;
    ambiguous.entries[0].entryHash = chainHash(GENESIS_HASH, dupKeys);
    expectFailure(runVerifier(ambiguous), /not in RFC 8785 canonical form/);
  });
});

describe('archive-verify on what is not a bundle', () => {
  it.each<[string, unknown, RegExp]>([
    ['not JSON', '{"format": ', /cannot read .* as JSON/],
    ['another format', { ...BUNDLE, format: 'complaints-archive-bundle@2' }, /unknown bundle format/],
    ['an array', [BUNDLE], /not a JSON object/],
    ['no entries', { ...BUNDLE, entries: [] }, /holds no entries/],
    ['fromSeq 0', { ...BUNDLE, fromSeq: 0 }, /fromSeq 0 is not a whole number from 1/],
    ['toSeq before fromSeq', { ...BUNDLE, toSeq: 0 }, /toSeq 0 is not a whole number from fromSeq/],
    ['seq as text', { ...BUNDLE, entries: BUNDLE.entries.map((e, i) => (i === 1 ? { ...e, seq: '2' } : e)) }, /seq is not a whole number/],
    ['an entry that is null', { ...BUNDLE, entries: BUNDLE.entries.map((e, i) => (i === 1 ? null : e)) }, /entry at position 2 is not an object/],
    ['uppercase hash', { ...BUNDLE, entries: BUNDLE.entries.map((e, i) => (i === 1 ? { ...e, entryHash: e.entryHash.toUpperCase() } : e)) }, /entry seq 2 .*entryHash is not a lowercase hex SHA-256/],
  ])('%s is refused', (_what, content, pattern) => {
    expectFailure(runVerifier(content), pattern);
  });

  it('a missing file is refused with exit 1; wrong usage exits 2', () => {
    const missing = spawnSync(process.execPath, [VERIFIER, '/nonexistent/bundle.json'], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stdout).toMatch(/^FAILED: cannot read/);
    expect(spawnSync(process.execPath, [VERIFIER], { encoding: 'utf8' }).status).toBe(2);
    expect(spawnSync(process.execPath, [VERIFIER, 'a.json', '--anchor', 'nothex'], { encoding: 'utf8' }).status).toBe(2);
    expect(runVerifier(BUNDLE, ['--frobnicate']).status).toBe(2);
  });
});

describe('archive-verify --checkpoints', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const TEN = buildBundle(sampleEnvelopes(10));
  const RANGES: [number, number][] = [[1, 4], [5, 8], [9, 10]];
  const CHECKPOINTS = buildCheckpoints(TEN, RANGES, privateKey);
  const withCheckpoints = (bundle: Bundle, checkpoints: CheckpointsFile | string, more: string[] = []) =>
    runVerifier(bundle, ['--checkpoints', scratchFile(checkpoints), ...more]);
  const copy = () => structuredClone(CHECKPOINTS);

  it('builds the same Merkle root as the archive, independently (sizes 1 to 70)', () => {
    const hashes = buildBundle(sampleEnvelopes(70)).entries.map((e) => e.entryHash);
    // The verifier is an ES module of its own: asked in a separate node, as a regulator's would be.
    const script = `import { readFileSync } from 'node:fs'; import { merkleRoot } from ${JSON.stringify(VERIFIER)};
      const h = JSON.parse(readFileSync(0, 'utf8')); console.log(JSON.stringify(h.map((_, i) => merkleRoot(h.slice(0, i + 1)))));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', input: JSON.stringify(hashes) });
    expect(run.stderr).toBe('');
    const roots = JSON.parse(run.stdout) as string[];
    expect(roots).toHaveLength(70);
    expect(roots).toEqual(hashes.map((_, i) => archiveMerkleRoot(hashes.slice(0, i + 1))));
  });

  it('accepts intact checkpoints with the key in the file, and says the key came from the file', () => {
    const run = withCheckpoints(TEN, CHECKPOINTS);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toContain('checkpoints: 3 signed checkpoints of seq 1..10 verified, one chain from the first; 3 lie wholly inside this bundle and match its entries');
    expect(run.stdout).toContain('signatures checked with the public key in the checkpoints file itself (archive-test)');
  });

  it('with --public-key, checks every signature with that key instead, and says so', () => {
    const keyFile = scratchFile(pem, 'pem');
    const run = withCheckpoints(TEN, CHECKPOINTS, ['--public-key', keyFile]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`signatures checked with the public key from ${keyFile} (given separately)`);
    // A file re-signed with another key carries that key: consistent on its own, refused against the published one.
    const other = generateKeyPairSync('ed25519').privateKey;
    const resigned = buildCheckpoints(TEN, RANGES, other);
    expect(withCheckpoints(TEN, resigned).status).toBe(0);
    expectFailure(withCheckpoints(TEN, resigned, ['--public-key', keyFile]), /^FAILED: checkpoint seq 1\.\.4: signature does not verify with the --public-key given/);
  });

  it('checks only the checkpoints wholly inside the bundle against its entries, and says how many', () => {
    // 5..8 is inside; entries 3 and 4 are tied to it through entry 5's link, entry 9 to nothing signed.
    const middle: Bundle = { ...TEN, fromSeq: 3, toSeq: 9, anchorHash: TEN.entries[1].entryHash, entries: TEN.entries.slice(2, 9) };
    const run = withCheckpoints(middle, CHECKPOINTS, ['--allow-unsealed-tail']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('1 lie wholly inside this bundle');
    expect(run.stdout).toContain('unsealed tail: seq 9..9 lie after the last checkpoint wholly inside this bundle: checked against the entries before them only (--allow-unsealed-tail)');
    const first: Bundle = { ...TEN, toSeq: 3, entries: TEN.entries.slice(0, 3) };
    expect(withCheckpoints(first, CHECKPOINTS, ['--allow-unsealed-tail']).stdout).toContain('none lies wholly inside this bundle');
  });

  it('entries after the last checkpoint wholly inside the bundle are reported unverified, exit 3, unless --allow-unsealed-tail', () => {
    const SIX = buildBundle(sampleEnvelopes(6));
    const sealedToFive = buildCheckpoints(SIX, [[1, 5]], privateKey);
    // Entry 6 rewritten and its hash recomputed: the chain still verifies, and nothing signed covers it.
    const events = SIX.entries.map((e) => JSON.parse(e.canonical) as Record<string, unknown>);
    events[5] = { ...events[5], occurredAt: '2016-11-20T01:30:00.000Z' };
    const rewritten = buildBundle(events);
    expect(rewritten.entries.slice(0, 5)).toEqual(SIX.entries.slice(0, 5));
    for (const bundle of [SIX, rewritten]) {
      const run = withCheckpoints(bundle, sealedToFive);
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 3, stderr: '' });
      expect(run.stdout.split('\n')[0]).toBe(
        'UNVERIFIED TAIL: seq 6..6 of this bundle lie after the last checkpoint wholly inside it, so they were checked against nothing signed: ' +
          'rewritten with their hashes recomputed, they would verify. To check them, no checkpoint covers them yet: ask for one to be cut ' +
          '(POST /v1/archive/checkpoints) and export again; to accept them as unverified, pass --allow-unsealed-tail',
      );
      expect(run.stdout).not.toMatch(/^OK/);
      const allowed = withCheckpoints(bundle, sealedToFive, ['--allow-unsealed-tail']);
      expect(allowed.status).toBe(0);
      expect(allowed.stdout).toMatch(/^OK: 6 entries, seq 1\.\.6/);
      expect(allowed.stdout).toContain('unsealed tail: seq 6..6 lie after the last checkpoint wholly inside this bundle');
    }
    // A checkpoint signed past the bundle's end names where to export to; none inside makes the whole bundle the tail.
    expect(withCheckpoints({ ...TEN, toSeq: 6, entries: TEN.entries.slice(0, 6) }, CHECKPOINTS).stdout).toMatch(/^UNVERIFIED TAIL: seq 5\.\.6 .*export the bundle up to seq 8, where the checkpoint seq 5\.\.8 that covers them ends/);
    expect(withCheckpoints({ ...TEN, toSeq: 3, entries: TEN.entries.slice(0, 3) }, CHECKPOINTS).stdout).toMatch(/^UNVERIFIED TAIL: seq 1\.\.3 of this bundle lie after the last checkpoint wholly inside it \(there is none\)/);
    // Ending on a checkpoint boundary leaves no tail; without --checkpoints there is nothing to be unsealed against.
    expect(withCheckpoints({ ...TEN, toSeq: 8, entries: TEN.entries.slice(0, 8) }, CHECKPOINTS).status).toBe(0);
    expect(runVerifier(SIX).status).toBe(0);
    expect(runVerifier(SIX, ['--allow-unsealed-tail']).status).toBe(2);
  });

  it('names the checkpoint whose Merkle root does not match a bundle rebuilt from a changed event', () => {
    const events = TEN.entries.map((e) => JSON.parse(e.canonical) as Record<string, unknown>);
    (events[5].payload as Record<string, unknown>).summary = 'changed';
    const rebuilt = buildBundle(events);
    expect(runVerifier(rebuilt).status).toBe(0);
    expectFailure(withCheckpoints(rebuilt, CHECKPOINTS), /^FAILED: checkpoint seq 5\.\.8: Merkle root does not match the bundle's entries it covers/);
  });

  it('a changed byte in the bundle is still found by the chain check first', () => {
    expectFailure(withCheckpoints(withOneByteChanged(TEN, 6), CHECKPOINTS), /^FAILED: entry seq 7 .*entry content does not match its hash/);
  });

  it.each<[string, (c: CheckpointsFile) => void, RegExp]>([
    ['one byte of a signature changed', (c) => {
      const sig = Buffer.from(c.checkpoints[1].signature, 'base64');
      sig[5] ^= 0x01;
      c.checkpoints[1].signature = sig.toString('base64');
    }, /checkpoint seq 5\.\.8: signature does not verify/],
    ['a Merkle root changed', (c) => (c.checkpoints[2].merkleRoot = 'a'.repeat(64)), /checkpoint seq 9\.\.10: checkpoint hash does not match its statement/],
    ['a signing time changed', (c) => (c.checkpoints[0].signedAt = '2026-11-23T12:00:00.999Z'), /checkpoint seq 1\.\.4: checkpoint hash does not match/],
    ['a checkpoint removed', (c) => c.checkpoints.splice(1, 1), /checkpoint seq 9\.\.10: range does not start right after .*ends at seq 4/],
    ['two checkpoints swapped', (c) => ([c.checkpoints[0], c.checkpoints[1]] = [c.checkpoints[1], c.checkpoints[0]]), /checkpoint seq 1\.\.4: range does not start/],
    ['the first not from genesis', (c) => (c.checkpoints[0].previousCheckpointHash = 'b'.repeat(64)), /checkpoint seq 1\.\.4: the first checkpoint does not start from the genesis/],
    ['an unknown key id', (c) => (c.publicKeys[0].keyId = 'someone-else'), /checkpoint seq 1\.\.4: signed with key archive-test, which the checkpoints file does not hold/],
    ['a public key that is not one', (c) => (c.publicKeys[0].publicKeyPem = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), /public key of archive-test .* is not a public key in PEM/],
    ['another format', (c) => (c.format = 'complaints-archive-checkpoints@2'), /unknown checkpoints format/],
    ['no checkpoints', (c) => (c.checkpoints = []), /holds no checkpoints/],
    ['a signature that is not base64', (c) => (c.checkpoints[0].signature = 'x'.repeat(88)), /signature is not a base64 Ed25519 signature/],
    ['seq as text', (c) => (c.checkpoints[0].seqTo = '4' as never), /checkpoint 1: seqFrom\.\.seqTo is not a range/],
  ])('%s is refused, naming the checkpoint', (_what, change, pattern) => {
    const c = copy();
    change(c);
    expectFailure(withCheckpoints(TEN, c), pattern);
  });

  it('a checkpoint re-signed by the key holder over a changed root breaks the link from the next one', () => {
    const c = copy();
    c.checkpoints[0] = signCheckpoint({ ...c.checkpoints[0], merkleRoot: 'c'.repeat(64) }, privateKey);
    // Against the whole bundle, its own root fails first; against a later bundle, the link does.
    expectFailure(withCheckpoints(TEN, c), /checkpoint seq 1\.\.4: Merkle root does not match/);
    const later: Bundle = { ...TEN, fromSeq: 5, anchorHash: TEN.entries[3].entryHash, entries: TEN.entries.slice(4) };
    expect(withCheckpoints(later, CHECKPOINTS).status).toBe(0);
    expectFailure(withCheckpoints(later, c), /checkpoint seq 5\.\.8: previous-checkpoint hash does not match/);
    const last = copy();
    last.checkpoints[2] = signCheckpoint({ ...last.checkpoints[2], merkleRoot: 'c'.repeat(64) }, privateKey);
    expectFailure(withCheckpoints(TEN, last), /checkpoint seq 9\.\.10: Merkle root does not match the bundle's entries/);
  });

  it('refuses an unreadable checkpoints file or key, and wrong usage', () => {
    expectFailure(withCheckpoints(TEN, '{"format":'), /cannot read .* as JSON/);
    expectFailure(withCheckpoints(TEN, CHECKPOINTS, ['--public-key', '/nonexistent/key.pem']), /cannot read \/nonexistent\/key\.pem/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expectFailure(withCheckpoints(TEN, CHECKPOINTS, ['--public-key', scratchFile(rsa, 'pem')]), /--public-key file is not an Ed25519 public key/);
    expect(runVerifier(TEN, ['--public-key', scratchFile(pem, 'pem')]).status).toBe(2);
    expect(runVerifier(TEN, ['--checkpoints']).status).toBe(2);
  });
});
