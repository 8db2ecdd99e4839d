import { ComplainantDetails, personalValuesOfComplainant } from '@complaints/intake-adapters';
import { FieldCipher } from '@complaints/platform';
import { ComplaintRecord } from './complaint.entity';

/** The contact details an amendment may replace. */
export type ContactDetails = Pick<ComplainantDetails, 'phone' | 'email' | 'postalAddress'>;

/**
 * The complainant as sealed at rest: their details as they are now and, in `formerContact`, every
 * phone, e-mail and postal address an amendment replaced. The free text the customer wrote before
 * (the description, a supplement) may still quote those, and they are personal data as much as the
 * current ones, so what leaves intake and what masked roles read has them taken out too. They are
 * sealed with the rest and never shown: the complainant intake hands on is the current one.
 */
export interface SealedComplainant extends ComplainantDetails {
  formerContact?: ContactDetails[];
}

export function openComplainant(cipher: FieldCipher, record: ComplaintRecord): SealedComplainant {
  return JSON.parse(cipher.decrypt(record.complainantSealed)) as SealedComplainant;
}

/** The complainant as they are now, without the contact details they no longer use. */
export function currentComplainant(sealed: SealedComplainant): ComplainantDetails {
  const { formerContact: _former, ...current } = sealed;
  return current;
}

/** The complainant with `change` applied, the contact details it replaces kept in `formerContact`. */
export function withAmendedContact(sealed: SealedComplainant, change: ContactDetails): SealedComplainant {
  const replaced: ContactDetails = {};
  for (const key of ['phone', 'email', 'postalAddress'] as const) {
    const before = sealed[key];
    if (change[key] !== undefined && typeof before === 'string' && before.trim() !== '' && before !== change[key]) replaced[key] = before;
  }
  const formerContact = [...(sealed.formerContact ?? []), ...(Object.keys(replaced).length > 0 ? [replaced] : [])];
  return { ...currentComplainant(sealed), ...change, ...(formerContact.length > 0 ? { formerContact } : {}) };
}

/** The personal values of the complainant, now and before any amendment, that free text may repeat. */
export function personalValuesOfSealedComplainant(sealed: SealedComplainant): (string | undefined)[] {
  return [personalValuesOfComplainant(currentComplainant(sealed)), ...(sealed.formerContact ?? []).map((former) => personalValuesOfComplainant(former))].flat();
}
