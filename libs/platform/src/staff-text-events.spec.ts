import { randomBytes, randomUUID } from 'node:crypto';
import { allEventDefinitions, Events } from '@complaints/contracts';
import { FieldCipher } from './field-cipher';
import { SEALED_STAFF_TEXT_PATTERNS, staffTextAsBeforeSealing, staffTextOnTheWireFromEnv } from './staff-text-events';

const env = { PII_KEYS: `t1:${randomBytes(32).toString('base64')}` };
const keys = FieldCipher.fromEnv(env, { pseudonyms: false });
const words = '王建国先生来电 13900001111 要求退回卡号 6222021234567890 的扣款';

describe('staff text on the wire while a release rolls out', () => {
  it('staffTextOnTheWireFromEnv_isSealedUnlessToldMasked_andRefusesAnythingElse', () => {
    expect(staffTextOnTheWireFromEnv({})).toBe('sealed');
    expect(staffTextOnTheWireFromEnv({ STAFF_TEXT_ON_THE_WIRE: 'masked' })).toBe('masked');
    expect(() => staffTextOnTheWireFromEnv({ STAFF_TEXT_ON_THE_WIRE: 'clear' })).toThrow(/sealed or masked/);
  });

  it('asBeforeSealing_writesAReopeningAsV1_withTheWordsOpenedAndDigitMasked_whichV1Accepts', () => {
    const payload = { caseId: randomUUID(), reason: keys.encrypt(words), reopenedBy: 'sup-1' };
    const earlier = staffTextAsBeforeSealing(env)(Events.CaseReopened, payload);
    expect(earlier?.definition).toBe(Events.CaseReopenedV1);
    expect(earlier?.payload).toEqual({ ...payload, reason: '王建国先生来电 *******1111 要求退回卡号 ************7890 的扣款' });
    expect(Events.CaseReopenedV1.schema.safeParse(earlier?.payload).success).toBe(true);
  });

  it('asBeforeSealing_aNullReasonStaysNull', () => {
    const payload = { caseId: randomUUID(), decision: 'approved', decidedBy: 'sup-1', proposedBy: 'inv-1', reason: null };
    expect(staffTextAsBeforeSealing(env)(Events.CaseResolutionDecided, payload)).toEqual({ definition: Events.CaseResolutionDecidedV1, payload });
  });

  it('asBeforeSealing_aClockChangeWithTheStaffsWords_isV2WithThemMaskedAsItsReason_andWithoutThem_keepsTriagesOwnAccount', () => {
    const change = { ticketNumber: 'CMP-1', change: 'extended', period: 'complex', reason: 'extension to complex approved in triage', responseDueBy: '2026-12-22T15:59:59.999Z', actor: 'ap-1' };
    const withWords = staffTextAsBeforeSealing(env)(Events.DeadlineClockChanged, { ...change, staffReason: keys.encrypt('需王先生补充 13900001111 的通话记录') });
    expect(withWords).toEqual({ definition: Events.DeadlineClockChangedV2, payload: { ...change, reason: '需王先生补充 *******1111 的通话记录' } });
    expect(Events.DeadlineClockChangedV2.schema.safeParse(withWords?.payload).success).toBe(true);
    const without = staffTextAsBeforeSealing(env)(Events.DeadlineClockChanged, { ...change, change: 'referral-bound', staffReason: null });
    expect(without).toEqual({ definition: Events.DeadlineClockChangedV2, payload: { ...change, change: 'referral-bound' } });
  });

  it('asBeforeSealing_writesAStaffActionAsV1_itsFreeTextOpenedDigitMaskedAndCutToV1sLength_itsCodesAsTheyAre', () => {
    const action = { actor: 'sup-1', roles: ['approver'], action: 'case.involved-staff-recorded', service: 'investigation', method: 'PUT', route: '/v1/cases/:caseId/involved-staff', outcome: 'succeeded' };
    const long = `${words}。${'核实'.repeat(400)}`;
    const earlier = staffTextAsBeforeSealing(env)(Events.StaffActionRecorded, {
      ...action,
      detail: { caseId: 'c-1', involvedStaff: 'staff-7', removed: 'staff-8', reason: keys.encrypt(long) },
    });
    expect(earlier?.definition).toBe(Events.StaffActionRecordedV1);
    const detail = (earlier?.payload as { detail: Record<string, string> }).detail;
    expect(detail).toEqual({ caseId: 'c-1', involvedStaff: 'staff-7', removed: 'staff-8', reason: expect.stringMatching(/^王建国先生来电 \*{7}1111 .*…$/) });
    expect(detail.reason).toHaveLength(500);
    expect(Events.StaffActionRecordedV1.schema.safeParse(earlier?.payload).success).toBe(true);
  });

  it('asBeforeSealing_leavesEveryOtherEventAsItIs_andNeedsTheKeysFromTheStart', () => {
    const earlier = staffTextAsBeforeSealing(env);
    expect(earlier(Events.CaseOpened, { caseId: randomUUID() })).toBeNull();
    expect(earlier(Events.CaseResponseIssued, {})).toBeNull();
    expect(() => staffTextAsBeforeSealing({})).toThrow(/PII_KEYS/);
  });

  it('coversTheVersionsProducersPublishNow_eachWithTheOneBeforeIt', () => {
    const latest = (type: string) => Math.max(...allEventDefinitions().filter((d) => d.type === type).map((d) => d.version));
    for (const pattern of SEALED_STAFF_TEXT_PATTERNS) {
      const definition = allEventDefinitions().find((d) => d.pattern === pattern)!;
      // A newer version of the type would be published as it is, its text sealed, during the rollout.
      expect({ pattern, latest: definition.version === latest(definition.type) }).toEqual({ pattern, latest: true });
      expect(allEventDefinitions().some((d) => d.type === definition.type && d.version === definition.version - 1)).toBe(true);
    }
    expect(SEALED_STAFF_TEXT_PATTERNS).toHaveLength(17);
  });
});
