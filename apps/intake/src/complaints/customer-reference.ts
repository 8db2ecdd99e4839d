import type { FieldCipher } from '@complaints/platform';

/** What a complaint says about who filed it; any of it may be missing. */
export interface ComplainantIdentifiers {
  customerId?: string;
  idNumber?: string;
  phone?: string;
  email?: string;
  channelUserId?: string;
}

/**
 * Spaces and dashes are how people write a number, not part of it, and `00` is the international
 * prefix written out; the rest is kept, so a national and an international form stay different.
 */
export const phoneForReference = (phone: string): string => phone.normalize('NFKC').replace(/[\s()\-.–]/gu, '').replace(/^00/, '+');

/**
 * The customer reference (`customerRef`) of a complaint: a keyed pseudonym of the first of the
 * customer id, ID number, phone, e-mail and channel user id that was given, with its kind in the
 * hashed text, so a customer number that happens to equal someone's phone number is another
 * customer. A channel user id belongs to its channel. A name identifies nobody (two callers
 * named 王芳 are two people): a complaint with nothing else gets a reference of its own, from its
 * id, rather than one shared with everyone of that name.
 */
export function customerRefOf(cipher: FieldCipher, complainant: ComplainantIdentifiers, complaint: { id: string; channel: string }): string {
  const { customerId, idNumber, phone, email, channelUserId } = complainant;
  const identity =
    (customerId && `customer-id:${customerId.trim()}`) ||
    (idNumber && `id-number:${idNumber.trim()}`) ||
    (phone && `phone:${phoneForReference(phone)}`) ||
    (email && `email:${email.trim()}`) ||
    (channelUserId && `channel-user:${complaint.channel}:${channelUserId.trim()}`) ||
    `complaint:${complaint.id}`;
  return cipher.pseudonym('cust', identity);
}

/** The reference a logged-in customer's own complaints carry: the token's subject is their customer id. */
export const customerRefOfCustomer = (cipher: FieldCipher, customerId: string): string => cipher.pseudonym('cust', `customer-id:${customerId.trim()}`);

/**
 * References issued before the kind was part of the hashed text were a pseudonym of the bare
 * value. Complaints keep the reference they were filed with; this one is only for recognising a
 * logged-in customer's earlier complaints.
 */
export const unkindedCustomerRef = (cipher: FieldCipher, value: string): string => cipher.pseudonym('cust', value);
