import { randomBytes, randomUUID } from 'node:crypto';
import { canonicalJson } from '../archive/hash-chain';
import { sampleComplaint, SAMPLE_EXPLANATION, SAMPLE_SUMMARY } from '../dossier/testing/sample-complaint';
import { erasedMarker, isSealedField, openEnvelope, sealableFields, SealedField, sealEnvelope } from './sealed-fields';
import { newSubjectKeyId, openValue, SealedValueError, sealedKeyId, sealValue, SubjectKeyring } from './subject-cipher';
import type { EventEnvelope } from '@complaints/contracts';

const b64 = () => randomBytes(32).toString('base64');

describe('SubjectKeyring (ARCHIVE_SUBJECT_KEYS)', () => {
  it('reads kid:base64 pairs, the first current, and refuses anything malformed without echoing a key', () => {
    const ring = SubjectKeyring.fromEnv({ ARCHIVE_SUBJECT_KEYS: `new:${b64()}, old:${b64()}` });
    expect(ring.currentKeyId).toBe('new');
    expect(() => SubjectKeyring.fromEnv({})).toThrow(/ARCHIVE_SUBJECT_KEYS is not set/);
    const short = randomBytes(16).toString('base64');
    for (const spec of [`k:${short}`, `:${b64()}`, 'k', `bad id:${b64()}`, `k:${b64()},k:${b64()}`, `k:not base64!`]) {
      let message = '';
      try {
        SubjectKeyring.fromEnv({ ARCHIVE_SUBJECT_KEYS: spec });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/ARCHIVE_SUBJECT_KEYS/);
      expect(message).not.toContain(short);
    }
  });

  it('wraps a data key that unwraps for its own key row only, under any configured master key', () => {
    const oldKey = b64();
    const before = new SubjectKeyring([{ id: 'old', key: Buffer.from(oldKey, 'base64') }]);
    const id = newSubjectKeyId();
    expect(id).toMatch(/^sk_[0-9a-f]{24}$/);
    const { dataKey, wrapped } = before.newDataKey(id);
    expect(wrapped).toMatch(/^v1:old:[A-Za-z0-9_-]+$/);
    expect(wrapped).not.toContain(dataKey.toString('base64url'));
    const rotated = new SubjectKeyring([{ id: 'new', key: randomBytes(32) }, { id: 'old', key: Buffer.from(oldKey, 'base64') }]);
    expect(rotated.unwrap(id, wrapped).equals(dataKey)).toBe(true);
    expect(() => rotated.unwrap(newSubjectKeyId(), wrapped)).toThrow(SealedValueError);
    expect(() => new SubjectKeyring([{ id: 'new', key: randomBytes(32) }]).unwrap(id, wrapped)).toThrow(/master key old is not configured/);
    const tampered = wrapped.slice(0, -2) + (wrapped.endsWith('A') ? 'BA' : 'AA');
    expect(() => rotated.unwrap(id, tampered)).toThrow(SealedValueError);
  });

  it('rewraps the same data key under the current master key, for its own key row only; a key under the current one already is left', () => {
    const oldKey = { id: 'old', key: randomBytes(32) };
    const newKey = { id: 'new', key: randomBytes(32) };
    const id = newSubjectKeyId();
    const { dataKey, wrapped } = new SubjectKeyring([oldKey]).newDataKey(id);
    const sealed = sealValue(dataKey, id, 'event-1', 'payload.summary', '王先生的年费');
    const rotated = new SubjectKeyring([newKey, oldKey]);
    const rewrapped = rotated.rewrap(id, wrapped)!;
    expect(rewrapped).toMatch(/^v1:new:[A-Za-z0-9_-]+$/);
    expect(rotated.rewrap(id, rewrapped)).toBeNull();
    // Once the old master key is gone, the value still opens through the rewrapped key.
    const retired = new SubjectKeyring([newKey]);
    expect(openValue(retired.unwrap(id, rewrapped), sealed, 'event-1', 'payload.summary')).toBe('王先生的年费');
    expect(() => retired.unwrap(id, wrapped)).toThrow(/master key old is not configured/);
    // Bound to its key row, like a wrap.
    expect(() => retired.unwrap(newSubjectKeyId(), rewrapped)).toThrow(SealedValueError);
    expect(() => rotated.rewrap(newSubjectKeyId(), wrapped)).toThrow(SealedValueError);
  });
});

describe('sealed values', () => {
  const key = randomBytes(32);
  const keyId = newSubjectKeyId();
  const eventId = randomUUID();

  it('open to the value sealed, whatever its JSON type', () => {
    for (const value of [SAMPLE_SUMMARY, ['term "信用卡" -> cards'], { ageBand: '80+', declaredNeeds: ['hearing'] }, '']) {
      const sealed = sealValue(key, keyId, eventId, 'payload.summary', value);
      expect(sealed).toMatch(new RegExp(`^v1:${keyId}:[A-Za-z0-9_-]+$`));
      expect(sealedKeyId(sealed)).toBe(keyId);
      expect(openValue(key, sealed, eventId, 'payload.summary')).toEqual(value);
    }
  });

  it('never carry the text, and two seals of the same text differ', () => {
    const a = sealValue(key, keyId, eventId, 'payload.summary', SAMPLE_SUMMARY);
    expect(a).not.toContain(SAMPLE_SUMMARY);
    expect(Buffer.from(a.split(':')[2], 'base64url').toString('utf8')).not.toContain('年费');
    expect(sealValue(key, keyId, eventId, 'payload.summary', SAMPLE_SUMMARY)).not.toBe(a);
  });

  it('do not open under another key, for another event or field, or once altered', () => {
    const sealed = sealValue(key, keyId, eventId, 'payload.summary', SAMPLE_SUMMARY);
    expect(() => openValue(randomBytes(32), sealed, eventId, 'payload.summary')).toThrow(SealedValueError);
    expect(() => openValue(key, sealed, randomUUID(), 'payload.summary')).toThrow(SealedValueError);
    expect(() => openValue(key, sealed, eventId, 'payload.explanation')).toThrow(SealedValueError);
    const body = sealed.split(':')[2];
    const flipped = Buffer.from(body, 'base64url');
    flipped[14] ^= 1;
    expect(() => openValue(key, `v1:${keyId}:${flipped.toString('base64url')}`, eventId, 'payload.summary')).toThrow(SealedValueError);
    expect(() => openValue(key, `v1:${newSubjectKeyId()}:${body}`, eventId, 'payload.summary')).toThrow(SealedValueError);
    expect(() => sealedKeyId(`v1:${keyId}:${body}=`)).toThrow(/canonical base64url/);
    expect(() => sealedKeyId('v2:x:y')).toThrow(SealedValueError);
  });
});

describe('sealed fields of an envelope', () => {
  const events = sampleComplaint().map((e) => e.envelope as unknown as EventEnvelope);
  const key = randomBytes(32);
  const keyId = newSubjectKeyId();
  const seal = (e: EventEnvelope) => sealEnvelope(e, (path, value): SealedField => ({ sealed: sealValue(key, keyId, e.eventId, path, value) }));
  const open = (e: EventEnvelope) => openEnvelope(e, (path, field) => ('sealed' in field ? openValue(key, field.sealed, e.eventId, path) : erasedMarker(field.erased)));

  it('seals exactly the documented personal fields and leaves the rest as it was', () => {
    expect(events.map((e) => [e.type, sealableFields(e).map(([p]) => p)])).toEqual([
      ['complaint.received', ['payload.summary']],
      ['complaint.triaged', ['payload.reasons']],
      ['notification.sent', []],
      ['case.opened', []],
      ['complaint.supplemented', ['payload.summary']],
      // staff actions: every detail except the codes listed in the clear
      ['staff.action-recorded', []],
      ['case.resolved', ['payload.explanation']],
      ['remedy.proposed', []],
      ['notification.sent', []],
    ]);
    const received = seal(events[0]);
    const canonical = canonicalJson(received);
    expect(canonical).not.toContain(SAMPLE_SUMMARY);
    expect(isSealedField((received.payload as { summary: unknown }).summary)).toBe(true);
    expect({ ...(received.payload as object), summary: null }).toEqual({ ...(events[0].payload as object), summary: null });
    expect(canonicalJson(seal(events[6]))).not.toContain(SAMPLE_EXPLANATION);
    // the original is not changed in place
    expect((events[0].payload as { summary: string }).summary).toBe(SAMPLE_SUMMARY);
  });

  it('opens back to the original envelope, and reads the erasure marker where only the date is left', () => {
    for (const e of events) expect(open(JSON.parse(canonicalJson(seal(e))))).toEqual(e);
    const erased = sealEnvelope(events[6], () => ({ erased: '2031-05-02T10:00:00.000Z' }));
    expect((open(erased).payload as { explanation: string }).explanation).toBe('[erased under retention policy on 2031-05-02]');
  });

  it('remedy refusals and withdrawals: the staff-written reason is sealed, amounts and ids stay in clear', () => {
    for (const type of ['remedy.rejected', 'remedy.withdrawn']) {
      const e = { ...events[5], type, payload: { remedyId: '00000000-0000-4000-8000-000000000009', amount: { amountMinor: 30_000, currency: 'CNY' }, reason: '客户 13800138000 已另行和解' } } as EventEnvelope;
      expect(sealableFields(e).map(([p]) => p)).toEqual(['payload.reason']);
      const sealed = seal(e);
      expect(sealed.payload).toMatchObject({ amount: { amountMinor: 30_000, currency: 'CNY' }, reason: { sealed: expect.any(String) } });
      expect(open(sealed)).toEqual(e);
    }
  });

  it('staff action details: free text sealed, codes in clear', () => {
    const staff = {
      ...events[5],
      payload: { ...(events[5].payload as object), action: 'deadline.clock-paused', detail: { period: 'final-response', reason: '客户住院，暂停计时', pauseReason: 'awaiting-customer' } },
    } as EventEnvelope;
    expect(sealableFields(staff).map(([p]) => p)).toEqual(['payload.detail.reason']);
    const sealed = seal(staff);
    expect((sealed.payload as { detail: Record<string, unknown> }).detail).toMatchObject({ period: 'final-response', pauseReason: 'awaiting-customer', reason: { sealed: expect.any(String) } });
    expect(open(sealed)).toEqual(staff);
  });

  it('leaves null fields alone: nothing to seal', () => {
    const withdrawn = { ...events[0], type: 'complaint.withdrawn', payload: { ticketNumber: 'T', withdrawnAt: '2026-11-21T00:00:00Z', reason: null } } as EventEnvelope;
    expect(seal(withdrawn)).toEqual(withdrawn);
  });
});
