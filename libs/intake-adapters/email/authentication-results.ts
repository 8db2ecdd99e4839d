/**
 * The Authentication-Results header field (RFC 8601): who checked the message (the authserv-id)
 * and each method's result with the properties it was evaluated on:
 *
 *   Authentication-Results: mx.bank.example (version 9.1) 1;
 *     dkim=pass (2048-bit key) header.d=example.com header.s=sel1;
 *     dmarc=pass reason="aligned" header.from=example.com
 *
 * Comments (nested, with quoted-pairs) and folding white space may stand between any two tokens;
 * values may be quoted. Property values are read more leniently than the grammar (a `header.b`
 * with `/` or `=` unquoted, an IPv6 address), as gateways write them; a trailing `;` is tolerated.
 * Anything else that does not follow the grammar is an error, and the caller decides what an
 * unreadable header means: the authserv-id is still reported when it was read.
 */

export interface AuthenticationResult {
  /** In lower case, e.g. `dmarc`. */
  method: string;
  /** In lower case, e.g. `pass`. */
  result: string;
  reason?: string;
  properties: { ptype: string; property: string; value: string }[];
}

export type ParsedAuthenticationResults =
  | { ok: true; authservId: string; version: number; results: AuthenticationResult[] }
  | { ok: false; authservId?: string; error: string };

/** The header does not follow the grammar; the message says where, and quotes nothing of the header. */
class ParseError extends Error {}

/** Parses the field's value (what follows `Authentication-Results:`), folded or unfolded. */
export function parseAuthenticationResults(value: string): ParsedAuthenticationResults {
  const scanner = new Scanner(value);
  let authservId: string | undefined;
  try {
    scanner.cfws();
    authservId = scanner.value('the authserv-id');
    const version = readVersion(scanner);
    const results = readResults(scanner);
    return { ok: true, authservId, version, results };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { ok: false, authservId, error: e.message };
  }
}

/** The header field's value from a raw header line (`Name: value`, possibly folded). */
export function headerFieldValue(line: string): string {
  return line.slice(line.indexOf(':') + 1);
}

function readVersion(scanner: Scanner): number {
  const separated = scanner.cfws();
  const digits = separated ? scanner.match(/\d+/y) : undefined;
  if (digits === undefined) return 1;
  scanner.cfws();
  return Number(digits);
}

function readResults(scanner: Scanner): AuthenticationResult[] {
  if (scanner.done) throw new ParseError('no result follows the authserv-id (";" and "none" when there is none)');
  const results: AuthenticationResult[] = [];
  while (!scanner.done) {
    scanner.expect(';');
    scanner.cfws();
    // A trailing ";" is not in the grammar, but gateways write it.
    if (scanner.done && results.length) break;
    const method = scanner.keyword('a method').toLowerCase();
    scanner.cfws();
    if (method === 'none' && scanner.done && results.length === 0) return [];
    if (scanner.peek() === '/') {
      scanner.expect('/');
      scanner.cfws();
      scanner.digits('a method version');
      scanner.cfws();
    }
    scanner.expect('=');
    scanner.cfws();
    const result = scanner.keyword('a result').toLowerCase();
    const entry: AuthenticationResult = { method, result, properties: [] };
    scanner.cfws();
    while (!scanner.done && scanner.peek() !== ';') {
      const name = scanner.keyword('"reason" or a property').toLowerCase();
      scanner.cfws();
      if (scanner.peek() === '=' && name === 'reason' && entry.reason === undefined && entry.properties.length === 0) {
        scanner.expect('=');
        scanner.cfws();
        entry.reason = scanner.propertyValue('the reason');
      } else {
        scanner.expect('.');
        scanner.cfws();
        const property = scanner.keyword('a property').toLowerCase();
        scanner.cfws();
        scanner.expect('=');
        scanner.cfws();
        entry.properties.push({ ptype: name, property, value: scanner.propertyValue('a property') });
      }
      scanner.cfws();
    }
    results.push(entry);
  }
  return results;
}

/** RFC 2045 token: printable ASCII but tspecials, or UTF-8 (RFC 8601 section 2.2 allows U-labels). */
const TOKEN = /(?:[!#-'*+\-.0-9A-Z^-~]|\P{ASCII})+/uy;
/** RFC 5321 Ldh-str: methods, results, ptypes and properties. */
const KEYWORD = /[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/y;
/** A property value as gateways write it: anything up to white space, a comment, a quote or the next ";". */
const LENIENT_VALUE = /[^\s()";\\]+/y;

class Scanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  /** Skips white space (folding included) and comments; true when there was any. */
  cfws(): boolean {
    const start = this.pos;
    while (!this.done) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') this.pos++;
      else if (c === '(') this.comment();
      else break;
    }
    return this.pos > start;
  }

  expect(char: string): void {
    if (this.text[this.pos] !== char) throw new ParseError(`expected "${char}" at offset ${this.pos}`);
    this.pos++;
  }

  match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.pos;
    const found = pattern.exec(this.text)?.[0];
    if (found !== undefined) this.pos += found.length;
    return found;
  }

  keyword(what: string): string {
    const found = this.match(KEYWORD);
    if (found === undefined) throw new ParseError(`expected ${what} at offset ${this.pos}`);
    return found;
  }

  digits(what: string): string {
    const found = this.match(/\d+/y);
    if (found === undefined) throw new ParseError(`expected ${what} at offset ${this.pos}`);
    return found;
  }

  /** RFC 2045 value: a token or a quoted string. */
  value(what: string): string {
    if (this.peek() === '"') return this.quoted();
    const found = this.match(TOKEN);
    if (found === undefined) throw new ParseError(`expected ${what} at offset ${this.pos}`);
    return found;
  }

  /** pvalue: a quoted string (a quoted local-part may be followed by "@domain"), or the lenient run. */
  propertyValue(what: string): string {
    if (this.peek() === '"') {
      const quoted = this.quoted();
      return this.peek() === '@' ? quoted + (this.match(LENIENT_VALUE) ?? '') : quoted;
    }
    const found = this.match(LENIENT_VALUE);
    if (found === undefined) throw new ParseError(`expected the value of ${what} at offset ${this.pos}`);
    return found;
  }

  private quoted(): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    while (!this.done) {
      const c = this.text[this.pos++];
      if (c === '"') return out;
      if (c === '\\') {
        if (this.done) break;
        out += this.text[this.pos++];
      } else if (c !== '\r' && c !== '\n') {
        out += c;
      }
    }
    throw new ParseError(`a quoted string at offset ${start} is not closed`);
  }

  /** A comment, nested comments and quoted-pairs within it included. */
  private comment(): void {
    const start = this.pos;
    let depth = 0;
    do {
      if (this.done) throw new ParseError(`a comment at offset ${start} is not closed`);
      const c = this.text[this.pos++];
      if (c === '\\') this.pos++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
    } while (depth > 0);
  }
}
