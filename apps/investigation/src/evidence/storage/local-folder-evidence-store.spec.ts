import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EvidenceAlreadyStoredError, evidenceKey } from './evidence-store';
import { evidenceStoreContract } from './evidence-store.contract';
import { LocalFolderEvidenceStore, UnsafeEvidenceKeyError } from './local-folder-evidence-store';

describe('LocalFolderEvidenceStore', () => {
  let parent: string; // holds only the root, so a write that escapes it would show up here
  let root: string;
  let store: LocalFolderEvidenceStore;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(os.tmpdir(), 'evidence-local-'));
    root = path.join(parent, 'root');
    store = new LocalFolderEvidenceStore(root);
    await store.check();
  });

  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  evidenceStoreContract(() => store);

  it('is the local-folder kind and resolves its root', () => {
    expect(store.kind).toBe('local-folder');
    expect(new LocalFolderEvidenceStore('relative/evidence').root).toBe(path.resolve('relative/evidence'));
  });

  it('keeps the bytes in <root>/<key> and content type, hash and size in <file>.meta.json; no temp files stay behind', async () => {
    const caseId = randomUUID();
    const evidenceId = randomUUID();
    const key = evidenceKey(caseId, evidenceId);
    const bytes = Buffer.from('%PDF-1.7 statement');

    await store.put(key, bytes, 'application/pdf');

    const file = path.join(root, 'cases', caseId, evidenceId);
    expect((await readFile(file)).equals(bytes)).toBe(true);
    expect(JSON.parse(await readFile(`${file}.meta.json`, 'utf8'))).toEqual({
      contentType: 'application/pdf',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
    });
    expect((await readdir(path.dirname(file))).sort()).toEqual([evidenceId, `${evidenceId}.meta.json`]);
  });

  it('cleans up its temp files after a refused put too', async () => {
    const caseId = randomUUID();
    const key = evidenceKey(caseId, randomUUID());
    await store.put(key, Buffer.from('one'), 'text/plain');
    await Promise.allSettled([1, 2, 3].map((i) => store.put(key, Buffer.from(`again ${i}`), 'text/plain')));
    expect(await readdir(path.join(root, 'cases', caseId))).toHaveLength(2);
  });

  describe('refuses keys that would not stay a plain file under the root', () => {
    const unsafe: [string, string][] = [
      ['parent segment', '../outside'],
      ['parent segment in the middle', 'cases/../../outside'],
      ['parent segment at the end', 'cases/..'],
      ['absolute path', '/etc/passwd'],
      ['absolute path to the root itself', '/'],
      ['backslash', 'cases\\..\\..\\outside'],
      ['Windows drive', 'C:\\outside'],
      ['NUL', 'cases/x\0.txt'],
      ['control character', 'cases/x\ny'],
      ['empty key', ''],
      ['empty segment', 'cases//x'],
      ['trailing slash', 'cases/x/'],
      ['dot segment', 'cases/./x'],
      ['hidden name (temp files)', 'cases/.x.tmp'],
      ['sidecar name', 'cases/x.meta.json'],
      ['overlong key', `cases/${'a'.repeat(1100)}`],
    ];

    it.each(unsafe)('%s: put and get throw and nothing is written', async (_why, key) => {
      await expect(store.put(key, Buffer.from('escape'), 'text/plain')).rejects.toBeInstanceOf(UnsafeEvidenceKeyError);
      await expect(store.get(key)).rejects.toBeInstanceOf(UnsafeEvidenceKeyError);
      expect(await readdir(parent)).toEqual(['root']);
    });

    it('accepts ordinary nested keys', async () => {
      await expect(store.put(`imports/${randomUUID()}/statement-2024_01.csv`, Buffer.from('a,b'), 'text/csv')).resolves.toMatchObject({ size: 3 });
    });
  });

  it('returns null for a key below a stored file or for a folder', async () => {
    const caseId = randomUUID();
    const key = evidenceKey(caseId, randomUUID());
    await store.put(key, Buffer.from('x'), 'text/plain');
    expect(await store.get(`${key}/below`)).toBeNull();
    expect(await store.get(`cases/${caseId}`)).toBeNull();
  });

  describe('after a crash between publishing the sidecar and the bytes', () => {
    async function leaveSidecarOnly(key: string, bytes: Buffer, contentType: string): Promise<void> {
      const file = path.join(root, ...key.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await writeFile(`${file}.meta.json`, JSON.stringify({ contentType, sha256, size: bytes.length }));
    }

    it('reads as absent, and a retry with the same bytes and type completes the write', async () => {
      const key = evidenceKey(randomUUID(), randomUUID());
      const bytes = Buffer.from('call recording');
      await leaveSidecarOnly(key, bytes, 'audio/mpeg');

      expect(await store.get(key)).toBeNull();
      await expect(store.put(key, bytes, 'audio/mpeg')).resolves.toMatchObject({ key, size: bytes.length });
      expect((await store.get(key))?.bytes.equals(bytes)).toBe(true);
      await expect(store.put(key, bytes, 'audio/mpeg')).rejects.toBeInstanceOf(EvidenceAlreadyStoredError);
    });

    it('refuses different content under that key', async () => {
      const key = evidenceKey(randomUUID(), randomUUID());
      await leaveSidecarOnly(key, Buffer.from('call recording'), 'audio/mpeg');
      await expect(store.put(key, Buffer.from('something else'), 'audio/mpeg')).rejects.toBeInstanceOf(EvidenceAlreadyStoredError);
      expect(await store.get(key)).toBeNull();
    });
  });

  it('reports a stored file whose sidecar was removed by hand instead of guessing its type', async () => {
    const key = evidenceKey(randomUUID(), randomUUID());
    await store.put(key, Buffer.from('x'), 'text/plain');
    await rm(path.join(root, ...key.split('/')) + '.meta.json');
    await expect(store.get(key)).rejects.toThrow(/sidecar .* is missing/);
  });

  it('check() creates a missing root folder', async () => {
    const fresh = path.join(parent, 'not-yet', 'there');
    await new LocalFolderEvidenceStore(fresh).check();
    expect((await stat(fresh)).isDirectory()).toBe(true);
    await rm(path.join(parent, 'not-yet'), { recursive: true });
  });

  it('rejects input that is not bytes plus a content type', async () => {
    const key = evidenceKey(randomUUID(), randomUUID());
    await expect(store.put(key, 'text' as unknown as Buffer, 'text/plain')).rejects.toThrow(TypeError);
    await expect(store.put(key, Buffer.from('x'), '')).rejects.toThrow(TypeError);
    expect(await store.get(key)).toBeNull();
  });
});
