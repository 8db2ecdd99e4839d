import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { EvidenceAlreadyStoredError, type EvidenceStore, sha256Hex, type StoredEvidence } from './evidence-store';

/** A key that would not stay a plain file under the store's root (or could clash with its bookkeeping files). */
export class UnsafeEvidenceKeyError extends Error {
  constructor(key: unknown, reason: string) {
    super(`refusing evidence key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'UnsafeEvidenceKeyError';
  }
}

/** The sidecar `<file>.meta.json`. */
interface Sidecar {
  contentType: string;
  sha256: string;
  size: number;
}

const SIDECAR_SUFFIX = '.meta.json';
const MAX_KEY_LENGTH = 1024; // S3's limit, so that keys stay portable between the two adapters

/**
 * Evidence bytes as files under a root folder: key `cases/<caseId>/<evidenceId>` is the file
 * `<root>/cases/<caseId>/<evidenceId>`, its content type (and hash and size) in `<file>.meta.json`.
 *
 * Write-once without a lock: bytes and sidecar are written to temp files in the target folder and
 * fsync'ed, then published with `link()`, which fails with EEXIST when the name exists (a rename
 * would silently replace it). The sidecar is published first and also exclusively, so that
 *  - the data file never appears without its sidecar, and
 *  - a writer that loses a race never touches the winner's sidecar.
 * Two concurrent puts of one key: exactly one links the sidecar (or, when both carry identical bytes
 * and type, exactly one links the data file); the other gets EvidenceAlreadyStoredError.
 *
 * A crash between the two links leaves a sidecar without data: `get` then returns null, a retried put
 * with the same bytes and content type completes the write, a put with different content is refused.
 *
 * Needs a file system with hard links (any local Linux file system, overlayfs, NFS; not some FUSE/SMB mounts).
 * One process or many, on one host or a shared NFS mount: the exclusivity comes from the file system.
 */
export class LocalFolderEvidenceStore implements EvidenceStore {
  readonly kind = 'local-folder' as const;
  readonly root: string;

  constructor(root: string) {
    if (typeof root !== 'string' || root.trim() === '') throw new Error('LocalFolderEvidenceStore: root folder is required');
    this.root = path.resolve(root);
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<StoredEvidence> {
    const file = this.fileOf(key);
    if (!Buffer.isBuffer(bytes)) throw new TypeError('LocalFolderEvidenceStore.put: bytes must be a Buffer');
    if (typeof contentType !== 'string' || contentType.trim() === '') throw new TypeError('LocalFolderEvidenceStore.put: contentType is required');

    const stored: StoredEvidence = { key, sha256: sha256Hex(bytes), size: bytes.length, contentType };
    if (await exists(file)) throw new EvidenceAlreadyStoredError(key); // cheap early answer; the link below is what decides

    const dir = path.dirname(file);
    await mkdir(dir, { recursive: true, mode: 0o750 });
    const tag = `${process.pid}.${randomBytes(8).toString('hex')}`;
    // Names starting with "." can never be keys (see fileOf), so temp files cannot collide with evidence.
    const tmpData = path.join(dir, `.${path.basename(file)}.${tag}.tmp`);
    const tmpSidecar = path.join(dir, `.${path.basename(file)}.${tag}.meta.tmp`);
    const sidecarFile = file + SIDECAR_SUFFIX;
    const sidecar: Sidecar = { contentType, sha256: stored.sha256, size: stored.size };
    let claimedSidecar = false;
    try {
      await writeDurably(tmpData, bytes);
      await writeDurably(tmpSidecar, Buffer.from(JSON.stringify(sidecar), 'utf8'));

      // 1. Claim the key by publishing the sidecar, exclusively.
      try {
        await link(tmpSidecar, sidecarFile);
        claimedSidecar = true;
      } catch (e) {
        if (errorCode(e) !== 'EEXIST') throw e;
        // Already claimed: stored, being stored right now, or left behind by a crash. Only a writer
        // with the very same content may go on (finishing a crashed write); the data link decides.
        if (!sameSidecar(await readSidecar(sidecarFile), sidecar)) throw new EvidenceAlreadyStoredError(key);
      }

      // 2. Publish the bytes, exclusively: this is the moment the evidence exists.
      try {
        await link(tmpData, file);
      } catch (e) {
        if (claimedSidecar) await removeIfSameFile(sidecarFile, tmpSidecar); // do not leave our claim behind
        if (errorCode(e) === 'EEXIST') throw new EvidenceAlreadyStoredError(key);
        throw e;
      }
      await fsyncDirectory(dir);
      return stored;
    } finally {
      await rm(tmpData, { force: true });
      await rm(tmpSidecar, { force: true });
    }
  }

  async get(key: string): Promise<{ bytes: Buffer; contentType: string } | null> {
    const file = this.fileOf(key);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      // ENOTDIR: a parent of the key is a file; EISDIR: the key is a folder (a prefix of other keys).
      if (['ENOENT', 'ENOTDIR', 'EISDIR'].includes(errorCode(e) ?? '')) return null;
      throw e;
    }
    // put() publishes the sidecar before the data, so a missing sidecar means the folder was altered by hand.
    const sidecar = await readSidecar(file + SIDECAR_SUFFIX);
    return { bytes, contentType: sidecar.contentType };
  }

  async check(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o750 });
    await access(this.root, constants.R_OK | constants.W_OK);
  }

  /** The file for a key, refusing anything that would not be a plain file under the root. */
  private fileOf(key: string): string {
    if (typeof key !== 'string' || key === '') throw new UnsafeEvidenceKeyError(key, 'must be a non-empty string');
    if (key.length > MAX_KEY_LENGTH) throw new UnsafeEvidenceKeyError(key, `longer than ${MAX_KEY_LENGTH} characters`);
    if (key.includes('\0')) throw new UnsafeEvidenceKeyError(key, 'contains NUL');
    if (key.includes('\\')) throw new UnsafeEvidenceKeyError(key, 'contains a backslash');
    if ([...key].some((c) => c.charCodeAt(0) < 0x20 || c === '\x7f')) throw new UnsafeEvidenceKeyError(key, 'contains a control character');
    if (key.startsWith('/') || path.isAbsolute(key) || path.win32.isAbsolute(key)) throw new UnsafeEvidenceKeyError(key, 'is an absolute path');
    for (const segment of key.split('/')) {
      if (segment === '') throw new UnsafeEvidenceKeyError(key, 'has an empty path segment');
      if (segment === '..' || segment === '.') throw new UnsafeEvidenceKeyError(key, `has a "${segment}" path segment`);
      if (segment.startsWith('.')) throw new UnsafeEvidenceKeyError(key, 'has a path segment starting with "." (reserved for temp files)');
    }
    if (key.endsWith(SIDECAR_SUFFIX)) throw new UnsafeEvidenceKeyError(key, `ends with "${SIDECAR_SUFFIX}" (reserved for sidecars)`);
    const file = path.resolve(this.root, ...key.split('/'));
    const relative = path.relative(this.root, file);
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) throw new UnsafeEvidenceKeyError(key, 'resolves outside the evidence folder');
    return file;
  }
}

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (e) {
    if (['ENOENT', 'ENOTDIR'].includes(errorCode(e) ?? '')) return false;
    throw e;
  }
}

/** Creates the file (never opens an existing one), writes all bytes and fsyncs before closing. */
async function writeDurably(file: string, bytes: Buffer): Promise<void> {
  const handle = await open(file, 'wx', 0o640);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the new directory entries durable. Some platforms cannot open or fsync a directory; there it is skipped. */
async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (e) {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'ENOTSUP'].includes(errorCode(e) ?? '')) throw e;
  } finally {
    await handle?.close();
  }
}

async function readSidecar(file: string): Promise<Sidecar> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if (errorCode(e) === 'ENOENT') throw new Error(`evidence sidecar ${file} is missing`);
    throw e;
  }
  const parsed = JSON.parse(text) as Partial<Sidecar>;
  if (typeof parsed.contentType !== 'string' || typeof parsed.sha256 !== 'string' || typeof parsed.size !== 'number') {
    throw new Error(`evidence sidecar ${file} is malformed`);
  }
  return { contentType: parsed.contentType, sha256: parsed.sha256, size: parsed.size };
}

function sameSidecar(a: Sidecar, b: Sidecar): boolean {
  return a.contentType === b.contentType && a.sha256 === b.sha256 && a.size === b.size;
}

/** Removes `file` only if it is still the same inode as `ours` (i.e. the hard link we created). */
async function removeIfSameFile(file: string, ours: string): Promise<void> {
  try {
    const [a, b] = await Promise.all([stat(file), stat(ours)]);
    if (a.ino === b.ino && a.dev === b.dev) await rm(file, { force: true });
  } catch (e) {
    if (errorCode(e) !== 'ENOENT') throw e;
  }
}
