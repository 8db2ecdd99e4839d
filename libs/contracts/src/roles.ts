/**
 * Who may call what. A token's `roles` claim carries these names; every endpoint declares the
 * roles it admits, and a route without a declaration is refused.
 */
export const ROLES = [
  /** A channel's adapter (branch, hotline, app, web, WeChat, e-mail, chatbot, regulator feed); the token's `channel` claim says which. */
  'channel-adapter',
  /** A customer asking about their own complaint through self-service. */
  'customer',
  'triage-officer',
  'investigator',
  /** Staff of a department asked to help with a case. */
  'department-staff',
  /** Approves remedies up to the `approvalLimitMinor` claim of their token. */
  'approver',
  'compliance-officer',
  /** Reads everything, changes nothing, sees personal data masked. */
  'auditor',
  'administrator',
] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/**
 * Roles whose work needs the complainant's personal data in clear (to call the customer back,
 * to answer a regulator). Every other role sees it masked (JR/T 0171 class C2 data).
 */
export const PERSONAL_DATA_ROLES: readonly Role[] = ['investigator', 'compliance-officer'];

/** Staff roles: their actions on a complaint are recorded in the archive. */
export const STAFF_ROLES: readonly Role[] = [
  'triage-officer',
  'investigator',
  'department-staff',
  'approver',
  'compliance-officer',
  'auditor',
  'administrator',
];
