/**
 * The offline verifier, run as a regulator runs it (node, a file, an exit code), against bundles
 * built with the archive's own chainHash and canonicalJson: it must accept what the archive
 * writes, byte for byte, and name the first entry of anything else.
 */
import { spawnSync } from 'node:child_process';
import { canonicalJson, chainHash, GENESIS_HASH } from '../../apps/compliance-archive/src/archive/hash-chain';
import { Bundle, buildBundle, removeScratch, runVerifier, sampleEnvelopes, VERIFIER, withOneByteChanged } from './archive-fixtures';

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
