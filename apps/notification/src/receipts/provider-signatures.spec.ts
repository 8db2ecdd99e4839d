import { randomBytes } from 'node:crypto';
import { RequestWithRawBody, signWebhook } from '@complaints/platform';
import { providerSecretsFromEnv, ProviderWebhookVerifier } from './provider-signatures';

const SMS_SECRET = randomBytes(32);
const EMAIL_SECRET = randomBytes(32);
const NOW = 1_780_000_000;
const NONCE = 'n0nce-of-twenty-chars';
const BODY = JSON.stringify({ messageId: '5f1c2f9e-8d4b-4c52-9a8e-1f5f0b7f2a61', status: 'bounced', reason: 'mailbox full' });

const verifier = new ProviderWebhookVerifier(
  new Map([
    ['sms', SMS_SECRET],
    ['email', EMAIL_SECRET],
  ]),
  () => NOW,
);

function request(options: { path?: string; body?: string; headers?: Record<string, string | undefined> } = {}): RequestWithRawBody {
  const body = options.body ?? BODY;
  const headers = {
    'x-signature-timestamp': String(NOW),
    'x-signature-nonce': NONCE,
    'x-signature': signWebhook(EMAIL_SECRET, NOW, NONCE, body),
    ...options.headers,
  };
  return { headers, rawBody: Buffer.from(body), originalUrl: options.path ?? '/v1/notifications/receipts/email', url: options.path } as unknown as RequestWithRawBody;
}

describe('ProviderWebhookVerifier', () => {
  it('accepts a callback signed with its channel\'s secret over the exact bytes sent', () => {
    expect(verifier.verify('email', request())).toEqual({ ok: true, nonce: NONCE, timestamp: NOW });
  });

  it.each<[string, Parameters<typeof request>[0], string, RegExp]>([
    ['no signature headers', { headers: { 'x-signature': undefined, 'x-signature-nonce': undefined, 'x-signature-timestamp': undefined } }, 'email', /headers .* are required/],
    ['signed with a guessed secret', { headers: { 'x-signature': signWebhook(randomBytes(32), NOW, NONCE, BODY) } }, 'email', /does not match/],
    ['signed with another provider\'s secret', { headers: { 'x-signature': signWebhook(SMS_SECRET, NOW, NONCE, BODY) } }, 'email', /does not match/],
    ['body changed after signing', { body: BODY.replace('bounced', 'delivered'), headers: { 'x-signature': signWebhook(EMAIL_SECRET, NOW, NONCE, BODY) } }, 'email', /does not match/],
    ['a signature one hex digit off', { headers: { 'x-signature': signWebhook(EMAIL_SECRET, NOW, NONCE, BODY).replace(/^./, (c) => (c === '0' ? '1' : '0')) } }, 'email', /does not match/],
    ['a stale timestamp', { headers: { 'x-signature-timestamp': String(NOW - 3600), 'x-signature': signWebhook(EMAIL_SECRET, NOW - 3600, NONCE, BODY) } }, 'email', /from now/],
    ['a truncated signature', { headers: { 'x-signature': signWebhook(EMAIL_SECRET, NOW, NONCE, BODY).slice(0, 32) } }, 'email', /64 lowercase hex/],
    ['a channel with no secret', {}, 'app', /no provider secret/],
    ['a channel nobody serves', {}, 'web', /no provider secret/],
  ])('refuses %s', (_what, options, channel, reason) => {
    const verdict = verifier.verify(channel, request(options));
    expect(verdict.ok).toBe(false);
    expect(verdict).toMatchObject({ reason: expect.stringMatching(reason) });
    expect(verdict).not.toHaveProperty('unknownChannel');
  });

  it('takes the SMS provider\'s secret on the survey reply route, which names no channel', () => {
    const body = JSON.stringify({ from: '+8613900001111', text: '4 很满意' });
    const smsSigned = { 'x-signature': signWebhook(SMS_SECRET, NOW, NONCE, body) };
    expect(verifier.verify('', request({ path: '/v1/surveys/sms-replies', body, headers: smsSigned })).ok).toBe(true);
    expect(verifier.verify('', request({ path: '/v1/surveys/sms-replies/?x=1', body, headers: smsSigned })).ok).toBe(true);
    const emailSigned = { 'x-signature': signWebhook(EMAIL_SECRET, NOW, NONCE, body) };
    expect(verifier.verify('', request({ path: '/v1/surveys/sms-replies', body, headers: emailSigned })).ok).toBe(false);
    expect(verifier.verify('', request({ path: '/v1/surveys/other', body, headers: smsSigned })).ok).toBe(false);
  });
});

describe('providerSecretsFromEnv', () => {
  it('reads one secret per provider', () => {
    const secrets = providerSecretsFromEnv({ PROVIDER_WEBHOOK_SECRETS: `sms:${SMS_SECRET.toString('base64')}, email:${EMAIL_SECRET.toString('base64')}` });
    expect([...secrets.keys()]).toEqual(['sms', 'email']);
    expect(secrets.get('sms')).toEqual(SMS_SECRET);
  });

  it('has none when unset', () => {
    expect(providerSecretsFromEnv({}).size).toBe(0);
  });

  it.each([
    [`fax:${SMS_SECRET.toString('base64')}`, /channel among/],
    [`sms:${randomBytes(16).toString('base64')}`, /at least 32 bytes/],
    ['sms:not base64!', /at least 32 bytes/],
    [SMS_SECRET.toString('base64'), /channel among/],
  ])('refuses %j', (spec, message) => {
    expect(() => providerSecretsFromEnv({ PROVIDER_WEBHOOK_SECRETS: spec })).toThrow(message);
  });
});
