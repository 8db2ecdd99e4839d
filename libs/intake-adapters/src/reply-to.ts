import { REPLY_CHANNELS } from '@complaints/contracts';

/**
 * Where the customer is answered: what intake seals as `replyTo` in `complaint.received` and
 * `complaint.amended`, and what the notification service opens into its `Recipient`. One function
 * (`replyToOf`) builds it from the canonical complaint, and the same function decides whether the
 * complaint's preferred reply channel can reach the customer (`replyChannelGap`), so what intake
 * accepts and what notification can deliver never part.
 */

export type ReplyChannel = (typeof REPLY_CHANNELS)[number];

/** The complainant's details as the canonical complaint (and its sealed copy) holds them. */
export interface ComplainantDetails {
  customerId?: string;
  name?: string;
  phone?: string;
  email?: string;
  idNumber?: string;
  channelUserId?: string;
  postalAddress?: string;
}

/** What `replyToOf` reads: the channel the complaint came through, the complainant and whoever files for them. */
export interface ReplyToSource {
  channel: string;
  complainant: ComplainantDetails;
  onBehalfOf?: { phone?: string } | null;
}

/** Notification's `Recipient`, every member present (null when unknown), so the sealed JSON has one shape. */
export interface ReplyTo {
  name: string | null;
  phone: string | null;
  email: string | null;
  postalAddress: string | null;
  /** The bank's app inbox addresses a customer by customer number. */
  appUserId: string | null;
  /** The customer's openid under the bank's official account. */
  wechatOpenId: string | null;
}

/**
 * The channel whose `channelUserId` is a WeChat openid under the bank's official account, the
 * account the WeChat template messages are sent from. A chatbot's visitor id is the bot platform's
 * own (even on its WeChat surface), and no other channel has a user id of its own.
 */
const WECHAT_CHANNEL = 'wechat';

/**
 * Where the customer is answered, from the complaint:
 *
 * - name, e-mail and postal address: the complainant's;
 * - phone: the complainant's, or, when they give none, the phone of whoever files for them (an heir,
 *   a guardian, a lawyer): a call or a text then reaches the person pursuing the complaint;
 * - appUserId: the complainant's customer number, whatever the channel. The bank's app inbox (its
 *   message centre, in the app and online banking) addresses customers by customer number, the one
 *   they log in with; a channel user id is never an app address;
 * - wechatOpenId: the channel user id of a complaint from the `wechat` channel (the openid WeChat
 *   sent); from any other channel there is none.
 *
 * Pure: no I/O, no clock. Values are passed on as given; the canonical validation has vetted them.
 */
export function replyToOf({ channel, complainant, onBehalfOf }: ReplyToSource): ReplyTo {
  return {
    name: given(complainant.name),
    phone: given(complainant.phone) ?? given(onBehalfOf?.phone),
    email: given(complainant.email),
    postalAddress: given(complainant.postalAddress),
    appUserId: given(complainant.customerId),
    wechatOpenId: channel === WECHAT_CHANNEL ? given(complainant.channelUserId) : null,
  };
}

/**
 * What each reply channel needs, in the canonical complaint's terms (the field of `ReplyTo` it
 * reads, and how a sender supplies it).
 */
export const REPLY_CHANNEL_NEEDS: Readonly<Record<ReplyChannel, { reads: keyof ReplyTo; needs: string }>> = {
  sms: { reads: 'phone', needs: 'complainant.phone (or onBehalfOf.phone)' },
  phone: { reads: 'phone', needs: 'complainant.phone (or onBehalfOf.phone)' },
  email: { reads: 'email', needs: 'complainant.email' },
  letter: { reads: 'postalAddress', needs: 'complainant.postalAddress' },
  app: { reads: 'appUserId', needs: 'complainant.customerId (the app inbox finds customers by customer number)' },
  wechat: { reads: 'wechatOpenId', needs: 'complainant.channelUserId from the wechat channel (the openid WeChat sent)' },
};

export function isReplyChannel(value: unknown): value is ReplyChannel {
  return typeof value === 'string' && (REPLY_CHANNELS as readonly string[]).includes(value);
}

/**
 * Whether `replyTo` has what `channel` needs. A value given but not valid (a phone of spaces) counts
 * as given: the validation reports it once, at its own field. What passes the canonical validation
 * has a visible character wherever it is given, so notification (which trims) reads the same.
 */
export function canReach(channel: ReplyChannel, replyTo: ReplyTo): boolean {
  return replyTo[REPLY_CHANNEL_NEEDS[channel].reads] !== null;
}

/**
 * Why `preferred` cannot reach the customer of `source` ("letter needs complainant.postalAddress"),
 * or null when it can. The reason names fields, never their values.
 */
export function replyChannelGap(preferred: ReplyChannel, source: ReplyToSource): string | null {
  return canReach(preferred, replyToOf(source)) ? null : `${preferred} needs ${REPLY_CHANNEL_NEEDS[preferred].needs}`;
}

/** The first of `order` that reaches the customer of `source`, for an adapter's default; undefined when none does. */
export function firstReachable(order: readonly ReplyChannel[], source: ReplyToSource): ReplyChannel | undefined {
  const replyTo = replyToOf(source);
  return order.find((channel) => canReach(channel, replyTo));
}

/** A string given with something in it, or null. Validation tells a blank value off at its own field. */
function given(value: string | null | undefined): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
