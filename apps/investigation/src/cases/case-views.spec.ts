import { caseAsSeen, freeTextFor, rowsAsSeen } from './case-views';
import { CaseRecord } from './case.entity';

const PHONE = '13912345678';
const CARD = '6222021234567890123';

const found = {
  id: 'case-1',
  findings: {
    facts: [`客户回拨号码 ${PHONE}`, '2026-11-20 10:15 扣款两次'],
    liability: 'bank',
    rootCause: { code: 'system', detail: `卡号 ${CARD} 的扣款被重试` },
    recordedBy: 'inv-1',
    recordedAt: '2026-11-21T02:00:00.000Z',
  },
  proposal: { outcome: 'upheld', explanation: `退还卡号 ${CARD} 的重复扣款`, actions: ['refund'], remedy: null, proposedBy: 'inv-1', proposedAt: '2026-11-22T02:00:00.000Z', needsApproval: false },
  resolution: { explanation: `退还卡号 ${CARD} 的重复扣款`, rights: { reviewBy: '2026-12-22', escalateTo: [{ body: 'Financial Ombudsman Service', contact: '0800 023 4567', within: null }] } },
} as unknown as CaseRecord;

describe('case views', () => {
  it('caseAsSeen_byARoleWithoutPersonalData_masksDigitRunsInFindingsProposalAndResponse', () => {
    const seen = caseAsSeen(found, freeTextFor(false));
    expect(seen.findings!.facts).toEqual(['客户回拨号码 *******5678', '2026-11-20 10:15 扣款两次']);
    expect(seen.findings!.rootCause.detail).toBe(`卡号 ${'*'.repeat(15)}0123 的扣款被重试`);
    expect(seen.proposal!.explanation).not.toContain(CARD);
    expect(seen.resolution!.explanation).not.toContain(CARD);
    // What the bank publishes about the customer's rights is not personal data.
    expect(seen.resolution!.rights).toEqual(found.resolution!.rights);
    expect(seen).toMatchObject({ id: 'case-1', findings: { liability: 'bank', rootCause: { code: 'system' } } });
    expect(found.findings!.facts[0]).toContain(PHONE);
  });

  it('caseAsSeen_byARoleThatNeedsPersonalData_isTheCaseAsWritten', () => {
    expect(caseAsSeen(found, freeTextFor(true))).toBe(found);
  });

  it('caseAsSeen_ofACaseWithoutFindingsOrDecision_staysSo', () => {
    const empty = { id: 'case-2', findings: null, proposal: null, resolution: null } as unknown as CaseRecord;
    expect(caseAsSeen(empty, freeTextFor(false))).toEqual(empty);
  });

  it('rowsAsSeen_masksTheNamedColumnsOnly_andLeavesNullsAlone', () => {
    const rows = [{ id: 't-1', request: `请核实 ${CARD}`, result: null, owner: 'ops-13912345678' }];
    expect(rowsAsSeen(rows, ['request', 'result'], freeTextFor(false))).toEqual([{ id: 't-1', request: `请核实 ${'*'.repeat(15)}0123`, result: null, owner: 'ops-13912345678' }]);
    expect(rowsAsSeen(rows, ['request', 'result'], freeTextFor(true))).toBe(rows);
  });
});
