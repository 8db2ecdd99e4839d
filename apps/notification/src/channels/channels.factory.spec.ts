import path from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import { AppPushChannel } from './app-push-channel';
import { DEFAULT_LETTER_OUTBOX_DIR, deliveryChannelsFromEnvironment } from './channels.factory';
import { DELIVERY_CHANNELS } from './delivery-channel';
import { EmailChannel } from './email-channel';
import { LetterChannel } from './letter-channel';
import { SmsChannel } from './sms-channel';
import { RecordingServer } from './testing/recording-server';
import { SAMPLE_TICKET, zhFinalResponse } from './testing/sample-messages';
import { WechatChannel } from './wechat-channel';

const SECRET_B64 = randomBytes(32).toString('base64');

const FULL = {
  SMTP_URL: 'smtp://127.0.0.1:2525',
  SMTP_FROM: 'Example Bank <complaints@bank.example>',
  SMS_ENDPOINT: 'http://127.0.0.1:9/sms',
  SMS_API_KEY: 'key',
  APP_INBOX_ENDPOINT: 'http://127.0.0.1:9/inbox',
  APP_INBOX_SECRET: SECRET_B64,
  WECHAT_TEMPLATE_ENDPOINT: 'http://127.0.0.1:9/cgi-bin/message/template/send',
  WECHAT_TEMPLATE_ID: 'tmpl-1',
  WECHAT_ACCESS_TOKEN: 'fixed-token',
  BANK_NAME: '示例银行',
};

describe('deliveryChannelsFromEnvironment', () => {
  it('builds nothing from an empty environment (blank values count as absent)', () => {
    expect(deliveryChannelsFromEnvironment({}).size).toBe(0);
    expect(deliveryChannelsFromEnvironment({ SMTP_URL: '', SMS_API_KEY: '  ' }).size).toBe(0);
  });

  it('builds every adapter whose settings are present, keyed by its channel', () => {
    const channels = deliveryChannelsFromEnvironment(FULL);
    expect([...channels.keys()].sort()).toEqual(['app', 'email', 'letter', 'sms', 'wechat']);
    expect(channels.get('email')).toBeInstanceOf(EmailChannel);
    expect(channels.get('sms')).toBeInstanceOf(SmsChannel);
    expect(channels.get('app')).toBeInstanceOf(AppPushChannel);
    expect(channels.get('wechat')).toBeInstanceOf(WechatChannel);
    expect(channels.get('letter')).toBeInstanceOf(LetterChannel);
    for (const [name, adapter] of channels) {
      expect(adapter.channel).toBe(name);
      expect(DELIVERY_CHANNELS).toContain(name);
    }
    // the call-back channel is the service's to build
    expect(channels.has('phone')).toBe(false);
  });

  it('builds only the configured ones', () => {
    const channels = deliveryChannelsFromEnvironment({ SMS_ENDPOINT: FULL.SMS_ENDPOINT, SMS_API_KEY: 'k' });
    expect([...channels.keys()]).toEqual(['sms']);
  });

  it.each([
    [{ SMS_ENDPOINT: 'http://sms.example/send' }, 'SMS_API_KEY'],
    [{ SMS_API_KEY: 'k' }, 'SMS_ENDPOINT'],
    [{ SMS_MAX_LENGTH: '200' }, 'SMS_ENDPOINT, SMS_API_KEY'],
    [{ SMTP_FROM: 'a@b.cn' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://localhost' }, 'SMTP_FROM'],
    [{ APP_INBOX_ENDPOINT: 'http://app.example/inbox' }, 'APP_INBOX_SECRET'],
    [{ WECHAT_TEMPLATE_ENDPOINT: 'http://wx.example/send', WECHAT_TEMPLATE_ID: 't' }, 'WECHAT_ACCESS_TOKEN'],
    [{ LETTER_OUTBOX_DIR: '/var/letters' }, 'BANK_NAME'],
  ])('refuses half a configuration %p, naming %s', (env, missing) => {
    expect(() => deliveryChannelsFromEnvironment(env)).toThrow(`but ${missing} `);
  });

  it('refuses a bad SMS_MAX_LENGTH, a short or non-base64 APP_INBOX_SECRET and an endpoint that is not a URL', () => {
    expect(() => deliveryChannelsFromEnvironment({ ...FULL, SMS_MAX_LENGTH: 'lots' })).toThrow(/SMS_MAX_LENGTH/);
    expect(() => deliveryChannelsFromEnvironment({ ...FULL, SMS_MAX_LENGTH: '50' })).toThrow(/SMS_MAX_LENGTH/);
    expect(() => deliveryChannelsFromEnvironment({ ...FULL, APP_INBOX_SECRET: randomBytes(16).toString('base64') })).toThrow(/APP_INBOX_SECRET/);
    expect(() => deliveryChannelsFromEnvironment({ ...FULL, APP_INBOX_SECRET: 'not base64 at all!' })).toThrow(/APP_INBOX_SECRET/);
    expect(() => deliveryChannelsFromEnvironment({ ...FULL, SMS_ENDPOINT: 'sms-provider' })).toThrow(/SMS_ENDPOINT is not a URL/);
  });

  it('puts letters in .data/letters unless LETTER_OUTBOX_DIR says otherwise', () => {
    const byDefault = deliveryChannelsFromEnvironment({ BANK_NAME: '示例银行' }).get('letter') as LetterChannel;
    expect(byDefault.outboxDir).toBe(path.resolve(DEFAULT_LETTER_OUTBOX_DIR));
    const configured = deliveryChannelsFromEnvironment({ BANK_NAME: '示例银行', LETTER_OUTBOX_DIR: '/srv/print/outbox' }).get('letter') as LetterChannel;
    expect(configured.outboxDir).toBe('/srv/print/outbox');
  });

  describe('wired to a provider', () => {
    let provider: RecordingServer;
    beforeEach(async () => {
      provider = await RecordingServer.start();
      provider.reply = { status: 200, body: { id: 'p-1', errcode: 0, errmsg: 'ok', msgid: 7 } };
    });
    afterEach(async () => {
      await provider.close();
    });

    it('cuts SMS at SMS_MAX_LENGTH, 300 by default', async () => {
      await deliveryChannelsFromEnvironment({ SMS_ENDPOINT: provider.url, SMS_API_KEY: 'k' }).get('sms')!.deliver(zhFinalResponse());
      await deliveryChannelsFromEnvironment({ SMS_ENDPOINT: provider.url, SMS_API_KEY: 'k', SMS_MAX_LENGTH: '120' }).get('sms')!.deliver(zhFinalResponse());
      expect(provider.requests.map((r) => Array.from(JSON.parse(r.body).text as string).length)).toEqual([300, 120]);
      expect(provider.requests.every((r) => r.headers.authorization === 'Bearer k')).toBe(true);
    });

    it('signs app messages with the decoded APP_INBOX_SECRET and sends WeChat the fixed token', async () => {
      const env = { APP_INBOX_ENDPOINT: provider.url, APP_INBOX_SECRET: SECRET_B64, WECHAT_TEMPLATE_ENDPOINT: `${provider.url}/wx`, WECHAT_TEMPLATE_ID: 'tmpl-1', WECHAT_ACCESS_TOKEN: 'fixed-token' };
      const channels = deliveryChannelsFromEnvironment(env);
      await channels.get('app')!.deliver(zhFinalResponse());
      await channels.get('wechat')!.deliver(zhFinalResponse());

      const [app, wechat] = provider.requests;
      const expected = createHmac('sha256', Buffer.from(SECRET_B64, 'base64'))
        .update(`${app.headers['x-signature-timestamp']}.${app.headers['x-signature-nonce']}.${app.body}`)
        .digest('hex');
      expect(app.headers['x-signature']).toBe(expected);
      expect(new URL(wechat.url, provider.url).searchParams.get('access_token')).toBe('fixed-token');
      expect(JSON.parse(wechat.body).data.keyword1.value).toBe(SAMPLE_TICKET);
    });
  });
});
