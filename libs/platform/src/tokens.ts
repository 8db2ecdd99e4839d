export const KAFKA = Symbol('KAFKA');
export const SERVICE_NAME = Symbol('SERVICE_NAME');
export const READINESS = Symbol('READINESS');

export interface Readiness {
  accepting: boolean;
}
