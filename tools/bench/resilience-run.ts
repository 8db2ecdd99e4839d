/**
 * npm run bench:resilience -- [--load] [--compare] [--scenarios all|a,b] [--count N] [--rate R] [--write-docs]
 *
 * --load        load run: --load-rate complaints/s for --duration s (defaults 1000 and 60), with latencies,
 *               consumer lag over time and CPU/memory per process
 * --warmup      seconds of the same load before measuring (default 0), then a pause until every
 *               consumer group has caught up: the services' code is optimised by then, as in a
 *               platform that has run a while, and the measurement does not inherit a backlog
 * --compare     the same load again with the consumer taking one message at a time (the stock
 *               Nest Kafka transport's way), on a fresh platform, printed side by side
 * --scenarios   fault scenarios (default all): baseline, kill-<service>, broker, postgres, poison,
 *               replay, relay, slow-handler; each under --count complaints at --rate per second
 * --write-docs  writes the tables into docs/resilience.md
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { SERVICES } from '@complaints/contracts';
import { ensureDatabase } from '@complaints/platform';
import { dropPlatformData, RunningPlatform, startPlatform, TEST_DATABASE_URL, uniqueTestId } from '@complaints/testing';
import { consumersCaughtUp, fileComplaints, INTAKE_CONSUMERS, percentiles, pipelineLatencies, Sample, startSampling, drained } from './resilience';
import { runScenario, ScenarioResult, SCENARIOS, SuiteState } from './resilience-scenarios';

const ROOT = path.resolve(__dirname, '../..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};

const PLATFORM_ENV = {
  INTAKE_RATE_LIMIT_PER_MINUTE: '100000000',
};

async function withPlatform<T>(extraEnv: Record<string, string>, work: (platform: RunningPlatform) => Promise<T>): Promise<T> {
  const platform = await startPlatform(uniqueTestId(), { ...PLATFORM_ENV, ...extraEnv });
  const pg = new Client({ connectionString: TEST_DATABASE_URL });
  let failed = true;
  try {
    const result = await work(platform);
    failed = false;
    return result;
  } finally {
    await platform.stop();
    if (failed) {
      // Evidence for the post-mortem: the schemas and the logs stay.
      console.error(`[resilience] kept schemas ${Object.values(platform.schemas).join(', ')} and logs in ${platform.logDir}`);
    } else {
      await pg.connect();
      await dropPlatformData(pg, platform);
      await pg.end();
    }
  }
}

interface LoadFigures {
  label: string;
  target: string;
  accepted: number;
  acceptedPerSecond: number;
  ack: ReturnType<typeof percentiles>;
  toTriaged: ReturnType<typeof percentiles>;
  toArchived: ReturnType<typeof percentiles>;
  drainSeconds: number;
  samples: Sample[];
}

async function loadRun(label: string, extraEnv: Record<string, string>, rate: number, duration: number, warmup: number): Promise<LoadFigures> {
  return withPlatform(extraEnv, async (platform) => {
    if (warmup > 0) {
      // A fresh Node process spends a good part of its first minutes compiling hot code; the figures
      // are meant for a platform that has been running, so that happens before the measurement.
      const warm = await fileComplaints(platform, { count: rate * warmup, ratePerSecond: rate, maxInFlight: 256, giveUpAfterMs: 60_000 });
      await drained(platform, warm.filed.map((f) => f.complaintId), [], 900_000);
      await consumersCaughtUp(platform);
    }
    const sampling = startSampling(platform, 5_000);
    const result = await fileComplaints(platform, { count: rate * duration, ratePerSecond: rate, maxInFlight: 256, giveUpAfterMs: 60_000, firstNumber: rate * warmup });
    const ids = result.filed.map((f) => f.complaintId);
    const loadEnded = Date.now();
    await drained(platform, ids, [], 900_000);
    const drainSeconds = (Date.now() - loadEnded) / 1000;
    await sampling.stop();
    const lat = await pipelineLatencies(platform, ids);
    return {
      label,
      target: `${rate}/s for ${duration} s${warmup > 0 ? ` after ${warmup} s of warm-up` : ''}`,
      accepted: ids.length,
      acceptedPerSecond: ids.length / result.seconds,
      ack: percentiles(result.filed.map((f) => f.ackMs)),
      ...lat,
      drainSeconds,
      samples: sampling.samples,
    };
  });
}

const ms = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '–');

function loadTable(runs: LoadFigures[]): string {
  const lines = [
    '| run | target | accepted | accepted/s | ack p50 / p95 / p99 ms | received→triaged p50 / p95 / p99 ms | received→archived p50 / p95 / p99 ms | backlog drained after load |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of runs) {
    const p = (x: LoadFigures['ack']) => `${ms(x.p50)} / ${ms(x.p95)} / ${ms(x.p99)}`;
    lines.push(`| ${r.label} | ${r.target} | ${r.accepted} | ${r.acceptedPerSecond.toFixed(1)} | ${p(r.ack)} | ${p(r.toTriaged)} | ${p(r.toArchived)} | ${r.drainSeconds.toFixed(0)} s |`);
  }
  return lines.join('\n');
}

function samplesTable(run: LoadFigures): string {
  const names = [...SERVICES, 'kafka', 'postgres'];
  const lines = [
    `Consumer lag (messages not yet committed), CPU % and RSS MB every 5 s, ${run.label}:`,
    '',
    `| s | ${SERVICES.map((s) => `lag ${s}`).join(' | ')} | ${names.map((n) => `CPU/RSS ${n}`).join(' | ')} |`,
    `|---|${SERVICES.map(() => '---').join('|')}|${names.map(() => '---').join('|')}|`,
  ];
  for (const s of run.samples) {
    lines.push(`| ${s.atSeconds} | ${SERVICES.map((n) => s.lag[n] ?? '–').join(' | ')} | ${names.map((n) => `${s.cpuPercent[n] ?? '–'}% / ${s.rssMb[n] ?? '–'}`).join(' | ')} |`);
  }
  return lines.join('\n');
}

function scenarioTable(results: ScenarioResult[]): string {
  const lines = [
    '| scenario | accepted | accepted/s | ack p99 ms | archived once | acknowledged once | remedies paid once | dead letters (per consumer of intake) | duplicates discarded | order kept | chain | recovery s | verdict |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const v = r.verdict;
    lines.push(
      `| ${r.scenario} | ${r.accepted} | ${r.acceptedPerSecond.toFixed(1)} | ${ms(r.ackP99Ms)} | ${v.archivedOnce}/${v.accepted} | ${v.acknowledgedOnce}/${v.accepted} | ${v.remediesPaidOnce}/${v.approvedRemedies} (${v.coreBookings} booked) | ${INTAKE_CONSUMERS.map((c) => v.deadLetters[c]).join(' / ')} of ${r.poisonSoFar} | ${r.duplicatesDiscarded} | ${v.orderKept}/${v.accepted} | ${v.chainIntact ? 'intact' : 'BROKEN'} | ${r.recoverySeconds.toFixed(1)} | ${r.problems.length ? `FAIL: ${r.problems.join('; ')}` : 'pass'} |`,
    );
  }
  return lines.join('\n');
}

function writeDocs(section: 'load' | 'scenarios', text: string) {
  const file = path.join(ROOT, 'docs', 'resilience.md');
  const doc = fs.readFileSync(file, 'utf8');
  const start = `<!-- ${section}:start -->`;
  const end = `<!-- ${section}:end -->`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`docs/resilience.md has no ${start} … ${end}`);
  fs.writeFileSync(file, `${doc.slice(0, i + start.length)}\n${text}\n${doc.slice(j)}`);
}

async function main() {
  execFileSync(process.execPath, [path.join(ROOT, 'tools/kafka/kafka.mjs'), 'start'], { stdio: 'inherit' });
  await ensureDatabase(TEST_DATABASE_URL);
  const stamp = `${new Date().toISOString().slice(0, 16)}Z, ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores, load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} before the run`;

  if (flag('load') || flag('compare')) {
    const rate = Number(option('load-rate', '1000'));
    const duration = Number(option('duration', '60'));
    const warmup = Number(option('warmup', '0'));
    if (!Number.isInteger(warmup) || warmup < 0) throw new Error(`--warmup takes whole seconds (0 or more), got ${option('warmup', '0')}`);
    const runs = [await loadRun('batched consumer (default)', {}, rate, duration, warmup)];
    if (flag('compare')) runs.push(await loadRun('one message at a time', { KAFKA_PARTITION_CONCURRENCY: '1', KAFKA_KEY_CONCURRENCY: '1', KAFKA_RECORDS_PER_TRANSACTION: '1' }, rate, duration, warmup));
    const text = [`Measured ${stamp}.`, '', loadTable(runs), '', ...runs.map(samplesTable)].join('\n');
    console.log(text);
    if (flag('write-docs')) writeDocs('load', text);
  }

  if (!flag('load') || flag('scenarios')) {
    const chosen = option('scenarios', 'all');
    const names = chosen === 'all' ? Object.keys(SCENARIOS) : chosen.split(',');
    for (const n of names) if (!SCENARIOS[n]) throw new Error(`unknown scenario ${n}; known: ${Object.keys(SCENARIOS).join(', ')}`);
    const count = Number(option('count', '300'));
    const rate = Number(option('rate', '15'));
    const results = await withPlatform({}, async (platform) => {
      const state: SuiteState = { accepted: [], remedyComplaints: [], poison: 0 };
      const out: ScenarioResult[] = [];
      for (const name of names) {
        console.log(`[resilience] ${SCENARIOS[name].name} ...`);
        const r = await runScenario(platform, SCENARIOS[name], state, { count, ratePerSecond: rate, remedyShare: 0.05 });
        console.log(`[resilience]   ${r.problems.length ? `FAIL: ${r.problems.join('; ')}` : 'pass'} (${r.accepted} accepted, recovery ${r.recoverySeconds.toFixed(1)} s)`);
        out.push(r);
      }
      return out;
    });
    const text = [`Measured ${stamp}; ${count} complaints per scenario at ${rate}/s, 5% decided with a remedy; counts are cumulative over the run.`, '', scenarioTable(results)].join('\n');
    console.log(text);
    if (flag('write-docs')) writeDocs('scenarios', text);
    if (results.some((r) => r.problems.length)) process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
