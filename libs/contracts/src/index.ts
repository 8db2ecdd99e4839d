export * from './envelope';
export * from './money';
export * from './events';
export * from './catalogue';
export * from './validation';
export * from './roles';
