/**
 * How fast the triage classifier classifies one complaint, in process (no service, no I/O).
 * Loads whichever trained artifacts exist under libs/classifier/models and classifies a
 * 500-character complaint of the artifact's language repeatedly: a warm-up, then N timed calls.
 *
 *   node tools/stack/run-ts.mjs tools/bench/classify-bench.ts [--iterations 20000] [--warmup 2000]
 *
 * Prints classifications per second and p50/p99 latency in microseconds; no thresholds.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TextClassifier } from '@complaints/classifier';

const MODELS = resolve(__dirname, '../../libs/classifier/models');

const ENGLISH =
  'I have disputed a collection account on my credit report with Equifax, Experian and TransUnion three times. ' +
  'The debt collector never validated the debt and keeps calling me at work. The account is not mine and the ' +
  'balance of {$1200.00} is wrong. I sent certified letters on XX/XX/XXXX and the bureaus still report it as ' +
  'late, which lowered my credit score and my mortgage application was denied. Please remove this inaccurate ';
const CHINESE =
  '本人于今年三月在贵行办理信用卡分期业务，客户经理承诺手续费全免，但账单显示每月收取分期手续费，累计已扣除八百余元。' +
  '本人多次致电客服热线要求退还，客服仅表示会反馈，至今没有任何答复。此外，贵行在未通知本人的情况下降低了信用卡额度，' +
  '导致本人一笔消费被拒，造成很大不便。贵行还多次在工作时间拨打本人电话催收，言语不当，严重影响本人正常工作和生活。' +
  '本人认为贵行存在误导销售、乱收费用以及不当催收等问题，侵害了金融消费者的知情权和公平交易权。现请求贵行：一、全额退还' +
  '已收取的分期手续费；二、恢复原信用卡额度；三、停止不当催收行为并书面道歉。如贵行不能在法定期限内妥善处理，本人将向' +
  '金融监管部门投诉，并保留通过法律途径维护自身合法权益的权利。望贵行高度重视，尽快核实处理并给予答复，谢谢！';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Exactly 500 characters, so English and Chinese runs compare like for like. */
function complaint(base: string): string {
  let text = base;
  while (text.length < 500) text += ` ${base}`;
  return text.slice(0, 500);
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function main(): void {
  const iterations = arg('--iterations', 20000);
  const warmup = arg('--warmup', 2000);
  const files = existsSync(MODELS) ? readdirSync(MODELS).filter((f) => f.endsWith('.json')).sort() : [];
  if (files.length === 0) {
    console.log('no artifacts in libs/classifier/models; run tools/triage/train.ts first');
    process.exitCode = 1;
    return;
  }
  console.log(`classify-bench: ${warmup} warm-up + ${iterations} timed classifications per model, node ${process.version}`);
  for (const file of files) {
    const loadStart = process.hrtime.bigint();
    const model = TextClassifier.fromArtifact(JSON.parse(readFileSync(resolve(MODELS, file), 'utf8')));
    const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
    const text = complaint(model.provenance.taxonomy.startsWith('cn-') ? CHINESE : ENGLISH);
    let sink = 0;
    for (let i = 0; i < warmup; i++) sink += model.classify(text).confidence;
    const times = new Float64Array(iterations);
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      const t0 = process.hrtime.bigint();
      sink += model.classify(text).confidence;
      times[i] = Number(process.hrtime.bigint() - t0) / 1e3;
    }
    const totalSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    times.sort();
    const answer = model.classify(text);
    console.log(
      `${file.padEnd(30)} ${(iterations / totalSeconds).toFixed(0).padStart(7)} classifications/s` +
        `   p50 ${percentile(times, 0.5).toFixed(1)} µs   p99 ${percentile(times, 0.99).toFixed(1)} µs` +
        `   (load ${loadMs.toFixed(0)} ms; ${answer.label} ${answer.confidence.toFixed(2)})`,
    );
    if (Number.isNaN(sink)) console.log('');
  }
}

main();
