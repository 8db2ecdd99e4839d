import { TransientDeliveryError, UndeliverableError } from './delivery-channel';
import { DEFAULT_SMS_MAX_LENGTH, SmsChannel, smsText } from './sms-channel';
import { RecordingServer } from './testing/recording-server';
import { enAcknowledgement, SAMPLE_TICKET, ZH_FINAL_RESPONSE_BODY, zhFinalResponse } from './testing/sample-messages';

const API_KEY = 'sms-test-key-1234';

describe('SmsChannel', () => {
  let provider: RecordingServer;
  let channel: SmsChannel;

  beforeEach(async () => {
    provider = await RecordingServer.start();
    channel = new SmsChannel({ endpoint: `${provider.url}/v1/messages`, apiKey: API_KEY });
  });
  afterEach(async () => {
    await provider.close();
  });

  it('posts to, text and clientReference with the bearer key and the messageId as idempotency key', async () => {
    provider.reply = { status: 202, body: { id: 'sms-778899', status: 'queued' } };
    const message = enAcknowledgement();
    const result = await channel.deliver(message);

    expect(result).toEqual({ status: 'sent', providerReference: 'sms-778899', detail: null });
    const request = provider.last;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/v1/messages');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.headers['idempotency-key']).toBe(message.messageId);
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(request.body)).toEqual({ to: message.to.phone, text: message.body, clientReference: message.messageId });
  });

  it('shortens a long Chinese message to the limit, keeping its beginning and adding the ticket and where to read the rest', async () => {
    provider.reply = { status: 200, body: { id: 'sms-1' } };
    expect(Array.from(ZH_FINAL_RESPONSE_BODY).length).toBeGreaterThan(DEFAULT_SMS_MAX_LENGTH);
    await channel.deliver(zhFinalResponse());

    const text: string = JSON.parse(provider.last.body).text;
    expect(Array.from(text).length).toBe(DEFAULT_SMS_MAX_LENGTH);
    expect(text.startsWith(ZH_FINAL_RESPONSE_BODY.slice(0, 100))).toBe(true);
    expect(text.endsWith(`…（受理编号 ${SAMPLE_TICKET}，完整内容请以书面函件或手机银行App为准）`)).toBe(true);
  });

  it('honours a configured limit', () => {
    const text = smsText(enAcknowledgement({ body: 'x'.repeat(500) }), 120);
    expect(text).toHaveLength(120);
    expect(text).toMatch(new RegExp(`^x+… \\(ref ${SAMPLE_TICKET}; see the letter or the app for the full text\\)$`));
    expect(smsText(enAcknowledgement({ body: 'short' }), 120)).toBe('short');
    expect(() => new SmsChannel({ endpoint: provider.url, apiKey: API_KEY, maxLength: 20 })).toThrow(/at least 100/);
  });

  it('reports a 400 as failed with the provider’s reason', async () => {
    provider.reply = { status: 400, body: { error: 'invalid_number', message: 'the number is not a mobile number' } };
    const result = await channel.deliver(zhFinalResponse());
    expect(result.status).toBe('failed');
    expect(result.providerReference).toBeNull();
    expect(result.detail).toContain('HTTP 400');
    expect(result.detail).toContain('not a mobile number');
  });

  it('masks the number a refusal quotes in its detail, keeping the reason', async () => {
    const message = zhFinalResponse();
    provider.reply = { status: 400, body: { error: 'blocked', message: `${message.to.phone} (+86 138 0013 8000) is on the blocklist` } };
    const result = await channel.deliver(message);
    expect(result.status).toBe('failed');
    expect(result.detail).toContain('is on the blocklist');
    expect(result.detail).not.toMatch(/13800138000|138 0013 8000/);
  });

  it('masks the number a provider\'s 5xx quotes in the transient error', async () => {
    const message = zhFinalResponse();
    provider.reply = { status: 503, body: `gateway busy sending to ${message.to.phone}, try later` };
    const attempt = channel.deliver(message);
    await expect(attempt).rejects.toThrow(TransientDeliveryError);
    await expect(attempt).rejects.toThrow(/HTTP 503 gateway busy sending to/);
    await expect(attempt).rejects.not.toThrow(/13800138000/);
  });

  it.each([429, 500, 503])('treats HTTP %i as transient', async (status) => {
    provider.reply = { status, body: { error: 'try later' } };
    await expect(channel.deliver(zhFinalResponse())).rejects.toThrow(TransientDeliveryError);
  });

  it('treats an unreachable provider as transient', async () => {
    await provider.close();
    await expect(channel.deliver(zhFinalResponse())).rejects.toThrow(TransientDeliveryError);
  });

  it('cannot deliver to a recipient without a phone number', async () => {
    await expect(channel.deliver(zhFinalResponse({ to: { email: 'a@b.cn' } }))).rejects.toThrow(UndeliverableError);
    expect(provider.requests).toHaveLength(0);
  });
});
