import * as domain from '@complaints/domain';
import { CASE_ACTIONS, CASE_STATES } from './vocabulary';

/**
 * The console keeps its own copy of the case vocabulary so the browser bundle does not carry the
 * domain library's calendars and holiday data; this keeps the copy and the rules in step.
 */
describe('the console’s case vocabulary', () => {
  it.each([
    ['states', CASE_STATES, domain.CASE_STATES],
    ['actions', CASE_ACTIONS, domain.CASE_ACTIONS],
  ] as const)('case %s_areTheDomainsOwn', (_name, inConsole, inDomain) => {
    expect([...inConsole]).toEqual([...inDomain]);
  });
});
