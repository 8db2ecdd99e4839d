import { FindOperator, ValueTransformer } from 'typeorm';
import type { Findings, ResolutionProposal } from '@complaints/domain';
import type { FieldCipher } from '@complaints/platform';

/*
 * What an investigator writes into a case quotes the customer: the facts name the call-back
 * number, the explanation is the customer's letter with their name and account. That text rests
 * sealed with the platform's PII keys. The structure around it (liability, root-cause code,
 * outcome, remedy, who and when) stays in clear, because queues, statistics and improvement
 * actions read it.
 *
 * A row written before sealing has no `sealed` member and is read as it is; the next change to the
 * case seals it.
 *
 * The case's other records (tasks, evidence, transitions, extensions, declared interests,
 * improvement actions) keep each such text in a `<column>_sealed` column of its own, sealed with the
 * same cipher as it is written.
 */

let cipher: FieldCipher | null = null;

/**
 * The cipher the case columns seal with. TypeORM builds column transformers when the entity is
 * declared, before any key is read, so the service hands its cipher over once at start.
 */
export function sealCaseTextWith(c: FieldCipher): FieldCipher {
  cipher = c;
  return c;
}

const caseCipher = (): FieldCipher => {
  if (!cipher) throw new Error('the case text cipher is not configured: sealCaseTextWith(cipher) runs when the investigation module starts');
  return cipher;
};

type Stored<T> = T & { sealed?: string };

/** A jsonb column whose members in `Text` are kept in one sealed value next to the rest. */
function sealedMembers<V extends object, Text extends object>(split: (value: V) => { text: Text; rest: object }, join: (rest: object, text: Text) => V): ValueTransformer {
  return {
    to(value: V | null | undefined) {
      if (value === null || value === undefined || typeof value !== 'object' || value instanceof FindOperator) return value;
      const { text, rest } = split(value);
      return { ...rest, sealed: caseCipher().encrypt(JSON.stringify(text)) };
    },
    from(stored: Stored<V> | null) {
      if (stored === null || typeof stored !== 'object' || typeof stored.sealed !== 'string') return stored;
      const { sealed, ...rest } = stored;
      return join(rest, JSON.parse(caseCipher().decrypt(sealed)) as Text);
    },
  };
}

export const sealedFindings = sealedMembers<Findings, { facts: string[]; rootCauseDetail: string }>(
  ({ facts, rootCause: { detail, ...code }, ...rest }) => ({ text: { facts, rootCauseDetail: detail }, rest: { ...rest, rootCause: code } }),
  (rest, text) => {
    const r = rest as Omit<Findings, 'facts' | 'rootCause'> & { rootCause: Omit<Findings['rootCause'], 'detail'> };
    return { ...r, facts: text.facts, rootCause: { ...r.rootCause, detail: text.rootCauseDetail } };
  },
);

/** Proposals and issued responses: the explanation is the letter's text. */
export const sealedExplanation = sealedMembers<Pick<ResolutionProposal, 'explanation'>, { explanation: string }>(
  ({ explanation, ...rest }) => ({ text: { explanation }, rest }),
  (rest, text) => ({ ...rest, explanation: text.explanation }),
);

/**
 * Staff text on its way into an event: sealed with the same cipher as at rest, as the v2 events
 * carry it (`sealedStaffText` in libs/contracts). A mask finds numbers but not the customer's name,
 * which staff write as often.
 */
export const sealedForEvent = (text: string): string => caseCipher().encrypt(text);

/**
 * A text from its `<column>_sealed` column. A row written before that column existed, or by a
 * replica still on the earlier version while a release rolls out, has it in the clear column
 * beside it instead.
 */
export const opened = (cipher: FieldCipher, sealed: string | null, asWritten: string | null): string | null => (sealed === null ? asWritten : cipher.decrypt(sealed));
