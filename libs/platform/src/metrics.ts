import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly eventsHandled: Counter<'event_type' | 'outcome'>;
  readonly eventDuration: Histogram<'event_type'>;
  readonly outboxPublished: Counter<string>;
  readonly accessRefused: Counter<'reason'>;
  readonly requestsRejected: Counter<'reason'>;
  /** Raised by triage's deadline watch; the other services export it at zero. */
  readonly deadlineBreaches: Counter<'regime'>;
  readonly deadlineWarnings: Counter<'threshold'>;

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
    this.deadlineBreaches = new Counter({
      name: 'deadline_breaches_total',
      help: 'Complaints whose regulatory response deadline passed while their clock ran',
      labelNames: ['regime'],
      registers: [this.registry],
    });
    this.deadlineWarnings = new Counter({
      name: 'deadline_warnings_total',
      help: 'Warnings raised as a share of the response time was used',
      labelNames: ['threshold'],
      registers: [this.registry],
    });
  }

  /**
   * The outbox's backlog, read from the database at scrape time: rows not yet relayed and the age
   * of the oldest. A growing backlog means events are not leaving (broker down, relay stuck).
   */
  watchOutbox(backlog: () => Promise<{ rows: number; oldestSeconds: number }>): void {
    let last: Promise<{ rows: number; oldestSeconds: number }> | null = null;
    // One query per scrape serves both gauges.
    // A database that cannot answer shows as NaN rather than failing the whole scrape.
    const read = () =>
      (last ??= backlog()
        .catch(() => ({ rows: Number.NaN, oldestSeconds: Number.NaN }))
        .finally(() => setTimeout(() => (last = null), 1000).unref()));
    new Gauge({
      name: 'outbox_pending_rows',
      help: 'Outbox rows written but not yet published to Kafka',
      registers: [this.registry],
      async collect() {
        this.set((await read()).rows);
      },
    });
    new Gauge({
      name: 'outbox_oldest_pending_seconds',
      help: 'Age of the oldest outbox row not yet published (0 when none)',
      registers: [this.registry],
      async collect() {
        this.set((await read()).oldestSeconds);
      },
    });
  }
}
