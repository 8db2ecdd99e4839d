import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const DATA_KEY_BYTES = 32;
const WRAPPED_BYTES = IV_BYTES + TAG_BYTES + DATA_KEY_BYTES;

/**
 * Fixed AAD of a v2 body. The body cannot carry the kid or the wrapped key in its AAD: both change
 * when a value is re-wrapped, and re-tagging an unchanged body would mean a second GCM tag under
 * the same data key and IV, which leaks the GHASH key of that data key. The binding runs the other
 * way instead (see wrapAad).
 */
const BODY_AAD = Buffer.from('pii:v2:body');

/**
 * AAD of a wrapped data key: the kid, plus the IV and tag of the body it belongs to, so a wrapped
 * key moved into another value no longer unwraps; the tag is a MAC over that body, so the pair
 * stays bound through every re-wrap. The label keeps wrapped keys and v1 bodies apart although
 * both are GCM under the same key-encryption key: v1 authenticates with the bare kid as AAD, and
 * without the label a v1 value holding 32 chosen bytes would pass as a wrapped key the writer knows.
 */
const wrapAad = (keyId: string, iv: Buffer, tag: Buffer) => Buffer.concat([Buffer.from(`pii:v2:dek:${keyId}:`), iv, tag]);

type Sealed =
  | { version: 'v1'; keyId: string; iv: Buffer; tag: Buffer; body: Buffer }
  | { version: 'v2'; keyId: string; wrapped: Buffer; iv: Buffer; tag: Buffer; body: Buffer; segments: string[] };

const notSealed = (why: string) => new Error(`not a sealed value: ${why}`);

/**
 * Base64url that decodes to exactly one text: Node's decoder skips stray characters and ignores the
 * spare bits of the last character, so several texts would otherwise open to the same bytes.
 */
function segment(text: string, name: string, length?: number): Buffer {
  const bytes = Buffer.from(text, 'base64url');
  if (!/^[A-Za-z0-9_-]*$/.test(text) || bytes.toString('base64url') !== text) throw notSealed(`the ${name} is not canonical base64url`);
  if (length !== undefined && bytes.length !== length) throw notSealed(`the ${name} must be ${length} bytes`);
  return bytes;
}

function parse(sealed: string): Sealed {
  const parts = sealed.split(':');
  const [version, keyId] = parts;
  if (version === 'v2' && parts.length === 6) {
    if (!KEY_ID.test(keyId)) throw notSealed('the key id is not a plain identifier');
    return {
      version,
      keyId,
      wrapped: segment(parts[2], 'wrapped data key', WRAPPED_BYTES),
      iv: segment(parts[3], 'iv', IV_BYTES),
      // A shortened tag would make forgery a matter of guessing a few bytes.
      tag: segment(parts[4], 'authentication tag', TAG_BYTES),
      body: segment(parts[5], 'body'),
      segments: parts,
    };
  }
  if (version === 'v1' && parts.length === 5) {
    // Decoded as leniently as v1 always was: this is data already at rest.
    const tag = Buffer.from(parts[3], 'base64');
    if (tag.length !== TAG_BYTES) throw notSealed('the authentication tag must be 16 bytes');
    return { version, keyId, iv: Buffer.from(parts[2], 'base64'), tag, body: Buffer.from(parts[4], 'base64') };
  }
  throw notSealed('expected v2:<kid>:<wrapped key>:<iv>:<tag>:<body> or v1:<kid>:<iv>:<tag>:<body>');
}

/**
 * Whether `value` has the shape of a sealed value (`v2:` with a wrapped data key, iv and tag of
 * their sizes, or `v1:` with a tag of its size), without opening it. Text that only starts like one
 * ("v2:C07") is not: code that keeps sealed and clear text side by side tells them apart with this.
 */
export function looksSealed(value: string): boolean {
  try {
    parse(value);
    return true;
  } catch {
    return false;
  }
}

function open(key: Buffer, iv: Buffer, tag: Buffer, aad: Buffer, body: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]);
}

/**
 * Field-level encryption of personal data at rest, as envelope encryption: every value has a data
 * key of its own (AES-256-GCM), and that data key is stored with the value, wrapped by a
 * key-encryption key (AES-256-GCM) named by its kid. Rotating the key-encryption key only re-wraps
 * 60 bytes per value (`rewrap`), so the rotation runs while the services keep reading and writing:
 * new writes use the current key, old values stay readable while their key is configured.
 *
 * Sealed formats:
 *   v2:<kid>:<wrapped data key>:<iv>:<tag>:<body>   base64url; wrapped data key = wrap iv | wrap tag | key
 *   v1:<kid>:<iv>:<tag>:<body>                       base64; written before envelopes, still read
 *
 * Re-wrapping retires a key-encryption key; it does not help after a data key has leaked (the data
 * keys stay the same), which needs the values sealed afresh.
 *
 * Keys come from the environment only: PII_KEYS="kid1:<base64 32 bytes>,kid2:<...>", the first is current.
 */
export class FieldCipher {
  private readonly keys: Map<string, Buffer>;
  readonly currentKeyId: string;

  constructor(keys: { id: string; key: Buffer }[], private readonly pseudonymKey: Buffer | null) {
    if (keys.length === 0) throw new Error('at least one encryption key is required');
    for (const k of keys) {
      if (k.key.length !== 32) throw new Error(`key ${k.id} must be 32 bytes`);
      if (!KEY_ID.test(k.id)) throw new Error(`key id ${k.id} is not a plain identifier`);
    }
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.currentKeyId = keys[0].id;
  }

  /**
   * `pseudonyms: false` for a service that opens sealed values but never makes customer references
   * (the archive): it is not given PII_PSEUDONYM_KEY, which would let it link a phone number or an
   * ID number to the customer's reference.
   */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, { pseudonyms = true }: { pseudonyms?: boolean } = {}): FieldCipher {
    const spec = env.PII_KEYS;
    if (!spec) throw new Error('PII_KEYS is not set: personal data cannot be stored without an encryption key');
    const keys = spec.split(',').map((entry) => {
      const [id, b64] = entry.split(':');
      return { id: id.trim(), key: Buffer.from((b64 ?? '').trim(), 'base64') };
    });
    if (!pseudonyms) return new FieldCipher(keys, null);
    // A key of its own: deriving pseudonyms from the current encryption key would change every
    // customer reference at the first key rotation.
    if (!env.PII_PSEUDONYM_KEY) throw new Error('PII_PSEUDONYM_KEY is not set: customer references need a key that does not rotate');
    const pseudonym = Buffer.from(env.PII_PSEUDONYM_KEY, 'base64');
    if (pseudonym.length < 32) throw new Error('PII_PSEUDONYM_KEY must be at least 32 bytes');
    return new FieldCipher(keys, pseudonym);
  }

  encrypt(plain: string): string {
    const dataKey = randomBytes(DATA_KEY_BYTES);
    try {
      // The data key seals this one value only, so its single random IV can never repeat under it.
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(BODY_AAD);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      const wrapped = this.wrap(dataKey, iv, tag);
      return ['v2', this.currentKeyId, wrapped, iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join(':');
    } finally {
      // Best effort: the plain data key should not outlive the call in a heap dump.
      dataKey.fill(0);
    }
  }

  decrypt(sealed: string): string {
    const value = parse(sealed);
    const key = this.keyEncryptionKey(value.keyId);
    if (value.version === 'v1') {
      return open(key, value.iv, value.tag, Buffer.from(value.keyId), value.body).toString('utf8');
    }
    const dataKey = this.unwrap(key, value);
    try {
      return open(dataKey, value.iv, value.tag, BODY_AAD, value.body).toString('utf8');
    } catch {
      throw new Error('sealed value does not authenticate: the iv, tag or body has been altered');
    } finally {
      dataKey.fill(0);
    }
  }

  /**
   * The value sealed under the current key, or null when it already is (a v2 value naming the
   * current kid). A v2 value keeps its iv, tag and body byte for byte: only the data key is
   * re-wrapped, which is what makes a rotation over every row cheap. A v1 value has no data key,
   * so it is decrypted (and thereby checked) and sealed afresh as v2.
   */
  rewrap(sealed: string): string | null {
    const value = parse(sealed);
    if (value.version === 'v1') return this.encrypt(this.decrypt(sealed));
    if (value.keyId === this.currentKeyId) return null;
    const dataKey = this.unwrap(this.keyEncryptionKey(value.keyId), value);
    try {
      const [, , , iv, tag, body] = value.segments;
      return ['v2', this.currentKeyId, this.wrap(dataKey, value.iv, value.tag), iv, tag, body].join(':');
    } finally {
      dataKey.fill(0);
    }
  }

  /** The kid a value is sealed under, read without any key: tells a rotation how far it has got. */
  keyIdOf(sealed: string): string {
    return parse(sealed).keyId;
  }

  /** A stable pseudonym: the same person gets the same reference, and the reference reveals nothing. */
  pseudonym(kind: string, value: string): string {
    if (!this.pseudonymKey) throw new Error('this service holds no PII_PSEUDONYM_KEY: it opens sealed values but makes no customer references');
    return `${kind}_${createHmac('sha256', this.pseudonymKey).update(`${kind}:${value.trim().toLowerCase()}`).digest('hex').slice(0, 24)}`;
  }

  private keyEncryptionKey(keyId: string): Buffer {
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`encryption key ${keyId} is not configured`);
    return key;
  }

  private wrap(dataKey: Buffer, iv: Buffer, tag: Buffer): string {
    // Random wrap IVs under one key-encryption key stay safe for about 2^32 wraps (NIST SP 800-38D),
    // far beyond the values and re-wraps a key sees before it is rotated.
    const wrapIv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keyEncryptionKey(this.currentKeyId), wrapIv, { authTagLength: TAG_BYTES });
    cipher.setAAD(wrapAad(this.currentKeyId, iv, tag));
    const wrappedKey = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([wrapIv, cipher.getAuthTag(), wrappedKey]).toString('base64url');
  }

  private unwrap(key: Buffer, value: Extract<Sealed, { version: 'v2' }>): Buffer {
    const { wrapped, keyId, iv, tag } = value;
    const wrapIv = wrapped.subarray(0, IV_BYTES);
    const wrapTag = wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    try {
      return open(key, wrapIv, wrapTag, wrapAad(keyId, iv, tag), wrapped.subarray(IV_BYTES + TAG_BYTES));
    } catch {
      throw new Error(`sealed value does not authenticate: its data key does not unwrap under key ${keyId} for this iv and tag`);
    }
  }
}

/**
 * The service's own PII keys for a migration that seals stored text or opens it again, read only
 * once there is text to convert: a new database migrates without them, as the other migrations
 * do, and a database with text to convert refuses to migrate without them rather than leave it.
 */
export function migrationCipher(service: string, what: string, direction: 'seal' | 'open', env: NodeJS.ProcessEnv = process.env): () => FieldCipher {
  let cipher: FieldCipher | null = null;
  return () => {
    if (cipher) return cipher;
    try {
      cipher = FieldCipher.fromEnv(env, { pseudonyms: false });
    } catch (e) {
      throw new Error(`${service} has ${what} to ${direction}, which needs the service's PII_KEYS: ${(e as Error).message}`);
    }
    return cipher;
  };
}
