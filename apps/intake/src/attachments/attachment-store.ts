import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface StoredAttachment {
  reference: string;
  sha256: string;
  sizeBytes: number;
  mediaType: string;
  fileName?: string;
}

/**
 * Where attachment bytes live: object storage in production. Complaints and events keep only the
 * reference. A reference names its bytes (the store is content-addressed), so what the bytes will be
 * stored as is known before they are: `put` answers what `describe` says.
 */
export interface AttachmentStore {
  describe(content: Buffer, mediaType: string, fileName?: string): StoredAttachment;
  put(content: Buffer, mediaType: string, fileName?: string): Promise<StoredAttachment>;
  get(reference: string): Promise<Buffer>;
}
export const ATTACHMENT_STORE = Symbol('ATTACHMENT_STORE');

/** Media types a complaint may carry: photos, scans, documents, recordings, forwarded e-mails. */
export const ACCEPTED_MEDIA_TYPES = [/^image\/(jpeg|png|gif|webp|heic|tiff)$/, /^application\/pdf$/, /^audio\/(mpeg|mp4|amr|wav|x-wav|ogg)$/, /^text\/plain$/, /^message\/rfc822$/,
  /^application\/(msword|vnd\.openxmlformats-officedocument\.(wordprocessingml\.document|spreadsheetml\.sheet)|vnd\.ms-excel)$/];

export const isAcceptedMediaType = (mediaType: string) => ACCEPTED_MEDIA_TYPES.some((p) => p.test(mediaType));

/**
 * Content-addressed files under a directory (ATTACHMENT_STORE_DIR): the same bytes are stored
 * once, and a reference names its bytes, so a changed file cannot pass for the original.
 */
export class FileSystemAttachmentStore implements AttachmentStore {
  constructor(private readonly root: string) {}

  describe(content: Buffer, mediaType: string, fileName?: string): StoredAttachment {
    const sha256 = createHash('sha256').update(content).digest('hex');
    return { reference: `fs:${sha256}`, sha256, sizeBytes: content.length, mediaType, ...(fileName ? { fileName } : {}) };
  }

  async put(content: Buffer, mediaType: string, fileName?: string): Promise<StoredAttachment> {
    const stored = this.describe(content, mediaType, fileName);
    const file = this.fileOf(stored.sha256);
    await fs.mkdir(path.dirname(file), { recursive: true });
    // Write-then-rename: a crash never leaves half a file under the final name.
    const partial = `${file}.${process.pid}.partial`;
    await fs.writeFile(partial, content);
    await fs.rename(partial, file);
    return stored;
  }

  async get(reference: string): Promise<Buffer> {
    const match = /^fs:([0-9a-f]{64})$/.exec(reference);
    if (!match) throw new Error(`not a reference of this store: ${reference}`);
    return fs.readFile(this.fileOf(match[1]));
  }

  private fileOf(sha256: string) {
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }
}
