import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { SERVICES, ServiceName } from '@complaints/contracts';
import { RunningPlatform } from '@complaints/testing';
import {
  brokerPid,
  decideWithRemedies,
  drained,
  duplicatesBetween,
  duplicatesDiscarded,
  fileComplaints,
  INTAKE_CONSUMERS,
  injectPoison,
  percentiles,
  replayFromBeginning,
  restartPostgres,
  sleep,
  stallArchive,
  Verdict,
  verdict,
} from './resilience';

const ROOT = path.resolve(__dirname, '../..');

export interface Scenario {
  name: string;
  /** Runs while the load is under way; resolves when the fault is over (the process restarted, the lock released). */
  fault?: (platform: RunningPlatform, record: { poison: number }) => Promise<void>;
}

const killAndRestart = (service: ServiceName): Scenario => ({
  name: `kill -9 ${service}`,
  async fault(platform) {
    await platform.kill(service, 'SIGKILL');
    await sleep(2_000);
    await platform.restart(service);
  },
});

export const SCENARIOS: Record<string, Scenario> = {
  baseline: { name: 'no fault (baseline)' },
  ...Object.fromEntries(SERVICES.map((s) => [`kill-${s}`, killAndRestart(s)])),
  broker: {
    name: 'Kafka broker killed and restarted',
    async fault() {
      const pid = brokerPid();
      if (!pid) throw new Error('no broker pid: is the broker the one tools/kafka started?');
      process.kill(pid, 'SIGKILL');
      await sleep(3_000);
      execFileSync(process.execPath, [path.join(ROOT, 'tools/kafka/kafka.mjs'), 'start'], { stdio: 'ignore' });
    },
  },
  postgres: {
    name: 'PostgreSQL restarted',
    async fault() {
      restartPostgres();
    },
  },
  poison: {
    name: 'poison messages injected',
    async fault(platform, record) {
      record.poison += await injectPoison(platform, 5);
    },
  },
  replay: {
    name: 'notification replays its topics from the beginning',
    async fault(platform) {
      await platform.kill('notification', 'SIGTERM');
      await replayFromBeginning(platform, 'notification');
      await platform.restart('notification');
    },
  },
  relay: {
    name: 'intake killed while its outbox relay publishes',
    async fault(platform) {
      // Under load the relay is nearly always between sending a batch and marking it sent.
      await platform.kill('intake', 'SIGKILL');
      await platform.restart('intake');
    },
  },
  'slow-handler': {
    name: 'archive handler stalled beyond the session timeout',
    async fault(platform) {
      await stallArchive(platform, Number(process.env.KAFKA_SESSION_TIMEOUT_MS ?? 30_000) + 5_000);
    },
  },
};

export interface ScenarioResult {
  scenario: string;
  accepted: number;
  acceptedPerSecond: number;
  ackP99Ms: number;
  gaveUp: number;
  remedies: number;
  recoverySeconds: number;
  duplicatesDiscarded: number;
  poisonInjected: number;
  /** Poison injected since the platform started: what each consumer of intake should have dead-lettered. */
  poisonSoFar: number;
  verdict: Verdict;
  problems: string[];
}

export interface SuiteState {
  accepted: string[];
  remedyComplaints: string[];
  poison: number;
}

/**
 * One scenario: load at `ratePerSecond`, the fault when a third of it is sent, then the verdict
 * over every complaint accepted since the platform started (not only this scenario's).
 */
export async function runScenario(platform: RunningPlatform, scenario: Scenario, state: SuiteState, opts: { count: number; ratePerSecond: number; remedyShare: number }): Promise<ScenarioResult> {
  const duplicatesBefore = await duplicatesDiscarded(platform);
  const poisonBefore = state.poison;
  let faultDone: Promise<number> = Promise.resolve(Date.now());
  let faultStarted = false;
  const load = fileComplaints(platform, {
    count: opts.count,
    ratePerSecond: opts.ratePerSecond,
    firstNumber: state.accepted.length,
    onProgress: (sent) => {
      if (!faultStarted && scenario.fault && sent >= Math.floor(opts.count / 3)) {
        faultStarted = true;
        const record = { poison: 0 };
        faultDone = scenario.fault(platform, record).then(() => {
          state.poison += record.poison;
          return Date.now();
        });
      }
    },
  });
  const filed = await load;
  const loadEndedAt = Date.now();
  const faultEndedAt = await faultDone;
  const ids = filed.filed.map((f) => f.complaintId);
  state.accepted.push(...ids);
  // Recovery: from the end of the fault (or of the load) until every accepted complaint went all the way through.
  // A backlog that never drains is this scenario's failure, written in the table, not the end of the run.
  const stuck: string[] = [];
  await drained(platform, state.accepted, state.remedyComplaints).catch((e: Error) => stuck.push(e.message));
  const recoverySeconds = (Date.now() - (scenario.fault ? faultEndedAt : loadEndedAt)) / 1000;
  const withRemedy = ids.filter((_, i) => i % Math.max(1, Math.round(1 / opts.remedyShare)) === 0);
  await decideWithRemedies(platform, withRemedy);
  state.remedyComplaints.push(...withRemedy);
  if (!stuck.length) await drained(platform, state.accepted, state.remedyComplaints).catch((e: Error) => stuck.push(e.message));
  const v = await verdict(platform, state.accepted);
  const problems = [...stuck, ...judge(v, state, filed.gaveUp)];
  return {
    scenario: scenario.name,
    accepted: ids.length,
    acceptedPerSecond: ids.length / filed.seconds,
    ackP99Ms: percentiles(filed.filed.map((f) => f.ackMs)).p99,
    gaveUp: filed.gaveUp,
    remedies: withRemedy.length,
    recoverySeconds,
    duplicatesDiscarded: duplicatesBetween(duplicatesBefore, await duplicatesDiscarded(platform)),
    poisonInjected: state.poison - poisonBefore,
    poisonSoFar: state.poison,
    verdict: v,
    problems,
  };
}

/** Every rule of the verdict that does not hold, in words; empty means the scenario passed. */
export function judge(v: Verdict, state: SuiteState, gaveUp: number): string[] {
  const problems: string[] = [];
  if (gaveUp) problems.push(`${gaveUp} complaints never got a ticket`);
  if (v.archivedOnce !== v.accepted) problems.push(`archived exactly once: ${v.archivedOnce} of ${v.accepted} (${v.archivedTwice} twice, ${v.notArchived} missing)`);
  if (v.acknowledgedOnce !== v.accepted || v.acknowledgedTwice) problems.push(`acknowledged exactly once: ${v.acknowledgedOnce} of ${v.accepted} (${v.acknowledgedTwice} twice)`);
  if (v.orderKept !== v.accepted) problems.push(`order kept (per topic, and received → triaged → case opened) for ${v.orderKept} of ${v.accepted}`);
  if (v.remediesPaidOnce !== v.approvedRemedies || v.coreBookings !== v.approvedRemedies) {
    problems.push(`one payout per approved remedy: ${v.remediesPaidOnce} of ${v.approvedRemedies} paid once, ${v.coreBookings} core bookings`);
  }
  if (v.approvedRemedies !== state.remedyComplaints.length) problems.push(`${v.approvedRemedies} remedies approved for ${state.remedyComplaints.length} decided`);
  for (const service of SERVICES) {
    const expected = INTAKE_CONSUMERS.includes(service) ? state.poison : 0;
    if (v.deadLetters[service] !== expected) problems.push(`${service} dead letters ${v.deadLetters[service]}, poison injected ${expected}`);
  }
  if (!v.chainIntact) problems.push('the archive chain does not verify');
  return problems;
}

