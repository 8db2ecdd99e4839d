import { ZodError } from 'zod';
import { EventEnvelope, EventEnvelopeSchema } from './envelope';
import { EventDefinition, findEventDefinition } from './catalogue';

export type EnvelopeRejection =
  | { reason: 'malformed-json'; detail: string }
  | { reason: 'invalid-envelope'; detail: string }
  | { reason: 'unknown-event'; detail: string }
  | { reason: 'invalid-payload'; detail: string };

export type DecodeResult =
  | { ok: true; envelope: EventEnvelope; definition: EventDefinition }
  | ({ ok: false } & EnvelopeRejection);

const describe = (error: ZodError): string =>
  error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');

/** Validates an envelope and its payload against the schema of its type and version. */
export function validateEnvelope(candidate: unknown): DecodeResult {
  const envelope = EventEnvelopeSchema.safeParse(candidate);
  if (!envelope.success) return { ok: false, reason: 'invalid-envelope', detail: describe(envelope.error) };
  const definition = findEventDefinition(envelope.data.type, envelope.data.version);
  if (!definition) {
    return {
      ok: false,
      reason: 'unknown-event',
      detail: `no schema for ${envelope.data.type} version ${envelope.data.version}`,
    };
  }
  const payload = definition.schema.safeParse(envelope.data.payload);
  if (!payload.success) return { ok: false, reason: 'invalid-payload', detail: describe(payload.error) };
  return { ok: true, envelope: { ...envelope.data, payload: payload.data }, definition };
}

/** Decodes raw bytes from Kafka: JSON first, then the envelope and payload schemas. */
export function decodeEnvelope(raw: Buffer | string | null): DecodeResult {
  if (raw === null) return { ok: false, reason: 'malformed-json', detail: 'empty record value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: 'malformed-json', detail: (e as Error).message };
  }
  return validateEnvelope(parsed);
}
