import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Admin, Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { ServiceMetrics } from './metrics';
import { KAFKA, READINESS, Readiness } from './tokens';
import { Unauthenticated } from './security/access';

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms).unref())]);

@ApiExcludeController()
@Controller()
export class HealthController {
  private admin: Admin | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(READINESS) private readonly readiness: Readiness,
    private readonly metrics: ServiceMetrics,
  ) {}

  @Get('health/live')
  @Unauthenticated('liveness probe of the orchestrator')
  @HttpCode(200)
  live() {
    return { status: 'up' };
  }

  /** Ready when the service accepts work and both its database and the broker answer. */
  @Get('health/ready')
  @Unauthenticated('readiness probe of the orchestrator')
  async ready(@Res() res: Response) {
    const checks: Record<string, { status: 'up' | 'down'; error?: string }> = {};
    await Promise.all([
      withTimeout(this.dataSource.query('SELECT 1'), 2000, 'database')
        .then(() => (checks.database = { status: 'up' }))
        .catch((e: Error) => (checks.database = { status: 'down', error: e.message })),
      this.askBroker()
        .then(() => (checks.kafka = { status: 'up' }))
        .catch((e: Error) => (checks.kafka = { status: 'down', error: e.message })),
    ]);
    checks.accepting = { status: this.readiness.accepting ? 'up' : 'down' };
    const up = Object.values(checks).every((c) => c.status === 'up');
    // INSTANCE_ID lets whoever started the process tell it from another one on the same port.
    res.status(up ? 200 : 503).json({ status: up ? 'up' : 'down', checks, ...(process.env.INSTANCE_ID ? { instance: process.env.INSTANCE_ID } : {}) });
  }

  @Get('metrics')
  @Unauthenticated('Prometheus scrape; carries counts only, no complaint data')
  async metricsText(@Res() res: Response) {
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }

  private async askBroker(): Promise<void> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await withTimeout(admin.connect(), 3000, 'kafka connect');
      this.admin = admin;
    }
    try {
      const cluster = await withTimeout(this.admin.describeCluster(), 2000, 'kafka');
      if (cluster.brokers.length === 0) throw new Error('no brokers');
    } catch (e) {
      const admin = this.admin;
      this.admin = null;
      await admin?.disconnect().catch(() => undefined);
      throw e;
    }
  }

  async onModuleDestroy() {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
