import { randomBytes } from 'node:crypto';
import { FieldCipher } from './field-cipher';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const pseudonymKey = randomBytes(32);
const b64 = (b: Buffer) => b.toString('base64');

const cipherWith = (...keys: [string, Buffer][]) =>
  new FieldCipher(keys.map(([id, key]) => ({ id, key })), pseudonymKey);

const PLAIN = '张三，身份证号11010519491231002X，住址：上海市浦东新区陆家嘴环路1000号 🏦';

/** The five `:`-separated parts of a sealed value. */
const partsOf = (sealed: string) => {
  const [version, keyId, iv, tag, body] = sealed.split(':');
  return { version, keyId, iv, tag, body };
};
const join = (p: ReturnType<typeof partsOf>) => [p.version, p.keyId, p.iv, p.tag, p.body].join(':');

/** Flips one bit of byte `i` of a base64 field. Works on bytes, since base64 text has ignored padding bits. */
const flipByte = (field: string, i: number) => {
  const bytes = Buffer.from(field, 'base64');
  bytes[i] ^= 0x01;
  return bytes.toString('base64');
};

describe('FieldCipher — encrypt / decrypt', () => {
  const cipher = cipherWith(['k1', k1]);

  it('roundTrip_chineseTextWithEmoji_isRestoredExactly', () => {
    expect(cipher.decrypt(cipher.encrypt(PLAIN))).toBe(PLAIN);
  });

  it.each(['a', '13800138000', 'x'.repeat(10_000), ' 前后空格 ', 'line\nbreak:and:colons'])(
    'roundTrip_%#_isRestoredExactly',
    (plain) => {
      expect(cipher.decrypt(cipher.encrypt(plain))).toBe(plain);
    },
  );

  // Regression: encrypt('') gives "v1:k1:<iv>:<tag>:" with an empty body; decrypt treats the empty body as
  // "not a sealed value" and throws, so an empty optional field cannot be read back.
  it('roundTrip_emptyString_isRestored', () => {
    expect(cipher.decrypt(cipher.encrypt(''))).toBe('');
  });

  it('encrypt_sameValueTwice_givesDifferentCiphertexts', () => {
    const a = cipher.encrypt(PLAIN);
    const b = cipher.encrypt(PLAIN);
    expect(a).not.toBe(b);
    expect(partsOf(a).iv).not.toBe(partsOf(b).iv);
    expect(partsOf(a).body).not.toBe(partsOf(b).body);
  });

  it('encrypt_format_isV1_keyId_iv12_tag16_body', () => {
    const p = partsOf(cipher.encrypt(PLAIN));
    expect(p.version).toBe('v1');
    expect(p.keyId).toBe('k1');
    expect(Buffer.from(p.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(p.tag, 'base64')).toHaveLength(16);
    expect(Buffer.from(p.body, 'base64')).toHaveLength(Buffer.byteLength(PLAIN, 'utf8'));
  });

  it('encrypt_ciphertext_doesNotContainThePlaintext', () => {
    const sealed = cipher.encrypt('13800138000');
    expect(sealed).not.toContain('13800138000');
    expect(Buffer.from(partsOf(sealed).body, 'base64').toString('utf8')).not.toBe('13800138000');
  });
});

describe('FieldCipher — tampering', () => {
  const cipher = cipherWith(['k1', k1], ['k2', k2]);
  const sealed = cipher.encrypt(PLAIN);
  const original = partsOf(sealed);

  it('tamper_control_untouchedValueDecrypts', () => {
    expect(cipher.decrypt(join(original))).toBe(PLAIN);
  });

  it.each(['iv', 'tag', 'body'] as const)('tamper_anyBitFlipInEveryByteOf_%s_failsToDecrypt', (part) => {
    const length = Buffer.from(original[part], 'base64').length;
    expect(length).toBeGreaterThan(0);
    for (let i = 0; i < length; i++) {
      const tampered = join({ ...original, [part]: flipByte(original[part], i) });
      expect(() => cipher.decrypt(tampered)).toThrow();
    }
  });

  it('tamper_truncatedBody_failsToDecrypt', () => {
    const body = Buffer.from(original.body, 'base64');
    expect(() => cipher.decrypt(join({ ...original, body: b64(body.subarray(0, body.length - 1)) }))).toThrow();
  });

  it('tamper_extendedBody_failsToDecrypt', () => {
    const body = Buffer.concat([Buffer.from(original.body, 'base64'), Buffer.from([0])]);
    expect(() => cipher.decrypt(join({ ...original, body: b64(body) }))).toThrow();
  });

  it('tamper_keyIdSwappedToAnotherConfiguredKey_failsToDecrypt', () => {
    expect(() => cipher.decrypt(join({ ...original, keyId: 'k2' }))).toThrow();
  });

  it('tamper_versionChanged_isNotASealedValue', () => {
    expect(() => cipher.decrypt(join({ ...original, version: 'v2' }))).toThrow('not a sealed value');
  });

  it.each(['', 'plain text', 'v1:k1', '张三'])('decrypt_ofSomethingNeverSealed_%p_isNotASealedValue', (value) => {
    expect(() => cipher.decrypt(value)).toThrow('not a sealed value');
  });

  // Regression: decipher is created without { authTagLength: 16 }, so Node accepts a shortened tag
  // (4–15 bytes). A 4-byte prefix of the real tag verifies, which cuts forgery cost to 2^-32.
  it('tamper_truncatedAuthTag_failsToDecrypt', () => {
    const shortTag = b64(Buffer.from(original.tag, 'base64').subarray(0, 4));
    expect(() => cipher.decrypt(join({ ...original, tag: shortTag }))).toThrow();
  });
});

describe('FieldCipher — key rotation', () => {
  const old = cipherWith(['k1', k1]);
  const sealedUnderK1 = old.encrypt(PLAIN);

  it('rotation_valueSealedUnderK1_decryptsWhenConfigIsK2CommaK1', () => {
    const rotated = FieldCipher.fromEnv({ PII_PSEUDONYM_KEY: b64(pseudonymKey), PII_KEYS: `k2:${b64(k2)},k1:${b64(k1)}` });
    expect(rotated.decrypt(sealedUnderK1)).toBe(PLAIN);
  });

  it('rotation_newValues_areSealedUnderTheFirstKey_k2', () => {
    const rotated = FieldCipher.fromEnv({ PII_PSEUDONYM_KEY: b64(pseudonymKey), PII_KEYS: `k2:${b64(k2)},k1:${b64(k1)}` });
    const fresh = rotated.encrypt(PLAIN);
    expect(partsOf(fresh).keyId).toBe('k2');
    expect(rotated.decrypt(fresh)).toBe(PLAIN);
    // and k2 is what sealed it: a cipher holding only k2 reads it
    expect(cipherWith(['k2', k2]).decrypt(fresh)).toBe(PLAIN);
  });

  it('rotation_toleratesSpacesAroundEntries', () => {
    const rotated = FieldCipher.fromEnv({ PII_PSEUDONYM_KEY: b64(pseudonymKey), PII_KEYS: ` k2 : ${b64(k2)} , k1:${b64(k1)} ` });
    expect(rotated.decrypt(sealedUnderK1)).toBe(PLAIN);
    expect(partsOf(rotated.encrypt('x')).keyId).toBe('k2');
  });

  it('rotation_unknownKeyId_failsWithAClearMessage', () => {
    const onlyK2 = cipherWith(['k2', k2]);
    expect(() => onlyK2.decrypt(sealedUnderK1)).toThrow('encryption key k1 is not configured');
  });

  it('rotation_sameIdWithADifferentKey_failsToDecrypt', () => {
    const impostor = cipherWith(['k1', k2]);
    expect(() => impostor.decrypt(sealedUnderK1)).toThrow();
  });
});

describe('FieldCipher — configuration', () => {
  it.each([0, 16, 31, 33, 64])('constructor_keyOf_%i_bytes_isRejected', (length) => {
    expect(() => new FieldCipher([{ id: 'k1', key: randomBytes(length) }], pseudonymKey)).toThrow('key k1 must be 32 bytes');
  });

  it('constructor_anyBadKeyInTheList_isRejected', () => {
    expect(
      () => new FieldCipher([{ id: 'k2', key: k2 }, { id: 'k1', key: randomBytes(24) }], pseudonymKey),
    ).toThrow('key k1 must be 32 bytes');
  });

  it('constructor_noKeys_isRejected', () => {
    expect(() => new FieldCipher([], pseudonymKey)).toThrow('at least one encryption key is required');
  });

  it.each(['', 'k:1', 'k 1', 'k1/2', 'x'.repeat(33)])('constructor_keyId_%p_isRejected', (id) => {
    expect(() => new FieldCipher([{ id, key: k1 }], pseudonymKey)).toThrow(/is not a plain identifier/);
  });

  it('fromEnv_withoutPiiKeys_throws', () => {
    expect(() => FieldCipher.fromEnv({})).toThrow('PII_KEYS is not set');
    expect(() => FieldCipher.fromEnv({ PII_PSEUDONYM_KEY: b64(pseudonymKey), PII_KEYS: '' })).toThrow('PII_KEYS is not set');
  });

  it('fromEnv_keyOfWrongLength_throws', () => {
    expect(() => FieldCipher.fromEnv({ PII_PSEUDONYM_KEY: b64(pseudonymKey), PII_KEYS: `k1:${b64(randomBytes(16))}` })).toThrow('key k1 must be 32 bytes');
  });

  it('fromEnv_entryWithoutAKey_throws', () => {
    expect(() => FieldCipher.fromEnv({ PII_PSEUDONYM_KEY: b64(pseudonymKey), PII_KEYS: 'k1' })).toThrow('key k1 must be 32 bytes');
  });
});

describe('FieldCipher — pseudonyms', () => {
  const cipher = cipherWith(['k1', k1]);

  it('pseudonym_format_isKindUnderscore24Hex', () => {
    expect(cipher.pseudonym('cust', '13800138000')).toMatch(/^cust_[0-9a-f]{24}$/);
  });

  it('pseudonym_isStable_acrossCallsAndInstancesWithTheSameKey', () => {
    const again = new FieldCipher([{ id: 'other', key: k2 }], pseudonymKey);
    expect(cipher.pseudonym('cust', '13800138000')).toBe(cipher.pseudonym('cust', '13800138000'));
    expect(again.pseudonym('cust', '13800138000')).toBe(cipher.pseudonym('cust', '13800138000'));
  });

  it('pseudonym_ignoresCaseAndSurroundingWhitespace', () => {
    const ref = cipher.pseudonym('email', 'zhang.san@example.com');
    for (const v of ['Zhang.San@Example.COM', '  zhang.san@example.com', 'zhang.san@example.com\t\n', ' ZHANG.SAN@EXAMPLE.COM ']) {
      expect(cipher.pseudonym('email', v)).toBe(ref);
    }
    expect(cipher.pseudonym('id', '11010519491231002x')).toBe(cipher.pseudonym('id', '11010519491231002X'));
  });

  it('pseudonym_differentValues_giveDifferentPseudonyms', () => {
    expect(cipher.pseudonym('cust', '13800138000')).not.toBe(cipher.pseudonym('cust', '13800138001'));
  });

  it('pseudonym_differentKinds_giveDifferentDigests_notJustDifferentPrefixes', () => {
    const digest = (p: string) => p.slice(p.indexOf('_') + 1);
    expect(digest(cipher.pseudonym('phone', '13800138000'))).not.toBe(digest(cipher.pseudonym('cust', '13800138000')));
  });

  it('pseudonym_revealsNothingOfTheValue', () => {
    expect(cipher.pseudonym('cust', '13800138000')).not.toMatch(/8000|1380/);
  });

  it('pseudonym_dependsOnThePseudonymKey', () => {
    const otherKey = new FieldCipher([{ id: 'k1', key: k1 }], randomBytes(32));
    expect(otherKey.pseudonym('cust', '13800138000')).not.toBe(cipher.pseudonym('cust', '13800138000'));
  });

  it('pseudonym_withPiiPseudonymKeySet_survivesEncryptionKeyRotation', () => {
    const before = FieldCipher.fromEnv({ PII_PSEUDONYM_KEY: b64(pseudonymKey), PII_KEYS: `k1:${b64(k1)}` });
    const after = FieldCipher.fromEnv({ PII_PSEUDONYM_KEY: b64(pseudonymKey), PII_KEYS: `k2:${b64(k2)},k1:${b64(k1)}` });
    expect(after.pseudonym('cust', '13800138000')).toBe(before.pseudonym('cust', '13800138000'));
  });

  // Deriving pseudonyms from the current encryption key would change every customerRef at the
  // first rotation, so a pseudonym key of its own is required.
  it('fromEnv_withoutPiiPseudonymKey_refuses', () => {
    expect(() => FieldCipher.fromEnv({ PII_KEYS: `k1:${b64(k1)}` })).toThrow('PII_PSEUDONYM_KEY is not set');
    expect(() => FieldCipher.fromEnv({ PII_KEYS: `k1:${b64(k1)}`, PII_PSEUDONYM_KEY: b64(randomBytes(8)) })).toThrow('at least 32 bytes');
  });
});
