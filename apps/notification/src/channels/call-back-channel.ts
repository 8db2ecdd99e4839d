import { DeliveryChannel, DeliveryResult, OutboundMessage, present, UndeliverableError } from './delivery-channel';

export interface CallBackChannelOptions {
  /**
   * Puts a call-back task in front of a person (provided by the notification service). It should
   * be idempotent on message.messageId: a retry must not make a second task.
   */
  createTask(message: OutboundMessage): Promise<{ taskId: string }>;
}

/**
 * For vulnerable customers a person calls instead of an automated message: delivering means
 * creating the call-back task; 'sent' says a person has it, not that the call has happened.
 */
export class CallBackChannel implements DeliveryChannel {
  readonly channel = 'phone' as const;

  constructor(private readonly options: CallBackChannelOptions) {}

  async deliver(message: OutboundMessage): Promise<DeliveryResult> {
    if (!present(message.to.phone)) throw new UndeliverableError(`message ${message.messageId}: the recipient has no phone number to call`);
    const { taskId } = await this.options.createTask(message);
    return { status: 'sent', providerReference: taskId, detail: 'call-back task created' };
  }
}
