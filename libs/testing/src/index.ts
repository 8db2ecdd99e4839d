export * from './environment';
export * from './harness';
export * from './platform-processes';
export * from './test-issuer';
