import { Client } from 'pg';
import { dropPlatformData, RunningPlatform, startPlatform, TEST_DATABASE_URL, uniqueTestId } from '@complaints/testing';
import { runScenario, SCENARIOS, SuiteState } from './resilience-scenarios';

jest.setTimeout(900_000);

/**
 * The CI-sized fault suite (`npm run bench:resilience` runs all of it): the platform keeps its
 * promises through a process killed with SIGKILL mid-load (triage, the archive, intake while its
 * relay publishes), poison on the intake topic, and a consumer group replayed from the beginning.
 * After each, over every complaint accepted so far: archived exactly once, acknowledged once, one
 * booking per approved remedy, dead letters equal to the poison, order kept, chain intact.
 */
describe('the platform under faults', () => {
  let platform: RunningPlatform;
  const state: SuiteState = { accepted: [], remedyComplaints: [], poison: 0 };

  beforeAll(async () => {
    platform = await startPlatform(uniqueTestId(), { INTAKE_RATE_LIMIT_PER_MINUTE: '100000000' });
  });
  afterAll(async () => {
    await platform?.stop();
    const pg = new Client({ connectionString: TEST_DATABASE_URL });
    await pg.connect();
    if (platform) await dropPlatformData(pg, platform);
    await pg.end();
  });

  it.each(['baseline', 'kill-triage', 'kill-compliance-archive', 'poison', 'relay', 'replay'])('%s: nothing lost, nothing twice', async (name) => {
    const result = await runScenario(platform, SCENARIOS[name], state, { count: 24, ratePerSecond: 8, remedyShare: 0.1 });
    expect(result.problems).toEqual([]);
    expect(result.accepted).toBe(24);
    expect(result.verdict).toMatchObject({ accepted: state.accepted.length, archivedOnce: state.accepted.length, acknowledgedOnce: state.accepted.length, chainIntact: true });
    expect(result.verdict.approvedRemedies).toBe(state.remedyComplaints.length);
    if (name === 'poison') expect(result.poisonInjected).toBe(15);
  });
});
