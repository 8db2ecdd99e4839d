/**
 * Trains the triage classifiers on ALL labelled data of a taxonomy and writes one artifact per
 * model-classified dimension: libs/classifier/models/<taxonomy>.<dimension>.json.
 *
 *   node tools/stack/run-ts.mjs tools/triage/train.ts --taxonomy us-cfpb|cn-jrt0169|all
 *
 * Reproducible: the same data gives byte-identical files (the digest in each artifact says which
 * data that was). Hyperparameters are the library defaults, chosen by cross-validation
 * (tools/triage/quality.ts --search); the lexicon is the dimension's indicativeTerms, at the scale
 * chosen per dimension by cross-validation (LEXICON_SCALE in data.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { TextClassifier } from '@complaints/classifier';
import { loadTaxonomyData, modelPath, ROOT, selectedTaxonomies, unavailable } from './data';

function main(): void {
  let failed = false;
  for (const taxonomy of selectedTaxonomies(process.argv.slice(2))) {
    const why = unavailable(taxonomy);
    if (why) {
      console.log(`${taxonomy}: skipped (${why})`);
      continue;
    }
    for (const d of loadTaxonomyData(taxonomy)) {
      const labels = new Set(d.examples.map((e) => e.label));
      if (labels.size < 2) {
        console.log(`${taxonomy}.${d.dimension}: skipped (${d.examples.length} examples, ${labels.size} label(s))`);
        failed = true;
        continue;
      }
      const started = process.hrtime.bigint();
      const model = TextClassifier.train(d.examples, {
        taxonomy,
        dimension: d.dimension,
        version: d.version,
        dataDigest: d.dataDigest,
      }, { lexicon: d.lexicon, lexiconScale: d.lexiconScale });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const json = `${JSON.stringify(model.toArtifact())}\n`;
      const path = modelPath(taxonomy, d.dimension);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, json);
      const counts = new Map<string, number>();
      for (const e of d.examples) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
      const a = model.toArtifact();
      console.log(`${taxonomy}.${d.dimension}`);
      console.log(`  data digest   sha256:${d.dataDigest}`);
      console.log(`  examples      ${d.examples.length} (${d.skipped} records without a usable label)`);
      console.log(`  labels        ${[...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([l, n]) => `${l}=${n}`).join(' ')}`);
      console.log(`  features      ${a.vocabulary.length}`);
      console.log(`  trained in    ${seconds.toFixed(1)} s`);
      console.log(`  wrote         ${relative(ROOT, path)} (${(json.length / 1e6).toFixed(2)} MB, sha256:${createHash('sha256').update(json).digest('hex').slice(0, 16)}…)`);
    }
  }
  if (failed) process.exitCode = 1;
}

main();
