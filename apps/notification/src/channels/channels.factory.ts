import path from 'node:path';
import { AppPushChannel, MIN_APP_INBOX_SECRET_BYTES } from './app-push-channel';
import { DeliveryChannel, DeliveryChannelName } from './delivery-channel';
import { EmailChannel } from './email-channel';
import { LetterChannel } from './letter-channel';
import { DEFAULT_SMS_MAX_LENGTH, MIN_SMS_MAX_LENGTH, SmsChannel } from './sms-channel';
import { WechatChannel } from './wechat-channel';

export const DEFAULT_LETTER_OUTBOX_DIR = '.data/letters';

/** Each adapter's variables: all present → the adapter is built; none → it is not; some → an error naming the missing ones. */
const GROUPS = {
  email: ['SMTP_URL', 'SMTP_FROM'],
  sms: ['SMS_ENDPOINT', 'SMS_API_KEY'],
  app: ['APP_INBOX_ENDPOINT', 'APP_INBOX_SECRET'],
  wechat: ['WECHAT_TEMPLATE_ENDPOINT', 'WECHAT_TEMPLATE_ID', 'WECHAT_ACCESS_TOKEN'],
  // LETTER_OUTBOX_DIR has a default, so BANK_NAME alone switches letters on
  letter: ['BANK_NAME'],
} as const;
/** Optional variables that make no sense without their group. */
const EXTRAS: Partial<Record<keyof typeof GROUPS, string[]>> = { sms: ['SMS_MAX_LENGTH'], letter: ['LETTER_OUTBOX_DIR'] };

/**
 * The delivery adapters whose settings are present in the environment:
 *
 *  - email:  SMTP_URL, SMTP_FROM
 *  - sms:    SMS_ENDPOINT, SMS_API_KEY, optional SMS_MAX_LENGTH (default 300)
 *  - app:    APP_INBOX_ENDPOINT, APP_INBOX_SECRET (base64, at least 32 bytes)
 *  - wechat: WECHAT_TEMPLATE_ENDPOINT, WECHAT_TEMPLATE_ID, WECHAT_ACCESS_TOKEN (a fixed token for now)
 *  - letter: BANK_NAME, optional LETTER_OUTBOX_DIR (default .data/letters)
 *
 * Half a configuration (say SMS_ENDPOINT without SMS_API_KEY) throws, naming what is missing. The
 * call-back ('phone') channel needs the service's task store and is built by the service.
 */
export function deliveryChannelsFromEnvironment(env: NodeJS.ProcessEnv = process.env): Map<DeliveryChannelName, DeliveryChannel> {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const configured = (group: keyof typeof GROUPS): boolean => {
    const names = GROUPS[group];
    const missing = names.filter((n) => !value(n));
    const given = [...names, ...(EXTRAS[group] ?? [])].filter((n) => value(n));
    if (given.length === 0) return false;
    if (missing.length) {
      throw new Error(`${given.join(', ')} ${given.length > 1 ? 'are' : 'is'} set but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not: the ${group} channel needs ${names.join(', ')}`);
    }
    return true;
  };
  const url = (name: string): string => {
    const v = value(name)!;
    try {
      return new URL(v).toString();
    } catch {
      throw new Error(`${name} is not a URL: ${v}`);
    }
  };

  const channels = new Map<DeliveryChannelName, DeliveryChannel>();
  if (configured('email')) {
    channels.set('email', new EmailChannel({ url: value('SMTP_URL')!, from: value('SMTP_FROM')! }));
  }
  if (configured('sms')) {
    const raw = value('SMS_MAX_LENGTH');
    const maxLength = raw === undefined ? DEFAULT_SMS_MAX_LENGTH : Number(raw);
    if (!Number.isInteger(maxLength) || maxLength < MIN_SMS_MAX_LENGTH) {
      throw new Error(`SMS_MAX_LENGTH must be a whole number of at least ${MIN_SMS_MAX_LENGTH}, got "${raw}"`);
    }
    channels.set('sms', new SmsChannel({ endpoint: url('SMS_ENDPOINT'), apiKey: value('SMS_API_KEY')!, maxLength }));
  }
  if (configured('app')) {
    const raw = value('APP_INBOX_SECRET')!;
    const secret = Buffer.from(raw, 'base64');
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw) || secret.length < MIN_APP_INBOX_SECRET_BYTES) {
      throw new Error(`APP_INBOX_SECRET must be base64 of at least ${MIN_APP_INBOX_SECRET_BYTES} bytes`);
    }
    channels.set('app', new AppPushChannel({ endpoint: url('APP_INBOX_ENDPOINT'), secret }));
  }
  if (configured('wechat')) {
    const token = value('WECHAT_ACCESS_TOKEN')!;
    channels.set(
      'wechat',
      new WechatChannel({ endpoint: url('WECHAT_TEMPLATE_ENDPOINT'), templateId: value('WECHAT_TEMPLATE_ID')!, accessToken: async () => token }),
    );
  }
  if (configured('letter')) {
    const outboxDir = path.resolve(value('LETTER_OUTBOX_DIR') ?? DEFAULT_LETTER_OUTBOX_DIR);
    channels.set('letter', new LetterChannel({ outboxDir, bankName: value('BANK_NAME')! }));
  }
  return channels;
}
