import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface CorrelationScope {
  correlationId: string;
  /** The event (or request) that caused the work being done now. */
  causationId: string | null;
}

const storage = new AsyncLocalStorage<CorrelationScope>();

export const runWithCorrelation = <T>(scope: CorrelationScope, work: () => T): T => storage.run(scope, work);

export const currentCorrelation = (): CorrelationScope | undefined => storage.getStore();

export const newCorrelationId = (): string => randomUUID();

export const CORRELATION_HEADER = 'x-correlation-id';
