import { deliveryPolicyFromEnv } from './delivery-policy';

describe('deliveryPolicyFromEnv', () => {
  it('defaults: quiet from 21:00 to 08:00, the regime\'s zone, three messages an hour', () => {
    expect(deliveryPolicyFromEnv({})).toEqual({
      quietHours: { startMinute: 21 * 60, endMinute: 8 * 60 },
      timeZones: { 'cn-cbirc': 'Asia/Shanghai', 'uk-fca': 'Europe/London', 'us-cfpb': 'America/New_York' },
      rateLimit: { limit: 3, windowMs: 3_600_000 },
      retryDelayMs: 300_000,
    });
  });

  it('takes each setting from the environment', () => {
    const policy = deliveryPolicyFromEnv({
      QUIET_HOURS: '22:30-07:00',
      CUSTOMER_TIME_ZONES: 'us-cfpb:America/Chicago, uk-fca:Europe/Belfast',
      NOTIFICATION_RATE_LIMIT: '5/1d',
      NOTIFICATION_RETRY_DELAY_MS: '60000',
    });
    expect(policy).toEqual({
      quietHours: { startMinute: 22 * 60 + 30, endMinute: 7 * 60 },
      timeZones: { 'cn-cbirc': 'Asia/Shanghai', 'uk-fca': 'Europe/Belfast', 'us-cfpb': 'America/Chicago' },
      rateLimit: { limit: 5, windowMs: 86_400_000 },
      retryDelayMs: 60_000,
    });
  });

  it('switches quiet hours and the limit off with "off"', () => {
    expect(deliveryPolicyFromEnv({ QUIET_HOURS: 'off', NOTIFICATION_RATE_LIMIT: 'off' })).toMatchObject({ quietHours: null, rateLimit: null });
  });

  it.each([
    [{ CUSTOMER_TIME_ZONES: 'cn-cbirc:Asia/Peking_Duck' }, /not an IANA time zone/],
    [{ CUSTOMER_TIME_ZONES: 'eu-eba:Europe/Paris' }, /<regime>:<IANA zone>/],
    [{ QUIET_HOURS: '21-8' }, /quiet hours must look like/],
    [{ NOTIFICATION_RATE_LIMIT: 'lots' }, /rate limit must look like/],
    [{ NOTIFICATION_RETRY_DELAY_MS: '10' }, /NOTIFICATION_RETRY_DELAY_MS/],
  ])('refuses to start on %j', (env, message) => {
    expect(() => deliveryPolicyFromEnv(env)).toThrow(message);
  });
});
