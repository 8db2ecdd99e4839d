import { EventDefinition, Events, STAFF_DETAILS_IN_CLEAR } from '@complaints/contracts';
import { maskDigitRuns } from '@complaints/domain';
import type { EarlierVersion } from '@complaints/messaging';
import { FieldCipher } from './field-cipher';

/**
 * How the staff's free text travels: `sealed` (the default), in the versions that carry it sealed
 * with the platform's PII keys; or `masked`, in the versions before those, with digit runs masked,
 * which replicas of the earlier release read. `masked` is for the first step of rolling out the
 * release that sealed it (docs/architecture.md, "Rolling out a new version"): every service reads
 * both, and only once every replica does is the setting dropped.
 */
export type StaffTextOnTheWire = 'sealed' | 'masked';

export function staffTextOnTheWireFromEnv(env: NodeJS.ProcessEnv = process.env): StaffTextOnTheWire {
  const value = env.STAFF_TEXT_ON_THE_WIRE ?? 'sealed';
  if (value !== 'sealed' && value !== 'masked') throw new Error(`STAFF_TEXT_ON_THE_WIRE must be sealed or masked, not ${value}`);
  return value;
}

type Payload = Record<string, unknown>;
type Open = (sealed: string) => string;

/** The staff's words as the earlier version carried them: opened, digit runs masked. */
const masked = (value: unknown, open: Open): unknown => (typeof value === 'string' ? maskDigitRuns(open(value)) : value);

/** The text within `max` characters, an ellipsis saying where it was cut. */
const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

const sealedFields =
  (...fields: string[]) =>
  (payload: Payload, open: Open): Payload =>
    Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, fields.includes(k) ? masked(v, open) : v]));

/** Each version that seals staff text, with the version before it and how its payload reads there. */
const BEFORE_SEALING: ReadonlyMap<string, { earlier: EventDefinition; payload: (payload: Payload, open: Open) => Payload }> = new Map([
  [Events.CaseTaskRequested.pattern, { earlier: Events.CaseTaskRequestedV1, payload: sealedFields('request') }],
  [Events.CaseTaskCompleted.pattern, { earlier: Events.CaseTaskCompletedV1, payload: sealedFields('result') }],
  [Events.CaseResolutionDecided.pattern, { earlier: Events.CaseResolutionDecidedV1, payload: sealedFields('reason') }],
  [Events.CaseExtensionRequested.pattern, { earlier: Events.CaseExtensionRequestedV1, payload: sealedFields('reason') }],
  [Events.CaseExtensionDecided.pattern, { earlier: Events.CaseExtensionDecidedV1, payload: sealedFields('reason') }],
  [Events.CaseEscalated.pattern, { earlier: Events.CaseEscalatedV1, payload: sealedFields('reason') }],
  [Events.CaseReviewRequested.pattern, { earlier: Events.CaseReviewRequestedV1, payload: sealedFields('reason') }],
  [Events.CaseReopened.pattern, { earlier: Events.CaseReopenedV1, payload: sealedFields('reason') }],
  [Events.CaseClosed.pattern, { earlier: Events.CaseClosedV1, payload: sealedFields('reason') }],
  [Events.ImprovementActionRaised.pattern, { earlier: Events.ImprovementActionRaisedV1, payload: sealedFields('measure') }],
  [Events.ImprovementActionUpdated.pattern, { earlier: Events.ImprovementActionUpdatedV1, payload: sealedFields('note') }],
  [Events.RemedyRejected.pattern, { earlier: Events.RemedyRejectedV1, payload: sealedFields('reason') }],
  [Events.RemedyReversed.pattern, { earlier: Events.RemedyReversedV1, payload: sealedFields('reason') }],
  [Events.RemedyWithdrawn.pattern, { earlier: Events.RemedyWithdrawnV1, payload: sealedFields('reason') }],
  [Events.ComplaintRetriaged.pattern, { earlier: Events.ComplaintRetriagedV1, payload: sealedFields('reason') }],
  [
    Events.StaffActionRecorded.pattern,
    {
      earlier: Events.StaffActionRecordedV1,
      // v1 takes 500 characters a detail; v2 seals reasons of up to 2,000.
      payload: ({ detail, ...rest }: Payload, open: Open) => ({
        ...rest,
        detail: Object.fromEntries(
          Object.entries(detail as Record<string, string>).map(([k, v]) => [k, STAFF_DETAILS_IN_CLEAR.has(k) ? v : cut(masked(v, open) as string, 500)]),
        ),
      }),
    },
  ],
  [
    Events.DeadlineClockChanged.pattern,
    {
      earlier: Events.DeadlineClockChangedV2,
      // v2 had no staffReason: the staff's words, where there are any, were its reason.
      payload: ({ staffReason, ...rest }: Payload, open: Open) => (typeof staffReason === 'string' ? { ...rest, reason: masked(staffReason, open) } : rest),
    },
  ],
]);

/** The patterns `staffTextAsBeforeSealing` writes as their earlier version. */
export const SEALED_STAFF_TEXT_PATTERNS: readonly string[] = [...BEFORE_SEALING.keys()];

/**
 * For `STAFF_TEXT_ON_THE_WIRE=masked`: each event whose version seals staff text is written as the
 * version before it, the text opened with the service's keys and digit-masked as it was then; every
 * other event as it is. The keys are read here, as the service starts (every service holds
 * `PII_KEYS`).
 */
export function staffTextAsBeforeSealing(env: NodeJS.ProcessEnv = process.env): EarlierVersion {
  const cipher = FieldCipher.fromEnv(env, { pseudonyms: false });
  const open: Open = (sealed) => cipher.decrypt(sealed);
  return (definition, payload) => {
    const before = BEFORE_SEALING.get(definition.pattern);
    return before ? { definition: before.earlier, payload: before.payload(payload as Payload, open) } : null;
  };
}
