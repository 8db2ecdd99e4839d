import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Crypto-shredding for the archive (docs/archive.md, "Retention, legal hold and erasure").
 *
 * Every data subject (a customer, or for a while a complaint whose customer is not known yet) has
 * a data key of its own: 32 random bytes, AES-256-GCM. The personal free text of each archived
 * event is sealed under the data key of the complaint's customer before the event is hashed into
 * the chain; the data key is stored only wrapped (AES-256-GCM) by a master key from
 * `ARCHIVE_SUBJECT_KEYS`. Destroying the wrapped data key erases every value sealed under it,
 * while the chain, which hashes the sealed text, still verifies.
 *
 * The primitives and conventions are those of libs/platform/src/field-cipher.ts: AES-256-GCM,
 * 12-byte random IVs, 16-byte tags, key ids of [A-Za-z0-9_-]{1,32} named in every value,
 * canonical base64url, and associated data that binds each ciphertext to its place.
 *
 *   wrapped data key   v1:<master kid>:<base64url wrap iv | wrap tag | encrypted data key>
 *                      AAD "archive-subject-key:v1:<master kid>:<subject key id>"
 *   sealed value       v1:<subject key id>:<base64url iv | ciphertext | tag>
 *                      AAD "archive-sealed:v1:<subject key id>:<event id>:<field path>"
 *                      plaintext: the field's value as JSON (a string, an array, an object)
 */

export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;

export class SealedValueError extends Error {}

/** Base64url that decodes to exactly one text, as field-cipher.ts insists. */
function segment(text: string, name: string): Buffer {
  const bytes = Buffer.from(text, 'base64url');
  if (!/^[A-Za-z0-9_-]*$/.test(text) || bytes.toString('base64url') !== text) throw new SealedValueError(`the ${name} is not canonical base64url`);
  return bytes;
}

function gcmSeal(key: Buffer, aad: string, plain: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function gcmOpen(key: Buffer, aad: string, sealed: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new SealedValueError('too short to hold an iv and a tag');
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}

/**
 * The master keys that wrap subjects' data keys: `ARCHIVE_SUBJECT_KEYS="kid1:<base64 32 bytes>,kid2:<…>"`,
 * the first wraps new data keys, the others still unwrap the keys they wrapped. Required: the
 * archive refuses to start without it rather than archive personal text that could never be erased.
 */
export class SubjectKeyring {
  private readonly keys: Map<string, Buffer>;
  readonly currentKeyId: string;

  constructor(keys: { id: string; key: Buffer }[]) {
    if (keys.length === 0) throw new Error('at least one master key is required');
    for (const k of keys) {
      if (!KEY_ID.test(k.id)) throw new Error(`ARCHIVE_SUBJECT_KEYS: key id ${JSON.stringify(k.id)} is not 1 to 32 of A-Z a-z 0-9 _ -`);
      if (k.key.length !== DATA_KEY_BYTES) throw new Error(`ARCHIVE_SUBJECT_KEYS: key ${k.id} must be 32 bytes (base64 of 32 random bytes)`);
    }
    if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('ARCHIVE_SUBJECT_KEYS: a key id is given twice');
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.currentKeyId = keys[0].id;
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): SubjectKeyring {
    const spec = env.ARCHIVE_SUBJECT_KEYS?.trim();
    if (!spec) {
      throw new Error('ARCHIVE_SUBJECT_KEYS is not set: the archive seals personal text under per-customer keys wrapped by it (kid:<base64 32 bytes>, comma-separated)');
    }
    return new SubjectKeyring(
      spec.split(',').map((entry) => {
        const at = entry.indexOf(':');
        const b64 = at > 0 ? entry.slice(at + 1).trim() : '';
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('ARCHIVE_SUBJECT_KEYS must be kid:<base64 32 bytes>, comma-separated');
        return { id: entry.slice(0, Math.max(at, 0)).trim(), key: Buffer.from(b64, 'base64') };
      }),
    );
  }

  /** A fresh data key for a subject, and its wrapped form for archive_subject_keys.wrapped_key. */
  newDataKey(subjectKeyId: string): { dataKey: Buffer; wrapped: string } {
    const dataKey = randomBytes(DATA_KEY_BYTES);
    const kid = this.currentKeyId;
    const wrapped = gcmSeal(this.keys.get(kid)!, wrapAad(kid, subjectKeyId), dataKey);
    return { dataKey, wrapped: `v1:${kid}:${wrapped.toString('base64url')}` };
  }

  /**
   * The same data key wrapped under the current master key, for a rotation that retires an older
   * one; null when it is wrapped under the current key already.
   */
  rewrap(subjectKeyId: string, wrapped: string): string | null {
    if (wrapped.startsWith(`v1:${this.currentKeyId}:`)) return null;
    const dataKey = this.unwrap(subjectKeyId, wrapped);
    try {
      const kid = this.currentKeyId;
      return `v1:${kid}:${gcmSeal(this.keys.get(kid)!, wrapAad(kid, subjectKeyId), dataKey).toString('base64url')}`;
    } finally {
      dataKey.fill(0);
    }
  }

  /** The data key of a subject; the wrapped key only unwraps for the key row it was made for. */
  unwrap(subjectKeyId: string, wrapped: string): Buffer {
    const parts = wrapped.split(':');
    if (parts.length !== 3 || parts[0] !== 'v1' || !KEY_ID.test(parts[1])) throw new SealedValueError('a wrapped data key is v1:<kid>:<base64url>');
    const master = this.keys.get(parts[1]);
    if (!master) throw new SealedValueError(`master key ${parts[1]} is not configured in ARCHIVE_SUBJECT_KEYS`);
    try {
      const key = gcmOpen(master, wrapAad(parts[1], subjectKeyId), segment(parts[2], 'wrapped data key'));
      if (key.length !== DATA_KEY_BYTES) throw new SealedValueError('the wrapped data key is not 32 bytes');
      return key;
    } catch (e) {
      if (e instanceof SealedValueError) throw e;
      throw new SealedValueError(`the data key of ${subjectKeyId} does not unwrap under master key ${parts[1]}`);
    }
  }
}

const wrapAad = (kid: string, subjectKeyId: string) => `archive-subject-key:v1:${kid}:${subjectKeyId}`;
const sealAad = (subjectKeyId: string, eventId: string, path: string) => `archive-sealed:v1:${subjectKeyId}:${eventId}:${path}`;

/** A new subject key id: names the key in sealed values without saying whose it is. */
export const newSubjectKeyId = () => `sk_${randomBytes(12).toString('hex')}`;

/** Seals one field's value (any JSON) under a subject's data key, bound to its event and path. */
export function sealValue(dataKey: Buffer, subjectKeyId: string, eventId: string, path: string, value: unknown): string {
  const sealed = gcmSeal(dataKey, sealAad(subjectKeyId, eventId, path), Buffer.from(JSON.stringify(value), 'utf8'));
  return `v1:${subjectKeyId}:${sealed.toString('base64url')}`;
}

/** The subject key a sealed value names, read without any key. */
export function sealedKeyId(sealed: string): string {
  const parts = sealed.split(':');
  if (parts.length !== 3 || parts[0] !== 'v1' || !KEY_ID.test(parts[1])) throw new SealedValueError('a sealed value is v1:<subject key id>:<base64url>');
  segment(parts[2], 'sealed value');
  return parts[1];
}

/** Opens a sealed value; throws SealedValueError when it was altered, moved to another event or field, or the key is wrong. */
export function openValue(dataKey: Buffer, sealed: string, eventId: string, path: string): unknown {
  const keyId = sealedKeyId(sealed);
  let plain: Buffer;
  try {
    plain = gcmOpen(dataKey, sealAad(keyId, eventId, path), segment(sealed.split(':')[2], 'sealed value'));
  } catch (e) {
    if (e instanceof SealedValueError) throw e;
    throw new SealedValueError('the sealed value does not authenticate: altered, moved from another event or field, or sealed under another key');
  }
  return JSON.parse(plain.toString('utf8'));
}
