export * from './environment';
export * from './harness';
