#!/usr/bin/env node
// Intake throughput benchmark: accepted complaints per second and p50/p95/p99 latency of
// POST /v1/complaints at concurrency 16 and 64, measured while the whole platform runs (Kafka and
// the six services), then how far the downstream pipeline is behind. See tools/bench/README.md.
//
//   node tools/bench/intake-bench.mjs                 # 5 s warm-up, then 20 s at 16 and 20 s at 64
//   node tools/bench/intake-bench.mjs --duration 60   # longer runs
//   node tools/bench/intake-bench.mjs --quick         # CI smoke: 3 s at 16 only
//   node tools/bench/intake-bench.mjs --intake-only   # intake alone, on a stack of its own: no pipeline check
//
// Uses a running stack (GET /health/ready on intake answers 200) and leaves it running; otherwise
// starts one with `tools/stack/stack.mjs start` and stops it at the end, on failure and on Ctrl-C.
// --intake-only needs no stack running: it starts one, stops every service but intake, measures
// and stops the stack.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { issueDevToken } from '../auth/dev-issuer.mjs';
import { portOf, ROOT, SERVICES, stopStackService } from '../stack/platform.mjs';

const GOAL = { acceptedPerSecond: 2000, p99Ms: 50 };
const GOAL_LINE = 'goal: 2,000 accepted/s with p99 < 50 ms on a 2-core machine';
const BENCH_RATE_LIMIT = 100_000_000; // per caller and minute, when the bench starts the stack itself
const DEFAULT_RATE_LIMIT = 120_000; // libs/platform/src/security/rate-limits.ts
const SUBJECTS = 64; // distinct channel-adapter tokens: one per connection, so a per-caller limit cannot cap the run
const LAG_WAIT_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Options

function parseArgs(argv) {
  const opts = { quick: false, duration: 20 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') opts.quick = true;
    else if (arg === '--intake-only') opts.intakeOnly = true;
    else if (arg === '--duration' || arg.startsWith('--duration=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      opts.duration = Number(value);
      if (!Number.isFinite(opts.duration) || opts.duration <= 0) usage(`--duration needs a positive number of seconds, got ${value}`);
    } else if (arg === '--help' || arg === '-h') usage();
    else usage(`unknown argument ${arg}`);
  }
  if (opts.quick) opts.duration = 3;
  return opts;
}

function usage(problem) {
  if (problem) console.error(`intake-bench: ${problem}`);
  console.error('usage: node tools/bench/intake-bench.mjs [--duration <seconds>] [--quick] [--intake-only]');
  process.exit(problem ? 2 : 0);
}

// ---------------------------------------------------------------------------------------------
// A realistic canonical complaint from the web channel, different for every request

const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'];
const GIVEN = [...'伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅晨宇浩然子轩欣怡思雨佳琪雅婷俊杰文博宏伟丹凤春燕海波'];
const PHONE_PREFIXES = ['130', '131', '132', '135', '136', '137', '138', '139', '150', '151', '152', '158', '159', '176', '177', '180', '182', '186', '187', '188', '189', '199'];
const PRODUCTS = ['信用卡', '借记卡', '个人住房贷款', '手机银行', '理财产品', '信用卡分期', '网上银行', '消费贷款'];
const ISSUES = [
  (p, d, a) => `我于${d}发现${p}被扣收了一笔${a}元的费用，此前从未收到任何短信或邮件通知，也没有在合同中看到相关条款。`,
  (p, d, a) => `${d}我通过${p}办理业务时，系统提示交易失败，但账户中的${a}元已经被扣除，至今没有退回。`,
  (p, d, a) => `${d}贵行客服人员向我推荐${p}，承诺免收年费，但本月账单中出现了${a}元年费，与当初的说法完全不符。`,
  (p, d, a) => `${d}起我的${p}多次出现重复扣款，累计金额约${a}元，我已多次致电客服，但每次都只是登记，没有任何处理结果。`,
];
const FOLLOW_UPS = [
  '我曾在网点柜台反映过这一问题，工作人员表示需要等待总行核实，但已经过去两周仍没有回音。',
  '客服热线等待时间过长，转接三次后电话被挂断，整个过程让我非常不满。',
  '我认为贵行在收费前没有履行告知义务，侵犯了我作为金融消费者的知情权和自主选择权。',
  '这笔费用对我的家庭开支造成了影响，我需要贵行给出明确的书面解释。',
  '我查看了手机银行的交易明细，发现扣款说明含糊不清，无法判断具体是什么费用。',
];
const REQUESTS = [
  '请尽快核实情况，退还不合理收取的费用，并通过短信告知处理结果。',
  '希望贵行在规定时限内给予答复，如仍不能解决，我将向金融监管部门反映。',
  '请求全额退款并说明收费依据，同时希望贵行改进相关告知流程。',
];

const pick = (list, n) => list[n % list.length];
const digits = (n) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');

function description(seq) {
  const product = pick(PRODUCTS, seq * 7 + 3);
  const day = new Date(Date.now() - ((seq % 60) + 1) * 86_400_000);
  const date = `${day.getFullYear()}年${day.getMonth() + 1}月${day.getDate()}日`;
  const amount = ((seq * 37) % 2000) + 50;
  const closing = pick(REQUESTS, seq);
  let text = `您好，我是贵行的老客户。${pick(ISSUES, seq)(product, date, amount)}`;
  // Follow-ups until the description is about 200 characters long.
  for (let i = 0; text.length + closing.length < 175 && i < FOLLOW_UPS.length; i++) text += pick(FOLLOW_UPS, seq + i * 2);
  return text + closing;
}

let sequence = 0;
function complaintBody(seq) {
  const name = `${pick(SURNAMES, seq * 13 + Math.floor(Math.random() * 97))}${pick(GIVEN, seq * 5 + 1)}${seq % 3 ? pick(GIVEN, seq * 11 + 7) : ''}`;
  return JSON.stringify({
    channel: 'web',
    complainant: {
      name,
      phone: `${pick(PHONE_PREFIXES, seq)}${digits(8)}`,
      customerId: `C${digits(10)}`,
    },
    description: description(seq),
    amountInDispute: { amountMinor: (((seq * 7919) % 500_000) + 1_000), currency: 'CNY' },
    preferredReplyChannel: 'sms',
  });
}

// ---------------------------------------------------------------------------------------------
// Stack: use a running one, or start one and stop it at the end

const INTAKE = `http://127.0.0.1:${portOf('intake')}`;

async function intakeReady() {
  try {
    const res = await fetch(`${INTAKE}/health/ready`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

function runStack(command, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'tools', 'stack', 'stack.mjs'), command], { cwd: ROOT, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`stack ${command} ended with ${signal ?? `code ${code}`}`)),
    );
  });
}

/**
 * --intake-only measures the accept path with nothing else competing for the cores: once the bench
 * has started its own stack, the other services it started (pid files in .stack/) are stopped, and
 * the stack is stopped at the end as always. Intake's outbox keeps the events for the next start.
 */
async function stopAllButIntake() {
  for (const { name } of SERVICES) {
    if (name === 'intake') continue;
    console.log(`intake-bench: --intake-only: ${name} ${await stopStackService(name)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// One autocannon run

let current = null; // the running autocannon instance, stopped on Ctrl-C
let interrupted = false;
class Interrupted extends Error {}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function benchRun({ label, connections, duration, tokens, runId, observed }) {
  const latencies = [];
  let issued = 0;
  const instance = autocannon({
    url: `${INTAKE}/v1/complaints`,
    method: 'POST',
    connections,
    duration,
    headers: { 'content-type': 'application/json' },
    // One channel adapter (token subject) per connection; every request a new complaint and key.
    setupClient: (client) => {
      const authorization = `Bearer ${tokens[issued++ % tokens.length]}`;
      client.setRequests([
        {
          method: 'POST',
          path: '/v1/complaints',
          setupRequest: (request) => {
            const seq = sequence++;
            return {
              ...request,
              headers: { ...request.headers, authorization, 'idempotency-key': `bench-${runId}-${seq}` },
              body: complaintBody(seq),
            };
          },
          onResponse: (status, _body, _context, headers) => {
            if (observed.rateLimit !== undefined) return;
            const key = Object.keys(headers ?? {}).find((h) => h.toLowerCase() === 'x-ratelimit-limit-intake');
            if (key) observed.rateLimit = Number(headers[key]);
          },
        },
      ]);
    },
  });
  current = instance;
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === 201) latencies.push(responseTime);
  });
  const result = await instance;
  current = null;
  if (interrupted) throw new Interrupted(`${label} interrupted`);
  latencies.sort((a, b) => a - b);
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, Number(count)]));
  const accepted = statuses['201'] ?? 0;
  return {
    label,
    connections,
    duration: result.duration,
    accepted,
    acceptedPerSecond: accepted / result.duration,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies.length ? latencies[latencies.length - 1] : NaN,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
  };
}

// ---------------------------------------------------------------------------------------------
// Printing

const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const fmtMs = (n) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(', ');

function printTable(rows) {
  const header = ['concurrency', 'accepted', 'accepted/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors'];
  const body = rows.map((r) => [
    String(r.connections),
    fmtInt(r.accepted),
    fmtInt(r.acceptedPerSecond),
    fmtMs(r.p50),
    fmtMs(r.p95),
    fmtMs(r.p99),
    fmtMs(r.max),
    fmtInt(r.non2xx),
    r.timeouts ? `${fmtInt(r.errors)} (${fmtInt(r.timeouts)} timeouts)` : fmtInt(r.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`;
  console.log('');
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of body) console.log(line(row));
  for (const r of rows) {
    const other = Object.entries(r.statuses).filter(([code]) => code !== '201');
    if (other.length) console.log(`  concurrency ${r.connections}: answers other than 201: ${other.map(([c, n]) => `${c} x${fmtInt(n)}`).join(', ')}`);
  }
  console.log('');
  console.log(`  ${GOAL_LINE}`);
  for (const r of rows) {
    const met = r.acceptedPerSecond >= GOAL.acceptedPerSecond && r.p99 < GOAL.p99Ms;
    console.log(
      `    concurrency ${String(r.connections).padStart(2)}: ${met ? 'met' : 'not met'} ` +
        `(${fmtInt(r.acceptedPerSecond)} accepted/s ${r.acceptedPerSecond >= GOAL.acceptedPerSecond ? '>=' : '<'} ${fmtInt(GOAL.acceptedPerSecond)}, ` +
        `p99 ${fmtMs(r.p99)} ms ${r.p99 < GOAL.p99Ms ? '<' : '>='} ${GOAL.p99Ms} ms)`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Pipeline lag: complaints in intake vs complaint.received events in the archive

async function pipelineCounts(db) {
  const { rows } = await db.query(`
    SELECT (SELECT count(*) FROM intake.complaints)::bigint AS intake,
           (SELECT count(*) FROM compliance_archive.archive_entries WHERE event_type = 'complaint.received')::bigint AS archived`);
  return { intake: Number(rows[0].intake), archived: Number(rows[0].archived) };
}

async function reportLag(db, before, benchAccepted) {
  const start = Date.now();
  let counts = await pipelineCounts(db);
  const first = counts;
  while (counts.archived < counts.intake && Date.now() - start < LAG_WAIT_MS) {
    await new Promise((r) => setTimeout(r, 1000));
    counts = await pipelineCounts(db);
  }
  const waited = (Date.now() - start) / 1000;
  const lag = counts.intake - counts.archived;
  console.log('');
  console.log('  pipeline (intake.complaints vs complaint.received in compliance_archive.archive_entries):');
  console.log(
    `    complaints filed during the bench: ${fmtInt(counts.intake - before.intake)} in intake ` +
      `(${fmtInt(benchAccepted)} answered 201, warm-up included; the rest were in flight when a run stopped)`,
  );
  console.log(`    right after the last run: ${fmtInt(first.intake)} in intake, ${fmtInt(first.archived)} archived, ${fmtInt(first.intake - first.archived)} behind`);
  if (lag <= 0) {
    console.log(`    caught up ${waited.toFixed(1)} s after the last run: ${fmtInt(counts.intake)} in intake, ${fmtInt(counts.archived)} archived`);
  } else {
    const drained = counts.archived - first.archived;
    console.log(
      `    still ${fmtInt(lag)} behind after ${waited.toFixed(0)} s: ${fmtInt(counts.intake)} in intake, ${fmtInt(counts.archived)} archived ` +
        `(archive drained ${fmtInt(drained / waited)}/s meanwhile)`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const began = Date.now();
  const warmup = opts.quick ? 2 : 5;
  const levels = opts.quick ? [16] : [16, 64];
  console.log(`intake-bench: POST ${INTAKE}/v1/complaints, ${os.cpus().length} CPUs, load average ${load()} (1, 5, 15 min)`);

  let startedStack = false;
  let stopping = null;
  const stopStack = () => {
    if (!startedStack) return Promise.resolve();
    stopping ??= (async () => {
      console.log('intake-bench: stopping the stack it started ...');
      await runStack('stop').catch((e) => console.error(`intake-bench: stack stop failed: ${e.message}`));
    })();
    return stopping;
  };
  const onSignal = (signal) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\nintake-bench: ${signal}, stopping`);
    current?.stop();
    stopStack().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let db;
  try {
    let limitNote;
    if (await intakeReady()) {
      if (opts.intakeOnly) {
        // Stopping services this bench did not start could stop someone's work, or a process that took over a stale pid.
        throw new Error('--intake-only starts intake alone on a stack of its own: stop the running stack first (npm run stack:stop)');
      }
      console.log('intake-bench: the stack is already running; using it and leaving it running');
      limitNote = 'stack was already running';
    } else {
      console.log(`intake-bench: no stack running; starting one with INTAKE_RATE_LIMIT_PER_MINUTE=${BENCH_RATE_LIMIT}`);
      startedStack = true;
      await runStack('start', { ...process.env, INTAKE_RATE_LIMIT_PER_MINUTE: String(BENCH_RATE_LIMIT) });
      limitNote = 'stack started by this bench';
    }
    if (opts.intakeOnly) await stopAllButIntake();

    const tokens = await Promise.all(
      Array.from({ length: SUBJECTS }, (_, i) =>
        issueDevToken({ roles: 'channel-adapter', channel: 'web', subject: `bench-adapter-${String(i + 1).padStart(2, '0')}` }),
      ),
    );
    db = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/complaints', max: 1 });
    // Intake alone (the downstream services stopped, e.g. to profile the accept path) has no pipeline to watch.
    const before = opts.intakeOnly ? null : await pipelineCounts(db);
    const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const observed = {};

    console.log(`intake-bench: warm-up ${warmup} s at concurrency 16 (not reported) ...`);
    const warm = await benchRun({ label: 'warm-up', connections: 16, duration: warmup, tokens, runId, observed });
    const rows = [];
    for (const connections of levels) {
      console.log(`intake-bench: ${opts.duration} s at concurrency ${connections} ...`);
      rows.push(await benchRun({ label: `c${connections}`, connections, duration: opts.duration, tokens, runId, observed }));
    }

    const limit = observed.rateLimit ?? null;
    const limitText = limit === null ? 'not seen in the answers' : `${fmtInt(limit)}/min per caller (${fmtInt(limit / 60)}/s)`;
    const defaultNote = limit === DEFAULT_RATE_LIMIT ? ', the default' : limit === BENCH_RATE_LIMIT ? ', set by this bench' : '';
    console.log('');
    console.log(`intake rate limit in force: ${limitText}${defaultNote}; ${limitNote}; ${SUBJECTS} distinct callers, one per connection`);
    console.log(`runs of ${opts.duration} s${opts.quick ? ' (--quick)' : ''}; latency of 201 answers only; load generator on the same machine`);
    printTable(rows);
    if (before) await reportLag(db, before, warm.accepted + rows.reduce((n, r) => n + r.accepted, 0));
    else console.log('\n  pipeline: not watched (--intake-only)');
    console.log('');
    console.log(`intake-bench: done in ${((Date.now() - began) / 1000).toFixed(0)} s; load average ${load()} (1, 5, 15 min)`);
  } finally {
    await db?.end().catch(() => {});
    await stopStack();
  }
}

main().catch((e) => {
  if (interrupted) return; // the signal handler stops the stack and exits
  console.error(`intake-bench: ${e.stack ?? e}`);
  process.exitCode = 1;
});
