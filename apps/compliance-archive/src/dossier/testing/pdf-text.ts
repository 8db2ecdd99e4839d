/**
 * Test support: reads back what a pdfkit PDF says, without a PDF library. Text drawn with an
 * embedded font is stored as glyph ids; the font's ToUnicode map turns them back into text, as a
 * PDF viewer's copy and search do. Handles what pdfkit writes, not PDF in general.
 */
import { inflateSync } from 'node:zlib';

interface PdfObject {
  dict: string;
  stream: Buffer | null;
}

function objectsOf(pdf: Buffer): Map<number, PdfObject> {
  const text = pdf.toString('latin1');
  const objects = new Map<number, PdfObject>();
  const start = /(\d+) 0 obj\s*/g;
  let m: RegExpExecArray | null;
  while ((m = start.exec(text))) {
    const bodyStart = m.index + m[0].length;
    const end = text.indexOf('endobj', bodyStart);
    const body = text.slice(bodyStart, end);
    const at = body.indexOf('stream\n');
    let stream: Buffer | null = null;
    let dict = body;
    if (at >= 0 && !body.slice(0, at).includes('endstream')) {
      dict = body.slice(0, at);
      const length = /\/Length (\d+)/.exec(dict);
      const dataStart = bodyStart + at + 'stream\n'.length;
      const raw = pdf.subarray(dataStart, length ? dataStart + Number(length[1]) : bodyStart + body.lastIndexOf('endstream'));
      stream = dict.includes('/FlateDecode') ? inflateSync(raw) : Buffer.from(raw);
    }
    objects.set(Number(m[1]), { dict, stream });
    start.lastIndex = end;
  }
  return objects;
}

function cmapOf(stream: Buffer): Map<number, string> {
  const map = new Map<number, string>();
  for (const [, from, , list] of stream.toString('latin1').matchAll(/<([0-9a-f]{4})> <([0-9a-f]{4})> \[([^\]]*)\]/gi)) {
    [...list.matchAll(/<([^>]*)>/g)].forEach(([, units], i) => {
      map.set(parseInt(from, 16) + i, String.fromCharCode(...units.trim().split(/\s+/).map((u) => parseInt(u, 16))));
    });
  }
  return map;
}

/** The names of the embedded fonts, e.g. `BAAAAA+NotoSansSC-Regular`. */
export const embeddedFontNames = (pdf: Buffer): string[] => [...pdf.toString('latin1').matchAll(/\/FontName \/([^\s/>]+)/g)].map((m) => m[1]);

/** A string entry of the document information dictionary (/Title, /Subject...), decoded. */
export function infoString(pdf: Buffer, key: string): string | null {
  const text = pdf.toString('latin1');
  // pdfkit writes each entry as an object of its own: /Title 12 0 R ... 12 0 obj (…) endobj
  const ref = new RegExp(`/${key} (\\d+) 0 R`).exec(text);
  const direct = text.indexOf(`/${key} (`);
  const object = ref ? text.search(new RegExp(`(^|\\n)${ref[1]} 0 obj\\s*\\(`)) : -1;
  const at = ref ? (object < 0 ? -1 : text.indexOf('(', object)) : direct >= 0 ? direct + key.length + 2 : -1;
  if (at < 0) return null;
  const bytes: number[] = [];
  const escapes: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12, '(': 40, ')': 41, '\\': 92 };
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (c === ')') break;
    if (c === '\\') {
      i += 1;
      bytes.push(escapes[text[i]] ?? text.charCodeAt(i));
    } else bytes.push(text.charCodeAt(i));
  }
  const raw = Buffer.from(bytes);
  if (raw[0] === 0xfe && raw[1] === 0xff) return Buffer.from(raw.subarray(2)).swap16().toString('utf16le');
  return raw.toString('latin1');
}

/** The text of each page, in drawing order, as the fonts' ToUnicode maps give it. */
export function pageTexts(pdf: Buffer): string[] {
  const objects = objectsOf(pdf);
  const fontMaps = new Map<string, Map<number, string>>();
  for (const { dict } of objects.values()) {
    for (const [, name, ref] of dict.matchAll(/\/(F\d+) (\d+) 0 R/g)) {
      const font = objects.get(Number(ref));
      const toUnicode = font && /\/ToUnicode (\d+) 0 R/.exec(font.dict);
      const cmap = toUnicode && objects.get(Number(toUnicode[1]))?.stream;
      if (cmap) fontMaps.set(name, cmapOf(cmap));
    }
  }
  const pages: string[] = [];
  for (const { dict } of objects.values()) {
    if (!/\/Type \/Page\b/.test(dict)) continue;
    const contents = /\/Contents (\d+) 0 R/.exec(dict);
    const stream = contents && objects.get(Number(contents[1]))?.stream;
    if (!stream) continue;
    let font = new Map<number, string>();
    let out = '';
    for (const m of stream.toString('latin1').matchAll(/\/(F\d+) [\d.]+ Tf|\[([^\]]*)\] TJ|<([0-9a-f]*)> Tj/gi)) {
      if (m[1]) font = fontMaps.get(m[1]) ?? new Map();
      const hex = m[2] !== undefined ? [...m[2].matchAll(/<([0-9a-f]*)>/gi)].map((h) => h[1]).join('') : m[3];
      if (hex !== undefined) {
        for (let i = 0; i + 4 <= hex.length; i += 4) out += font.get(parseInt(hex.slice(i, i + 4), 16)) ?? '\ufffd';
        out += '\n';
      }
    }
    pages.push(out);
  }
  return pages;
}

/** All text of the document with line breaks and spaces removed, for finding wrapped phrases. */
export const flatText = (pdf: Buffer): string => pageTexts(pdf).join('').replace(/\s+/g, '');
