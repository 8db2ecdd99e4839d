// Prints the text of a PDF as JSON { pages: string[] } using pdfjs-dist, so tests read a letter the
// way a PDF reader does (including the font's ToUnicode map). Jest cannot import the ESM-only
// pdfjs build here, so specs run this as a child process:
//   node extract-pdf-text.mjs <file.pdf>     or     node extract-pdf-text.mjs < file.pdf
import { readFile } from 'node:fs/promises';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

async function readInput() {
  if (process.argv[2]) return readFile(process.argv[2]);
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const data = new Uint8Array(await readInput());
const pdf = await getDocument({ data, useSystemFonts: false, disableFontFace: true, verbosity: 0 }).promise;
const pages = [];
for (let n = 1; n <= pdf.numPages; n++) {
  const page = await pdf.getPage(n);
  const content = await page.getTextContent();
  pages.push(content.items.map((item) => ('str' in item ? item.str + (item.hasEOL ? '\n' : '') : '')).join(''));
}
await pdf.destroy();
process.stdout.write(JSON.stringify({ pages }));
