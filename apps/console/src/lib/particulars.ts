import type { I18n } from '../i18n/i18n';
import type { StaffComplaint } from './types';

/** One line of what the complaint says, as the case page lists it. */
export interface Particular {
  key: string;
  label: string;
  value: string;
  /** Lines the handler must not miss (a vulnerable customer, a regulator's deadline) are marked. */
  attention: boolean;
}

type Words = Pick<I18n, 't' | 'label' | 'dateTime' | 'date'>;

/**
 * What intake recorded beyond the description, for whoever works the case: how the customer is to
 * be answered, who filed for them, whether they are vulnerable, and whether a regulator referred
 * the complaint with a deadline of its own. Only what the complaint gives; personal data arrives
 * already masked for roles that do not need it.
 */
export function complaintParticulars(complaint: StaffComplaint, { t, label, dateTime, date }: Words): Particular[] {
  const rows: Particular[] = [];
  const add = (key: string, labelKey: Parameters<Words['t']>[0], value: string | null | undefined, attention = false) => {
    if (value !== null && value !== undefined && value.trim() !== '') rows.push({ key, label: t(labelKey), value, attention });
  };
  const who = complaint.complainant;
  add('complainant', 'case.complainant', [who.name, who.phone, who.email].filter(Boolean).join(' · ') || '—');
  add('idNumber', 'case.idNumber', who.idNumber);
  add('postalAddress', 'case.postalAddress', who.postalAddress?.split('\n').join(', '));
  add('replyVia', 'case.replyVia', complaint.preferredReplyChannel ? label('contactChannel', complaint.preferredReplyChannel) : null);
  const rep = complaint.onBehalfOf;
  add('onBehalfOf', 'case.onBehalfOf', rep ? [`${rep.name} (${label('relationship', rep.relationship)})`, rep.phone, t('case.authorisation', { reference: rep.authorisationReference })].filter(Boolean).join(' · ') : null);
  const v = complaint.vulnerability;
  const needs = [...(v?.ageBand ? [t('case.ageBand', { band: label('ageBand', v.ageBand) })] : []), ...(v?.declaredNeeds ?? []).map((n) => label('declaredNeed', n))];
  add('vulnerability', 'case.vulnerability', needs.length ? needs.join(' · ') : null, true);
  const referral = complaint.regulatorReferral;
  add(
    'regulatorReferral',
    'case.regulatorReferral',
    referral ? [label('regulatorBody', referral.body), referral.caseNumber, ...(referral.deadline ? [t('case.referralDue', { date: dateTime(referral.deadline) })] : [])].join(' · ') : null,
    true,
  );
  add('accountReference', 'case.accountReference', complaint.accountReference ? `···· ${complaint.accountReference}` : null);
  add('occurredAt', 'case.occurredAt', complaint.occurredAt ? date(complaint.occurredAt) : null);
  add('attachments', 'case.attachments', complaint.attachments?.length ? complaint.attachments.map((a) => a.fileName ?? a.mediaType).join(', ') : null);
  return rows;
}
