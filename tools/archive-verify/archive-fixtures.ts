/**
 * Test support for the archive's export and its offline verifier: events the contracts accept,
 * bundles built with the archive's own hashing, and the verifier run as a regulator runs it.
 */
import { spawnSync } from 'node:child_process';
import { KeyObject, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { validateEnvelope } from '@complaints/contracts';
import { canonicalJson, chainHash, GENESIS_HASH } from '../../apps/compliance-archive/src/archive/hash-chain';
import {
  Checkpoint,
  CHECKPOINTS_EXPORT_FORMAT,
  GENESIS_CHECKPOINT_HASH,
  merkleRoot,
  publicKeyPem,
  signCheckpoint,
} from '../../apps/compliance-archive/src/checkpoints/merkle';

export const VERIFIER = path.resolve(__dirname, 'archive-verify.mjs');

const TICKET = 'CMP-20261120-00000042-7';
const CNY = (amountMinor: number) => ({ amountMinor, currency: 'CNY' });

/** One payload per event type used here, as libs/contracts accepts them. */
const PAYLOADS: [string, () => Record<string, unknown>][] = [
  [
    'complaint.received',
    () => ({
      ticketNumber: TICKET,
      channel: 'mobile-app',
      channelReference: null,
      receivedAt: '2026-11-20T09:30:00+08:00',
      customerRef: 'cust_0123456789abcdef01234567',
      productHint: '信用卡',
      summary: '卡号************7890被盗刷',
      language: 'zh-CN',
      amountInDispute: CNY(500_000),
      preferredReplyChannel: 'sms',
      regime: 'cn-cbirc',
      responseDueBy: '2026-12-07T15:59:59.999Z',
    }),
  ],
  [
    'complaint.triaged',
    () => ({
      ticketNumber: TICKET,
      category: 'cards',
      severity: 'medium',
      department: 'card-centre',
      routingRule: 'keyword:card',
      reasons: ['term "信用卡" -> cards', 'money at stake'],
      regime: 'cn-cbirc',
      responseDueBy: '2026-12-07T15:59:59.999Z',
    }),
  ],
  ['case.opened', () => ({ caseId: randomUUID(), ticketNumber: TICKET, department: 'card-centre', severity: 'medium', responseDueBy: '2026-12-07T15:59:59.999Z' })],
  ['complaint.supplemented', () => ({ ticketNumber: TICKET, summary: '补充：扣款时间为11月20日 10:32。', attachmentCount: 1 })],
  ['complaint.amended', () => ({ ticketNumber: TICKET, changed: ['phone', 'preferredReplyChannel'], preferredReplyChannel: 'email' })],
];

/** `count` valid envelopes of one complaint, cycling through the event types above. */
export function sampleEnvelopes(count: number, complaintId = randomUUID()): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => {
    const [type, payload] = PAYLOADS[i % PAYLOADS.length];
    const envelope = {
      eventId: randomUUID(),
      type,
      version: 1,
      occurredAt: new Date(Date.UTC(2026, 10, 20, 1, 30, i)).toISOString(),
      complaintId,
      correlationId: 'archive-spec',
      causationId: null,
      producer: 'intake',
      payload: payload(),
    };
    const verdict = validateEnvelope(envelope);
    if (!verdict.ok) throw new Error(`sample ${type} is not a valid envelope: ${verdict.detail}`);
    return envelope;
  });
}

/** A Kafka record carrying the envelope, as the transport receives it. */
export const kafkaMessage = (envelope: Record<string, unknown>, offset: number): KafkaMessage => ({
  key: Buffer.from(String(envelope.complaintId)),
  value: Buffer.from(JSON.stringify(envelope), 'utf8'),
  offset: String(offset),
  timestamp: String(Date.now()),
  attributes: 0,
  headers: {},
});

export interface BundleEntry {
  seq: number;
  canonical: string;
  prevHash: string;
  entryHash: string;
}

export interface Bundle {
  format: string;
  exportedAt: string;
  fromSeq: number;
  toSeq: number;
  anchorHash: string | null;
  entries: BundleEntry[];
}

/** A bundle built the way the archive chains entries, with its real chainHash. */
export function buildBundle(events: unknown[], fromSeq = 1, anchorHash = GENESIS_HASH): Bundle {
  let prev = anchorHash;
  const entries = events.map((event, i) => {
    const canonical = canonicalJson(event);
    const entryHash = chainHash(prev, canonical);
    const entry = { seq: fromSeq + i, canonical, prevHash: prev, entryHash };
    prev = entryHash;
    return entry;
  });
  return { format: 'complaints-archive-bundle@1', exportedAt: new Date().toISOString(), fromSeq, toSeq: fromSeq + events.length - 1, anchorHash, entries };
}

/** The bundle's canonical text of entry `index` with one byte changed (ASCII letters change case). */
export function withOneByteChanged(bundle: Bundle, index: number, at = Math.floor(bundle.entries[index].canonical.length / 2)): Bundle {
  const copy = structuredClone(bundle);
  const bytes = Buffer.from(copy.entries[index].canonical, 'utf8');
  let pos = at;
  while (pos < bytes.length && !/[A-Za-z0-9]/.test(String.fromCharCode(bytes[pos]))) pos++;
  if (pos >= bytes.length) throw new Error('no ASCII letter or digit to change after that position');
  bytes[pos] = /[0-9]/.test(String.fromCharCode(bytes[pos])) ? ((bytes[pos] - 0x30 + 1) % 10) + 0x30 : bytes[pos] ^ 0x20;
  copy.entries[index].canonical = bytes.toString('utf8');
  return copy;
}

export interface VerifierRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

let scratch: string | null = null;

/** Writes `content` (a bundle, or any text) to a temporary file and runs the verifier on it. */
export function runVerifier(content: unknown, args: string[] = []): VerifierRun {
  scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'archive-verify-'));
  const file = path.join(scratch, `${randomUUID()}.json`);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  try {
    const run = spawnSync(process.execPath, [VERIFIER, file, ...args], { encoding: 'utf8', timeout: 30_000 });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Writes `content` to a file in the scratch folder (removed by removeScratch) and returns its path. */
export function scratchFile(content: unknown, extension = 'json'): string {
  scratch ??= fs.mkdtempSync(path.join(os.tmpdir(), 'archive-verify-'));
  const file = path.join(scratch, `${randomUUID()}.${extension}`);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

export interface CheckpointsFile {
  format: string;
  enabled: boolean;
  exportedAt: string;
  publicKeys: { keyId: string; publicKeyPem: string }[];
  checkpoints: Checkpoint[];
  more: boolean;
}

/**
 * Signed checkpoints over `ranges` (inclusive seq ranges, consecutive) of a bundle built from seq
 * 1, made with the archive's own merkle.ts, as GET /v1/archive/checkpoints exports them.
 */
export function buildCheckpoints(bundle: Bundle, ranges: [number, number][], privateKey: KeyObject, keyId = 'archive-test'): CheckpointsFile {
  const bySeq = new Map(bundle.entries.map((e) => [e.seq, e.entryHash]));
  const checkpoints: Checkpoint[] = [];
  for (const [seqFrom, seqTo] of ranges) {
    const hashes = Array.from({ length: seqTo - seqFrom + 1 }, (_, i) => bySeq.get(seqFrom + i)!);
    checkpoints.push(
      signCheckpoint(
        {
          seqFrom,
          seqTo,
          merkleRoot: merkleRoot(hashes),
          previousCheckpointHash: checkpoints.at(-1)?.checkpointHash ?? GENESIS_CHECKPOINT_HASH,
          signedAt: new Date(Date.UTC(2026, 10, 23, 12, 0, checkpoints.length)).toISOString(),
          keyId,
        },
        privateKey,
      ),
    );
  }
  return {
    format: CHECKPOINTS_EXPORT_FORMAT,
    enabled: true,
    exportedAt: new Date().toISOString(),
    publicKeys: [{ keyId, publicKeyPem: publicKeyPem(privateKey) }],
    checkpoints,
    more: false,
  };
}

export function removeScratch(): void {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  scratch = null;
}
