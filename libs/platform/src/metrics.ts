import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly eventsHandled: Counter<'event_type' | 'outcome'>;
  readonly eventDuration: Histogram<'event_type'>;
  readonly outboxPublished: Counter<string>;
  readonly accessRefused: Counter<'reason'>;
  readonly requestsRejected: Counter<'reason'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.eventsHandled = new Counter({
      name: 'events_consumed_total',
      help: 'Consumed events by outcome (handled, duplicate, ignored, dead-lettered)',
      labelNames: ['event_type', 'outcome'],
      registers: [this.registry],
    });
    this.eventDuration = new Histogram({
      name: 'event_handling_duration_seconds',
      help: 'Time to handle one event, retries included',
      labelNames: ['event_type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [this.registry],
    });
    this.outboxPublished = new Counter({
      name: 'outbox_published_total',
      help: 'Outbox rows relayed to Kafka',
      registers: [this.registry],
    });
    this.accessRefused = new Counter({
      name: 'http_access_refused_total',
      help: 'Requests refused by authentication or authorisation, by reason',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.requestsRejected = new Counter({
      name: 'http_requests_rejected_total',
      help: 'Requests rejected as bad input (4xx problems), by problem type',
      labelNames: ['reason'],
      registers: [this.registry],
    });
  }
}
