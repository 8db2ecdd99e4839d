import { randomBytes } from 'node:crypto';
import { webhookSecretsFromEnv } from './webhook-signature';

const b64 = (secret: Buffer) => secret.toString('base64');

describe('WEBHOOK_SECRETS', () => {
  const web = randomBytes(32);
  const app = randomBytes(32);

  it('reads one secret per channel', () => {
    const secrets = webhookSecretsFromEnv({ WEBHOOK_SECRETS: `web:${b64(web)}, mobile-app:${b64(app)}` });
    expect([...secrets.keys()]).toEqual(['web', 'mobile-app']);
    expect(secrets.get('web')!.equals(web)).toBe(true);
    expect(secrets.get('mobile-app')!.equals(app)).toBe(true);
  });

  it('refuses to start when two channels share a secret, naming the channels and not the secret', () => {
    const shared = `web:${b64(web)},email:${b64(app)},mobile-app:${b64(web)}`;
    const refusal = (() => {
      try {
        webhookSecretsFromEnv({ WEBHOOK_SECRETS: shared });
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(refusal).toBe('WEBHOOK_SECRETS gives channels "web" and "mobile-app" the same secret: each channel needs its own');
  });

  it('refuses a channel named twice', () => {
    expect(() => webhookSecretsFromEnv({ WEBHOOK_SECRETS: `web:${b64(web)},web:${b64(app)}` })).toThrow('WEBHOOK_SECRETS names channel "web" twice');
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => webhookSecretsFromEnv({ WEBHOOK_SECRETS: `web:${b64(randomBytes(31))}` })).toThrow('WEBHOOK_SECRETS entry for "web" needs a secret of at least 32 bytes');
  });
});
