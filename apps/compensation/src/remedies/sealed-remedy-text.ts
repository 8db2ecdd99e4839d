import { FindOperator, ValueTransformer } from 'typeorm';
import { Events } from '@complaints/contracts';
import type { FieldCipher } from '@complaints/platform';
import type { ReversalRejectionRecord } from './remedy.entity';

/*
 * What staff write about a remedy (why it is rejected, taken back, withdrawn, why the case was
 * reopened) quotes the customer: the account the money went to by mistake, and their name, which
 * no mask finds. It rests sealed with the platform's PII keys (`PII_KEYS`, AES-256-GCM envelope,
 * libs/platform field-cipher), each text in a `<column>_sealed` column next to the clear column it
 * replaces, and travels sealed in the v2 remedy events. The structure around it (status, amounts,
 * who and when) stays in clear, because the approval queue, the customer's cap and the ledger read it.
 *
 * The clear columns stay, empty, for a replica of the earlier version while a release rolls out:
 * what such a replica writes there is the newer text, and is read (`RemedyRecord`); migration
 * `SealedRemedyReasons1796925600000` seals what was stored before.
 */

/** The cipher compensation seals staff text with, at rest and on the wire. */
export const FIELD_CIPHER = Symbol('FIELD_CIPHER');

let cipher: FieldCipher | null = null;

/**
 * The cipher the remedy's sealed columns use. TypeORM builds column transformers when the entity is
 * declared, before any key is read, so the service hands its cipher over once at start.
 */
export function sealRemedyTextWith(c: FieldCipher): FieldCipher {
  cipher = c;
  return c;
}

const remedyCipher = (): FieldCipher => {
  if (!cipher) throw new Error('the remedy text cipher is not configured: sealRemedyTextWith(cipher) runs when the compensation module starts');
  return cipher;
};

/** A `<column>_sealed` text column: the entity holds the text as written, the row only its sealed value. */
export const sealedText: ValueTransformer = {
  to(value: string | null | undefined | FindOperator<unknown>) {
    return typeof value === 'string' ? remedyCipher().encrypt(value) : value;
  },
  from(stored: string | null | undefined) {
    return typeof stored === 'string' ? remedyCipher().decrypt(stored) : null;
  },
};

/** How a declined reversal rests: who and when in clear, the two reasons in one sealed member. */
export type StoredReversalRejection = Pick<ReversalRejectionRecord, 'requestedBy' | 'by' | 'at'> & {
  /** Left empty (not absent) for a replica of the earlier version, which masks them for some roles and fails on a missing one. */
  requestReason: null;
  reason: null;
  sealed: string;
};

/**
 * The declined reversal (jsonb): its reasons are kept in one sealed member next to the rest, as
 * investigation keeps its findings, so the key rotation (`npm run pii:rewrap`) re-wraps it like
 * theirs. A record without the sealed member (stored before sealing, or written by a replica of the
 * earlier version during a rollout) is read as it is.
 */
export const sealedReversalRejection: ValueTransformer = {
  to(value: ReversalRejectionRecord | null | undefined | FindOperator<unknown>): StoredReversalRejection | null | undefined | FindOperator<unknown> {
    if (value === null || value === undefined || value instanceof FindOperator) return value;
    const { requestReason, reason, requestedBy, by, at } = value;
    return { requestedBy, by, at, requestReason: null, reason: null, sealed: remedyCipher().encrypt(JSON.stringify({ requestReason, reason })) };
  },
  from(stored: StoredReversalRejection | ReversalRejectionRecord | null | undefined): ReversalRejectionRecord | null {
    if (stored === null || stored === undefined) return null;
    if (!('sealed' in stored) || typeof stored.sealed !== 'string') return stored as ReversalRejectionRecord;
    const { requestedBy, by, at, sealed } = stored;
    const text = JSON.parse(remedyCipher().decrypt(sealed)) as Pick<ReversalRejectionRecord, 'requestReason' | 'reason'>;
    return { requestedBy, requestReason: text.requestReason, by, reason: text.reason, at };
  },
};

/**
 * The reason of a case.reopened as the approver wrote it. v1 carried it in clear (digit runs
 * masked by investigation), v2 sealed with the platform's keys: opened here, so the remedy keeps
 * (sealed) and the withdrawal repeats (sealed again) the words as written. A v2 reason that does
 * not open (a key compensation is not given) fails the handler, and the event is dead-lettered
 * rather than stored unreadable.
 */
export function reopeningReason(version: number, reason: string, keys: FieldCipher): string {
  return version === Events.CaseReopenedV1.version ? reason : keys.decrypt(reason);
}
