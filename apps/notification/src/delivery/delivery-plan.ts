import type { DeliveryChannelName, Recipient } from '../channels/delivery-channel';

/** The order other channels are tried in when the preferred one cannot carry the message. */
const FALLBACK_ORDER: readonly DeliveryChannelName[] = ['sms', 'email', 'app', 'wechat', 'letter', 'phone'];

/** Whether the recipient has an address this channel needs. */
export function canReach(channel: DeliveryChannelName, to: Recipient): boolean {
  const has = (v: string | null | undefined) => typeof v === 'string' && v.trim() !== '';
  switch (channel) {
    case 'email':
      return has(to.email);
    case 'sms':
    case 'phone':
      return has(to.phone);
    case 'app':
      return has(to.appUserId);
    case 'wechat':
      return has(to.wechatOpenId);
    case 'letter':
      return has(to.postalAddress);
  }
}

/**
 * The channels to try, in order: the customer's choice first, then the others that can reach them.
 * A vulnerable customer hears from a person first (a call-back task), whatever they chose: the
 * guidance on vulnerable customers asks for a human contact, not an automated one. Only channels
 * this deployment has adapters for are listed; an empty plan means none can carry the message.
 */
export function deliveryPlan(preferred: DeliveryChannelName, to: Recipient, vulnerable: boolean, available: ReadonlySet<DeliveryChannelName>): DeliveryChannelName[] {
  const order = [...(vulnerable ? (['phone'] as DeliveryChannelName[]) : []), preferred, ...FALLBACK_ORDER];
  return [...new Set(order)].filter((c) => available.has(c) && canReach(c, to));
}
