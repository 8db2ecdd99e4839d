import { DigitalFormAdapter } from '../web/digital-form.adapter';

/** The app posts the same form as the website, from the logged-in customer's session. */
export const mobileAppAdapter = (secret: Buffer | undefined) => new DigitalFormAdapter('mobile-app', secret);
