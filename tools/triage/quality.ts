/**
 * Held-out quality of the triage classifier, per taxonomy and model dimension.
 *
 *   node tools/stack/run-ts.mjs tools/triage/quality.ts [--taxonomy us-cfpb|cn-jrt0169|all]
 *        [--folds 5]      also k-fold cross-validation over all labelled data
 *        [--search]       choose hyperparameters by 5-fold CV on the training part only
 *        [--l2 x --power x --min-df n --max-features n --char a-b --bigrams]  try one setting
 *        [--lexicon-scale x | --no-lexicon]   weight of the taxonomy's indicativeTerms features
 *        [--cv-only [--repeats n]]  only n × 5-fold CV on the training part (for tuning; no held-out figures)
 *
 * The split is fixed (a hash of each text decides, stratified per label), so numbers are comparable
 * between runs; the test part is never used to choose anything.
 */
import {
  DEFAULT_TRAIN_OPTIONS,
  evaluate,
  evaluatePredictions,
  Evaluation,
  formatConfusion,
  formatPerLabel,
  LabelledText,
  TextClassifier,
  TrainOptions,
} from '@complaints/classifier';
import { argValue, DimensionData, holdOutSplit, loadTaxonomyData, selectedTaxonomies, stratifiedFolds, unavailable } from './data';

const args = process.argv.slice(2);

function optionsFromArgs(d: DimensionData): TrainOptions {
  const o: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, features: { ...DEFAULT_TRAIN_OPTIONS.features }, lexicon: d.lexicon, lexiconScale: d.lexiconScale };
  const num = (name: string): number | undefined => (argValue(args, name) === undefined ? undefined : Number(argValue(args, name)));
  o.l2 = num('--l2') ?? o.l2;
  o.classWeightPower = num('--power') ?? o.classWeightPower;
  o.minDf = num('--min-df') ?? o.minDf;
  o.maxFeatures = num('--max-features') ?? o.maxFeatures;
  o.maxIterations = num('--iterations') ?? o.maxIterations;
  o.lexiconScale = num('--lexicon-scale') ?? o.lexiconScale;
  if (args.includes('--no-lexicon')) o.lexiconScale = 0;
  const char = argValue(args, '--char');
  if (char) [o.features.charNgramMin, o.features.charNgramMax] = char.split('-').map(Number);
  if (args.includes('--bigrams')) o.features.wordBigrams = true;
  return o;
}

const provenance = (d: DimensionData) => ({ taxonomy: d.taxonomy, dimension: d.dimension, version: d.version, dataDigest: 'evaluation' });

function crossValidate(d: DimensionData, examples: readonly LabelledText[], k: number, options: TrainOptions, salt: string) {
  const fold = stratifiedFolds(examples, k, salt);
  const truth: string[] = [];
  const predicted: string[] = [];
  for (let f = 0; f < k; f++) {
    const train = examples.filter((_, i) => fold[i] !== f);
    const test = examples.filter((_, i) => fold[i] === f);
    const model = TextClassifier.train(train, provenance(d), options);
    for (const e of test) {
      truth.push(e.label);
      predicted.push(model.classify(e.text).label);
    }
  }
  // Pooled over folds: every example predicted once, by a model that did not see it.
  return evaluatePredictions(truth, predicted);
}

/** 5-fold CV repeated with different fold assignments, predictions pooled (less noise on rare labels). */
function repeatedCrossValidate(d: DimensionData, examples: readonly LabelledText[], options: TrainOptions, repeats: number) {
  const truth: string[] = [];
  const predicted: string[] = [];
  for (let r = 0; r < repeats; r++) {
    const fold = stratifiedFolds(examples, 5, r === 0 ? 'search-v1' : `search-v1-${r}`);
    for (let f = 0; f < 5; f++) {
      const model = TextClassifier.train(examples.filter((_, i) => fold[i] !== f), provenance(d), options);
      examples.forEach((e, i) => {
        if (fold[i] !== f) return;
        truth.push(e.label);
        predicted.push(model.classify(e.text).label);
      });
    }
  }
  return evaluatePredictions(truth, predicted);
}

/**
 * Candidate settings for --search: the knobs that matter most, a few values each. Each list can be
 * replaced from the command line (--grid-l2 1e-4,3e-4 --grid-power 0.5,1 --grid-char 0,3-5 --grid-min-df 2,3).
 */
function searchGrid(base: TrainOptions): TrainOptions[] {
  const list = (name: string, fallback: string): string[] => (argValue(args, name) ?? fallback).split(',');
  const grid: TrainOptions[] = [];
  for (const minDf of list('--grid-min-df', '2,3,5').map(Number)) {
    for (const char of list('--grid-char', base.features.charNgramMin > 0 ? `${base.features.charNgramMin}-${base.features.charNgramMax}` : '0')) {
      const [charNgramMin, charNgramMax = 0] = char.split('-').map(Number);
      for (const l2 of list('--grid-l2', '3e-5,1e-4,3e-4').map(Number)) {
        for (const classWeightPower of list('--grid-power', '0.5,0.75,1').map(Number)) {
          grid.push({ ...base, minDf, l2, classWeightPower, features: { ...base.features, charNgramMin, charNgramMax } });
        }
      }
    }
  }
  return grid;
}

function describe(o: TrainOptions): string {
  const f = o.features;
  const char = f.charNgramMin > 0 ? ` char${f.charNgramMin}-${f.charNgramMax}` : '';
  return `l2=${o.l2} power=${o.classWeightPower} minDf=${o.minDf} maxFeatures=${o.maxFeatures}${f.wordBigrams ? ' bigrams' : ''}${char} lexicon=${o.lexiconScale}`;
}

function summary(e: Evaluation): string {
  return `accuracy ${e.accuracy.toFixed(4)}  macro-F1 ${e.macroF1.toFixed(4)}`;
}

function majorityBaseline(train: readonly LabelledText[], test: readonly LabelledText[]): Evaluation {
  const counts = new Map<string, number>();
  for (const e of train) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
  const majority = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  return evaluate({ classify: () => ({ label: majority }) }, test);
}

function main(): void {
  const folds = Number(argValue(args, '--folds') ?? 0);
  for (const taxonomy of selectedTaxonomies(args)) {
    const why = unavailable(taxonomy);
    if (why) {
      console.log(`== ${taxonomy}: skipped (${why})\n`);
      continue;
    }
    for (const d of loadTaxonomyData(taxonomy)) {
      console.log(`== ${taxonomy} / ${d.dimension}: ${d.examples.length} labelled examples (${d.skipped} without a usable label)`);
      if (d.examples.length < 10) {
        console.log('   too few examples to evaluate\n');
        continue;
      }
      const { train, test } = holdOutSplit(d.examples);
      let options = optionsFromArgs(d);
      if (args.includes('--search')) {
        console.log('-- hyperparameter search: 5-fold CV on the training part only');
        let best: { o: TrainOptions; e: Evaluation; score: number } | null = null;
        for (const o of searchGrid(options)) {
          const started = Date.now();
          const e = crossValidate(d, train, 5, o, 'search-v1');
          // Both goals count: accuracy for the bulk, macro-F1 for the rare products.
          const score = (e.accuracy + e.macroF1) / 2;
          console.log(`   ${describe(o).padEnd(70)} ${summary(e)}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
          if (!best || score > best.score) best = { o, e, score };
        }
        options = (best as { o: TrainOptions }).o;
        console.log(`   chosen: ${describe(options)}`);
      }
      if (args.includes('--cv-only')) {
        // Tuning runs: 5-fold CV on the training part only; the held-out part is not even scored.
        const started = Date.now();
        const repeats = Number(argValue(args, '--repeats') ?? 1);
        const e = repeatedCrossValidate(d, train, options, repeats);
        console.log(`   CV on training part (${repeats} × 5-fold): ${describe(options)}  ${summary(e)}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        console.log(formatPerLabel(e.perLabel).replace(/^/gm, '   '));
        console.log('');
        continue;
      }
      const started = Date.now();
      const model = TextClassifier.train(train, provenance(d), options);
      const trainSeconds = (Date.now() - started) / 1000;
      const result = evaluate(model, test);
      console.log(`-- held-out split: n train ${train.length} / n test ${test.length}; ${describe(options)}; trained in ${trainSeconds.toFixed(1)} s`);
      console.log(`   model:             ${summary(result)}`);
      console.log(`   majority baseline: ${summary(majorityBaseline(train, test))}`);
      console.log(formatPerLabel(result.perLabel).replace(/^/gm, '   '));
      console.log(formatConfusion(result.confusion).replace(/^/gm, '   '));
      if (folds > 1) {
        const cv = crossValidate(d, d.examples, folds, options, 'cv-v1');
        console.log(`-- ${folds}-fold cross-validation over all ${d.examples.length} examples: ${summary(cv)}`);
      }
      console.log('');
    }
  }
}

main();
