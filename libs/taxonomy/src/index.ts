export * from './taxonomy';
export * from './taxonomy-registry';
