import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { KEY_ID, publicKeyPem } from './merkle';

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
}

export interface CheckpointConfig {
  /** Null: no key configured, so no checkpoints are made (the service runs otherwise as usual). */
  signing: SigningKey | null;
  /** Public keys of earlier signing keys, to verify checkpoints they signed; keyed by key id. */
  retired: Map<string, KeyObject>;
  every: number;
  intervalMs: number;
}

const DER_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: string, max: number): number {
  const raw = env[name] ?? fallback;
  if (!/^[1-9][0-9]{0,9}$/.test(raw) || Number(raw) > max) throw new Error(`${name} must be a whole number from 1 to ${max}, got ${raw}`);
  return Number(raw);
}

/**
 * Reads the checkpoint settings (docs/archive.md, "Checkpoints"):
 *
 * - `ARCHIVE_SIGNING_KEY`: the Ed25519 private key as base64 of its PKCS#8 DER encoding, on one
 *   line (`openssl genpkey -algorithm ed25519 -outform DER | base64 -w0`). Unset: no checkpoints.
 * - `ARCHIVE_SIGNING_KEY_ID`: the key's name in checkpoints and exports (A-Z a-z 0-9 . _ : -, at
 *   most 64); required with the key, refused without it.
 * - `ARCHIVE_RETIRED_PUBLIC_KEYS`: `keyId=<base64 SPKI DER>,…`, earlier keys' public halves, so
 *   checkpoints they signed still verify and are still exported with their key.
 * - `ARCHIVE_CHECKPOINT_EVERY` (entries, default 1000, also the most one checkpoint covers) and
 *   `ARCHIVE_CHECKPOINT_INTERVAL_MS` (default 60000).
 *
 * Anything malformed stops the service at start-up, naming the setting but never echoing a key.
 */
export function checkpointConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CheckpointConfig {
  const every = wholeNumber(env, 'ARCHIVE_CHECKPOINT_EVERY', '1000', 1_000_000);
  const intervalMs = wholeNumber(env, 'ARCHIVE_CHECKPOINT_INTERVAL_MS', '60000', 86_400_000);
  const rawKey = env.ARCHIVE_SIGNING_KEY?.trim();
  const keyId = env.ARCHIVE_SIGNING_KEY_ID;
  let signing: SigningKey | null = null;
  if (rawKey) {
    if (keyId === undefined || !KEY_ID.test(keyId)) throw new Error('ARCHIVE_SIGNING_KEY_ID must be set with ARCHIVE_SIGNING_KEY: 1 to 64 of A-Z a-z 0-9 . _ : -');
    let privateKey: KeyObject;
    try {
      if (!DER_BASE64.test(rawKey)) throw new Error('not base64');
      privateKey = createPrivateKey({ key: Buffer.from(rawKey, 'base64'), format: 'der', type: 'pkcs8' });
    } catch {
      throw new Error('ARCHIVE_SIGNING_KEY must be an Ed25519 private key as base64 of its PKCS#8 DER encoding, on one line');
    }
    if (privateKey.asymmetricKeyType !== 'ed25519') {
      throw new Error(`ARCHIVE_SIGNING_KEY must be an Ed25519 key, not ${privateKey.asymmetricKeyType}`);
    }
    const publicKey = createPublicKey(privateKey);
    signing = { keyId, privateKey, publicKey, publicKeyPem: publicKeyPem(publicKey) };
  } else if (keyId) {
    throw new Error('ARCHIVE_SIGNING_KEY_ID is set but ARCHIVE_SIGNING_KEY is not');
  }
  const retired = new Map<string, KeyObject>();
  for (const item of (env.ARCHIVE_RETIRED_PUBLIC_KEYS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const at = item.indexOf('=');
    const id = at > 0 ? item.slice(0, at) : '';
    const der = item.slice(at + 1);
    if (!KEY_ID.test(id) || !DER_BASE64.test(der)) throw new Error('ARCHIVE_RETIRED_PUBLIC_KEYS must be keyId=<base64 SPKI DER>, comma-separated');
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.from(der, 'base64'), format: 'der', type: 'spki' });
    } catch {
      throw new Error(`ARCHIVE_RETIRED_PUBLIC_KEYS: the key of ${id} is not a public key as base64 SPKI DER`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`ARCHIVE_RETIRED_PUBLIC_KEYS: the key of ${id} is not an Ed25519 key`);
    if (retired.has(id) || id === signing?.keyId) throw new Error(`ARCHIVE_RETIRED_PUBLIC_KEYS: key id ${id} is given twice`);
    retired.set(id, key);
  }
  return { signing, retired, every, intervalMs };
}
