export const FIELD_CIPHER = Symbol('FIELD_CIPHER');
export const INTAKE_REGIME = Symbol('INTAKE_REGIME');
