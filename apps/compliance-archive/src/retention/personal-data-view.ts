import type { EventEnvelope } from '@complaints/contracts';
import { maskDigitRuns, maskValue } from '@complaints/domain';
import { Principal, seesPersonalData } from '@complaints/platform';

/** What a reader without personal-data access sees of a field withheld whole. */
export const WITHHELD = '(masked)';

/**
 * Free text kept in clear in the chain, never sealed: reasons reported by the core banking system,
 * message providers and the incident detector. Producers mask digit runs before they publish
 * (compensation the core's refusal, notification a provider's bounce text); the masked view does
 * not rely on it.
 */
export const UNSEALED_FREE_TEXT: Readonly<Record<string, readonly string[]>> = {
  'remedy.payout-failed': ['reason'],
  'notification.delivery-updated': ['reason'],
  'incident.systemic-detected': ['reason'],
};

type Json = Record<string, unknown>;

const maskText = (value: unknown): unknown => {
  if (typeof value === 'string') return maskDigitRuns(value);
  if (Array.isArray(value)) return value.map(maskText);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, maskText(v)]));
  return value;
};

/**
 * The sealed fields (sealed-fields.ts) that are not free text, and how each reads masked; every
 * other sealed field is free text, read with its digit runs masked.
 */
const NOT_FREE_TEXT: Readonly<Record<string, Readonly<Record<string, (value: unknown) => unknown>>>> = {
  'complaint.received': {
    // A phone number or a WeChat id: masked to its last four characters, as identifiers are everywhere.
    'payload.channelReference': (value) => (typeof value === 'string' ? maskValue(value) : WITHHELD),
    // Declared needs can be health data; `vulnerable`, in clear beside it, is what an audit needs.
    'payload.vulnerability': () => WITHHELD,
    // Sealed under the platform's PII keys before it reached the archive, and kept so: no reader of the record needs the contact details.
    'payload.replyTo': (value) => value,
  },
  'complaint.amended': { 'payload.replyTo': (value) => value },
};

/**
 * How one reader sees the customer's personal data in archived events. Roles whose work needs it
 * (PERSONAL_DATA_ROLES: investigator, compliance-officer) read it as it was written; every other
 * role reads it masked. Only ever applied to what is returned: hashes, integrity and exports work
 * on the entries as stored.
 */
export interface PersonalDataView {
  readonly personalData: 'clear' | 'masked';
  /** A personal field of an event (a sealable path), opened from its seal or archived in clear. */
  field(type: string, path: string, value: unknown): unknown;
  /** The event with its never-sealed free text (UNSEALED_FREE_TEXT) as this reader may see it. */
  unsealed<E extends Pick<EventEnvelope, 'type' | 'payload'>>(envelope: E): E;
  /** Free text outside any event that quotes the same matters, such as a legal hold's reasons. */
  text(value: string): string;
}

export const CLEAR_VIEW: PersonalDataView = {
  personalData: 'clear',
  field: (_type, _path, value) => value,
  unsealed: (envelope) => envelope,
  text: (value) => value,
};

export const MASKED_VIEW: PersonalDataView = {
  personalData: 'masked',
  field: (type, path, value) => {
    const masking = NOT_FREE_TEXT[type]?.[path];
    return masking ? masking(value) : maskText(value);
  },
  unsealed: (envelope) => {
    const payload = envelope.payload as Json | null;
    if (!payload || typeof payload !== 'object') return envelope;
    const fields = (UNSEALED_FREE_TEXT[envelope.type] ?? []).filter((f) => typeof payload[f] === 'string');
    if (!fields.length) return envelope;
    return { ...envelope, payload: { ...payload, ...Object.fromEntries(fields.map((f) => [f, maskDigitRuns(payload[f] as string)])) } };
  },
  text: (value) => maskDigitRuns(value),
};

export const personalDataViewFor = (principal: Principal | undefined): PersonalDataView => (seesPersonalData(principal) ? CLEAR_VIEW : MASKED_VIEW);
