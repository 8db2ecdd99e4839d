import { eventKey, STAFF_DETAILS_IN_CLEAR, type EventEnvelope } from '@complaints/contracts';

/**
 * The payload fields, per event type (any version), that can hold a customer's own words or
 * what staff wrote about them. They are sealed under the customer's data key before the event
 * is hashed into the chain (docs/archive.md, "Retention, legal hold and erasure"); everything
 * else (codes, amounts, dates, pseudonymous references, ticket numbers) stays in clear, so the
 * record keeps its shape, and its statistics, after the personal text is erased.
 */
export const SEALED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  // channelReference can be a phone or WeChat id; vulnerability holds declared needs (health).
  // replyTo is already sealed under the platform's PII keys; sealed again here, so erasure reaches it too.
  'complaint.received': ['summary', 'channelReference', 'vulnerability', 'replyTo'],
  'complaint.amended': ['replyTo'],
  'complaint.supplemented': ['summary'],
  'complaint.withdrawn': ['reason'],
  // Why a compliance or triage officer recorded the regulator's new deadline: it may quote the customer.
  'complaint.referral-deadline-changed': ['reason'],
  // Triage reasons quote terms from the complaint's text.
  'complaint.triaged': ['reasons'],
  'complaint.triage-queued': ['reasons'],
  'complaint.retriaged': ['reason'],
  'deadline.clock-changed': ['reason', 'staffReason'],
  'case.resolved': ['explanation'],
  'case.response-issued': ['explanation'],
  // What staff wrote while working the case can quote the customer.
  'case.task-requested': ['request'],
  'case.task-completed': ['result'],
  'case.resolution-decided': ['reason'],
  'case.extension-requested': ['reason'],
  'case.extension-decided': ['reason'],
  'case.escalated': ['reason'],
  'case.review-requested': ['reason'],
  'case.reopened': ['reason'],
  'case.closed': ['reason'],
  'improvement.action-raised': ['measure'],
  'improvement.action-updated': ['note'],
  // An approver's reason for refusing a remedy, and the reopening's reason a withdrawal repeats.
  'remedy.rejected': ['reason'],
  'remedy.withdrawn': ['reason'],
  // An approver's reason for reversing a payout can name the account the money went to by mistake.
  'remedy.reversed': ['reason'],
  // The customer's own words about how we did.
  'survey.answered': ['comment'],
};

/**
 * Fields that arrive sealed under the platform's PII keys (libs/platform field-cipher), per
 * `type@vN`, and that the record must show: they are opened on the way in and then sealed under
 * the customer's key like every field above. Kept as they arrived they would read only while
 * every PII key that ever sealed one stayed configured (entries are never re-wrapped, so a key
 * rotation could not reach them), and their erasure would rest on the customer's key all the same.
 * replyTo is not listed: no reader of the record needs the customer's contact details.
 */
export const PLATFORM_SEALED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  // Written for the customer's letter, so it cannot be masked on the wire as other staff text is.
  'case.response-issued@v2': ['explanation'],
  // Personal data by nature (the customer's own words), sealed by notification from the start.
  'survey.answered@v1': ['comment'],
  // What staff wrote about the case: it names the customer, which no mask finds (libs/contracts `sealedStaffText`).
  'case.task-requested@v2': ['request'],
  'case.task-completed@v2': ['result'],
  'case.resolution-decided@v2': ['reason'],
  'case.extension-requested@v2': ['reason'],
  'case.extension-decided@v2': ['reason'],
  'case.escalated@v2': ['reason'],
  'case.review-requested@v2': ['reason'],
  'case.reopened@v2': ['reason'],
  'case.closed@v2': ['reason'],
  'improvement.action-raised@v2': ['measure'],
  'improvement.action-updated@v2': ['note'],
  'remedy.rejected@v2': ['reason'],
  'remedy.reversed@v2': ['reason'],
  'remedy.withdrawn@v2': ['reason'],
  // The reason staff gave for a clock change: an extension in investigation (relayed by triage as it came), or a change made in triage.
  'deadline.clock-changed@v3': ['staffReason'],
  // A triage officer's reason for a re-triage (and, in deadline.clock-changed@v3 above, for a clock change they made).
  'complaint.retriaged@v2': ['reason'],
  // An officer's reason for recording the regulator's new deadline of a referral, sealed by intake.
  'complaint.referral-deadline-changed@v1': ['reason'],
};

/** The envelope with its platform-sealed fields (PLATFORM_SEALED_FIELDS) replaced by what `open` reads from them. */
export function openPlatformSealed<E extends Pick<EventEnvelope, 'type' | 'version' | 'payload'>>(envelope: E, open: (sealed: string) => string): E {
  const payload = envelope.payload as Payload | null;
  // v2 seals every detail that is not a code (libs/contracts); v1 carried them as written.
  if (envelope.type === 'staff.action-recorded' && envelope.version >= 2) {
    return withFields(envelope, sealableFields(envelope).filter(([, v]) => typeof v === 'string').map(([path, v]) => [path, open(v as string)]));
  }
  const fields = (PLATFORM_SEALED_FIELDS[eventKey(envelope.type, envelope.version)] ?? []).filter((f) => typeof payload?.[f] === 'string');
  if (!fields.length) return envelope;
  return withFields(envelope, fields.map((f) => [`payload.${f}`, open(payload![f] as string)]));
}

/**
 * Texts the archive keeps outside the chain that can name the customer, sealed under the key of
 * the complaint they are about like the fields above (SubjectKeyStore.sealText): `table.column`,
 * bound into each seal together with the row's id. A legal hold's reasons quote the claim behind
 * it, and the chain's copy of them (staff.action-recorded) is sealed already.
 */
export const SEALED_HOLD_REASON = 'archive_legal_holds.reason';
export const SEALED_HOLD_RELEASE_REASON = 'archive_legal_holds.release_reason';

/** A sealed field as stored in the envelope: the ciphertext, or (sealed after its key was destroyed) only the erasure date. */
export type SealedField = { sealed: string } | { erased: string };

export const isSealedField = (v: unknown): v is SealedField =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 &&
  (typeof (v as { sealed?: unknown }).sealed === 'string' || typeof (v as { erased?: unknown }).erased === 'string');

/** What readers see in place of a field whose key was destroyed. */
export const erasedMarker = (destroyedAt: string | Date) =>
  `[erased under retention policy on ${(typeof destroyedAt === 'string' ? destroyedAt : destroyedAt.toISOString()).slice(0, 10)}]`;

type Payload = Record<string, unknown>;

/** The sealable fields of an event present with a value, as [path, value] ("payload.summary", "payload.detail.reason"). */
export function sealableFields(envelope: Pick<EventEnvelope, 'type' | 'payload'>): [string, unknown][] {
  const payload = envelope.payload as Payload | null;
  if (!payload || typeof payload !== 'object') return [];
  if (envelope.type === 'staff.action-recorded') {
    const detail = payload.detail as Payload | undefined;
    if (!detail || typeof detail !== 'object') return [];
    return Object.entries(detail)
      // Every detail but the codes, ids, enumerations and dates producers send in clear (libs/contracts);
      // a code listed there later was sealed in the entries before, and is opened where it is.
      .filter(([k, v]) => (!STAFF_DETAILS_IN_CLEAR.has(k) || isSealedField(v)) && v !== null && v !== undefined)
      .map(([k, v]) => [`payload.detail.${k}`, v]);
  }
  return (SEALED_FIELDS[envelope.type] ?? []).filter((f) => payload[f] !== null && payload[f] !== undefined).map((f) => [`payload.${f}`, payload[f]]);
}

/** A copy of the envelope with `replace(path, value)` put at each path; the rest untouched. */
function withFields<E extends Pick<EventEnvelope, 'payload'>>(envelope: E, replacements: [string, unknown][]): E {
  if (!replacements.length) return envelope;
  const copy = { ...envelope, payload: { ...(envelope.payload as Payload) } };
  for (const [path, value] of replacements) {
    const [, field, sub] = path.split('.');
    if (sub === undefined) copy.payload[field] = value;
    else copy.payload[field] = { ...(copy.payload[field] as Payload), [path.slice(`payload.${field}.`.length)]: value };
  }
  return copy;
}

/** The envelope with each sealable field replaced by what `seal` makes of it. */
export function sealEnvelope<E extends Pick<EventEnvelope, 'type' | 'payload'>>(envelope: E, seal: (path: string, value: unknown) => SealedField): E {
  return withFields(envelope, sealableFields(envelope).map(([path, value]) => [path, seal(path, value)]));
}

/**
 * The envelope with each sealed field at a sealable path replaced by what `open` reads from it,
 * and each one archived in clear (before fields were sealed) by what `inClear` makes of it.
 */
export function openEnvelope<E extends Pick<EventEnvelope, 'type' | 'payload'>>(
  envelope: E,
  open: (path: string, field: SealedField) => unknown,
  inClear: (path: string, value: unknown) => unknown = (_path, value) => value,
): E {
  return withFields(
    envelope,
    sealableFields(envelope).map(([path, value]) => [path, isSealedField(value) ? open(path, value) : inClear(path, value)]),
  );
}
