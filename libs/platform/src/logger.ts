import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { currentCorrelation, MessagingLogger } from '@complaints/messaging';
import { PERSONAL_DATA_FIELDS } from './security/personal-data';

/**
 * Field names that hold personal data anywhere in a log object. pino replaces their values, so a
 * handler that logs a request body by mistake still leaks nothing.
 */
export const REDACTED_FIELDS = [...PERSONAL_DATA_FIELDS, 'complainant', 'description', 'authorization', 'rawBody'];

export function createLogger(service: string): Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [...REDACTED_FIELDS, ...REDACTED_FIELDS.map((f) => `*.${f}`), ...REDACTED_FIELDS.map((f) => `*.*.${f}`)],
      censor: '[redacted]',
    },
    // Every line carries the correlation id of the request or event being worked on.
    mixin: () => {
      const scope = currentCorrelation();
      return scope ? { correlationId: scope.correlationId, causationId: scope.causationId ?? undefined } : {};
    },
  });
}

export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, typeof message === 'string' ? message : JSON.stringify(message));
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }
  private write(level: 'info' | 'warn' | 'debug' | 'trace', message: unknown, context?: string) {
    if (typeof message === 'object' && message !== null) this.logger[level]({ context, ...message });
    else this.logger[level]({ context }, String(message));
  }
}

export const messagingLoggerFrom = (logger: Logger): MessagingLogger => ({
  log: (m, f) => logger.info(f ?? {}, m),
  warn: (m, f) => logger.warn(f ?? {}, m),
  error: (m, f) => logger.error(f ?? {}, m),
});
