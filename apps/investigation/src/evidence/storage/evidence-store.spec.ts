import { randomUUID } from 'node:crypto';
import { EvidenceAlreadyStoredError, evidenceKey, sha256Hex } from './evidence-store';

describe('evidenceKey', () => {
  it('is cases/<caseId>/<evidenceId>', () => {
    const caseId = randomUUID();
    const evidenceId = randomUUID();
    expect(evidenceKey(caseId, evidenceId)).toBe(`cases/${caseId}/${evidenceId}`);
  });

  it('lower-cases the ids so that one id is always one key', () => {
    expect(evidenceKey('3F2504E0-4F89-11D3-9A0C-0305E82C3301', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe(
      'cases/3f2504e0-4f89-11d3-9a0c-0305e82c3301/a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    );
  });

  const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
  const notUuids: [string, unknown][] = [
    ['empty', ''],
    ['a word', 'case-1'],
    ['a traversal', '../../etc/passwd'],
    ['a uuid with a path after it', `${uuid}/../x`],
    ['a uuid with a trailing newline', `${uuid}\n`],
    ['a uuid without dashes', uuid.replace(/-/g, '')],
    ['a uuid in braces', `{${uuid}}`],
    ['a uuid with a non-hex digit', uuid.replace('a', 'g')],
    ['not a string', 42],
  ];

  it.each(notUuids)('rejects %s as caseId and as evidenceId', (_why, value) => {
    expect(() => evidenceKey(value as string, uuid)).toThrow(/caseId must be a UUID/);
    expect(() => evidenceKey(uuid, value as string)).toThrow(/evidenceId must be a UUID/);
  });
});

describe('sha256Hex', () => {
  it('is the lower-case hex SHA-256 (FIPS 180-2 test vectors)', () => {
    expect(sha256Hex(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(Buffer.alloc(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('EvidenceAlreadyStoredError', () => {
  it('is an Error that names the key', () => {
    const error = new EvidenceAlreadyStoredError('cases/a/b');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('EvidenceAlreadyStoredError');
    expect(error.message).toContain('cases/a/b');
  });
});
