import { createHmac, randomBytes } from 'node:crypto';
import { checkWebhookSignature } from '@complaints/platform';
import { AppPushChannel } from './app-push-channel';
import { TransientDeliveryError, UndeliverableError } from './delivery-channel';
import { RecordingServer } from './testing/recording-server';
import { zhFinalResponse } from './testing/sample-messages';

const SECRET = randomBytes(32);
const NOW = new Date('2026-11-20T01:30:00Z');

describe('AppPushChannel', () => {
  let inbox: RecordingServer;
  let channel: AppPushChannel;

  beforeEach(async () => {
    inbox = await RecordingServer.start();
    channel = new AppPushChannel({ endpoint: `${inbox.url}/inbox/messages`, secret: SECRET, now: () => NOW });
  });
  afterEach(async () => {
    await inbox.close();
  });

  it('posts the message to the inbox, signed with HMAC-SHA256 over timestamp.nonce.body', async () => {
    inbox.reply = { status: 201, body: { id: 'inbox-5501' } };
    const message = zhFinalResponse();
    const result = await channel.deliver(message);

    expect(result).toEqual({ status: 'sent', providerReference: 'inbox-5501', detail: null });
    const request = inbox.last;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/inbox/messages');
    expect(JSON.parse(request.body)).toEqual({
      messageId: message.messageId,
      appUserId: message.to.appUserId,
      ticketNumber: message.ticketNumber,
      kind: 'final-response',
      title: message.subject,
      body: message.body,
    });
    expect(request.headers['idempotency-key']).toBe(message.messageId);
    const timestamp = request.headers['x-signature-timestamp'] as string;
    const nonce = request.headers['x-signature-nonce'] as string;
    expect(timestamp).toBe(String(NOW.getTime() / 1000));
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    // computed independently of the adapter
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${nonce}.${request.body}`, 'utf8').digest('hex');
    expect(request.headers['x-signature']).toBe(expected);
    // and the platform's own verifier accepts it
    expect(
      checkWebhookSignature({
        secret: SECRET,
        timestamp,
        nonce,
        signature: request.headers['x-signature'] as string,
        rawBody: Buffer.from(request.body, 'utf8'),
        nowSeconds: NOW.getTime() / 1000,
      }),
    ).toEqual({ ok: true });
  });

  it('uses a fresh nonce on a retry while keeping the idempotency key', async () => {
    inbox.reply = { status: 200, body: { id: 'x' } };
    await channel.deliver(zhFinalResponse());
    await channel.deliver(zhFinalResponse());
    const [first, second] = inbox.requests;
    expect(first.headers['x-signature-nonce']).not.toBe(second.headers['x-signature-nonce']);
    expect(first.headers['idempotency-key']).toBe(second.headers['idempotency-key']);
  });

  it('reports a 400 as failed', async () => {
    inbox.reply = { status: 400, body: { error: 'unknown appUserId' } };
    const result = await channel.deliver(zhFinalResponse());
    expect(result).toEqual({ status: 'failed', providerReference: null, detail: expect.stringContaining('unknown appUserId') });
  });

  it.each([429, 500, 502])('treats HTTP %i as transient', async (status) => {
    inbox.reply = { status, body: 'upstream trouble' };
    await expect(channel.deliver(zhFinalResponse())).rejects.toThrow(TransientDeliveryError);
  });

  it('treats an unreachable inbox as transient', async () => {
    await inbox.close();
    await expect(channel.deliver(zhFinalResponse())).rejects.toThrow(TransientDeliveryError);
  });

  it('cannot deliver to a customer without an app user id', async () => {
    await expect(channel.deliver(zhFinalResponse({ to: { phone: '+8613800138000' } }))).rejects.toThrow(UndeliverableError);
    expect(inbox.requests).toHaveLength(0);
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => new AppPushChannel({ endpoint: inbox.url, secret: randomBytes(16) })).toThrow(/32 bytes/);
  });
});
