import { createCipheriv, randomBytes } from 'node:crypto';
import { FieldCipher, looksSealed } from './field-cipher';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const k3 = randomBytes(32);
const pseudonymKey = randomBytes(32);
const b64 = (b: Buffer) => b.toString('base64');

const cipherWith = (...keys: [string, Buffer][]) =>
  new FieldCipher(keys.map(([id, key]) => ({ id, key })), pseudonymKey);

const PLAIN = '张三，身份证号11010519491231002X，住址：上海市浦东新区陆家嘴环路1000号 🏦';

/** The six `:`-separated parts of a v2 sealed value. */
const partsOf = (sealed: string) => {
  const parts = sealed.split(':');
  expect(parts).toHaveLength(6);
  const [version, keyId, wrapped, iv, tag, body] = parts;
  return { version, keyId, wrapped, iv, tag, body };
};
type Parts = ReturnType<typeof partsOf>;
const join = (p: Parts) => [p.version, p.keyId, p.wrapped, p.iv, p.tag, p.body].join(':');

/** Flips one bit of byte `i` of a base64url field. Works on bytes, since base64 text has ignored padding bits. */
const flipByte = (field: string, i: number) => {
  const bytes = Buffer.from(field, 'base64url');
  bytes[i] ^= 0x01;
  return bytes.toString('base64url');
};

/**
 * What the v1 cipher wrote (AES-256-GCM straight under the PII_KEYS key, the kid as AAD, base64),
 * rebuilt here so v1 values can be made with any key.
 */
const sealV1 = (keyId: string, key: Buffer, plain: string) => {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(keyId));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', keyId, b64(iv), b64(cipher.getAuthTag()), b64(body)].join(':');
};

/**
 * Written by the v1 FieldCipher itself (before envelope encryption), with the key 00 01 02 … 1f
 * under the kid `legacy`: the proof that values already at rest stay readable.
 */
const LEGACY_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const LEGACY_V1 =
  'v1:legacy:2ET/XFOfACn1Htdo:hF9Whm26amBjRgZ15dwF5A==:2IxPX+XBZu/DvxGQIK5W8HOKhRZYAPlzpyRg1KUNhFJh5Ar97k15rCiGYaX90g3ueaEYt4OP9FIhlExTJi3GsxXcxvXX2JoiqCw6Ky4jlyGHk9Dvky9rF7BKjvnD4QDVj7/y';
const LEGACY_V1_EMPTY = 'v1:legacy:lVEcnXrgzjqkB/YO:A5bZekuIKaET4uhp6dq9Hg==:';

describe('looksSealed', () => {
  it('looksSealed_aSealedValue_yes_textThatOnlyStartsLikeOne_no', () => {
    const cipher = FieldCipher.fromEnv({ PII_KEYS: `k1:${randomBytes(32).toString('base64')}` }, { pseudonyms: false });
    expect(looksSealed(cipher.encrypt('王先生'))).toBe(true);
    for (const text of ['v2:C07', 'v1:ok', 'v2:k1:abc:def:ghi:jkl', '王先生', '']) expect({ text, sealed: looksSealed(text) }).toEqual({ text, sealed: false });
  });
});

describe('FieldCipher — encrypt / decrypt', () => {
  const cipher = cipherWith(['k1', k1]);

  it('roundTrip_chineseTextWithEmoji_isRestoredExactly', () => {
    expect(cipher.decrypt(cipher.encrypt(PLAIN))).toBe(PLAIN);
  });

  it.each(['a', '13800138000', 'x'.repeat(10_000), ' 前后空格 ', 'line\nbreak:and:colons', '👨‍👩‍👧‍👦🇨🇳', '\u0000nul'])(
    'roundTrip_%#_isRestoredExactly',
    (plain) => {
      expect(cipher.decrypt(cipher.encrypt(plain))).toBe(plain);
    },
  );

  // Regression: encrypt('') gave an empty body segment, which decrypt took for "not a sealed value".
  it('roundTrip_emptyString_isRestored', () => {
    const sealed = cipher.encrypt('');
    expect(partsOf(sealed).body).toBe('');
    expect(cipher.decrypt(sealed)).toBe('');
  });

  it('encrypt_sameValueTwice_givesDifferentDataKeysIvsAndCiphertexts', () => {
    const a = partsOf(cipher.encrypt(PLAIN));
    const b = partsOf(cipher.encrypt(PLAIN));
    expect(a.wrapped).not.toBe(b.wrapped);
    expect(a.iv).not.toBe(b.iv);
    expect(a.tag).not.toBe(b.tag);
    expect(a.body).not.toBe(b.body);
  });

  it('encrypt_format_isV2_keyId_wrappedKey60_iv12_tag16_body_inBase64url', () => {
    const sealed = cipher.encrypt(PLAIN);
    expect(sealed).toMatch(/^v2:k1(:[A-Za-z0-9_-]*){4}$/);
    const p = partsOf(sealed);
    expect(p.version).toBe('v2');
    expect(p.keyId).toBe('k1');
    // wrap iv (12) + wrap tag (16) + data key (32)
    expect(Buffer.from(p.wrapped, 'base64url')).toHaveLength(60);
    expect(Buffer.from(p.iv, 'base64url')).toHaveLength(12);
    expect(Buffer.from(p.tag, 'base64url')).toHaveLength(16);
    expect(Buffer.from(p.body, 'base64url')).toHaveLength(Buffer.byteLength(PLAIN, 'utf8'));
  });

  it('encrypt_ciphertext_doesNotContainThePlaintext', () => {
    const sealed = cipher.encrypt('13800138000');
    expect(sealed).not.toContain('13800138000');
    expect(Buffer.from(partsOf(sealed).body, 'base64url').toString('utf8')).not.toBe('13800138000');
  });

  it('encrypt_bodyIsNotSealedWithTheKeyEncryptionKey', () => {
    // the body is under the data key: putting it in a v1 frame under k1 must not open it
    const p = partsOf(cipher.encrypt(PLAIN));
    const asV1 = ['v1', 'k1', b64(Buffer.from(p.iv, 'base64url')), b64(Buffer.from(p.tag, 'base64url')), b64(Buffer.from(p.body, 'base64url'))].join(':');
    expect(() => cipher.decrypt(asV1)).toThrow();
  });

  it('keyIdOf_namesTheKidWithoutNeedingTheKey', () => {
    const sealed = cipher.encrypt(PLAIN);
    expect(cipherWith(['other', k2]).keyIdOf(sealed)).toBe('k1');
    expect(cipher.keyIdOf(LEGACY_V1)).toBe('legacy');
    expect(() => cipher.keyIdOf('plain text')).toThrow('not a sealed value');
  });

  it('currentKeyId_isTheFirstKey', () => {
    expect(cipherWith(['k2', k2], ['k1', k1]).currentKeyId).toBe('k2');
  });
});

describe('FieldCipher — values written in the v1 format', () => {
  const legacy = cipherWith(['legacy', LEGACY_KEY]);

  it('v1_writtenByTheOldCipher_stillDecrypts', () => {
    expect(legacy.decrypt(LEGACY_V1)).toBe(PLAIN);
    expect(legacy.decrypt(LEGACY_V1_EMPTY)).toBe('');
  });

  it('v1_decrypts_whenItsKeyIsNoLongerCurrent', () => {
    const sealed = sealV1('k1', k1, PLAIN);
    expect(cipherWith(['k2', k2], ['k1', k1]).decrypt(sealed)).toBe(PLAIN);
    expect(cipherWith(['k2', k2], ['legacy', LEGACY_KEY]).decrypt(LEGACY_V1)).toBe(PLAIN);
  });

  it('v1_newValuesAreNeverWrittenInIt', () => {
    expect(legacy.encrypt(PLAIN)).toMatch(/^v2:legacy:/);
  });

  it.each([2, 3, 4] as const)('v1_anyBitFlipInEveryByteOfSegment_%i_failsToDecrypt', (index) => {
    const parts = sealV1('k1', k1, PLAIN).split(':');
    const bytes = Buffer.from(parts[index], 'base64');
    for (let i = 0; i < bytes.length; i++) {
      const flipped = Buffer.from(bytes);
      flipped[i] ^= 0x01;
      const tampered = parts.map((p, j) => (j === index ? b64(flipped) : p)).join(':');
      expect(() => cipherWith(['k1', k1], ['k2', k2]).decrypt(tampered)).toThrow();
    }
  });

  it('v1_keyIdSwappedToAnotherConfiguredKey_failsToDecrypt', () => {
    const tampered = sealV1('k1', k1, PLAIN).replace(/^v1:k1:/, 'v1:k2:');
    expect(() => cipherWith(['k1', k1], ['k2', k2]).decrypt(tampered)).toThrow();
  });

  // Regression: without { authTagLength: 16 } Node accepts a 4-byte prefix of the real tag.
  it('v1_truncatedAuthTag_failsToDecrypt', () => {
    const parts = sealV1('k1', k1, PLAIN).split(':');
    parts[3] = b64(Buffer.from(parts[3], 'base64').subarray(0, 4));
    expect(() => cipherWith(['k1', k1]).decrypt(parts.join(':'))).toThrow('authentication tag must be 16 bytes');
  });

  it('v1_withAnExtraSegment_isNotASealedValue', () => {
    expect(() => legacy.decrypt(`${LEGACY_V1}:x`)).toThrow('not a sealed value');
  });
});

describe('FieldCipher — tampering', () => {
  const cipher = cipherWith(['k1', k1], ['k2', k2]);
  const sealed = cipher.encrypt(PLAIN);
  const original = partsOf(sealed);

  it('tamper_control_untouchedValueDecrypts', () => {
    expect(cipher.decrypt(join(original))).toBe(PLAIN);
  });

  it.each(['wrapped', 'iv', 'tag', 'body'] as const)('tamper_anyBitFlipInEveryByteOf_%s_failsToDecrypt', (part) => {
    const length = Buffer.from(original[part], 'base64url').length;
    expect(length).toBeGreaterThan(0);
    for (let i = 0; i < length; i++) {
      const tampered = join({ ...original, [part]: flipByte(original[part], i) });
      expect(() => cipher.decrypt(tampered)).toThrow();
    }
  });

  it.each(['wrapped', 'iv', 'tag', 'body'] as const)('tamper_oneByteShorter_%s_failsToDecrypt', (part) => {
    const bytes = Buffer.from(original[part], 'base64url');
    expect(() => cipher.decrypt(join({ ...original, [part]: bytes.subarray(0, bytes.length - 1).toString('base64url') }))).toThrow();
  });

  it.each(['wrapped', 'iv', 'tag', 'body'] as const)('tamper_oneByteLonger_%s_failsToDecrypt', (part) => {
    const bytes = Buffer.concat([Buffer.from(original[part], 'base64url'), Buffer.from([0])]);
    expect(() => cipher.decrypt(join({ ...original, [part]: bytes.toString('base64url') }))).toThrow();
  });

  // Regression guard: a 4-byte prefix of the real tag must not verify (forgery at 2^-32).
  it('tamper_truncatedAuthTag_isRejected', () => {
    const shortTag = Buffer.from(original.tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(() => cipher.decrypt(join({ ...original, tag: shortTag }))).toThrow('authentication tag must be 16 bytes');
  });

  it('tamper_keyIdSwappedToAnotherConfiguredKey_failsToDecrypt', () => {
    expect(() => cipher.decrypt(join({ ...original, keyId: 'k2' }))).toThrow('does not unwrap under key k2');
  });

  it('tamper_keyIdSwappedToAnUnknownKey_failsWithAClearMessage', () => {
    expect(() => cipher.decrypt(join({ ...original, keyId: 'k9' }))).toThrow('encryption key k9 is not configured');
  });

  it('tamper_keyIdThatIsNoIdentifier_isNotASealedValue', () => {
    expect(() => cipher.decrypt(join({ ...original, keyId: 'k 1' }))).toThrow('not a sealed value');
  });

  // Node's base64 decoder ignores stray characters and the spare bits of the last character, so a
  // changed text could decode to the same bytes; the cipher accepts only the one canonical text.
  it.each(['wrapped', 'iv', 'tag', 'body'] as const)('tamper_anyCharacterChangedIn_%s_failsToDecrypt', (part) => {
    const text = original[part];
    for (let i = 0; i < text.length; i++) {
      const other = text[i] === 'A' ? 'B' : 'A';
      expect(() => cipher.decrypt(join({ ...original, [part]: text.slice(0, i) + other + text.slice(i + 1) }))).toThrow();
    }
  });

  it('tamper_tagWithTheSpareBitsOfItsLastCharacterSet_isNotASealedValue', () => {
    // 16 bytes take 22 characters: 4 bits of the last one carry nothing, so this text decodes to the same tag
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = original.tag.slice(-1);
    const variant = original.tag.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 0b0001];
    expect(Buffer.from(variant, 'base64url').equals(Buffer.from(original.tag, 'base64url'))).toBe(true);
    expect(() => cipher.decrypt(join({ ...original, tag: variant }))).toThrow('not canonical base64url');
  });

  it.each([
    ['padding', (t: string) => `${t}==`],
    ['a stray character', (t: string) => `${t.slice(0, 4)}.${t.slice(4)}`],
    ['standard base64', (t: string) => `+/${t.slice(2)}`],
  ])('tamper_tagWith_%s_isNotASealedValue', (_what, change) => {
    expect(() => cipher.decrypt(join({ ...original, tag: change(original.tag) }))).toThrow('not a sealed value');
  });

  it.each(['v1', 'v3', 'V2', ''])('tamper_versionChangedTo_%p_isNotASealedValue', (version) => {
    expect(() => cipher.decrypt(join({ ...original, version }))).toThrow('not a sealed value');
  });

  it('tamper_extraOrMissingSegment_isNotASealedValue', () => {
    expect(() => cipher.decrypt(`${sealed}:`)).toThrow('not a sealed value');
    expect(() => cipher.decrypt(sealed.slice(0, sealed.lastIndexOf(':')))).toThrow('not a sealed value');
  });

  it.each(['', 'plain text', 'v1:k1', 'v2:k1:a:b:c', '张三'])('decrypt_ofSomethingNeverSealed_%p_isNotASealedValue', (value) => {
    expect(() => cipher.decrypt(value)).toThrow('not a sealed value');
  });

  describe('splicing two values', () => {
    const other = partsOf(cipher.encrypt(PLAIN)); // same plaintext, same key: the most alike two values can be
    const underK2 = partsOf(cipherWith(['k2', k2], ['k1', k1]).encrypt(PLAIN));

    it('splice_control_bothValuesDecrypt', () => {
      expect(cipher.decrypt(join(other))).toBe(PLAIN);
      expect(cipher.decrypt(join(underK2))).toBe(PLAIN);
    });

    it('splice_wrappedKeyOfAnotherValue_failsToDecrypt', () => {
      expect(() => cipher.decrypt(join({ ...original, wrapped: other.wrapped }))).toThrow('does not unwrap');
      expect(() => cipher.decrypt(join({ ...other, wrapped: original.wrapped }))).toThrow('does not unwrap');
    });

    it('splice_wrappedKeyAndKidOfAValueUnderAnotherKey_failsToDecrypt', () => {
      expect(() => cipher.decrypt(join({ ...original, keyId: 'k2', wrapped: underK2.wrapped }))).toThrow('does not unwrap');
    });

    it('splice_ivTagAndBodyOfAnotherValue_underThisWrappedKey_failsToDecrypt', () => {
      expect(() => cipher.decrypt(join({ ...original, iv: other.iv, tag: other.tag, body: other.body }))).toThrow();
    });

    it('splice_bodyOfAnotherValue_failsToDecrypt', () => {
      expect(() => cipher.decrypt(join({ ...original, body: other.body }))).toThrow('does not authenticate');
    });
  });
});

describe('FieldCipher — key rotation', () => {
  const old = cipherWith(['k1', k1]);
  const sealedUnderK1 = old.encrypt(PLAIN);
  const rotatedEnv = { PII_PSEUDONYM_KEY: b64(pseudonymKey), PII_KEYS: `k2:${b64(k2)},k1:${b64(k1)}` };
  const onlyK2 = cipherWith(['k2', k2]);

  it('rotation_valueSealedUnderK1_decryptsWhenConfigIsK2CommaK1', () => {
    expect(FieldCipher.fromEnv(rotatedEnv).decrypt(sealedUnderK1)).toBe(PLAIN);
  });

  it('rotation_newValues_areSealedUnderTheFirstKey_k2', () => {
    const rotated = FieldCipher.fromEnv(rotatedEnv);
    const fresh = rotated.encrypt(PLAIN);
    expect(partsOf(fresh).keyId).toBe('k2');
    expect(rotated.decrypt(fresh)).toBe(PLAIN);
    // and k2 is what sealed it: a cipher holding only k2 reads it
    expect(onlyK2.decrypt(fresh)).toBe(PLAIN);
  });

  it('rotation_rewrap_movesTheValueToK2_andLeavesIvTagAndBodyIdentical', () => {
    const rotated = FieldCipher.fromEnv(rotatedEnv);
    const rewrapped = rotated.rewrap(sealedUnderK1);
    expect(rewrapped).not.toBeNull();
    const before = partsOf(sealedUnderK1);
    const after = partsOf(rewrapped!);
    expect(after.version).toBe('v2');
    expect(after.keyId).toBe('k2');
    expect(rotated.keyIdOf(rewrapped!)).toBe('k2');
    expect(after.wrapped).not.toBe(before.wrapped);
    expect(after.body).toBe(before.body);
    expect(after.iv).toBe(before.iv);
    expect(after.tag).toBe(before.tag);
    expect(rotated.decrypt(rewrapped!)).toBe(PLAIN);
    // k1 can now be dropped from the configuration
    expect(onlyK2.decrypt(rewrapped!)).toBe(PLAIN);
    expect(() => old.decrypt(rewrapped!)).toThrow('encryption key k2 is not configured');
  });

  it('rotation_twice_k1ToK2ToK3_keepsTheBodyAndEndsReadableWithK3Alone', () => {
    const viaK2 = cipherWith(['k2', k2], ['k1', k1]).rewrap(sealedUnderK1)!;
    const viaK3 = cipherWith(['k3', k3], ['k2', k2]).rewrap(viaK2)!;
    expect(partsOf(viaK3).keyId).toBe('k3');
    expect(partsOf(viaK3).body).toBe(partsOf(sealedUnderK1).body);
    expect(cipherWith(['k3', k3]).decrypt(viaK3)).toBe(PLAIN);
  });

  it('rotation_rewrap_returnsNullWhenAlreadyUnderTheCurrentKey', () => {
    const rotated = FieldCipher.fromEnv(rotatedEnv);
    expect(rotated.rewrap(rotated.encrypt(PLAIN))).toBeNull();
    expect(rotated.rewrap(rotated.rewrap(sealedUnderK1)!)).toBeNull();
    expect(old.rewrap(sealedUnderK1)).toBeNull();
  });

  it('rotation_rewrapOfV1_sealsItAfreshAsV2UnderTheCurrentKey', () => {
    const rotated = FieldCipher.fromEnv(rotatedEnv);
    const fromV1 = rotated.rewrap(sealV1('k1', k1, PLAIN))!;
    expect(partsOf(fromV1).keyId).toBe('k2');
    expect(onlyK2.decrypt(fromV1)).toBe(PLAIN);
    expect(rotated.rewrap(fromV1)).toBeNull();
  });

  it('rotation_rewrapOfV1AlreadyUnderTheCurrentKey_stillUpgradesItToV2', () => {
    const legacy = cipherWith(['legacy', LEGACY_KEY]);
    const upgraded = legacy.rewrap(LEGACY_V1)!;
    expect(upgraded).toMatch(/^v2:legacy:/);
    expect(legacy.decrypt(upgraded)).toBe(PLAIN);
  });

  it('rotation_rewrapOfATamperedValue_throwsInsteadOfResealingIt', () => {
    const rotated = FieldCipher.fromEnv(rotatedEnv);
    const p = partsOf(sealedUnderK1);
    expect(() => rotated.rewrap(join({ ...p, wrapped: flipByte(p.wrapped, 40) }))).toThrow('does not unwrap');
    expect(() => rotated.rewrap(join({ ...p, tag: flipByte(p.tag, 0) }))).toThrow('does not unwrap');
    const v1 = sealV1('k1', k1, PLAIN).split(':');
    const v1Body = Buffer.from(v1[4], 'base64');
    v1Body[0] ^= 0x01;
    v1[4] = b64(v1Body);
    expect(() => rotated.rewrap(v1.join(':'))).toThrow();
  });

  it('rotation_unknownKeyId_failsWithAClearMessage', () => {
    expect(() => onlyK2.decrypt(sealedUnderK1)).toThrow('encryption key k1 is not configured');
    expect(() => onlyK2.rewrap(sealedUnderK1)).toThrow('encryption key k1 is not configured');
    expect(() => onlyK2.decrypt(LEGACY_V1)).toThrow('encryption key legacy is not configured');
  });

  it('rotation_toleratesSpacesAroundEntries', () => {
    const rotated = FieldCipher.fromEnv({ PII_PSEUDONYM_KEY: b64(pseudonymKey), PII_KEYS: ` k2 : ${b64(k2)} , k1:${b64(k1)} ` });
    expect(rotated.decrypt(sealedUnderK1)).toBe(PLAIN);
    expect(partsOf(rotated.encrypt('x')).keyId).toBe('k2');
  });

  it('rotation_sameIdWithADifferentKey_failsToDecrypt', () => {
    const impostor = cipherWith(['k1', k2]);
    expect(() => impostor.decrypt(sealedUnderK1)).toThrow();
    expect(() => impostor.rewrap(sealV1('k1', k1, PLAIN))).toThrow();
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

  it('fromEnv_withoutPseudonyms_opensWhatTheOthersSeal_butMakesNoCustomerReference', () => {
    const full = FieldCipher.fromEnv({ PII_PSEUDONYM_KEY: b64(pseudonymKey), PII_KEYS: `k1:${b64(k1)}` });
    const opener = FieldCipher.fromEnv({ PII_KEYS: `k1:${b64(k1)}` }, { pseudonyms: false });
    expect(opener.decrypt(full.encrypt('王先生，尾号6222'))).toBe('王先生，尾号6222');
    expect(() => opener.pseudonym('cust', '13800138000')).toThrow('holds no PII_PSEUDONYM_KEY');
    expect(() => FieldCipher.fromEnv({}, { pseudonyms: false })).toThrow('PII_KEYS is not set');
  });
});
