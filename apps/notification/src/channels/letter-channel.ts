import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { DeliveryChannel, DeliveryResult, kindLabel, OutboundMessage, present, UndeliverableError } from './delivery-channel';
import { openChinesePdf } from '@complaints/platform';

export const LETTER_TIME_ZONE = 'Asia/Shanghai';
export const LETTER_CONTENT_TYPE = 'application/pdf';

export interface LetterRenderOptions {
  /** The letterhead: the bank's name. */
  bankName: string;
  /**
   * The letter's date and the PDF's CreationDate/ModDate (and so its file ID): the same date gives
   * the same bytes. Default: now.
   */
  date?: Date;
  /** Deflate the content streams (default true). */
  compress?: boolean;
}

/** The letter's date as a customer reads it, in Beijing time: 2026年11月20日 / 20 November 2026. */
export function letterDate(date: Date, language: OutboundMessage['language']): string {
  const t = DateTime.fromJSDate(date, { zone: LETTER_TIME_ZONE });
  return language === 'zh-CN' ? t.toFormat('yyyy年M月d日') : t.setLocale('en-GB').toFormat('d MMMM yyyy');
}

/** The body's paragraphs: blocks separated by blank lines, inner line breaks kept. */
export function paragraphsOf(body: string): string[] {
  return body
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * The message as an A4 paper letter: letterhead (bank name), date, recipient name and postal
 * address, reference line, subject as heading, the body's paragraphs, and a page footer. Noto Sans SC
 * is embedded (subset), so Chinese renders wherever the PDF is printed. Pure apart from the font read.
 */
export function renderLetterPdf(message: OutboundMessage, options: LetterRenderOptions): Promise<Buffer> {
  const zh = message.language === 'zh-CN';
  const date = options.date ?? new Date();
  const { doc, finished: done } = openChinesePdf({
    size: 'A4',
    margins: { top: 64, bottom: 72, left: 72, right: 72 },
    bufferPages: true,
    compress: options.compress ?? true,
    info: {
      Title: message.subject,
      Subject: `${kindLabel(message.kind, message.language)} ${message.ticketNumber}`,
      Author: options.bankName,
      Keywords: `${message.ticketNumber} ${message.messageId}`,
      CreationDate: date,
      ModDate: date,
    },
  });
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;

  // Letterhead
  doc.font('bold').fontSize(16).fillColor('black').text(options.bankName, { width });
  doc.moveTo(left, doc.y + 4).lineTo(left + width, doc.y + 4).lineWidth(0.8).strokeColor('#333333').stroke();
  doc.moveDown(1.2);

  // Date, then the recipient block (as it shows through a window envelope)
  doc.font('body').fontSize(10.5).text(letterDate(date, message.language), { width, align: 'right' });
  doc.moveDown(0.8);
  const name = present(message.to.name);
  if (name) doc.font('bold').fontSize(11).text(name, { width });
  doc.font('body').fontSize(10.5);
  for (const line of (message.to.postalAddress ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) doc.text(line, { width });
  doc.moveDown(1.2);

  // Reference and heading
  doc.font('body').fontSize(9.5).fillColor('#555555').text(`${zh ? '受理编号' : 'Reference'}: ${message.ticketNumber}`, { width });
  doc.moveDown(0.6);
  doc.font('bold').fontSize(14).fillColor('black').text(message.subject, { width });
  doc.moveDown(0.8);

  // Body
  doc.font('body').fontSize(11).fillColor('black');
  for (const paragraph of paragraphsOf(message.body)) {
    doc.text(paragraph, { width, lineGap: 3, paragraphGap: 10 });
  }
  doc.moveDown(1.5);
  doc.font('body').fontSize(11).text(options.bankName, { width, align: 'right' });

  // Footer on every page
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const footer = zh
      ? `${message.ticketNumber}  ·  第 ${i + 1} 页 / 共 ${range.count} 页`
      : `${message.ticketNumber}  ·  Page ${i + 1} of ${range.count}`;
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing into the bottom margin must not start a new page
    doc.font('body').fontSize(8).fillColor('#777777').text(footer, left, doc.page.height - 40, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}

export interface LetterChannelOptions {
  /** The print room's outbox: one `<messageId>.pdf` per letter. */
  outboxDir: string;
  bankName: string;
  /** For tests: the letter's date and the PDF's creation date. */
  now?: () => Date;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * The paper letter: renders the PDF and puts it in the print room's outbox as `<messageId>.pdf`,
 * write-once: written and synced to a hidden temp file, then hard-linked into place, which fails if
 * the name exists. So a retry (same messageId) never makes a second letter; it gets the bytes of the
 * letter already there. Needs a file system with hard links (any local one).
 */
export class LetterChannel implements DeliveryChannel {
  readonly channel = 'letter' as const;

  constructor(private readonly options: LetterChannelOptions) {}

  get outboxDir(): string {
    return this.options.outboxDir;
  }

  async deliver(message: OutboundMessage): Promise<DeliveryResult> {
    if (!present(message.to.postalAddress)) throw new UndeliverableError(`message ${message.messageId}: the recipient has no postal address`);
    if (!SAFE_ID.test(message.messageId)) throw new Error(`message id "${message.messageId}" cannot be a file name`);
    const dir = this.options.outboxDir;
    const target = path.join(dir, `${message.messageId}.pdf`);
    const existing = await readIfExists(target);
    if (existing) return this.result(target, existing, true);

    const bytes = await renderLetterPdf(message, { bankName: this.options.bankName, date: this.options.now?.() ?? new Date() });
    await fs.promises.mkdir(dir, { recursive: true });
    const temp = path.join(dir, `.${message.messageId}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await fs.promises.open(temp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await fs.promises.link(temp, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // another attempt won the race: its letter stands
        return this.result(target, await fs.promises.readFile(target), true);
      }
      return this.result(target, bytes, false);
    } finally {
      await fs.promises.rm(temp, { force: true });
    }
  }

  private result(file: string, bytes: Buffer, already: boolean): DeliveryResult {
    return {
      status: 'sent',
      providerReference: file,
      detail: already ? 'the letter was already in the print outbox' : 'letter written to the print outbox',
      document: { contentType: LETTER_CONTENT_TYPE, bytes },
    };
  }
}

async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await fs.promises.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
