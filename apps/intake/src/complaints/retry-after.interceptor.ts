import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { catchError, Observable, throwError } from 'rxjs';
import { ProofAttemptsExhausted } from './customer-self-service';

/**
 * A paused ticket's 429 carries `Retry-After`, as the rate limiter's does, so clients and the
 * agents' desktops wait the time out instead of retrying at once. The problem filter answers for
 * every error and knows nothing of this one, so the header is set on the way out.
 */
@Injectable()
export class RetryAfterProofLockout implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (error instanceof ProofAttemptsExhausted) context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(error.retryAfterSeconds));
        return throwError(() => error);
      }),
    );
  }
}
