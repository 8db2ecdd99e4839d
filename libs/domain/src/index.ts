export * from './deadlines';
export * from './redaction';
export * from './ticket-number';
export * from './lifecycle';
export * from './triage-rules';
export * from './money';
