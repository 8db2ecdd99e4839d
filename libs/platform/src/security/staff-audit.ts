import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Events, ServiceName, STAFF_DETAILS_IN_CLEAR } from '@complaints/contracts';
import { OutboxPublisher } from '@complaints/messaging';
import { FieldCipher } from '../field-cipher';
import { SERVICE_NAME } from '../tokens';
import { AuthenticatedRequest } from './principal';

/**
 * Who did what to which complaint. Written through the outbox in the caller's transaction, so an
 * action and its record commit together; the archive keeps it with the complaint.
 */
@Injectable()
export class StaffAuditTrail {
  /**
   * Seals the details that are not codes (a reason staff gave quotes the customer). Read at
   * start-up, as every service holds PII_KEYS: a missing key stops the service rather than the
   * first staff action that gives a reason.
   */
  private readonly cipher = FieldCipher.fromEnv(process.env, { pseudonyms: false });

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
      detail: Object.fromEntries(Object.entries(detail).map(([key, value]) => [key, STAFF_DETAILS_IN_CLEAR.has(key) ? value : this.cipher.encrypt(value)])),
    });
  }
}
