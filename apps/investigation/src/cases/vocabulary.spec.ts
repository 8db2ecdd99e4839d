import * as contracts from '@complaints/contracts';
import * as domain from '@complaints/domain';

/**
 * The case's vocabulary is written twice: libs/domain (the rules) and libs/contracts (the events)
 * may not import each other. The service is where both meet, so it checks they say the same.
 */
describe('case vocabulary in the domain and in the events', () => {
  it.each([
    ['LIABILITIES', domain.LIABILITIES, contracts.LIABILITIES],
    ['ROOT_CAUSE_CODES', domain.ROOT_CAUSE_CODES, contracts.ROOT_CAUSE_CODES],
    ['RESOLUTION_ACTIONS', domain.RESOLUTION_ACTIONS, contracts.RESOLUTION_ACTIONS],
    ['outcomes', domain.CASE_OUTCOMES, contracts.OUTCOMES],
    ['exclusion reasons', ['complained-about', 'line-manager-of-complained-about', 'declared-interest', 'decided-earlier-round'] satisfies domain.ExclusionReason[], contracts.EXCLUSION_REASONS],
  ] as const)('%s_areTheSameInBoth', (_name, inDomain, inContracts) => {
    expect([...inDomain]).toEqual([...inContracts]);
  });
});
