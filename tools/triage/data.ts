/**
 * Labelled data and taxonomies for the triage tools: file reading, label mapping, digests and the
 * fixed train/test split. The classifier library itself does no I/O; this is where it happens.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_TRAIN_OPTIONS } from '@complaints/classifier';
import type { LabelledText } from '@complaints/classifier';

export const ROOT = resolve(__dirname, '../..');
export const TAXONOMIES = ['us-cfpb', 'cn-jrt0169'] as const;

interface TaxonomyFile {
  id: string;
  version: number;
  [dimension: string]: unknown;
}

interface DimensionFile {
  classifiedBy: string;
  codes: { code: string; name: string; indicativeTerms?: string[] }[];
}

export interface DimensionData {
  taxonomy: string;
  dimension: string;
  version: number;
  /** Every labelled example for this dimension, labels as taxonomy codes, in file order. */
  examples: LabelledText[];
  /** Records without a usable label for this dimension (missing, or neither a code nor a name). */
  skipped: number;
  /** sha-256 of the data file's lines (the lines themselves, joined by "\n"). */
  dataDigest: string;
  /** The taxonomy's indicativeTerms per code: the classifier's lexicon features. */
  lexicon: Record<string, string[]>;
  /** Scale of the lexicon features for this dimension, chosen by CV on the training part (0 = off). */
  lexiconScale: number;
}

/**
 * Lexicon feature scale per taxonomy.dimension, chosen by 3 × 5-fold CV on the training part of the
 * fixed split (tools/triage/quality.ts --cv-only --repeats 3 --lexicon-scale x), never on the
 * held-out part. cn-jrt0169.category: its indicativeTerms lowered CV accuracy and macro-F1 at every
 * scale tried (0.5, 1), so it has none. Dimensions not listed use the library default.
 */
const LEXICON_SCALE: Record<string, number> = {
  'us-cfpb.product': 1,
  'cn-jrt0169.product': 0.5,
  'cn-jrt0169.category': 0,
};

export function taxonomyPath(taxonomy: string): string {
  return resolve(ROOT, 'libs/taxonomy/data', `${taxonomy}.v1.json`);
}

export function dataPath(taxonomy: string): string {
  return resolve(ROOT, 'libs/classifier/data', `${taxonomy}.jsonl`);
}

export function modelPath(taxonomy: string, dimension: string): string {
  return resolve(ROOT, 'libs/classifier/models', `${taxonomy}.${dimension}.json`);
}

/** Why a taxonomy cannot be used yet (its files are missing), or null. */
export function unavailable(taxonomy: string): string | null {
  const missing = [taxonomyPath(taxonomy), dataPath(taxonomy)].filter((p) => !existsSync(p));
  return missing.length === 0 ? null : `missing ${missing.map((p) => p.slice(ROOT.length + 1)).join(', ')}`;
}

/**
 * The dimensions a trained model decides (`classifiedBy: "model"`), each with its labelled
 * examples. A record's value may be the code ("B03") or the standard's name ("Mortgage"); both map
 * to the code. Unparseable lines are skipped and counted, since the file may still be being written.
 */
export function loadTaxonomyData(taxonomy: string): DimensionData[] {
  const tax = JSON.parse(readFileSync(taxonomyPath(taxonomy), 'utf8')) as TaxonomyFile;
  const lines = readFileSync(dataPath(taxonomy), 'utf8')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim().length > 0);
  const dataDigest = createHash('sha256').update(lines.join('\n')).digest('hex');
  const records: Record<string, unknown>[] = [];
  for (const line of lines) {
    try {
      const r = JSON.parse(line) as unknown;
      if (typeof r === 'object' && r !== null) records.push(r as Record<string, unknown>);
    } catch {
      // A partial last line while someone is still writing the file: ignore it.
    }
  }
  const dimensions = Object.entries(tax)
    .filter(([, v]) => isDimension(v) && v.classifiedBy === 'model')
    .map(([name, v]) => [name, v as DimensionFile] as const);
  return dimensions.map(([dimension, def]) => {
    const byCode = new Set(def.codes.map((c) => c.code));
    const byName = new Map(def.codes.map((c) => [c.name, c.code]));
    const examples: LabelledText[] = [];
    let skipped = 0;
    for (const r of records) {
      const value = r[dimension];
      const text = r.text;
      const code = typeof value === 'string' ? (byCode.has(value) ? value : byName.get(value)) : undefined;
      if (typeof text !== 'string' || text.trim() === '' || code === undefined) skipped++;
      else examples.push({ text, label: code });
    }
    const lexicon: Record<string, string[]> = {};
    for (const c of def.codes) if (c.indicativeTerms && c.indicativeTerms.length > 0) lexicon[c.code] = [...c.indicativeTerms];
    const lexiconScale = LEXICON_SCALE[`${taxonomy}.${dimension}`] ?? DEFAULT_TRAIN_OPTIONS.lexiconScale;
    return { taxonomy, dimension, version: tax.version, examples, skipped, dataDigest, lexicon, lexiconScale };
  });
}

function isDimension(v: unknown): v is DimensionFile {
  return typeof v === 'object' && v !== null && typeof (v as DimensionFile).classifiedBy === 'string' && Array.isArray((v as DimensionFile).codes);
}

function textHash(salt: string, text: string): string {
  return createHash('sha256').update(salt).update(text).digest('hex');
}

/**
 * Stratified fold numbers 0..k-1: within each label the examples are ordered by a hash of their
 * text and dealt round-robin. Each fold gets its share of every label (the rare products too), and
 * the assignment depends on nothing but the texts, so it never changes between runs.
 */
export function stratifiedFolds(examples: readonly LabelledText[], k: number, salt = 'split-v1'): number[] {
  const byLabel = new Map<string, { i: number; h: string }[]>();
  examples.forEach((e, i) => {
    const list = byLabel.get(e.label) ?? [];
    list.push({ i, h: textHash(salt, e.text) });
    byLabel.set(e.label, list);
  });
  const fold = new Array<number>(examples.length).fill(0);
  // Continue the deal across labels so that rare labels' leftovers do not all land in fold 0.
  let offset = 0;
  for (const label of [...byLabel.keys()].sort()) {
    const list = byLabel.get(label) as { i: number; h: string }[];
    list.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : a.i - b.i));
    list.forEach((x, n) => (fold[x.i] = (n + offset) % k));
    offset = (offset + list.length) % k;
  }
  return fold;
}

/** The fixed 80/20 held-out split: fold 0 of 5 is the test part. */
export function holdOutSplit(examples: readonly LabelledText[]): { train: LabelledText[]; test: LabelledText[] } {
  const fold = stratifiedFolds(examples, 5);
  return { train: examples.filter((_, i) => fold[i] !== 0), test: examples.filter((_, i) => fold[i] === 0) };
}

export function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export function selectedTaxonomies(args: string[]): string[] {
  const t = argValue(args, '--taxonomy') ?? 'all';
  if (t === 'all') return [...TAXONOMIES];
  if (!(TAXONOMIES as readonly string[]).includes(t)) throw new Error(`unknown taxonomy ${t}; use ${TAXONOMIES.join(', ')} or all`);
  return [t];
}
