/** The cipher that seals what quotes the customer (contact summaries, notes). */
export const FIELD_CIPHER = Symbol('FIELD_CIPHER');
