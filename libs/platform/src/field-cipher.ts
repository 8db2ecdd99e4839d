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
    const pseudonym = env.PII_PSEUDONYM_KEY ? Buffer.from(env.PII_PSEUDONYM_KEY, 'base64') : keys[0].key;
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
    if (version !== 'v1' || !body) throw new Error('not a sealed value');
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`encryption key ${keyId} is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }

  /** A stable pseudonym: the same person gets the same reference, and the reference reveals nothing. */
  pseudonym(kind: string, value: string): string {
    return `${kind}_${createHmac('sha256', this.pseudonymKey).update(`${kind}:${value.trim().toLowerCase()}`).digest('hex').slice(0, 24)}`;
  }
}
