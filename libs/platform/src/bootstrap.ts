import 'reflect-metadata';
import { DynamicModule, Global, INestApplication, Module, Type } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import helmet from 'helmet';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { MicroserviceOptions } from '@nestjs/microservices';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { NextFunction, Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { deadLetterTopic, ServiceName, TOPICS } from '@complaints/contracts';
import {
  createKafka,
  CreateMessagingTables1763884800000,
  ensureTopics,
  KafkaEventTransport,
  messagingConfigFromEnv,
  outboxKeepPublishedMsFromEnv,
  processedEventsKeepMsFromEnv,
  OutboxPublisher,
  OutboxRelay,
  resolveTopic,
  RethrowRpcExceptionFilter,
  RetryPolicy,
} from '@complaints/messaging';
import { correlationMiddleware } from './correlation.middleware';
import { databaseConfigFromEnv, dataSourceOptions, openDatabase } from './database';
import { HealthController } from './health.controller';
import { createLogger, messagingLoggerFrom, PinoNestLogger } from './logger';
import { ServiceMetrics } from './metrics';
import { ProblemDetailsFilter, RequestValidationPipe } from './problem';
import { KAFKA, READINESS, Readiness, SERVICE_NAME } from './tokens';
import { staffTextAsBeforeSealing, staffTextOnTheWireFromEnv } from './staff-text-events';
import { AccessGuard, authConfigFromEnv, PersonalDataMasking, rateLimitOptions, StaffAuditTrail, TokenVerifier, WEBHOOK_VERIFIER, WebhookAuthenticator, WebhookNonceOnServerError, WebhookVerifier } from './security';
import { WEBHOOK_MIGRATIONS } from './webhook-migration';
import { QueryParametersCheck } from './query-parameters';
import { corsOptionsFromEnv, maxJsonDepthFromEnv } from './hardening';
import { bodyParsing } from './body-parsing';

export const DEFAULT_PORTS: Record<ServiceName, number> = {
  intake: 3101,
  triage: 3102,
  investigation: 3103,
  compensation: 3104,
  notification: 3105,
  'compliance-archive': 3106,
};

export interface ServiceDefinition {
  name: ServiceName;
  title: string;
  description: string;
  /** The service's own module: controllers, event handlers, providers. */
  module: Type<unknown>;
  entities: Function[];
  /** Its own migrations; the messaging tables are added in front. */
  migrations: Function[];
  /** Base names of the topics it consumes. */
  consumes: string[];
  retry?: RetryPolicy;
  bodyLimit?: string;
  /**
   * Routes that take a file's raw bytes as the body (any content type), with their own limit;
   * `path` is an Express route pattern such as `/v1/cases/:caseId/evidence/files`.
   */
  uploads?: { path: string; limit: string }[];
  /** How channel webhooks are verified, when not by the platform HMAC alone. */
  webhookVerifier?: () => WebhookVerifier;
  /** It serves channel webhooks (`/v1/channels/...`), whose bodies are large and not JSON only. */
  channelWebhooks?: boolean;
  /**
   * Its event handlers have no effect outside its own database (nothing sent, nothing called) and
   * lock nothing shared between complaints except through `EventContext.lockFor`, so consecutive
   * records may share one transaction (KAFKA_RECORDS_PER_TRANSACTION): a rollback undoes all of a
   * failed batch's work.
   */
  handlersStayInTheDatabase?: boolean;
}

export interface RunningService {
  app: INestApplication;
  port: number;
  dataSource: DataSource;
  relay: OutboxRelay;
  transport: KafkaEventTransport;
  stop(): Promise<void>;
}

@Global()
@Module({})
class PlatformModule {}

@Module({})
class ServiceRootModule {}

const portEnvName = (name: ServiceName) => `${name.replace(/-/g, '_').toUpperCase()}_PORT`;

/** The tables every service has, before its own: the outbox and inbox, and spent webhook nonces. */
export const PLATFORM_MIGRATIONS = [CreateMessagingTables1763884800000, ...WEBHOOK_MIGRATIONS];

export async function startService(definition: ServiceDefinition): Promise<RunningService> {
  const logger = createLogger(definition.name);
  const messaging = messagingConfigFromEnv(definition.name);
  const db = databaseConfigFromEnv(definition.name);
  const port = Number(process.env[portEnvName(definition.name)] ?? process.env.PORT ?? DEFAULT_PORTS[definition.name]);
  const metrics = new ServiceMetrics(definition.name);
  // Refuse to start without an issuer rather than serve an API nobody can be held to account for.
  const verifier = new TokenVerifier(authConfigFromEnv());
  const readiness: Readiness = { accepting: false };
  const kafkaLogger = messagingLoggerFrom(logger);
  const kafka = createKafka(messaging, kafkaLogger);

  const migrations = [...PLATFORM_MIGRATIONS, ...definition.migrations];
  const dataSource = await openDatabase(db, definition.entities, migrations);
  const groupId = resolveTopic(messaging, definition.name);
  await ensureTopics(
    kafka,
    [...Object.values(TOPICS), deadLetterTopic(definition.name)].map((t) => resolveTopic(messaging, t)),
    messaging.partitions,
  );

  const publisher = new OutboxPublisher(definition.name, messaging.topicPrefix, db.schema);
  // The first step of rolling out the release that sealed staff text: publish what the earlier one reads.
  if (staffTextOnTheWireFromEnv() === 'masked') publisher.writeEarlierVersions(staffTextAsBeforeSealing());
  const platform: DynamicModule = {
    module: PlatformModule,
    global: true,
    providers: [
      { provide: OutboxPublisher, useValue: publisher },
      { provide: ServiceMetrics, useValue: metrics },
      { provide: KAFKA, useValue: kafka },
      { provide: SERVICE_NAME, useValue: definition.name },
      { provide: READINESS, useValue: readiness },
      { provide: TokenVerifier, useValue: verifier },
      { provide: APP_GUARD, useClass: AccessGuard },
      { provide: APP_INTERCEPTOR, useClass: PersonalDataMasking },
      { provide: APP_INTERCEPTOR, useClass: QueryParametersCheck },
      { provide: APP_INTERCEPTOR, useClass: WebhookNonceOnServerError },
      StaffAuditTrail,
      WebhookAuthenticator,
      ...(definition.webhookVerifier ? [{ provide: WEBHOOK_VERIFIER, useFactory: definition.webhookVerifier }] : []),
    ],
    exports: [OutboxPublisher, ServiceMetrics, KAFKA, SERVICE_NAME, READINESS, TokenVerifier, StaffAuditTrail],
  };
  const root: DynamicModule = {
    module: ServiceRootModule,
    imports: [
      TypeOrmModule.forRootAsync({
        useFactory: () => dataSourceOptions(db, definition.entities, migrations),
        dataSourceFactory: async () => dataSource,
      }),
      platform,
      ThrottlerModule.forRoot(rateLimitOptions()),
      definition.module,
    ],
    controllers: [HealthController],
  };

  const app = await NestFactory.create<NestExpressApplication>(root, {
    logger: new PinoNestLogger(logger),
    bodyParser: false,
  });
  app.disable('x-powered-by');
  app.use(helmet({ contentSecurityPolicy: { useDefaults: true, directives: { 'frame-ancestors': ["'none'"] } } }));
  app.enableCors(corsOptionsFromEnv());
  app.use(correlationMiddleware);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    const started = Date.now();
    res.on('finish', () => {
      end({ route: (req.route?.path as string | undefined) ?? 'unmatched', status: String(res.statusCode) });
      if (!req.path.startsWith('/health') && req.path !== '/metrics') {
        logger.info(
          { method: req.method, path: req.path, status: res.statusCode, durationMs: Date.now() - started, correlationId: res.getHeader('x-correlation-id') },
          'http request',
        );
      }
    });
    next();
  });
  app.use(
    bodyParsing({
      jsonLimit: definition.bodyLimit ?? '256kb',
      channelLimit: process.env.CHANNEL_BODY_LIMIT ?? '10mb',
      channelWebhooks: definition.channelWebhooks ?? false,
      uploads: definition.uploads ?? [],
      maxJsonDepth: maxJsonDepthFromEnv(),
    }),
  );
  app.useGlobalFilters(new ProblemDetailsFilter(logger, metrics));
  app.useGlobalPipes(new RequestValidationPipe());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(definition.title)
      .setDescription(definition.description)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: "The OIDC provider's access token; its roles claim decides access (x-roles on each operation)" })
      .build(),
  );
  // Deployments that publish their API documentation elsewhere switch the viewer off.
  if (process.env.API_DOCS !== 'off') SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  const transport = new KafkaEventTransport({
    kafka,
    dataSource,
    groupId,
    topics: definition.consumes.map((t) => resolveTopic(messaging, t)),
    schema: db.schema,
    publisher,
    retry: definition.retry,
    partitionConcurrency: messaging.consumer.partitionConcurrency,
    keyConcurrency: messaging.consumer.keyConcurrency,
    sessionTimeoutMs: messaging.consumer.sessionTimeoutMs,
    fetchMinBytes: messaging.consumer.fetchMinBytes,
    fetchMaxWaitMs: messaging.consumer.fetchMaxWaitMs,
    recordsPerTransaction: definition.handlersStayInTheDatabase ? messaging.consumer.recordsPerTransaction : 1,
    logger: kafkaLogger,
    onOutcome: (outcome, eventType, ms) => {
      metrics.eventsHandled.inc({ event_type: eventType, outcome });
      metrics.eventDuration.observe({ event_type: eventType }, ms / 1000);
    },
  });
  // Handlers are bound to their exception filters when the listeners register, which connecting
  // does at once; deferred, the rethrowing filter is in place first and a handler's own error
  // (a lost database connection above all) reaches the transport instead of Nest's generic one.
  const microservice = app.connectMicroservice<MicroserviceOptions>({ strategy: transport }, { deferInitialization: true });
  // The application's init runs the lifecycle hooks once; the microservice must not run them again.
  (microservice as unknown as { setIsInitHookCalled(v: boolean): void }).setIsInitHookCalled(true);
  microservice.useGlobalFilters(new RethrowRpcExceptionFilter());

  const relay = new OutboxRelay({
    pg: { connectionString: db.url },
    schema: db.schema,
    kafka,
    logger: kafkaLogger,
    pollIntervalMs: Number(process.env.OUTBOX_POLL_MS ?? '500'),
    keepPublishedMs: outboxKeepPublishedMsFromEnv(),
    keepProcessedMs: processedEventsKeepMsFromEnv(),
    onPublished: (n) => metrics.outboxPublished.inc(n),
  });
  await relay.start();
  metrics.watchOutbox(async () => {
    const [row]: { rows: string; oldest: string | null }[] = await dataSource.query(
      `SELECT count(*) AS rows, extract(epoch FROM clock_timestamp() - min(created_at)) AS oldest FROM outbox WHERE published_at IS NULL`,
    );
    return { rows: Number(row.rows), oldestSeconds: Number(row.oldest ?? 0) };
  });
  if (definition.consumes.length > 0) await app.startAllMicroservices();
  await app.listen(port, process.env.BIND_HOST ?? '127.0.0.1');
  // A port taken by another process must stop the start, not leave a service that consumes events but answers nobody.
  if (!(app.getHttpServer() as { listening?: boolean }).listening) throw new Error(`could not listen on port ${port}`);
  readiness.accepting = true;
  logger.info({ port, schema: db.schema, groupId, consumes: definition.consumes }, `${definition.name} started`);

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      readiness.accepting = false;
      logger.info('shutting down: no new work, finishing what is in flight');
      // Closes the HTTP server (in-flight requests finish) and the consumer (its batch commits).
      await app.close();
      await relay.stop();
      await dataSource.destroy().catch(() => undefined);
      logger.info('stopped');
    })());
  return { app, port, dataSource, relay, transport, stop };
}

/** Entry point of every service's main.ts: starts it and stops it cleanly on SIGTERM or SIGINT. */
export function runService(definition: ServiceDefinition): void {
  startService(definition)
    .then((service) => {
      const onSignal = (signal: string) => {
        service
          .stop()
          .then(() => process.exit(0))
          .catch((e) => {
            console.error(JSON.stringify({ level: 'error', service: definition.name, msg: `shutdown on ${signal} failed`, err: String(e) }));
            process.exit(1);
          });
      };
      process.once('SIGTERM', () => onSignal('SIGTERM'));
      process.once('SIGINT', () => onSignal('SIGINT'));
    })
    .catch((e: Error) => {
      console.error(JSON.stringify({ level: 'fatal', service: definition.name, msg: 'start-up failed', err: e.message, stack: e.stack }));
      process.exit(1);
    });
}
