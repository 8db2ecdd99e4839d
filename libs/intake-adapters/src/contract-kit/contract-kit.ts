import { SIGNATURE_HEADERS, signWebhook } from '@complaints/platform';
import { AdapterOutcome, canonicalProblems, ChannelAdapter, InboundMessage } from '../channel-adapter';
import { CanonicalComplaint } from '../canonical-complaint';

/**
 * The contract every channel adapter must pass unchanged. A channel team supplies samples of
 * its channel's real payloads; the kit checks the adapter against what the platform relies on.
 */
export interface AdapterSamples {
  /** Messages the channel really sends, and the canonical complaint each must become. */
  valid: { name: string; message: () => InboundMessage; messageId: string; complaint: CanonicalComplaint; uploads?: number }[];
  /** Messages whose sender cannot be trusted: verification must fail with a reason matching `reason`. */
  forged: { name: string; message: () => InboundMessage; reason: RegExp }[];
  /** Verified messages that cannot be a complaint: `map` must refuse them with a reason matching `reason`. */
  invalid: { name: string; message: () => InboundMessage; reason: RegExp }[];
  /** The personal data inside the samples; none of it may reach any output. */
  personalData: string[];
  /** Other protocol answers (e.g. WeChat's URL check): `map` must reply with this status. */
  replies?: { name: string; message: () => InboundMessage; status: number; body?: RegExp }[];
}

/** Captures everything written to the console and stdout/stderr while `run` runs. */
async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const originals = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const capture = (...args: unknown[]) => void chunks.push(args.map(String).join(' '));
  Object.assign(console, { log: capture, info: capture, warn: capture, error: capture, debug: capture });
  process.stdout.write = ((chunk: unknown) => (chunks.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => (chunks.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { result: await run(), output: chunks.join('\n') };
  } finally {
    Object.assign(console, originals);
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

const describeOutcome = (o: AdapterOutcome) => (o.kind === 'refused' ? `refused: ${o.reason}` : o.kind);

/** Registers the contract's tests for `adapter` in the calling spec file. */
export function describeAdapterContract(adapter: ChannelAdapter, samples: AdapterSamples): void {
  describe(`channel adapter contract: ${adapter.channel}`, () => {
    it('has samples of every kind', () => {
      expect(samples.valid.length).toBeGreaterThan(0);
      expect(samples.forged.length).toBeGreaterThan(0);
      expect(samples.invalid.length).toBeGreaterThan(0);
      expect(samples.personalData.length).toBeGreaterThan(0);
    });

    it.each(samples.valid.map((s) => [s.name, s] as const))('verifies and maps %s to the expected canonical complaint', async (_name, sample) => {
      const message = sample.message();
      expect(adapter.verify(message)).toMatchObject({ ok: true });
      const outcome = await adapter.map(message);
      expect(describeOutcome(outcome)).toBe('complaint');
      if (outcome.kind !== 'complaint') return;
      expect(outcome.messageId).toBe(sample.messageId);
      expect(outcome.complaint).toEqual(sample.complaint);
      expect(outcome.complaint.channel).toBe(adapter.channel);
      // The canonical complaint is valid exactly as the HTTP API would validate it.
      expect(canonicalProblems(outcome.complaint)).toEqual([]);
      // Attachment bytes never ride in the complaint: they are uploads the endpoint stores.
      expect(outcome.complaint.attachments).toBeUndefined();
      expect(outcome.uploads).toHaveLength(sample.uploads ?? 0);
      for (const upload of outcome.uploads) expect(upload.content.length).toBeGreaterThan(0);
    });

    it.each(samples.valid.map((s) => [s.name, s] as const))('maps %s the same way every time (no hidden state)', async (_name, sample) => {
      const first = await adapter.map(sample.message());
      const second = await adapter.map(sample.message());
      expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    });

    it.each(samples.valid.map((s) => [s.name, s] as const))('refuses %s once a byte of its body has changed', (_name, sample) => {
      const message = sample.message();
      const body = Buffer.from(message.body);
      body[Math.floor(body.length / 2)] ^= 0x01;
      expect(adapter.verify({ ...message, body })).toMatchObject({ ok: false });
    });

    it.each(samples.valid.map((s) => [s.name, s] as const))('refuses %s an hour later (a captured request goes stale)', (_name, sample) => {
      const message = sample.message();
      expect(adapter.verify({ ...message, receivedAt: new Date(message.receivedAt.getTime() + 3_600_000) })).toMatchObject({ ok: false });
    });

    it.each(samples.forged.map((s) => [s.name, s] as const))('refuses the forged %s with a clear reason', (_name, sample) => {
      const verdict = adapter.verify(sample.message());
      expect(verdict.ok).toBe(false);
      if (!verdict.ok) expect(verdict.reason).toMatch(sample.reason);
    });

    it.each(samples.invalid.map((s) => [s.name, s] as const))('refuses %s with a clear reason', async (_name, sample) => {
      const message = sample.message();
      const outcome = await adapter.map(message);
      expect(outcome.kind).toBe('refused');
      if (outcome.kind === 'refused') expect(outcome.reason).toMatch(sample.reason);
    });

    if (samples.replies?.length) {
      it.each(samples.replies.map((s) => [s.name, s] as const))('answers %s as the channel protocol expects', async (_name, sample) => {
        const outcome = await adapter.map(sample.message());
        expect(outcome.kind).toBe('reply');
        if (outcome.kind === 'reply') {
          expect(outcome.status).toBe(sample.status);
          if (sample.body) expect(outcome.body).toMatch(sample.body);
        }
      });
    }

    if (adapter.acknowledge) {
      it('answers a filed message in its own protocol with a success, the same for a retry, quoting no personal data', () => {
        const filed = { complaintId: '0b8f6c1e-2d4a-4f6b-9c1d-5e7a9b3c2d10', ticketNumber: 'C2026112300017', receivedAt: '2026-11-23T08:00:00.000Z', responseDueBy: '2026-12-08' };
        const first = adapter.acknowledge!(filed);
        expect(first.status).toBeGreaterThanOrEqual(200);
        expect(first.status).toBeLessThan(300);
        expect(adapter.acknowledge!({ ...filed })).toEqual(first);
        for (const value of samples.personalData) expect({ value, inAnswer: first.body.includes(value) }).toEqual({ value, inAnswer: false });
      });
    }

    it('writes nothing to any output, so no personal data can reach the logs', async () => {
      const all = [...samples.valid, ...samples.forged, ...samples.invalid, ...(samples.replies ?? [])];
      const { output, result } = await captureOutput(async () => {
        const outcomes: AdapterOutcome[] = [];
        for (const sample of all) {
          const message = sample.message();
          adapter.verify(message);
          outcomes.push(await adapter.map(message));
        }
        return outcomes;
      });
      expect(output).toBe('');
      // Refusal reasons end up in problem responses and logs: they must not quote personal data either.
      const reasons = result.filter((o) => o.kind === 'refused').map((o) => (o as { reason: string }).reason).join('\n');
      for (const value of samples.personalData) expect({ value, inReasons: reasons.includes(value) }).toEqual({ value, inReasons: false });
    });
  });
}

/** A message as the inbound endpoint would build it, for samples. */
export function inboundMessage(channel: string, body: Buffer | string, options: Partial<Omit<InboundMessage, 'channel' | 'body'>> = {}): InboundMessage {
  return {
    channel,
    method: 'POST',
    headers: {},
    query: {},
    contentType: 'application/json',
    receivedAt: new Date('2026-11-23T08:00:00Z'),
    ...options,
    body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
  };
}

/** A message signed the way the platform's HMAC channels sign, for samples and tests. */
export function signedMessage(
  channel: string,
  body: Buffer | string,
  secret: Buffer,
  options: { at?: Date; nonce?: string; contentType?: string; headers?: Record<string, string> } = {},
): InboundMessage {
  const at = options.at ?? new Date('2026-11-23T08:00:00Z');
  const timestamp = Math.floor(at.getTime() / 1000);
  const nonce = options.nonce ?? `nonce-${channel}-0000000001`;
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return inboundMessage(channel, bytes, {
    receivedAt: at,
    contentType: options.contentType ?? 'application/json',
    headers: {
      [SIGNATURE_HEADERS.timestamp]: String(timestamp),
      [SIGNATURE_HEADERS.nonce]: nonce,
      [SIGNATURE_HEADERS.signature]: signWebhook(secret, timestamp, nonce, bytes),
      ...options.headers,
    },
  });
}
