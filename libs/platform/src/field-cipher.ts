import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Field-level encryption of personal data at rest (AES-256-GCM). Each value carries the id of
 * the key that sealed it, so keys rotate without downtime: new writes use the current key, old
 * values stay readable while their key is configured.
 *
 * Keys come from the environment only: PII_KEYS="kid1:<base64 32 bytes>,kid2:<...>", the first is current.
 */
export class FieldCipher {
  private readonly keys: Map<string, Buffer>;
  private readonly currentKeyId: string;

  constructor(keys: { id: string; key: Buffer }[], private readonly pseudonymKey: Buffer) {
    if (keys.length === 0) throw new Error('at least one encryption key is required');
    for (const k of keys) {
      if (k.key.length !== 32) throw new Error(`key ${k.id} must be 32 bytes`);
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(k.id)) throw new Error(`key id ${k.id} is not a plain identifier`);
    }
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.currentKeyId = keys[0].id;
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): FieldCipher {
    const spec = env.PII_KEYS;
    if (!spec) throw new Error('PII_KEYS is not set: personal data cannot be stored without an encryption key');
    const keys = spec.split(',').map((entry) => {
      const [id, b64] = entry.split(':');
      return { id: id.trim(), key: Buffer.from((b64 ?? '').trim(), 'base64') };
    });
    // A key of its own: deriving pseudonyms from the current encryption key would change every
    // customer reference at the first key rotation.
    if (!env.PII_PSEUDONYM_KEY) throw new Error('PII_PSEUDONYM_KEY is not set: customer references need a key that does not rotate');
    const pseudonym = Buffer.from(env.PII_PSEUDONYM_KEY, 'base64');
    if (pseudonym.length < 32) throw new Error('PII_PSEUDONYM_KEY must be at least 32 bytes');
    return new FieldCipher(keys, pseudonym);
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
    cipher.setAAD(Buffer.from(this.currentKeyId));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', this.currentKeyId, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  decrypt(sealed: string): string {
    const [version, keyId, iv, tag, body] = sealed.split(':');
    if (version !== 'v1' || body === undefined) throw new Error('not a sealed value');
    const authTag = Buffer.from(tag, 'base64');
    // A shortened tag would make forgery a matter of guessing a few bytes.
    if (authTag.length !== 16) throw new Error('not a sealed value: the authentication tag must be 16 bytes');
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`encryption key ${keyId} is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), { authTagLength: 16 });
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(authTag);
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }

  /** A stable pseudonym: the same person gets the same reference, and the reference reveals nothing. */
  pseudonym(kind: string, value: string): string {
    return `${kind}_${createHmac('sha256', this.pseudonymKey).update(`${kind}:${value.trim().toLowerCase()}`).digest('hex').slice(0, 24)}`;
  }
}
