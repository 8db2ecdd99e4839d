import { z } from 'zod';

/**
 * The one envelope every event travels in. The wire name of an event is `type` plus `version`,
 * never a class name, so renaming code never breaks a consumer.
 */
export const EventEnvelopeSchema = z
  .object({
    eventId: z.string().uuid(),
    type: z.string().min(1).max(100),
    version: z.number().int().positive(),
    occurredAt: z.string().datetime({ offset: true }),
    complaintId: z.string().uuid(),
    correlationId: z.string().min(1).max(200),
    causationId: z.string().min(1).max(200).nullable(),
    producer: z.string().min(1).max(100),
    payload: z.unknown().refine((p) => p !== undefined, 'Required'),
  })
  .strict();

export type EventEnvelope<P = unknown> = Omit<z.infer<typeof EventEnvelopeSchema>, 'payload'> & {
  payload: P;
};

export const eventKey = (type: string, version: number): string => `${type}@v${version}`;
