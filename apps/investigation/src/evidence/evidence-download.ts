/*
 * Evidence is uploaded with whatever media type the uploader declares, and staff open it from the
 * console in a browser. Served inline as declared, an HTML or SVG "statement" would run as a page
 * of the console's origin. So the file is always a download, the browser may not guess another
 * type, and a document opened anyway runs sandboxed with nothing allowed.
 */

/** Media types that stay what they say when opened, with the extension their download gets. */
const SAFE_MEDIA_TYPES: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/mp4': 'm4a',
  'video/mp4': 'mp4',
  'text/plain': 'txt',
  'text/csv': 'csv',
};

const UNKNOWN = 'application/octet-stream';

/** The recorded type without its parameters, if it is one a browser will not turn into a page; otherwise plain bytes. */
export function servedMediaType(recorded: string | null | undefined): string {
  const essence = (recorded ?? '').split(';')[0].trim().toLowerCase();
  return Object.prototype.hasOwnProperty.call(SAFE_MEDIA_TYPES, essence) ? essence : UNKNOWN;
}

/** RFC 8187 encoding for `filename*`: what encodeURIComponent leaves and the header syntax does not allow is escaped too. */
const extValue = (name: string): string => encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function evidenceDownloadHeaders(evidence: { id: string; kind: string; contentType: string | null }): Record<string, string> {
  const type = servedMediaType(evidence.contentType);
  const filename = `${evidence.kind}-${evidence.id}.${SAFE_MEDIA_TYPES[type] ?? 'bin'}`;
  return {
    'Content-Type': type,
    'Content-Disposition': `attachment; filename*=UTF-8''${extValue(filename)}`,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': 'no-store',
  };
}
