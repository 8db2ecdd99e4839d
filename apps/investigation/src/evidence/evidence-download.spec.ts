import { evidenceDownloadHeaders, servedMediaType } from './evidence-download';

const ID = '5b0c7f0e-2f4d-4a51-9d0b-6f1c2a3b4c5d';

describe('evidence downloads', () => {
  it.each([
    ['application/pdf', 'application/pdf'],
    ['IMAGE/PNG', 'image/png'],
    ['text/plain; charset=utf-8', 'text/plain'],
    ['audio/mpeg', 'audio/mpeg'],
  ])('servedMediaType_%s_isKeptAs_%s', (recorded, served) => {
    expect(servedMediaType(recorded)).toBe(served);
  });

  it.each([
    'text/html',
    'text/html; charset=utf-8',
    'image/svg+xml',
    'application/xhtml+xml',
    'text/xml',
    'application/javascript',
    'multipart/x-mixed-replace; boundary=x',
    'application/pdf, text/html',
    '',
    'constructor',
  ])('servedMediaType_%p_goesOutAsBytes', (recorded) => {
    expect(servedMediaType(recorded)).toBe('application/octet-stream');
  });

  it('servedMediaType_ofEvidenceWithoutARecordedType_isBytes', () => {
    expect(servedMediaType(null)).toBe('application/octet-stream');
  });

  it('headers_makeEveryFileADownload_thatTheBrowserNeitherSniffsNorRuns', () => {
    expect(evidenceDownloadHeaders({ id: ID, kind: 'document', contentType: 'application/pdf' })).toEqual({
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename*=UTF-8''document-${ID}.pdf`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'no-store',
    });
  });

  it('headers_ofAnHtmlUpload_serveBytesNamedAsBytes', () => {
    expect(evidenceDownloadHeaders({ id: ID, kind: 'document', contentType: 'text/html' })).toMatchObject({
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename*=UTF-8''document-${ID}.bin`,
    });
  });
});
