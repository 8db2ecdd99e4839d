import { EntityManager } from 'typeorm';
import { EventDefinition, EventEnvelope, EventPayload } from '@complaints/contracts';
import { OutboxPublisher } from './outbox';

export interface RecordPosition {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * What an event handler receives beside the event: the transaction it must do its work in
 * (the processed-event mark is already in it) and a publisher that writes follow-up events into
 * the same transaction, carrying the correlation id and this event as their cause.
 */
export class EventContext {
  constructor(
    readonly envelope: EventEnvelope,
    readonly manager: EntityManager,
    readonly position: RecordPosition,
    private readonly publisher: OutboxPublisher,
  ) {}

  publish<D extends EventDefinition>(
    definition: D,
    payload: EventPayload<D>,
    complaintId: string = this.envelope.complaintId,
  ): Promise<EventEnvelope<EventPayload<D>>> {
    return this.publisher.publish(this.manager, definition, complaintId, payload, {
      correlationId: this.envelope.correlationId,
      causationId: this.envelope.eventId,
    });
  }
}
