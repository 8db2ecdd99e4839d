import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { Channel } from '@complaints/contracts';
import { CanonicalComplaint, FileComplaintDto } from './canonical-complaint';

/** A channel's raw request, as the inbound endpoint received it. */
export interface InboundMessage {
  channel: string;
  method: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  contentType: string;
  /** The bytes as sent: signatures are computed over them. */
  body: Buffer;
  receivedAt: Date;
}

/** A file that came with the message: the endpoint stores the bytes and the complaint keeps a reference. */
export interface AttachmentUpload {
  fileName?: string;
  mediaType: string;
  content: Buffer;
}

export type Verification =
  /**
   * `retriedVerbatim`: the channel repeats a request it had no answer to with the same bytes,
   * signature and nonce, so the endpoint hears that repeat (answered by the message id's
   * idempotency) instead of refusing it as a replay.
   */
  | { ok: true; nonce: string; timestamp: number; retriedVerbatim?: boolean }
  | { ok: false; reason: string };

export type AdapterOutcome =
  /** A complaint to file; `messageId` is the channel's id of the message, the idempotency key. */
  | { kind: 'complaint'; messageId: string; complaint: CanonicalComplaint; uploads: AttachmentUpload[] }
  /** An answer the channel's protocol expects instead of a complaint (WeChat's URL check, an event push). */
  | ({ kind: 'reply' } & ProtocolReply)
  /** The content cannot be a complaint; `path` names the field when there is one. */
  | { kind: 'refused'; reason: string; path?: string };

/** What intake answered for a filed message, for a channel whose protocol wants it in its own form. */
export interface FiledMessage {
  complaintId: string;
  ticketNumber: string;
  receivedAt: string;
  responseDueBy: string;
}

/** An answer in the channel's own protocol. */
export interface ProtocolReply {
  status: number;
  contentType: string;
  body: string;
}

/**
 * A channel's adapter parses its channel's payload, verifies that the channel sent it, and maps it
 * to the canonical complaint; nothing else. It stores nothing, calls nothing and logs nothing:
 * the endpoint spends the nonce, stores the attachments and files the complaint.
 */
export interface ChannelAdapter {
  readonly channel: Channel;
  /** Media types of the raw payload this adapter reads. */
  readonly accepts: readonly string[];
  /** Is the message from the channel, fresh, and signed over exactly these bytes? */
  verify(message: InboundMessage): Verification;
  map(message: InboundMessage): AdapterOutcome | Promise<AdapterOutcome>;
  /**
   * How the channel is answered once its message is filed (and when its retry is answered), for a
   * channel whose protocol cannot take the acknowledgement as JSON with 201. Without it the channel
   * gets that JSON. The customer is acknowledged over their reply channel by notification either way.
   */
  acknowledge?(filed: FiledMessage): ProtocolReply;
}

/**
 * Problems with a candidate canonical complaint, in the same shape the HTTP API reports them. Its
 * dates against the clock (a deadline already past, an incident in the future) are not among them:
 * intake judges those when it files (`problemsAsOf`), since a retry comes later than its request.
 */
export function canonicalProblems(candidate: unknown): { path: string; message: string }[] {
  const instance = plainToInstance(FileComplaintDto, candidate);
  const errors = validateSync(instance as object, { whitelist: true, forbidNonWhitelisted: true });
  return flatten(errors);
}

function flatten(errors: ValidationError[], parent = ''): { path: string; message: string }[] {
  return errors.flatMap((e) => {
    const path = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    return [...Object.values(e.constraints ?? {}).map((message) => ({ path, message })), ...flatten(e.children ?? [], path)];
  });
}

/** Drops undefined members so a mapped complaint compares and serialises cleanly. */
export function compact<T extends object>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
