import { createHash, randomUUID } from 'node:crypto';
import { EvidenceAlreadyStoredError, type EvidenceStore, evidenceKey } from './evidence-store';

/**
 * The behaviour every EvidenceStore adapter must show. Call it inside a `describe` of an adapter's
 * spec, with a function returning the (ready) store under test; it defines the `it`s. Not a spec file
 * itself, so Jest does not run it on its own.
 */
export function evidenceStoreContract(subject: () => EvidenceStore): void {
  const newKey = (): string => evidenceKey(randomUUID(), randomUUID());
  /** Computed here, independently of the adapters' own sha256Hex. */
  const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
  const allByteValues = (): Buffer => Buffer.from(Array.from({ length: 256 }, (_, i) => i));

  describe('EvidenceStore contract', () => {
    it('round-trips bytes and content type and reports key, SHA-256 and size', async () => {
      const key = newKey();
      const bytes = Buffer.from('通话录音 call recording, case 1 — 双录', 'utf8');

      const stored = await subject().put(key, bytes, 'audio/mpeg');

      expect(stored).toEqual({ key, sha256: sha256(bytes), size: bytes.length, contentType: 'audio/mpeg' });
      expect(stored.sha256).toMatch(/^[0-9a-f]{64}$/);
      const read = await subject().get(key);
      expect(read).not.toBeNull();
      expect(read?.contentType).toBe('audio/mpeg');
      expect(read?.bytes.equals(bytes)).toBe(true);
      expect(sha256(read?.bytes ?? Buffer.alloc(0))).toBe(stored.sha256);
    });

    it('keeps binary bytes intact: all 256 byte values, forwards and backwards', async () => {
      const key = newKey();
      const bytes = Buffer.concat([allByteValues(), allByteValues().reverse(), Buffer.from([0, 0, 0xff, 0x0d, 0x0a, 0x1a])]);

      const stored = await subject().put(key, bytes, 'application/octet-stream');

      expect(stored.size).toBe(518);
      expect(stored.sha256).toBe(sha256(bytes));
      const read = await subject().get(key);
      expect(read?.bytes.length).toBe(bytes.length);
      expect(read?.bytes.equals(bytes)).toBe(true);
    });

    it('stores an empty file', async () => {
      const key = newKey();
      const stored = await subject().put(key, Buffer.alloc(0), 'text/plain');
      expect(stored).toEqual({ key, sha256: sha256(Buffer.alloc(0)), size: 0, contentType: 'text/plain' });
      const read = await subject().get(key);
      expect(read?.bytes.length).toBe(0);
      expect(read?.contentType).toBe('text/plain');
    });

    it('refuses a second put of the same key and keeps the first bytes and content type', async () => {
      const key = newKey();
      const first = Buffer.from('original transaction log');
      await subject().put(key, first, 'text/csv');

      await expect(subject().put(key, Buffer.from('tampered transaction log'), 'application/pdf')).rejects.toBeInstanceOf(
        EvidenceAlreadyStoredError,
      );
      await expect(subject().put(key, first, 'text/csv')).rejects.toBeInstanceOf(EvidenceAlreadyStoredError); // even identical bytes

      const read = await subject().get(key);
      expect(read?.bytes.equals(first)).toBe(true);
      expect(read?.contentType).toBe('text/csv');
    });

    it('returns null for a missing key, also next to stored evidence of the same case', async () => {
      expect(await subject().get(newKey())).toBeNull();
      const caseId = randomUUID();
      await subject().put(evidenceKey(caseId, randomUUID()), Buffer.from('x'), 'text/plain');
      expect(await subject().get(evidenceKey(caseId, randomUUID()))).toBeNull();
    });

    it('keeps different keys apart', async () => {
      const caseId = randomUUID();
      const a = evidenceKey(caseId, randomUUID());
      const b = evidenceKey(caseId, randomUUID());
      await subject().put(a, Buffer.from('still A'), 'image/jpeg');
      await subject().put(b, Buffer.from('still B'), 'image/png');
      expect((await subject().get(a))?.bytes.toString()).toBe('still A');
      expect((await subject().get(b))?.contentType).toBe('image/png');
    });

    it('lets exactly one of two concurrent puts of one key win; the stored bytes are the winner’s', async () => {
      const key = newKey();
      const candidates = [
        { bytes: Buffer.concat([Buffer.from('A'), allByteValues()]), contentType: 'audio/wav' },
        { bytes: Buffer.concat([Buffer.from('B'), allByteValues()]), contentType: 'video/mp4' },
      ];

      const results = await Promise.allSettled(candidates.map((c) => subject().put(key, c.bytes, c.contentType)));

      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(lost).toHaveLength(1);
      expect(lost[0].reason).toBeInstanceOf(EvidenceAlreadyStoredError);
      const winner = candidates[won[0]];
      const read = await subject().get(key);
      expect(read?.bytes.equals(winner.bytes)).toBe(true);
      expect(read?.contentType).toBe(winner.contentType);
    });

    it('lets exactly one of many concurrent puts of one key win, also when they carry identical bytes', async () => {
      for (const identical of [false, true]) {
        const key = newKey();
        const bytes = (i: number): Buffer => Buffer.from(identical ? 'same CCTV still' : `CCTV still #${i}`);
        const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => subject().put(key, bytes(i), 'image/jpeg')));

        const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(won).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(EvidenceAlreadyStoredError);
        expect((await subject().get(key))?.bytes.equals(bytes(won[0]))).toBe(true);
      }
    });

    it('passes its readiness check', async () => {
      await expect(subject().check()).resolves.toBeUndefined();
    });
  });
}
