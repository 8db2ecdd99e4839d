import type { Producer } from 'kafkajs';
import { EventDefinition, EventPayload } from '@complaints/contracts';
import { testEnvelope } from '@complaints/testing';
import type { ServiceUnderTest } from './services-in-process';

/**
 * What the notification suites do with the service they started: build events as other services
 * send them, put them on its topics, and read back its own schema. Service and producer are made
 * in beforeAll, hence the getters.
 */
export function notificationClient(service: () => ServiceUnderTest, producer: () => Producer, correlationPrefix: string) {
  const envelopeOf = <D extends EventDefinition>(definition: D, complaintId: string, payload: EventPayload<D>, producerName = 'intake') =>
    testEnvelope(definition, complaintId, payload, producerName, `${correlationPrefix}-${complaintId}`);
  const deliver = (definition: EventDefinition, envelope: { complaintId: string }) =>
    producer().send({ topic: `${service().topicPrefix}${definition.topic}`, messages: [{ key: envelope.complaintId, value: JSON.stringify(envelope) }] });
  const sql = async <R = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<R[]> => {
    await service().pg.query(`SET search_path TO "${service().schema}"`);
    return (await service().pg.query(text, params)).rows as R[];
  };
  return { envelopeOf, deliver, sql };
}
