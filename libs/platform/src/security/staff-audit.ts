import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Events, ServiceName } from '@complaints/contracts';
import { OutboxPublisher } from '@complaints/messaging';
import { SERVICE_NAME } from '../tokens';
import { AuthenticatedRequest } from './principal';

/**
 * Who did what to which complaint. Written through the outbox in the caller's transaction, so an
 * action and its record commit together; the archive keeps it with the complaint.
 */
@Injectable()
export class StaffAuditTrail {
  constructor(
    private readonly publisher: OutboxPublisher,
    @Inject(SERVICE_NAME) private readonly service: ServiceName,
  ) {}

  async record(
    manager: EntityManager,
    request: AuthenticatedRequest,
    complaintId: string,
    action: string,
    detail: Record<string, string> = {},
  ): Promise<void> {
    const principal = request.principal;
    if (!principal) throw new Error('a staff action needs an authenticated caller');
    await this.publisher.publish(manager, Events.StaffActionRecorded, complaintId, {
      actor: principal.subject,
      roles: principal.roles,
      action,
      service: this.service,
      method: request.method,
      route: String(request.route?.path ?? request.path).slice(0, 300),
      outcome: 'succeeded',
      detail,
    });
  }
}
