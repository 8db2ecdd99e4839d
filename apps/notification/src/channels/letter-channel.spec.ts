import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { UndeliverableError } from './delivery-channel';
import { LetterChannel, letterDate, paragraphsOf, renderLetterPdf } from './letter-channel';
import { enAcknowledgement, SAMPLE_REVIEW_DATE, SAMPLE_TICKET, zhFinalResponse } from './testing/sample-messages';

jest.setTimeout(60_000);

const BANK = '示例商业银行股份有限公司';
const LETTER_DATE = new Date('2026-11-20T01:30:00Z');
const EXTRACT = path.join(__dirname, 'testing', 'extract-pdf-text.mjs');

/** The PDF's text as pdfjs reads it (in a child process: pdfjs-dist is ESM only), per page. */
async function pdfPages(pdf: Buffer): Promise<string[]> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'letter-text-'));
  try {
    const file = path.join(dir, 'letter.pdf');
    await fs.promises.writeFile(file, pdf);
    const { stdout } = await promisify(execFile)(process.execPath, [EXTRACT, file], { maxBuffer: 16 * 1024 * 1024 });
    return (JSON.parse(stdout) as { pages: string[] }).pages;
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
const flat = (s: string) => s.replace(/\s+/g, '');

describe('renderLetterPdf', () => {
  let pdf: Buffer;
  let text: string;

  beforeAll(async () => {
    pdf = await renderLetterPdf(zhFinalResponse(), { bankName: BANK, date: LETTER_DATE });
    text = flat((await pdfPages(pdf)).join('\n'));
  });

  it('is a whole PDF with Noto Sans SC embedded', () => {
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1').trim()).toBe('%%EOF');
    expect(pdf.toString('latin1')).toMatch(/\/FontName \/[A-Z]{6}\+NotoSansSC-Regular/);
    expect(pdf.length).toBeLessThan(1_000_000);
  });

  it('carries the Chinese final response’s mandatory elements as readable text', () => {
    expect(text).toContain(SAMPLE_TICKET);
    expect(text).toContain('核查');
    expect(text).toContain(SAMPLE_REVIEW_DATE);
    expect(text).toContain('12378');
    expect(text).toContain(flat('我行将向您支付 ¥1,280.00'));
  });

  it('has the letterhead, the date, the recipient, the subject and every paragraph in order', () => {
    const order = [BANK, '2026年11月20日', '张秀英', '上海市浦东新区世纪大道100号', '环球金融中心25楼', '200120', `受理编号:${SAMPLE_TICKET}`, flat(zhFinalResponse().subject)];
    for (const paragraph of paragraphsOf(zhFinalResponse().body)) order.push(flat(paragraph));
    let at = -1;
    for (const part of order) {
      const found = text.indexOf(part, at + 1);
      expect({ part, found: found > at }).toEqual({ part, found: true });
      at = found;
    }
  });

  it('gives the same bytes for the same message and date', async () => {
    const again = await renderLetterPdf(zhFinalResponse(), { bankName: BANK, date: LETTER_DATE });
    expect(again.equals(pdf)).toBe(true);
    const raw = pdf.toString('latin1');
    const ref = /\/CreationDate (\d+) 0 R/.exec(raw)?.[1];
    expect(raw).toMatch(new RegExp(`\\n${ref} 0 obj\\s*\\(D:20261120013000Z\\)`));
    const otherDay = await renderLetterPdf(zhFinalResponse(), { bankName: BANK, date: new Date('2026-11-21T01:30:00Z') });
    expect(otherDay.equals(pdf)).toBe(false);
  });

  it('writes an English letter in English', async () => {
    const english = flat((await pdfPages(await renderLetterPdf(enAcknowledgement(), { bankName: 'Example Bank', date: LETTER_DATE }))).join('\n'));
    expect(english).toContain(flat('20 November 2026'));
    expect(english).toContain(flat(`Reference: ${SAMPLE_TICKET}`));
    expect(english).toContain(flat('Page 1 of 1'));
  });
});

describe('LetterChannel', () => {
  let outbox: string;

  beforeEach(async () => {
    outbox = path.join(await fs.promises.mkdtemp(path.join(os.tmpdir(), 'letters-')), 'outbox');
  });
  afterEach(async () => {
    await fs.promises.rm(path.dirname(outbox), { recursive: true, force: true });
  });

  it('puts the letter in the print outbox as <messageId>.pdf and returns it', async () => {
    const message = zhFinalResponse();
    const result = await new LetterChannel({ outboxDir: outbox, bankName: BANK, now: () => LETTER_DATE }).deliver(message);

    const file = path.join(outbox, `${message.messageId}.pdf`);
    expect(result).toEqual({
      status: 'sent',
      providerReference: file,
      detail: 'letter written to the print outbox',
      document: { contentType: 'application/pdf', bytes: expect.any(Buffer) },
    });
    expect(result.document!.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect((await fs.promises.readFile(file)).equals(result.document!.bytes)).toBe(true);
    expect(await fs.promises.readdir(outbox)).toEqual([`${message.messageId}.pdf`]);
  });

  it('does not make a second letter on a retry, even rendered on another day, and returns the first one’s bytes', async () => {
    let day = 0;
    const channel = new LetterChannel({ outboxDir: outbox, bankName: BANK, now: () => new Date(LETTER_DATE.getTime() + day++ * 86_400_000) });
    const message = zhFinalResponse();
    const first = await channel.deliver(message);
    const second = await channel.deliver(message);

    expect(second.document!.bytes.equals(first.document!.bytes)).toBe(true);
    expect(second.detail).toBe('the letter was already in the print outbox');
    expect(await fs.promises.readdir(outbox)).toEqual([`${message.messageId}.pdf`]);
  });

  it('lets exactly one of two simultaneous attempts write the letter, leaving no temp files', async () => {
    let day = 0;
    const channel = new LetterChannel({ outboxDir: outbox, bankName: BANK, now: () => new Date(LETTER_DATE.getTime() + day++ * 86_400_000) });
    const message = zhFinalResponse();
    const [a, b] = await Promise.all([channel.deliver(message), channel.deliver(message)]);

    const onDisk = await fs.promises.readFile(path.join(outbox, `${message.messageId}.pdf`));
    expect(a.document!.bytes.equals(onDisk)).toBe(true);
    expect(b.document!.bytes.equals(onDisk)).toBe(true);
    expect(await fs.promises.readdir(outbox)).toEqual([`${message.messageId}.pdf`]);
  });

  it('cannot send a letter without a postal address', async () => {
    const channel = new LetterChannel({ outboxDir: outbox, bankName: BANK });
    await expect(channel.deliver(zhFinalResponse({ to: { name: '张秀英', postalAddress: null } }))).rejects.toThrow(UndeliverableError);
    expect(fs.existsSync(outbox)).toBe(false);
  });

  it('refuses a message id that is not a plain file name', async () => {
    const channel = new LetterChannel({ outboxDir: outbox, bankName: BANK });
    await expect(channel.deliver(zhFinalResponse({ messageId: '../../etc/passwd' }))).rejects.toThrow(/cannot be a file name/);
  });
});

describe('letter helpers', () => {
  it('dates the letter in Beijing time', () => {
    expect(letterDate(new Date('2026-11-19T17:00:00Z'), 'zh-CN')).toBe('2026年11月20日');
    expect(letterDate(new Date('2026-11-19T17:00:00Z'), 'en')).toBe('20 November 2026');
  });

  it('splits paragraphs on blank lines', () => {
    expect(paragraphsOf('一\r\n\r\n二\n第二行\n  \n\n三\n')).toEqual(['一', '二\n第二行', '三']);
  });
});
