import { randomBytes } from 'node:crypto';
import { IsNull } from 'typeorm';
import type { Findings, ResolutionProposal } from '@complaints/domain';
import { FieldCipher } from '@complaints/platform';
import { opened, sealCaseTextWith, sealedExplanation, sealedFindings } from './sealed-case-text';

const cipher = sealCaseTextWith(new FieldCipher([{ id: 'k1', key: randomBytes(32) }], null));

const findings: Findings = {
  facts: ['客户回拨号码 13700005678', '11月20日跨行转账被重复扣款'],
  liability: 'bank',
  rootCause: { code: 'system', detail: '清算接口超时后重试未做幂等' },
  recordedBy: 'inv-1',
  recordedAt: '2026-11-21T09:00:00.000Z',
};

const proposal: ResolutionProposal = {
  outcome: 'upheld',
  explanation: '王先生您好，您尾号6222021234567890的账户已全额退还。',
  actions: ['explanation', 'refund'],
  remedy: { type: 'refund', amountMinor: 1500, currency: 'CNY' },
  proposedBy: 'inv-1',
  proposedAt: '2026-11-21T10:00:00.000Z',
  needsApproval: true,
};

describe('sealed case text', () => {
  it('findings_keepLiabilityRootCauseCodeAndAuthorInClear_andTheFactsAndDetailOnlySealed', () => {
    const stored = sealedFindings.to(findings);
    expect(stored).toEqual({ liability: 'bank', rootCause: { code: 'system' }, recordedBy: 'inv-1', recordedAt: '2026-11-21T09:00:00.000Z', sealed: expect.stringMatching(/^v2:k1:/) });
    expect(JSON.stringify(stored)).not.toMatch(/13700005678|跨行转账|清算接口/);
    expect(JSON.parse(cipher.decrypt(stored.sealed))).toEqual({ facts: findings.facts, rootCauseDetail: findings.rootCause.detail });
    expect(sealedFindings.from(JSON.parse(JSON.stringify(stored)))).toEqual(findings);
  });

  it('explanation_isSealed_andTheOutcomeRemedyAndActionsStayReadable', () => {
    const stored = sealedExplanation.to(proposal);
    expect(stored).toEqual({ ...proposal, explanation: undefined, sealed: expect.stringMatching(/^v2:k1:/) });
    expect(Object.keys(stored)).not.toContain('explanation');
    expect(JSON.stringify(stored)).not.toMatch(/王先生|6222021234567890/);
    expect(sealedExplanation.from(JSON.parse(JSON.stringify(stored)))).toEqual(proposal);
  });

  it('rowsWrittenBeforeSealing_areReadAsTheyAre', () => {
    expect(sealedFindings.from(JSON.parse(JSON.stringify(findings)))).toEqual(findings);
    expect(sealedExplanation.from({ ...proposal })).toEqual(proposal);
  });

  it('nullAndQueryOperators_passThroughUnsealed', () => {
    expect(sealedFindings.to(null)).toBeNull();
    expect(sealedFindings.from(null)).toBeNull();
    const operator = IsNull();
    expect(sealedExplanation.to(operator)).toBe(operator);
  });

  it('aSealedTextThatWasAltered_isRefusedRatherThanReadAsSomethingElse', () => {
    const stored = sealedExplanation.to(proposal);
    const parts = stored.sealed.split(':');
    parts[5] = Buffer.from('tampered').toString('base64url');
    expect(() => sealedExplanation.from({ ...stored, sealed: parts.join(':') })).toThrow(/does not authenticate/);
  });

  it('aTextInItsSealedColumn_isOpened_andOneStillInTheClearColumnBesideIt_isReadAsWritten', () => {
    const reason = '客户王某来电 13900001111 要求上级处理';
    expect(opened(cipher, cipher.encrypt(reason), null)).toBe(reason);
    expect(opened(cipher, null, reason)).toBe(reason);
    expect(opened(cipher, null, null)).toBeNull();
  });
});
