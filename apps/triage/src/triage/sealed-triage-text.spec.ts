import { randomBytes } from 'node:crypto';
import { FieldCipher } from '@complaints/platform';
import {
  clockChangeAccount,
  hasClearOfficerWords,
  officerLine,
  openOfficerWords,
  sealedReasons,
  sealedText,
  sealOfficerWords,
  sealTriageTextWith,
  withoutOfficerWords,
} from './sealed-triage-text';

const keys = FieldCipher.fromEnv({ PII_KEYS: `t1:${randomBytes(32).toString('base64')}` }, { pseudonyms: false });
const words = '客户王建国来电 13900001111 说明是存折';
const modelLine = 'product B01 人民币储蓄 (model m@v1, confidence 0.31): no decisive term';
const routed = 'routed to operations by cn-jrt0169@v1#transactions';

describe('sealed triage text', () => {
  beforeAll(() => sealTriageTextWith(keys));

  it('wordsThatOnlyStartLikeASealedValue_areReadAsWritten_sealedLikeAnyOthers_andKeptByNoMigration', () => {
    const lookalike = officerLine(false, 'to-3', 'v2:C07');
    // Stored in clear (before sealing, or by a replica of the earlier version): read as written, not opened.
    expect(openOfficerWords([lookalike], keys)).toEqual([lookalike]);
    expect(hasClearOfficerWords([lookalike])).toBe(true);
    // The migration seals them rather than keep them as if sealed.
    const sealed = sealOfficerWords([lookalike], keys, 'keep');
    expect(sealed[0]).not.toBe(lookalike);
    expect(openOfficerWords(sealed, keys)).toEqual([lookalike]);
  });

  it('officerLine_namesWhoDecidedOrReTriaged_thenTheWords', () => {
    expect(officerLine(true, 'to-1', words)).toBe(`decided by triage officer to-1: ${words}`);
    expect(officerLine(false, 'to-1', words)).toBe(`re-triaged by triage officer to-1: ${words}`);
  });

  it('sealOfficerWords_sealsOnlyTheWordsOfOfficerLines_andOpenOfficerWordsGivesThemBack', () => {
    const reasons = [modelLine, officerLine(true, 'to-1', words), routed, officerLine(false, 'to-2', '改为银行卡: 柜员态度')];
    const sealed = sealOfficerWords(reasons, keys);
    expect(sealed[0]).toBe(modelLine);
    expect(sealed[2]).toBe(routed);
    expect(sealed[1]).toMatch(/^decided by triage officer to-1: v2:t1:[A-Za-z0-9_:+/=-]+$/);
    expect(sealed[3]).toMatch(/^re-triaged by triage officer to-2: v2:t1:/);
    expect(JSON.stringify(sealed)).not.toContain('王建国');
    expect(JSON.stringify(sealed)).not.toContain('13900001111');
    expect(hasClearOfficerWords(reasons)).toBe(true);
    expect(hasClearOfficerWords(sealed)).toBe(false);
    expect(openOfficerWords(sealed, keys)).toEqual(reasons);
  });

  it('openOfficerWords_readsALineStillInClearAsItIs', () => {
    const mixed = [sealOfficerWords([officerLine(true, 'to-1', words)], keys)[0], officerLine(false, 'to-1', '后来的理由')];
    expect(openOfficerWords(mixed, keys)).toEqual([officerLine(true, 'to-1', words), officerLine(false, 'to-1', '后来的理由')]);
  });

  it('sealOfficerWords_keep_leavesAlreadySealedWords_whileTheDefaultSealsWordsThatOnlyLookSealed', () => {
    const once = sealOfficerWords([officerLine(true, 'to-1', words)], keys);
    expect(sealOfficerWords(once, keys, 'keep')).toEqual(once);
    const lookalike = officerLine(true, 'to-1', 'v2:abc');
    expect(openOfficerWords(sealOfficerWords([lookalike], keys), keys)).toEqual([lookalike]);
  });

  it('withoutOfficerWords_keepsWhoDecided_notTheWords', () => {
    expect(withoutOfficerWords([modelLine, officerLine(true, 'to-1', words), routed])).toEqual([modelLine, 'decided by triage officer to-1', routed]);
  });

  it('sealedReasons_transformer_sealsOnSave_opensOnLoad_andLeavesReasonsWithoutOfficerLinesAlone', () => {
    const reasons = [modelLine, officerLine(true, 'to-1', words), routed];
    const stored = sealedReasons.to(reasons) as string[];
    expect(JSON.stringify(stored)).not.toContain('王建国');
    expect(sealedReasons.from(stored)).toEqual(reasons);
    expect(sealedReasons.to([modelLine, routed])).toEqual([modelLine, routed]);
    expect(sealedReasons.from(null)).toBeNull();
  });

  it('sealedText_transformer_sealsAndOpens', () => {
    const stored = sealedText.to(words) as string;
    expect(stored).not.toContain('王建国');
    expect(sealedText.from(stored)).toBe(words);
    expect(sealedText.to(null)).toBeNull();
  });

  it('clockChangeAccount_isTriagesOwnAccount_withoutTheStaffsWords', () => {
    expect(clockChangeAccount('paused', 'standard', 'awaiting-customer', false)).toBe('paused in triage: awaiting-customer');
    expect(clockChangeAccount('resumed', 'standard', undefined, false)).toBe('resumed in triage');
    expect(clockChangeAccount('extended', 'complex', undefined, false)).toBe('extension to complex approved in triage');
    expect(clockChangeAccount('extended', 'senior-approved', undefined, true)).toBe('extension to senior-approved approved in triage with senior approval');
  });
});
