import { randomBytes, randomUUID } from 'node:crypto';
import { Events, findEventDefinition } from '@complaints/contracts';
import { FieldCipher } from '@complaints/platform';
import { openEnvelope, openPlatformSealed, PLATFORM_SEALED_FIELDS, SEALED_FIELDS, sealEnvelope } from './sealed-fields';
import { newSubjectKeyId, openValue, sealValue } from './subject-cipher';

const EXPLANATION = '王先生您好，您尾号6222021234567890的账户年费已退还，我行已致电13900001111。';

describe('fields that arrive sealed under the platform PII keys', () => {
  it('are all personal fields the archive seals under the customer key, so the opened text never reaches the chain in clear', () => {
    for (const [pattern, fields] of Object.entries(PLATFORM_SEALED_FIELDS)) {
      const [type, version] = pattern.split('@v');
      expect(findEventDefinition(type, Number(version))).toBeDefined();
      for (const field of fields) expect({ pattern, field, sealed: (SEALED_FIELDS[type] ?? []).includes(field) }).toEqual({ pattern, field, sealed: true });
    }
  });

  it('a v2 response is opened, then sealed under the customer key: the stored form holds neither the text nor its platform seal', () => {
    const platform = FieldCipher.fromEnv({ PII_KEYS: `t1:${randomBytes(32).toString('base64')}` }, { pseudonyms: false });
    const platformSealed = platform.encrypt(EXPLANATION);
    const envelope = { eventId: randomUUID(), type: Events.CaseResponseIssued.type, version: Events.CaseResponseIssued.version, payload: { outcome: 'upheld', explanation: platformSealed } };
    const dataKey = randomBytes(32);
    const keyId = newSubjectKeyId();
    const stored = sealEnvelope(openPlatformSealed(envelope, (sealed) => platform.decrypt(sealed)), (path, value) => ({ sealed: sealValue(dataKey, keyId, envelope.eventId, path, value) }));
    const canonical = JSON.stringify(stored);
    for (const value of [EXPLANATION, platformSealed, '6222021234567890', '13900001111']) expect(canonical).not.toContain(value);
    expect(openEnvelope(stored, (path, field) => ('sealed' in field ? openValue(dataKey, field.sealed, envelope.eventId, path) : null)).payload).toEqual({ outcome: 'upheld', explanation: EXPLANATION });
  });

  it('leaves a v1 response, which carried its explanation in clear, and every other event as it is', () => {
    const v1 = { type: Events.CaseResponseIssuedV1.type, version: Events.CaseResponseIssuedV1.version, payload: { explanation: EXPLANATION } };
    const received = { type: Events.ComplaintReceived.type, version: 1, payload: { replyTo: 'v2:t1:sealed-contact-details' } };
    const refuse = () => {
      throw new Error('nothing to open');
    };
    expect(openPlatformSealed(v1, refuse)).toBe(v1);
    expect(openPlatformSealed(received, refuse)).toBe(received);
  });

  it('a survey answer\'s comment, sealed by notification, is opened and sealed under the customer key like the response; a missing comment stays null', () => {
    const platform = FieldCipher.fromEnv({ PII_KEYS: `t1:${randomBytes(32).toString('base64')}` }, { pseudonyms: false });
    const comment = '等了三周才有人回电话，我的手机是13900005555';
    const answered = { eventId: randomUUID(), type: Events.SurveyAnswered.type, version: Events.SurveyAnswered.version, payload: { score: 2, comment: platform.encrypt(comment) } };
    const dataKey = randomBytes(32);
    const keyId = newSubjectKeyId();
    const stored = sealEnvelope(openPlatformSealed(answered, (sealed) => platform.decrypt(sealed)), (path, value) => ({ sealed: sealValue(dataKey, keyId, answered.eventId, path, value) }));
    expect(JSON.stringify(stored)).not.toContain('13900005555');
    expect(openEnvelope(stored, (path, field) => ('sealed' in field ? openValue(dataKey, field.sealed, answered.eventId, path) : null)).payload).toEqual({ score: 2, comment });
    const silent = { ...answered, payload: { score: 5, comment: null } };
    expect(openPlatformSealed(silent, () => { throw new Error('nothing to open'); })).toBe(silent);
  });

  it('a v2 staff action\'s free-text details are opened, then sealed under the customer key; its codes stay in clear; a v1 action is left as it came', () => {
    const platform = FieldCipher.fromEnv({ PII_KEYS: `t1:${randomBytes(32).toString('base64')}` }, { pseudonyms: false });
    const reason = '王建国先生的诉讼代理人来函，案号（2026）京0105民初12345号';
    const base = { actor: 'compliance-1', roles: ['compliance-officer'], action: 'archive.legal-hold-placed', service: 'compliance-archive', method: 'POST', route: '/v1/archive/complaints/:complaintId/holds', outcome: 'succeeded' };
    const holdId = randomUUID();
    const placed = { eventId: randomUUID(), type: Events.StaffActionRecorded.type, version: Events.StaffActionRecorded.version, payload: { ...base, detail: { holdId, reference: 'court-2026-12345', reason: platform.encrypt(reason) } } };
    expect(Events.StaffActionRecorded.schema.safeParse(placed.payload).success).toBe(true);
    const dataKey = randomBytes(32);
    const keyId = newSubjectKeyId();
    const stored = sealEnvelope(openPlatformSealed(placed, (sealed) => platform.decrypt(sealed)), (path, value) => ({ sealed: sealValue(dataKey, keyId, placed.eventId, path, value) }));
    expect(JSON.stringify(stored)).not.toContain('王建国');
    expect(JSON.stringify(stored)).not.toContain(placed.payload.detail.reason);
    expect(openEnvelope(stored, (path, field) => ('sealed' in field ? openValue(dataKey, field.sealed, placed.eventId, path) : null)).payload).toEqual({ ...base, detail: { holdId, reference: 'court-2026-12345', reason } });
    const v1 = { type: Events.StaffActionRecordedV1.type, version: 1, payload: { ...base, detail: { holdId, reason: '王建国先生的诉讼代理人来函' } } };
    expect(openPlatformSealed(v1, () => { throw new Error('nothing to open'); })).toBe(v1);
  });

  it('a staff action archived before one of its details was listed as a code keeps that detail sealed, and it still opens', () => {
    const dataKey = randomBytes(32);
    const keyId = newSubjectKeyId();
    const eventId = randomUUID();
    const remedyId = randomUUID();
    const stored = {
      eventId,
      type: Events.StaffActionRecordedV1.type,
      payload: { action: 'remedy.approve', detail: { remedyId: { sealed: sealValue(dataKey, keyId, eventId, 'payload.detail.remedyId', remedyId) }, caseId: 'c-1' } },
    };
    expect(openEnvelope(stored, (path, field) => ('sealed' in field ? openValue(dataKey, field.sealed, eventId, path) : null)).payload).toEqual({ action: 'remedy.approve', detail: { remedyId, caseId: 'c-1' } });
    // Arriving now, the code is not sealed at all.
    const arriving = { ...stored, payload: { action: 'remedy.approve', detail: { remedyId, caseId: 'c-1' } } };
    expect(sealEnvelope(arriving, () => { throw new Error('nothing to seal'); })).toBe(arriving);
  });
});

