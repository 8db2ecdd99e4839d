import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's message signing and safe-mode (安全模式) decryption, as in Tencent's WXBizMsgCrypt:
 *
 *   signature     = sha1(sort([token, timestamp, nonce]).join(''))             the request came from WeChat
 *   msg_signature = sha1(sort([token, timestamp, nonce, Encrypt]).join(''))    ... and so did this payload
 *   Encrypt       = base64(AES-256-CBC(random(16) ‖ uint32be(len) ‖ message ‖ appId, PKCS#7 to 32 bytes))
 *                   key = base64decode(EncodingAESKey + '='), IV = the key's first 16 bytes
 */

/** SHA-1 (lowercase hex) of the parts sorted in dictionary order and concatenated. */
export function wechatSignature(...parts: string[]): string {
  return createHash('sha1').update([...parts].sort().join(''), 'utf8').digest('hex');
}

/** Constant-time comparison of a signature WeChat sent with the one expected. */
export function signatureMatches(expectedHex: string, given: string | undefined): boolean {
  if (given === undefined || !/^[0-9a-fA-F]{40}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(given, 'hex'));
}

/** The AES key an EncodingAESKey (43 letters and digits, set in the WeChat console) stands for. */
export function aesKeyOf(encodingAesKey: string | undefined): Buffer | undefined {
  if (encodingAesKey === undefined || !/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) return undefined;
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  return key.length === 32 ? key : undefined;
}

export type Decryption = { ok: true; message: string; appId: string } | { ok: false; reason: string };

const CANNOT_DECRYPT = 'the WeChat payload cannot be decrypted with the configured EncodingAESKey';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decrypts a safe-mode `Encrypt` payload (or an encrypted `echostr`). Checks the structure, not who it is for. */
export function decryptWeChat(encrypted: string, key: Buffer): Decryption {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted)) return { ok: false, reason: 'the WeChat Encrypt payload is not base64' };
  const cipherText = Buffer.from(encrypted, 'base64');
  if (cipherText.length === 0 || cipherText.length % 32 !== 0) return { ok: false, reason: CANNOT_DECRYPT };
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(cipherText), decipher.final()]);
  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > 32 || !plain.subarray(plain.length - pad).every((b) => b === pad)) return { ok: false, reason: CANNOT_DECRYPT };
  const content = plain.subarray(0, plain.length - pad);
  if (content.length < 20) return { ok: false, reason: CANNOT_DECRYPT };
  const length = content.readUInt32BE(16);
  if (20 + length > content.length) return { ok: false, reason: CANNOT_DECRYPT };
  try {
    return { ok: true, message: utf8.decode(content.subarray(20, 20 + length)), appId: utf8.decode(content.subarray(20 + length)) };
  } catch (_e) {
    return { ok: false, reason: CANNOT_DECRYPT };
  }
}
