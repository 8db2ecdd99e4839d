import { DigitalFormAdapter } from './digital-form.adapter';

export { DigitalFormAdapter };
export const webAdapter = (secret: Buffer | undefined) => new DigitalFormAdapter('web', secret);
