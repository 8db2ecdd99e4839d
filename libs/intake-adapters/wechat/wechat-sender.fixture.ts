import { createCipheriv, createHash } from 'node:crypto';

/*
 * WeChat's side of a push, written from its documentation independently of the adapter, for tests
 * that play WeChat (the adapter's contract tests, and the HTTP tests of intake's inbound endpoint).
 */

/** The SHA-1 signature: the parts sorted, joined, hashed. */
export const weChatSignature = (...parts: string[]) => createHash('sha1').update(parts.sort().join('')).digest('hex');

/** Encrypts as WeChat's safe mode does: AES-256-CBC, IV = key[0..16], random(16) ‖ uint32be(len) ‖ message ‖ appId, PKCS#7 to 32. */
export function sealAsWeChat(plain: string, appId: string, encodingAesKey: string, random = Buffer.from('r4nd0m-16-bytes!')): string {
  const message = Buffer.from(plain, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(message.length);
  const data = Buffer.concat([random, length, message, Buffer.from(appId, 'utf8')]);
  const pad = 32 - (data.length % 32);
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([data, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}
