export * from './adapter-config';
export * from './canonical-complaint';
export * from './channel-adapter';
export * from './registry';
export * from './reply-to';
