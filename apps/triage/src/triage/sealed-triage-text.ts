import { FindOperator, ValueTransformer } from 'typeorm';
import { type FieldCipher, looksSealed } from '@complaints/platform';

/*
 * What triage officers write (why they decide or re-triage a complaint, why they pause, resume or
 * extend its clock) quotes the customer: their numbers, which `maskDigitRuns` masks, and their name,
 * which no mask finds. It rests sealed with the platform's PII keys (`PII_KEYS`, AES-256-GCM
 * envelope, libs/platform field-cipher) and travels sealed (`complaint.retriaged@v2`'s `reason`,
 * `deadline.clock-changed@v3`'s `staffReason`). At rest:
 * - a revision's reason in `triage_revisions.reason_sealed` (the clear column `reason` left empty);
 * - the officer's words in the decision's reasons line `decided|re-triaged by triage officer <id>: <words>`,
 *   kept as `... <id>: <sealed words>`: who decided stays in clear next to the model's and the rules' lines.
 * Migration `TriageSealedOfficerText1796930000000` sealed what was stored before.
 */

/** The cipher triage seals its officers' text with, at rest and on the wire. */
export const FIELD_CIPHER = Symbol('FIELD_CIPHER');

let cipher: FieldCipher | null = null;

/**
 * The cipher the sealed columns use. TypeORM builds column transformers when the entity is
 * declared, before any key is read, so the service hands its cipher over once at start.
 */
export function sealTriageTextWith(c: FieldCipher): FieldCipher {
  cipher = c;
  return c;
}

const triageCipher = (): FieldCipher => {
  if (!cipher) throw new Error('the triage text cipher is not configured: sealTriageTextWith(cipher) runs when the triage module starts');
  return cipher;
};

/** A `<column>_sealed` text column: the entity holds the text as written, the row only its sealed value. */
export const sealedText: ValueTransformer = {
  to(value: string | null | undefined | FindOperator<unknown>) {
    return typeof value === 'string' ? triageCipher().encrypt(value) : value;
  },
  from(stored: string | null | undefined) {
    return typeof stored === 'string' ? triageCipher().decrypt(stored) : null;
  },
};

/** A line of a decision's reasons a triage officer wrote; the others are the model's and the rules', with no customer text in them. */
export const OFFICER_LINE = /^(?:decided|re-triaged) by triage officer /;
/** Who decided (`decided by triage officer <id>`), then the officer's words. */
const OFFICER_WORDS = /^((?:decided|re-triaged) by triage officer \S+): ([\s\S]*)$/;
/**
 * Words sealed by the platform's field cipher: the whole shape of a sealed value, so that words an
 * officer wrote which merely start like one ("v2:C07") are read as written, not opened (and failed).
 */
const SEALED_VALUE = { test: (words: string): boolean => looksSealed(words) };

/** The officer line for a decision or a re-triage, as the decision keeps it (opened). */
export const officerLine = (wasQueued: boolean, actor: string, words: string): string => `${wasQueued ? 'decided' : 're-triaged'} by triage officer ${actor}: ${words}`;

/** Applies `convert` to the officer's words of each officer line, leaving who decided and every other line as they are. */
function mapOfficerWords(reasons: readonly string[], convert: (words: string) => string): string[] {
  return reasons.map((line) => {
    const m = OFFICER_WORDS.exec(line);
    return m ? `${m[1]}: ${convert(m[2])}` : line;
  });
}

/**
 * The officer lines with their words sealed. The entity holds them opened, so each is sealed
 * (words that merely look sealed too); `alreadySealed: 'keep'` leaves a sealed value as it is, for
 * the migration sealing stored rows.
 */
export function sealOfficerWords(reasons: readonly string[], keys: FieldCipher, alreadySealed: 'seal' | 'keep' = 'seal'): string[] {
  return mapOfficerWords(reasons, (words) => (alreadySealed === 'keep' && SEALED_VALUE.test(words) ? words : keys.encrypt(words)));
}

/**
 * The officer lines with their words opened. A line still in clear (stored before sealing, or
 * written by a replica of the earlier version while a release rolls out) is read as it is.
 */
export function openOfficerWords(reasons: readonly string[], keys: FieldCipher): string[] {
  return mapOfficerWords(reasons, (words) => (SEALED_VALUE.test(words) ? keys.decrypt(words) : words));
}

/** Whether any officer line still holds the words in clear. */
export const hasClearOfficerWords = (reasons: readonly string[]): boolean =>
  reasons.some((line) => {
    const m = OFFICER_WORDS.exec(line);
    return m !== null && !SEALED_VALUE.test(m[2]);
  });

/**
 * The reasons as `complaint.triaged` carries them when an officer decides a queued complaint: who
 * decided, without the words, which stay in triage (sealed) and show in its API. The event is
 * read by intake, investigation and notification, none of which needs them, and its `reasons` is
 * one list of lines the archive seals under the customer's key as a whole; sealing one line of it
 * would need a new version of an event every consumer reads for no reader's benefit.
 */
export const withoutOfficerWords = (reasons: readonly string[]): string[] => reasons.map((line) => OFFICER_WORDS.exec(line)?.[1] ?? line);

/**
 * Triage's own account of a clock change staff made here, for `deadline.clock-changed`'s `reason`:
 * the words they wrote travel sealed beside it, in `staffReason`.
 */
export function clockChangeAccount(change: 'paused' | 'resumed' | 'extended', period: string, pauseReason: string | undefined, senior: boolean): string {
  if (change === 'paused') return `paused in triage: ${pauseReason}`;
  if (change === 'resumed') return 'resumed in triage';
  return `extension to ${period} approved in triage${senior ? ' with senior approval' : ''}`;
}

/** The decision's `reasons` column (jsonb): officer words sealed as the row is saved, opened as it is loaded. */
export const sealedReasons: ValueTransformer = {
  to(value: string[] | null | undefined | FindOperator<unknown>) {
    return Array.isArray(value) && value.some((line) => OFFICER_LINE.test(line)) ? sealOfficerWords(value, triageCipher()) : value;
  },
  from(stored: string[] | null | undefined) {
    return Array.isArray(stored) && stored.some((line) => OFFICER_LINE.test(line)) ? openOfficerWords(stored, triageCipher()) : stored;
  },
};
