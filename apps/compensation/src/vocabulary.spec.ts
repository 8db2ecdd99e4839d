import * as contracts from '@complaints/contracts';
import * as domain from '@complaints/domain';

/**
 * Remedy kinds and approval routes are written twice: libs/domain (the rules) and libs/contracts
 * (the events) may not import each other. The service is where both meet, so it checks they agree.
 */
describe('remedy vocabulary in the domain and in the events', () => {
  it.each([
    ['remedy kinds', domain.REMEDY_KINDS, contracts.REMEDY_TYPES],
    ['approval routes', domain.APPROVAL_ROUTES, contracts.REMEDY_APPROVAL_ROUTES],
  ] as const)('%s_areTheSameInBoth', (_name, inDomain, inContracts) => {
    expect([...inDomain]).toEqual([...inContracts]);
  });

  it('the default catalogue prices every kind', () => {
    expect(Object.keys(domain.DEFAULT_REMEDY_CATALOGUE.remedies).sort()).toEqual([...contracts.REMEDY_TYPES].sort());
  });
});
