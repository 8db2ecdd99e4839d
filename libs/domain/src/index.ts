export * from './deadlines';
export * from './calendars';
export * from './deadline-clock';
export * from './redaction';
export * from './ticket-number';
export * from './lifecycle';
export * from './triage-rules';
export * from './money';
