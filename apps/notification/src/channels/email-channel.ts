import nodemailer, { Transporter } from 'nodemailer';
import SMTPTransport from 'nodemailer/lib/smtp-transport';
import { DeliveryChannel, DeliveryResult, OutboundMessage, present, redactProviderText, TransientDeliveryError, UndeliverableError } from './delivery-channel';

export const TICKET_HEADER = 'X-Complaint-Ticket';
const FALLBACK_DOMAIN = 'complaints.local';

export interface EmailChannelOptions {
  /** An SMTP URL (smtp://user:pass@host:587, smtps://...) or nodemailer SMTP transport options. */
  url?: string;
  transport?: SMTPTransport.Options;
  /** The sender, `"Bank" <complaints@bank.example>` or a bare address; its domain names the Message-ID. */
  from: string;
}

/** The domain of the sender's address, for the Message-ID; complaints.local when there is none. */
export function senderDomain(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim());
  return match ? match[1].toLowerCase() : FALLBACK_DOMAIN;
}

/** `<messageId@domain>`: the same on every retry, so a duplicate is recognisable by the receiving side. */
export function emailMessageId(messageId: string, from: string): string {
  return `<${messageId}@${senderDomain(from)}>`;
}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
}

/**
 * Email over SMTP (nodemailer): UTF-8 subject and plain-text body, Message-ID derived from the
 * messageId, X-Complaint-Ticket header. 4xx answers and connection failures are transient; a 5xx
 * refusal of the recipient or the message is a bounce (status 'bounced'); a 5xx to login, MAIL FROM
 * or the greeting is our problem, not the address's (status 'failed'). An address nodemailer cannot
 * parse is UndeliverableError. On success providerReference is the Message-ID and detail the
 * server's final answer (its queue id). Every text from the server or nodemailer is masked
 * (`redactProviderText`) before it becomes an error or a detail.
 */
export class EmailChannel implements DeliveryChannel {
  readonly channel = 'email' as const;
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(private readonly options: EmailChannelOptions) {
    if (!options.url && !options.transport) throw new Error('EmailChannel needs an SMTP url or transport options');
    this.transporter = nodemailer.createTransport(options.transport ?? options.url);
  }

  async deliver(message: OutboundMessage): Promise<DeliveryResult> {
    const to = present(message.to.email);
    if (!to) throw new UndeliverableError(`message ${message.messageId}: the recipient has no email address`);
    const messageId = emailMessageId(message.messageId, this.options.from);
    try {
      const info = await this.transporter.sendMail({
        from: this.options.from,
        to: message.to.name ? { name: message.to.name, address: to } : to,
        subject: message.subject,
        text: message.body,
        messageId,
        headers: { [TICKET_HEADER]: message.ticketNumber },
      });
      return { status: 'sent', providerReference: info.messageId ?? messageId, detail: info.response ? redactProviderText(info.response, message.to) : null };
    } catch (err) {
      const e = err as SmtpError;
      const code = e.responseCode;
      // nodemailer's messages and the server's replies quote the recipient's address: only masked
      // texts leave here, and the raw error (its response and rejected addresses) is not kept as a cause.
      const said = (text: string) => redactProviderText(text, message.to);
      if (!code && e.code === 'EENVELOPE') {
        // nodemailer found no usable recipient address before talking to the server
        throw new UndeliverableError(`message ${message.messageId}: the email address is unusable (${said(e.message)})`);
      }
      if (!code || code < 500) {
        throw new TransientDeliveryError(`SMTP: ${said(e.message)}${e.code ? ` (${e.code})` : ''}`);
      }
      const detail = said(e.response ?? e.message);
      const oursToFix = e.code === 'EAUTH' || e.command === 'CONN' || e.command === 'MAIL FROM';
      return { status: oursToFix ? 'failed' : 'bounced', providerReference: messageId, detail };
    }
  }

  /** Closes pooled connections (none unless the transport options ask for a pool). */
  close(): void {
    this.transporter.close();
  }
}
