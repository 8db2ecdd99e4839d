import { randomBytes } from 'node:crypto';
import { IsNull } from 'typeorm';
import { Events } from '@complaints/contracts';
import { FieldCipher } from '@complaints/platform';
import { RemedyRecord, ReversalRejectionRecord } from './remedy.entity';
import { reopeningReason, sealedReversalRejection, sealedText, sealRemedyTextWith, StoredReversalRejection } from './sealed-remedy-text';

const keys = sealRemedyTextWith(new FieldCipher([{ id: 'k1', key: randomBytes(32) }], null));

const NAME = '王秀兰';
const ACCOUNT = '6222021234567890123';
const said = `误付至${NAME}账户 ${ACCOUNT}，重复补偿`;

/** The sealed and clear twins of a remedy reason, as the row holds them (private to the entity). */
type Columns = Record<'holdReasonSealed' | 'holdReasonInClear' | 'rejectionReasonSealed' | 'rejectionReasonInClear' | 'reversalReasonSealed' | 'reversalReasonInClear' | 'withdrawalReasonSealed' | 'withdrawalReasonInClear' | 'caseReopenReasonSealed' | 'caseReopenReasonInClear', string | null>;
const columnsOf = (r: RemedyRecord) => r as unknown as Columns;
const REASONS = ['holdReason', 'rejectionReason', 'reversalReason', 'withdrawalReason', 'caseReopenReason'] as const;

describe('sealed remedy text', () => {
  it('aReasonColumn_holdsOnlyTheSealedValue_andOpensToTheWordsAsWritten', () => {
    const stored = sealedText.to(said) as string;
    expect(stored).toMatch(/^v2:k1:/);
    expect(stored).not.toContain(NAME);
    expect(stored).not.toContain(ACCOUNT.slice(-4));
    expect(keys.decrypt(stored)).toBe(said);
    expect(sealedText.from(stored)).toBe(said);
  });

  it('nullAndQueryOperators_passThroughUnsealed', () => {
    expect(sealedText.to(null)).toBeNull();
    expect(sealedText.from(null)).toBeNull();
    const operator = IsNull();
    expect(sealedText.to(operator)).toBe(operator);
    expect(sealedReversalRejection.to(null)).toBeNull();
    expect(sealedReversalRejection.from(null)).toBeNull();
    expect(sealedReversalRejection.to(operator)).toBe(operator);
  });

  it('aDeclinedReversal_keepsWhoAndWhenInClear_andBothReasonsInOneSealedMember_leavingTheirMembersEmptyForTheEarlierVersion', () => {
    const declined: ReversalRejectionRecord = { requestedBy: 'apr-9', requestReason: said, by: 'apr-8', reason: `${NAME}已确认收到，无需退回`, at: '2026-12-07T10:00:00.000Z' };
    const stored = sealedReversalRejection.to(declined) as StoredReversalRejection;
    expect(stored).toEqual({ requestedBy: 'apr-9', by: 'apr-8', at: '2026-12-07T10:00:00.000Z', requestReason: null, reason: null, sealed: expect.stringMatching(/^v2:k1:/) });
    expect(JSON.stringify(stored)).not.toMatch(new RegExp(`${NAME}|${ACCOUNT}|无需退回`));
    // What the row gives back (jsonb, through JSON) opens to the record as written.
    expect(sealedReversalRejection.from(JSON.parse(JSON.stringify(stored)))).toEqual(declined);
  });

  it('aDeclinedReversalStoredBeforeSealing_orByTheEarlierVersion_isReadAsItIs', () => {
    const clear: ReversalRejectionRecord = { requestedBy: 'apr-9', requestReason: 'paid in error', by: 'apr-8', reason: 'not an error', at: '2026-12-07T10:00:00.000Z' };
    expect(sealedReversalRejection.from({ ...clear })).toEqual(clear);
  });

  it('aSealedTextThatWasAltered_isRefusedRatherThanReadAsSomethingElse', () => {
    const parts = (sealedText.to(said) as string).split(':');
    parts[5] = Buffer.from('tampered').toString('base64url');
    expect(() => sealedText.from(parts.join(':'))).toThrow(/does not authenticate/);
  });

  it('aReopeningReason_isOpenedFromV2_andTakenAsItArrivedFromV1', () => {
    expect(reopeningReason(Events.CaseReopened.version, keys.encrypt(said), keys)).toBe(said);
    expect(reopeningReason(Events.CaseReopenedV1.version, '王秀兰补充了流水 ***************0123', keys)).toBe('王秀兰补充了流水 ***************0123');
    // A v2 reason in clear is not a sealed value: refused, never taken as the reason.
    expect(() => reopeningReason(Events.CaseReopened.version, said, keys)).toThrow(/not a sealed value/);
  });
});

describe('RemedyRecord reasons', () => {
  it.each(REASONS)('%s_isWrittenIntoItsSealedColumnOnly_andEmptiesItsClearTwin', (reason) => {
    const remedy = new RemedyRecord();
    const [sealed, clear] = [`${reason}Sealed`, `${reason}InClear`] as (keyof Columns)[];
    Object.assign(columnsOf(remedy), { [clear]: 'written by an earlier replica' });
    Object.assign(remedy, { [reason]: said });
    expect(remedy[reason]).toBe(said);
    expect(columnsOf(remedy)[sealed]).toBe(said);
    expect(columnsOf(remedy)[clear]).toBeNull();
    remedy[reason] = null;
    expect(remedy[reason]).toBeNull();
    expect(columnsOf(remedy)[sealed]).toBeNull();
  });

  it.each(REASONS)('%s_readsItsSealedColumn_orWhenThatIsEmptyTheClearOneBesideIt', (reason) => {
    const remedy = new RemedyRecord();
    Object.assign(columnsOf(remedy), { [`${reason}Sealed`]: null, [`${reason}InClear`]: 'written by an earlier replica' });
    expect(remedy[reason]).toBe('written by an earlier replica');
    Object.assign(columnsOf(remedy), { [`${reason}Sealed`]: said });
    expect(remedy[reason]).toBe(said);
    // A row read with only some columns selected has neither.
    expect(new RemedyRecord()[reason]).toBeNull();
  });
});
