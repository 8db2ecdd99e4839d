import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { canonicalProblems, ChannelAdapter, InboundMessage } from '../src/channel-adapter';
import { MAX_DESCRIPTION_LENGTH } from '../src/canonical-complaint';
import { AdapterConfig } from '../src/adapter-config';
import { AdapterSamples, describeAdapterContract, inboundMessage, signedMessage } from '../src/contract-kit';
import { emailAdapter } from './index';

const SECRET = randomBytes(32);
/** The bank's two gateways, as they name themselves in Authentication-Results. */
const GATEWAY = 'mail-gw.bank.example';
const GATEWAY_2 = 'mail-gw2.bank.example';
const config: AdapterConfig = {
  secretFor: (channel: string) => (channel === 'email' ? SECRET : undefined),
  email: { dmarc: 'required', authservIds: [GATEWAY, GATEWAY_2] },
};
const adapter = emailAdapter(config);
const RFC822 = { contentType: 'message/rfc822' };
const signed = (mime: Buffer | string, options: Parameters<typeof signedMessage>[3] = {}) => signedMessage('email', mime, SECRET, { ...RFC822, ...options });

/** What the gateway writes on top of a message from `domain` whose DKIM, SPF and DMARC checks passed (Postfix with OpenDKIM/OpenDMARC style). */
const gatewayResults = (domain: string, dmarc = `dmarc=pass (p=reject dis=none) header.from=${domain}`, authservId = GATEWAY) =>
  [
    `Authentication-Results: ${authservId};`,
    `\tdkim=pass (2048-bit key; unprotected) header.d=${domain} header.i=@${domain} header.s=mail header.b=Xq3/+9ab;`,
    `\tspf=pass (${authservId}: domain of ${domain} designates 203.0.113.25 as permitted sender) smtp.mailfrom=${domain};`,
    `\t${dmarc}`,
  ].join('\r\n');

/** The message as the gateway posts it: its verdict added on top, as an MTA adds trace header fields. */
const viaGateway = (mime: Buffer | string, domain: string, results = gatewayResults(domain)) => Buffer.concat([Buffer.from(`${results}\r\n`), Buffer.from(mime)]);

/** A 1x1 PNG, as the customer's mail client attached it. */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
/** A small PDF with a binary comment line: the bytes the GB2312 fixture below carries in base64. */
const PDF_BYTES = Buffer.concat([
  Buffer.from('%PDF-1.4\n%'),
  Buffer.from([0xe2, 0xe3, 0xcf, 0xd3]),
  Buffer.from('\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'),
]);

/**
 * An e-mail exactly as a mail client sends it: the display name and the subject as RFC 2047
 * encoded words (UTF-8, base64), the Chinese body in quoted-printable UTF-8, a PNG attached in base64.
 * Subject: 关于信用卡年费重复扣收的投诉   From: 陈静
 */
const CHEN_JING_EML = [
  'Return-Path: <chen.jing@example.cn>',
  gatewayResults('example.cn'),
  'Received: from mx1.example.cn (mx1.example.cn [203.0.113.25])',
  '\tby mail-gw.bank.example with ESMTPS; Mon, 23 Nov 2026 15:42:11 +0800',
  'From: =?UTF-8?B?6ZmI6Z2Z?= <chen.jing@example.cn>',
  'To: complaints@bank.example',
  'Subject: =?UTF-8?B?5YWz5LqO5L+h55So5Y2h5bm06LS56YeN5aSN5omj5pS255qE5oqV6K+J?=',
  'Date: Mon, 23 Nov 2026 15:42:10 +0800',
  'Message-ID: <20261123154210.5521@mail.example.cn>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="=_complaint_0001"',
  '',
  'This is a multi-part message in MIME format.',
  '',
  '--=_complaint_0001',
  'Content-Type: text/plain; charset=UTF-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  '=E6=82=A8=E5=A5=BD=EF=BC=9A',
  '',
  '=E6=88=91=E7=9A=84=E4=BF=A1=E7=94=A8=E5=8D=A1=EF=BC=88=E5=B0=BE=E5=8F=B7884=',
  '1=EF=BC=89=E5=9C=A811=E6=9C=885=E6=97=A5=E5=92=8C11=E6=9C=886=E6=97=A5=',
  '=E5=90=84=E8=A2=AB=E6=89=A3=E6=94=B6=E4=BA=86=E4=B8=80=E6=AC=A1=E5=B9=B4=',
  '=E8=B4=B9=EF=BC=8C=E6=AF=8F=E6=AC=A1300=E5=85=83=E3=80=82',
  '=E9=93=B6=E8=A1=8C=E5=8D=A1=E8=B4=A6=E5=8D=95=E6=88=AA=E5=9B=BE=E8=A7=81=',
  '=E9=99=84=E4=BB=B6=EF=BC=8C=E8=AF=B7=E9=80=80=E8=BF=98=E9=87=8D=E5=A4=8D=',
  '=E6=89=A3=E6=94=B6=E7=9A=84300=E5=85=83=E3=80=82',
  '',
  '=E9=99=88=E9=9D=99',
  '',
  '--=_complaint_0001',
  'Content-Type: image/png; name="statement.png"',
  'Content-Transfer-Encoding: base64',
  'Content-Disposition: attachment; filename="statement.png"',
  '',
  PNG_BASE64,
  '--=_complaint_0001--',
  '',
].join('\r\n');
const CHEN_JING_SUBJECT = '关于信用卡年费重复扣收的投诉';
const CHEN_JING_TEXT = '您好：\n\n我的信用卡（尾号8841）在11月5日和11月6日各被扣收了一次年费，每次300元。\n银行卡账单截图见附件，请退还重复扣收的300元。\n\n陈静';

/**
 * An older corporate mail client: GB2312 encoded words (subject, display name), a GB2312 body in
 * base64 and a PDF whose file name is RFC 2231 encoded. Subject: 房贷提前还款违约金过高  From: 赵建国
 * It came in through the bank's second gateway, which writes its name and the domain in other
 * case and gives a version; the sender's own provider had added a verdict of its own, which counts
 * for nothing either way.
 */
const ZHAO_JIANGUO_EML = [
  'Authentication-Results: MAIL-GW2.Bank.Example 1; spf=pass smtp.mailfrom=EXAMPLE.com.cn;',
  '  dmarc=pass header.from=EXAMPLE.COM.CN',
  'Authentication-Results: smtp.example.com.cn; dmarc=fail (provider could not tell) header.from=example.com.cn',
  'From: =?GB2312?B?1dS9qLn6?= <zhao.jianguo@example.com.cn>',
  'To: <complaints@bank.example>',
  'Subject: =?GB2312?B?t7+0+8zhx7C7ub/uzqXUvL3wuf243w==?=',
  'Date: Sun, 22 Nov 2026 21:05:33 +0800',
  'Message-ID: <000001db3d2a$5c1e6f40$1410f880$@example.com.cn>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="----=_NextPart_000_0012_01DB3D2A.5C1E6F40"',
  'X-Mailer: Microsoft Outlook 16.0',
  '',
  '------=_NextPart_000_0012_01DB3D2A.5C1E6F40',
  'Content-Type: text/plain; charset="gb2312"',
  'Content-Transfer-Encoding: base64',
  '',
  'ztLJz7j21MLM4cewuem7ucHLsr+31re/tPujrLG7ytXIocHLzqXUvL3wMjAwMNSqo6y6z82swO/D',
  'u9PQ1eK49sz1v+6how0K',
  '',
  '------=_NextPart_000_0012_01DB3D2A.5C1E6F40',
  'Content-Type: application/pdf; name="receipt.pdf"',
  "Content-Disposition: attachment; filename*=UTF-8''%E8%BF%98%E6%AC%BE%E5%87%AD%E8%AF%81.pdf",
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PCAvVHlwZSAvQ2F0YWxvZyA+PgplbmRvYmoKdHJhaWxl',
  'cgo8PCAvUm9vdCAxIDAgUiA+PgolJUVPRgo=',
  '',
  '------=_NextPart_000_0012_01DB3D2A.5C1E6F40--',
  '',
].join('\r\n');

/** The fixture with its first `name` header (folded lines included) removed or replaced (raw text, so nothing is re-encoded). */
function withHeader(eml: string, name: string, line?: string): string {
  const lines = eml.split('\r\n');
  const at = lines.findIndex((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (at < 0) throw new Error(`no ${name} header in the fixture`);
  let folded = 1;
  while (/^[ \t]/.test(lines[at + folded] ?? '')) folded++;
  lines.splice(at, folded, ...(line === undefined ? [] : [line]));
  return lines.join('\r\n');
}

const compose = (mail: Mail.Options): Promise<Buffer> => new MailComposer(mail).compile().build();
const DATE = new Date('2026-11-23T07:59:00Z');

/** Messages built with nodemailer's MailComposer: the MIME a real mail client produces (random boundaries included). */
const built = {} as Record<'english' | 'htmlOnly' | 'alternativeWithFiles' | 'attachmentOnly' | 'tooManyFiles' | 'forwarded', Buffer>;
beforeAll(async () => {
  built.english = await compose({
    from: '"Ann Lee" <ann.lee@example.com>',
    to: 'complaints@bank.example',
    subject: 'Card blocked abroad',
    text: 'My card was blocked twice in Singapore although I had told the bank I was travelling.\r\nPlease explain.\r\n',
    messageId: '<CAF=7x+Lq_2@mail.example.com>',
    date: DATE,
  });
  built.htmlOnly = await compose({
    from: 'li.wei@example.cn',
    to: 'complaints@bank.example',
    subject: '网银转账失败',
    html: '<html><body><p>11月22日网银转账<b>失败</b>但扣了手续费。</p><p>请核查。</p></body></html>',
    messageId: '<html-only.1@example.cn>',
    date: DATE,
  });
  built.alternativeWithFiles = await compose({
    from: { name: '孙丽', address: 'sun.li@example.cn' },
    to: 'complaints@bank.example',
    subject: '理财产品赎回到账延迟',
    text: '赎回的理财资金承诺T+1到账，已经过去五个工作日仍未到账。',
    html: '<p>HTML 版本不应被使用</p>',
    messageId: '<alt.2@example.cn>',
    date: DATE,
    attachments: [
      { filename: '赎回确认.pdf', content: PDF_BYTES, contentType: 'application/pdf' },
      { filename: 'screenshot.JPG', content: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]), contentType: 'image/JPEG' },
    ],
  });
  built.attachmentOnly = await compose({
    from: 'li.wei@example.cn',
    subject: '附件',
    messageId: '<attachment-only.3@example.cn>',
    date: DATE,
    attachments: [{ filename: 'scan.pdf', content: PDF_BYTES }],
  });
  built.tooManyFiles = await compose({
    from: 'li.wei@example.cn',
    subject: 'files',
    text: 'See the attached photos.',
    messageId: '<many.4@example.cn>',
    date: DATE,
    attachments: Array.from({ length: 21 }, (_, i) => ({ filename: `photo-${i}.png`, content: Buffer.from(PNG_BASE64, 'base64') })),
  });
  // A message the gateway did vouch for once, forwarded as an attachment by someone it does not vouch for.
  built.forwarded = await compose({
    from: '"陈静" <chen.jing@example.cn>',
    to: 'complaints@bank.example',
    subject: 'Fwd: 投诉',
    text: '转发我之前的投诉。',
    messageId: '<forwarded.8@example.cn>',
    date: DATE,
    attachments: [{ filename: 'complaint.eml', content: Buffer.from(CHEN_JING_EML), contentType: 'message/rfc822' }],
  });
});

/**
 * Really posted by the gateway (they verify), but their From is not shown to be the sender's: each
 * is refused at `Authentication-Results` (or `From`) by the DMARC rule, and none quotes the domain.
 */
const SENDER_NOT_AUTHENTICATED: AdapterSamples['invalid'] = [
  {
    name: "an e-mail without the gateway's Authentication-Results",
    message: () => signed(withHeader(CHEN_JING_EML, 'Authentication-Results')),
    reason: /no Authentication-Results header from the bank's mail gateway/,
  },
  {
    name: 'an e-mail whose only Authentication-Results is from another authserv-id (the sender wrote it)',
    message: () => signed(withHeader(CHEN_JING_EML, 'Authentication-Results', 'Authentication-Results: mx1.example.cn; dkim=pass header.d=example.cn; dmarc=pass header.from=example.cn')),
    reason: /no Authentication-Results header from the bank's mail gateway/,
  },
  {
    name: "an e-mail whose Authentication-Results authserv-id only begins like the gateway's",
    message: () => signed(withHeader(CHEN_JING_EML, 'Authentication-Results', gatewayResults('example.cn', undefined, `${GATEWAY}.attacker.example`))),
    reason: /no Authentication-Results header from the bank's mail gateway/,
  },
  {
    name: 'an e-mail that failed DMARC at the gateway',
    message: () => signed(withHeader(CHEN_JING_EML, 'Authentication-Results', gatewayResults('example.cn', 'dmarc=fail (p=none dis=none) header.from=example.cn'))),
    reason: /DMARC result is "fail", not "pass"/,
  },
  {
    name: 'an e-mail whose From domain publishes no DMARC policy (dmarc=none)',
    message: () => signed(withHeader(CHEN_JING_EML, 'Authentication-Results', gatewayResults('example.cn', 'dmarc=none header.from=example.cn'))),
    reason: /DMARC result is "none", not "pass"/,
  },
  {
    name: "an e-mail whose DMARC passed for the sender's own domain, not the From domain",
    message: () => signed(withHeader(CHEN_JING_EML, 'Authentication-Results', gatewayResults('attacker.example'))),
    reason: /DMARC pass is for another domain than the From address's/,
  },
  {
    name: 'an e-mail whose DMARC passed for the parent of the From domain',
    message: () => signed(withHeader(CHEN_JING_EML, 'From', 'From: =?UTF-8?B?6ZmI6Z2Z?= <chen.jing@mail.example.cn>')),
    reason: /DMARC pass is for another domain than the From address's/,
  },
  {
    name: "an e-mail carrying the gateway's pass only inside a forwarded message",
    message: () => signed(built.forwarded),
    reason: /no Authentication-Results header from the bank's mail gateway/,
  },
  {
    name: "an e-mail with the gateway's fail on top and a pass in the gateway's name forged below it",
    message: () =>
      signed(
        withHeader(
          CHEN_JING_EML,
          'Authentication-Results',
          [gatewayResults('example.cn', 'dmarc=fail header.from=example.cn'), `Authentication-Results: ${GATEWAY}; dmarc=pass header.from=example.cn`].join('\r\n'),
        ),
      ),
    reason: /DMARC result is "fail", not "pass"/,
  },
  {
    name: 'an e-mail whose gateway header has SPF and DKIM but no DMARC result',
    message: () => signed(withHeader(CHEN_JING_EML, 'Authentication-Results', `Authentication-Results: ${GATEWAY}; spf=pass smtp.mailfrom=example.cn; dkim=pass header.d=example.cn`)),
    reason: /give no DMARC result/,
  },
  {
    name: 'an e-mail the gateway could not check at all (none)',
    message: () => signed(withHeader(CHEN_JING_EML, 'Authentication-Results', `Authentication-Results: ${GATEWAY}; none`)),
    reason: /give no DMARC result/,
  },
  {
    name: 'an e-mail whose DMARC pass names no header.from',
    message: () => signed(withHeader(CHEN_JING_EML, 'Authentication-Results', `Authentication-Results: ${GATEWAY}; dmarc=pass (p=reject)`)),
    reason: /names no header.from domain/,
  },
  {
    name: 'an e-mail whose gateway header cannot be parsed',
    message: () => signed(withHeader(CHEN_JING_EML, 'Authentication-Results', `Authentication-Results: ${GATEWAY}; dmarc=pass (unclosed header.from=example.cn`)),
    reason: /cannot be read \(RFC 8601\)/,
  },
  {
    name: 'an e-mail whose gateway header is of an unknown version',
    message: () => signed(withHeader(CHEN_JING_EML, 'Authentication-Results', `Authentication-Results: ${GATEWAY} 2; dmarc=pass header.from=example.cn`)),
    reason: /version 2, not 1/,
  },
  {
    name: 'an e-mail with a second From header below the authenticated one',
    message: () => signed(withHeader(CHEN_JING_EML, 'To', 'To: complaints@bank.example\r\nFrom: Ann Lee <ann.lee@example.com>')),
    reason: /more than one From header/,
  },
];

/** Signed by the gateway, so they verify (see below), yet none of them can become a complaint. */
const INVALID: AdapterSamples['invalid'] = [
  { name: 'an empty body', message: () => signed(''), reason: /body is empty/ },
  { name: 'a body that is plain text, not MIME', message: () => signed('Please refund the annual fee.'), reason: /not a MIME message/ },
  { name: 'a JSON body', message: () => signed('{"from":"chen.jing@example.cn","text":"refund"}'), reason: /not a MIME message/ },
  { name: 'an e-mail without Message-ID', message: () => signed(withHeader(CHEN_JING_EML, 'Message-ID')), reason: /no Message-ID/ },
  { name: 'an e-mail without From', message: () => signed(withHeader(CHEN_JING_EML, 'From')), reason: /no From address/ },
  { name: 'an e-mail from an empty group', message: () => signed(withHeader(CHEN_JING_EML, 'From', 'From: undisclosed-recipients:;')), reason: /no From address/ },
  {
    name: 'an e-mail whose From is not an address',
    message: () => signed(withHeader(CHEN_JING_EML, 'From', 'From: =?UTF-8?B?6ZmI6Z2Z?= <chen.jing-at-example.cn>')),
    reason: /not a valid e-mail address/,
  },
  {
    name: 'an e-mail with headers only',
    message: () => signed(viaGateway('From: chen.jing@example.cn\r\nMessage-ID: <empty.5@example.cn>\r\nSubject: =?UTF-8?B?5oqV6K+J?=\r\n\r\n', 'example.cn')),
    reason: /no body text/,
  },
  { name: 'an e-mail with an attachment and no text', message: () => signed(viaGateway(built.attachmentOnly, 'example.cn')), reason: /no body text/ },
  { name: 'an e-mail with 21 attachments', message: () => signed(viaGateway(built.tooManyFiles, 'example.cn')), reason: /21 attachments; at most 20/ },
  ...SENDER_NOT_AUTHENTICATED,
];

describeAdapterContract(adapter, {
  valid: [
    {
      name: 'a hand-written Chinese e-mail (RFC 2047 subject, quoted-printable body, PNG attachment)',
      message: () => signed(CHEN_JING_EML),
      messageId: '20261123154210.5521@mail.example.cn',
      complaint: {
        channel: 'email',
        channelReference: '20261123154210.5521@mail.example.cn',
        complainant: { email: 'chen.jing@example.cn', name: '陈静' },
        description: `${CHEN_JING_SUBJECT}\n\n${CHEN_JING_TEXT}`,
        preferredReplyChannel: 'email',
        language: 'zh-CN',
      },
      uploads: 1,
    },
    {
      name: 'a GB2312 e-mail from an older mail client (GB2312 subject and body, RFC 2231 file name)',
      message: () => signed(ZHAO_JIANGUO_EML),
      messageId: '000001db3d2a$5c1e6f40$1410f880$@example.com.cn',
      complaint: {
        channel: 'email',
        channelReference: '000001db3d2a$5c1e6f40$1410f880$@example.com.cn',
        complainant: { email: 'zhao.jianguo@example.com.cn', name: '赵建国' },
        description: '房贷提前还款违约金过高\n\n我上个月提前归还了部分房贷，被收取了违约金2000元，合同里没有这个条款。',
        preferredReplyChannel: 'email',
        language: 'zh-CN',
      },
      uploads: 1,
    },
    {
      name: 'an English plain-text e-mail (MailComposer)',
      message: () => signed(viaGateway(built.english, 'example.com')),
      messageId: 'CAF=7x+Lq_2@mail.example.com',
      complaint: {
        channel: 'email',
        channelReference: 'CAF=7x+Lq_2@mail.example.com',
        complainant: { email: 'ann.lee@example.com', name: 'Ann Lee' },
        description: 'Card blocked abroad\n\nMy card was blocked twice in Singapore although I had told the bank I was travelling.\nPlease explain.',
        preferredReplyChannel: 'email',
        language: 'en',
      },
    },
    {
      name: 'an HTML-only e-mail without a display name (MailComposer)',
      message: () => signed(viaGateway(built.htmlOnly, 'example.cn')),
      messageId: 'html-only.1@example.cn',
      complaint: {
        channel: 'email',
        channelReference: 'html-only.1@example.cn',
        complainant: { email: 'li.wei@example.cn' },
        description: '网银转账失败\n\n11月22日网银转账失败但扣了手续费。\n\n请核查。',
        preferredReplyChannel: 'email',
        language: 'zh-CN',
      },
    },
    {
      name: 'a text + HTML e-mail with two attachments (MailComposer)',
      message: () => signed(viaGateway(built.alternativeWithFiles, 'example.cn')),
      messageId: 'alt.2@example.cn',
      complaint: {
        channel: 'email',
        channelReference: 'alt.2@example.cn',
        complainant: { email: 'sun.li@example.cn', name: '孙丽' },
        description: '理财产品赎回到账延迟\n\n赎回的理财资金承诺T+1到账，已经过去五个工作日仍未到账。',
        preferredReplyChannel: 'email',
        language: 'zh-CN',
      },
      uploads: 2,
    },
  ],
  forged: [
    { name: 'unsigned e-mail', message: () => inboundMessage('email', CHEN_JING_EML, RFC822), reason: /signature headers/ },
    { name: 'e-mail signed with another key', message: () => signedMessage('email', CHEN_JING_EML, randomBytes(32), RFC822), reason: /does not match/ },
    {
      name: 'e-mail whose From was rewritten after signing',
      message: () => ({ ...signed(CHEN_JING_EML), body: Buffer.from(withHeader(CHEN_JING_EML, 'From', 'From: Mallory <mallory@example.net>')) }),
      reason: /does not match/,
    },
    {
      name: "e-mail whose gateway verdict was changed to a pass after signing",
      message: () => ({
        ...signed(withHeader(CHEN_JING_EML, 'Authentication-Results', gatewayResults('example.cn', 'dmarc=fail header.from=example.cn'))),
        body: Buffer.from(CHEN_JING_EML),
      }),
      reason: /does not match/,
    },
    {
      name: 'e-mail signed two hours before it arrived',
      message: () => ({ ...signed(CHEN_JING_EML, { at: new Date('2026-11-23T06:00:00Z') }), receivedAt: new Date('2026-11-23T08:00:00Z') }),
      reason: /more than 300 s from now/,
    },
  ],
  invalid: INVALID,
  personalData: [
    '陈静',
    'chen.jing@example.cn',
    '尾号8841',
    '赵建国',
    'zhao.jianguo@example.com.cn',
    'Ann Lee',
    'ann.lee@example.com',
    'li.wei@example.cn',
    '孙丽',
    'sun.li@example.cn',
    // A sender's domain can name them as well as their address (a family's own domain): refusals quote none.
    'example.cn',
    'example.com.cn',
    'attacker.example',
  ],
});

describe('e-mail adapter: decoding real MIME', () => {
  it('decodes the RFC 2047 subject, the quoted-printable body and the base64 PNG of a hand-written e-mail', async () => {
    const outcome = await adapter.map(signed(CHEN_JING_EML));
    expect(outcome.kind).toBe('complaint');
    if (outcome.kind !== 'complaint') return;
    const [subject, ...rest] = outcome.complaint.description.split('\n\n');
    expect(subject).toBe('关于信用卡年费重复扣收的投诉');
    expect(rest.join('\n\n')).toBe(CHEN_JING_TEXT);
    expect(outcome.uploads).toHaveLength(1);
    const [png] = outcome.uploads;
    expect({ fileName: png.fileName, mediaType: png.mediaType }).toEqual({ fileName: 'statement.png', mediaType: 'image/png' });
    expect(png.content.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.content.equals(Buffer.from(PNG_BASE64, 'base64'))).toBe(true);
  });

  it('decodes a GB2312 subject, display name and body, and an RFC 2231 file name', async () => {
    const outcome = await adapter.map(signed(ZHAO_JIANGUO_EML));
    expect(outcome.kind).toBe('complaint');
    if (outcome.kind !== 'complaint') return;
    expect(outcome.complaint.description.split('\n')[0]).toBe('房贷提前还款违约金过高');
    expect(outcome.complaint.description).toContain('违约金2000元');
    expect(outcome.complaint.complainant.name).toBe('赵建国');
    const [pdf] = outcome.uploads;
    expect({ fileName: pdf.fileName, mediaType: pdf.mediaType }).toEqual({ fileName: '还款凭证.pdf', mediaType: 'application/pdf' });
    expect(pdf.content.equals(PDF_BYTES)).toBe(true);
  });

  it('keeps the media types and exact bytes of MailComposer attachments, prefers text/plain over HTML', async () => {
    const outcome = await adapter.map(signed(viaGateway(built.alternativeWithFiles, 'example.cn')));
    expect(outcome.kind).toBe('complaint');
    if (outcome.kind !== 'complaint') return;
    expect(outcome.complaint.description).not.toContain('HTML');
    expect(outcome.uploads.map((u) => [u.fileName, u.mediaType, u.content.toString('hex')])).toEqual([
      ['赎回确认.pdf', 'application/pdf', PDF_BYTES.toString('hex')],
      ['screenshot.JPG', 'image/jpeg', 'ffd8ffe000104a464946'],
    ]);
  });

  it('leaves out empty parts and the S/MIME signature of a signed e-mail: they are not evidence', async () => {
    const mime = await compose({
      from: 'li.wei@example.cn',
      subject: 'signed',
      text: 'My standing order was paid twice.',
      messageId: '<signed.7@example.cn>',
      date: DATE,
      attachments: [
        { filename: 'order.pdf', content: PDF_BYTES },
        { filename: 'empty.txt', content: Buffer.alloc(0), contentType: 'text/plain' },
        { filename: 'smime.p7s', content: Buffer.from([0x30, 0x82, 0x01, 0x00]), contentType: 'application/pkcs7-signature' },
      ],
    });
    const outcome = await adapter.map(signed(viaGateway(mime, 'example.cn')));
    expect(outcome.kind).toBe('complaint');
    if (outcome.kind === 'complaint') expect(outcome.uploads.map((u) => u.fileName)).toEqual(['order.pdf']);
  });

  it(`truncates a long e-mail to ${MAX_DESCRIPTION_LENGTH} characters without splitting one, still a valid complaint`, async () => {
    // '长投诉\n\n' is 5 characters, the 扣费 run 3994: the cut falls inside the run of 𠮷, a character outside the BMP (two UTF-16 units).
    const mime = await compose({ from: 'li.wei@example.cn', subject: '长投诉', text: '扣费'.repeat(1997) + '𠮷'.repeat(10), messageId: '<long.6@example.cn>', date: DATE });
    const outcome = await adapter.map(signed(viaGateway(mime, 'example.cn')));
    expect(outcome.kind).toBe('complaint');
    if (outcome.kind !== 'complaint') return;
    const description = outcome.complaint.description;
    expect(Array.from(description)).toHaveLength(MAX_DESCRIPTION_LENGTH);
    expect(description.startsWith('长投诉\n\n扣费扣费')).toBe(true);
    expect(description.endsWith('费𠮷')).toBe(true);
    expect(canonicalProblems(outcome.complaint)).toEqual([]);
  });

  it.each(INVALID.map((s) => [s.name, s] as const))('refuses %s although the gateway really sent it (it verifies)', (_name, sample) => {
    expect(adapter.verify(sample.message())).toMatchObject({ ok: true });
  });

  it('refuses every e-mail when the e-mail channel has no signing secret', () => {
    const verdict = emailAdapter({ secretFor: () => undefined }).verify(signed(CHEN_JING_EML));
    expect(verdict).toEqual({ ok: false, reason: 'channel "email" has no signing secret configured' });
  });

  it('reads only the raw MIME message', () => {
    expect(adapter.accepts).toEqual(['message/rfc822']);
    expect(adapter.channel).toBe('email');
  });
});

describe("e-mail adapter: the From domain, as the bank's mail gateway authenticated it", () => {
  const outcomeOf = async (a: ChannelAdapter, message: InboundMessage) => {
    const outcome = await a.map(message);
    return outcome.kind === 'refused' ? { refused: outcome.reason, path: outcome.path } : { kind: outcome.kind };
  };
  const withResults = (...lines: string[]) => signed(withHeader(CHEN_JING_EML, 'Authentication-Results', lines.join('\r\n')));

  it.each(SENDER_NOT_AUTHENTICATED.map((s) => [s.name, s] as const))('refuses %s naming the header it is about', async (_name, sample) => {
    const { path } = (await outcomeOf(adapter, sample.message())) as { path?: string };
    expect(path).toBe(/From header/.test(sample.reason.source) ? 'From' : 'Authentication-Results');
  });

  it("takes the gateway's authserv-id quoted, and ignores what other authserv-ids say, a pass for another domain included", async () => {
    const message = withResults(
      'Authentication-Results: "mail-gw.bank.example" (Postfix); dmarc=pass header.from="example.cn"',
      'Authentication-Results: mx1.example.cn; dmarc=pass header.from=attacker.example; dmarc=fail header.from=example.cn',
    );
    expect(await outcomeOf(adapter, message)).toEqual({ kind: 'complaint' });
  });

  it('files an e-mail that passed at two hops of the gateway (every verdict of the gateway passes for the From domain)', async () => {
    const message = withResults(gatewayResults('example.cn', undefined, GATEWAY_2), gatewayResults('example.cn'));
    expect(await outcomeOf(adapter, message)).toEqual({ kind: 'complaint' });
  });

  it('matches an internationalised From domain with the A-labels the gateway writes, and the other way round', async () => {
    const mime = (from: string) => compose({ from, subject: '投诉', text: '年费重复扣收。', messageId: '<idn.9@example.cn>', date: DATE });
    const aLabels = await mime('"张三" <zhang.san@xn--fsqu00a.xn--fiqs8s>');
    expect(await outcomeOf(adapter, signed(viaGateway(aLabels, '例子.中国')))).toEqual({ kind: 'complaint' });
    expect(await outcomeOf(adapter, signed(viaGateway(aLabels, 'XN--FSQU00A.xn--fiqs8s')))).toEqual({ kind: 'complaint' });
    expect(await outcomeOf(adapter, signed(viaGateway(aLabels, 'xn--fsqu00a.xn--fiqs8s.')))).toEqual({ kind: 'complaint' });
    expect(await outcomeOf(adapter, signed(viaGateway(aLabels, '例子.中国.example')))).toMatchObject({ refused: expect.stringMatching(/another domain/) });
  });

  it('refuses every e-mail when nobody configured whose verdicts count, once the signature is checked', async () => {
    const unconfigured = emailAdapter({ secretFor: config.secretFor });
    expect(unconfigured.verify(signed(CHEN_JING_EML))).toEqual({ ok: false, reason: expect.stringMatching(/^channel "email" has no mail gateway authserv-id configured/) });
    expect(unconfigured.verify(inboundMessage('email', CHEN_JING_EML, RFC822))).toEqual({ ok: false, reason: expect.stringMatching(/signature headers/) });
    expect(await outcomeOf(unconfigured, signed(CHEN_JING_EML))).toEqual({ refused: expect.stringMatching(/no mail gateway authserv-id configured/), path: 'Authentication-Results' });
  });

  it('files an e-mail without any verdict when the bank turned the check off explicitly, still refusing two From headers', async () => {
    const unchecked = emailAdapter({ secretFor: config.secretFor, email: { dmarc: 'off' } });
    const bare = signed(withHeader(CHEN_JING_EML, 'Authentication-Results'));
    expect(unchecked.verify(bare)).toMatchObject({ ok: true });
    expect(await outcomeOf(unchecked, bare)).toEqual({ kind: 'complaint' });
    const twoFroms = signed(withHeader(CHEN_JING_EML, 'To', 'To: complaints@bank.example\r\nFrom: Ann Lee <ann.lee@example.com>'));
    expect(await outcomeOf(unchecked, twoFroms)).toMatchObject({ path: 'From' });
  });
});
