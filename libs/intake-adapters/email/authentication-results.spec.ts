import { AuthenticationResult, headerFieldValue, parseAuthenticationResults } from './authentication-results';

const parsed = (value: string) => {
  const p = parseAuthenticationResults(value);
  if (!p.ok) throw new Error(`expected ${JSON.stringify(value)} to parse, got: ${p.error}`);
  return p;
};
const result = (method: string, outcome: string, properties: Record<string, string> = {}, reason?: string): AuthenticationResult => ({
  method,
  result: outcome,
  ...(reason === undefined ? {} : { reason }),
  properties: Object.entries(properties).map(([name, value]) => {
    const [ptype, property] = name.split('.');
    return { ptype, property, value };
  }),
});

describe('Authentication-Results (RFC 8601)', () => {
  describe('the examples of RFC 8601 appendix B', () => {
    it('B.2: nothing was checked', () => {
      expect(parsed(' example.org 1; none')).toEqual({ ok: true, authservId: 'example.org', version: 1, results: [] });
    });

    it('B.3: SPF', () => {
      expect(parsed(' example.com; spf=pass smtp.mailfrom=example.net').results).toEqual([result('spf', 'pass', { 'smtp.mailfrom': 'example.net' })]);
    });

    it('B.4: SMTP AUTH with a comment, then SPF, folded', () => {
      expect(parsed(' example.com;\r\n          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n          spf=pass smtp.mailfrom=example.net').results).toEqual([
        result('auth', 'pass', { 'smtp.auth': 'sender@example.net' }),
        result('spf', 'pass', { 'smtp.mailfrom': 'example.net' }),
      ]);
    });

    it('B.5: iprev with a policy property holding an IP address', () => {
      expect(parsed(' example.com; iprev=pass policy.iprev=192.0.2.200').results).toEqual([result('iprev', 'pass', { 'policy.iprev': '192.0.2.200' })]);
    });

    it('B.6: two DKIM results in one header, with comments and an identity without a local-part', () => {
      const header = ' example.com;\r\n   dkim=pass (good signature) header.d=mail-router.example.net;\r\n   dkim=fail (bad signature) header.i=@newyork.example.com';
      expect(parsed(header).results).toEqual([
        result('dkim', 'pass', { 'header.d': 'mail-router.example.net' }),
        result('dkim', 'fail', { 'header.i': '@newyork.example.com' }),
      ]);
    });
  });

  describe('comments', () => {
    it('may stand before the authserv-id, between any two tokens, and nest, with quoted-pairs inside', () => {
      const header = ' (first (nested) comment) mx.bank.example (Postfix \\(3.8\\)) ; (x) dmarc (p=reject) = (ok) pass (dis=none) header (a) . (b) from (c) = (d) example.com (end)';
      expect(parsed(header)).toEqual({ ok: true, authservId: 'mx.bank.example', version: 1, results: [result('dmarc', 'pass', { 'header.from': 'example.com' })] });
    });

    it('end the authserv-id without white space', () => {
      expect(parsed('mx.bank.example(OpenDMARC);dmarc=pass header.from=example.com').authservId).toBe('mx.bank.example');
    });

    it('do not hide a ";" or "=" within them', () => {
      expect(parsed(' mx; dmarc=pass (header.from=evil.example; dmarc=pass) header.from=example.com').results).toEqual([result('dmarc', 'pass', { 'header.from': 'example.com' })]);
    });

    it('that are not closed make the header unreadable, the authserv-id still known', () => {
      expect(parseAuthenticationResults(' mx.bank.example; dmarc=pass (open (nested) header.from=example.com')).toEqual({
        ok: false,
        authservId: 'mx.bank.example',
        error: expect.stringMatching(/comment .* not closed/),
      });
      expect(parseAuthenticationResults(' mx.bank.example; dmarc=pass (ends in an escape \\')).toMatchObject({ ok: false, authservId: 'mx.bank.example' });
    });
  });

  describe('quoting', () => {
    it('reads a quoted authserv-id, reason and property values, with quoted-pairs', () => {
      const header = ' "mx.bank.example"; dkim=pass reason="good \\"2048-bit\\" signature" header.d="example.com"; dmarc=pass header.from="example.com"';
      expect(parsed(header)).toEqual({
        ok: true,
        authservId: 'mx.bank.example',
        version: 1,
        results: [result('dkim', 'pass', { 'header.d': 'example.com' }, 'good "2048-bit" signature'), result('dmarc', 'pass', { 'header.from': 'example.com' })],
      });
    });

    it('keeps a ";" inside quotes as part of the value', () => {
      expect(parsed(' mx; dmarc=pass reason="a; b=c" header.from=example.com').results).toEqual([result('dmarc', 'pass', { 'header.from': 'example.com' }, 'a; b=c')]);
    });

    it('reads a quoted local-part with its domain', () => {
      expect(parsed(' mx; auth=pass smtp.auth="john doe"@example.com').results).toEqual([result('auth', 'pass', { 'smtp.auth': 'john doe@example.com' })]);
    });

    it('refuses a quote that is not closed', () => {
      expect(parseAuthenticationResults(' mx.bank.example; dmarc=pass header.from="example.com')).toEqual({
        ok: false,
        authservId: 'mx.bank.example',
        error: expect.stringMatching(/quoted string .* not closed/),
      });
      expect(parseAuthenticationResults(' "mx.bank.example; dmarc=pass')).toMatchObject({ ok: false, authservId: undefined });
    });
  });

  describe('several results', () => {
    it('reads every resinfo with all its properties, method versions, and names in lower case', () => {
      const header = ' mx.bank.example;\r\n\tDKIM/1=PASS header.d=example.com header.s=sel1 header.b=Xq3/+9ab=;\r\n\tSPF=softfail smtp.mailfrom=bounce@example.net;\r\n\tDMARC=pass Header.From=Example.com;';
      expect(parsed(header).results).toEqual([
        result('dkim', 'pass', { 'header.d': 'example.com', 'header.s': 'sel1', 'header.b': 'Xq3/+9ab=' }),
        result('spf', 'softfail', { 'smtp.mailfrom': 'bounce@example.net' }),
        result('dmarc', 'pass', { 'header.from': 'Example.com' }),
      ]);
    });

    it('reads an IPv6 address and U-labels', () => {
      expect(parsed(' 邮件网关.银行.中国; iprev=pass policy.iprev=2001:db8::25; dmarc=pass header.from=例子.中国')).toEqual({
        ok: true,
        authservId: '邮件网关.银行.中国',
        version: 1,
        results: [result('iprev', 'pass', { 'policy.iprev': '2001:db8::25' }), result('dmarc', 'pass', { 'header.from': '例子.中国' })],
      });
    });

    it('reads the version, and tells a version apart from the first result', () => {
      expect(parsed(' mx.bank.example 1; dmarc=pass header.from=example.com').version).toBe(1);
      expect(parsed(' mx.bank.example (c) 2 (c) ; dmarc=pass header.from=example.com').version).toBe(2);
      expect(parsed(' mx.bank.example2; dmarc=pass header.from=example.com')).toMatchObject({ authservId: 'mx.bank.example2', version: 1 });
    });
  });

  describe('headers that do not follow the grammar', () => {
    it.each([
      ['an empty value', ' ', undefined],
      ['no result at all', ' mx.bank.example', 'mx.bank.example'],
      ['"none" followed by a result', ' mx.bank.example; none; dmarc=pass header.from=example.com', 'mx.bank.example'],
      ['a result without "="', ' mx.bank.example; dmarc pass header.from=example.com', 'mx.bank.example'],
      ['a method without a result', ' mx.bank.example; dmarc= header.from=example.com', 'mx.bank.example'],
      ['a property without a type', ' mx.bank.example; dmarc=pass from=example.com', 'mx.bank.example'],
      ['a property without a value', ' mx.bank.example; dmarc=pass header.from=', 'mx.bank.example'],
      ['an empty resinfo between two', ' mx.bank.example; spf=pass smtp.mailfrom=example.com;; dmarc=pass header.from=example.com', 'mx.bank.example'],
      ['key-value pairs in the authserv-id part (Yahoo)', ' mta.yahoo.example from=example.com; dmarc=pass header.from=example.com', 'mta.yahoo.example'],
      ['no authserv-id (Exchange Online)', ' spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dmarc=pass header.from=example.com', 'spf'],
      ['a second reason', ' mx.bank.example; dmarc=pass reason=a reason=b', 'mx.bank.example'],
    ])('refuses %s', (_what, header, authservId) => {
      const p = parseAuthenticationResults(header);
      expect(p.ok).toBe(false);
      expect(p.authservId).toBe(authservId);
    });
  });

  it('takes the value out of a raw header line', () => {
    expect(headerFieldValue('Authentication-Results: mx.bank.example;\r\n\tdmarc=pass header.from=example.com')).toBe(' mx.bank.example;\r\n\tdmarc=pass header.from=example.com');
  });
});
