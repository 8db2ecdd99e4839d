export * from './environment';
export * from './harness';
export * from './platform-processes';
