import fs from 'node:fs';
import path from 'node:path';
import PDFDocument from 'pdfkit';

/** Noto Sans SC (SIL OFL), embedded as a subset: a PDF reads the same wherever it is opened or printed. */
const FONT_DIR = path.dirname(require.resolve('@expo-google-fonts/noto-sans-sc/package.json'));
const FONT_FILES = {
  regular: path.join(FONT_DIR, '400Regular', 'NotoSansSC_400Regular.ttf'),
  bold: path.join(FONT_DIR, '700Bold', 'NotoSansSC_700Bold.ttf'),
};
let fonts: { regular: Buffer; bold: Buffer } | null = null;

/** The regular and bold Chinese fonts for pdfkit, read once (about 10 MB each); pdfkit embeds only the glyphs used. */
export const loadChineseFonts = (): { regular: Buffer; bold: Buffer } =>
  (fonts ??= { regular: fs.readFileSync(FONT_FILES.regular), bold: fs.readFileSync(FONT_FILES.bold) });

/**
 * A pdfkit document that can print Chinese: fonts `body` and `bold` registered, and `finished`
 * resolving to the PDF's bytes once `doc.end()` is called.
 */
export function openChinesePdf(options: PDFKit.PDFDocumentOptions): { doc: PDFKit.PDFDocument; finished: Promise<Buffer> } {
  const { regular, bold } = loadChineseFonts();
  const doc = new PDFDocument(options);
  const chunks: Buffer[] = [];
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('body', regular);
  doc.registerFont('bold', bold);
  return { doc, finished };
}
