import { ProblemException } from '@complaints/platform';
import { filterForRecord, searchFilter, SearchQuery } from './search-filter';

const pathOf = (query: SearchQuery): string | null => {
  try {
    searchFilter(query);
    return null;
  } catch (e) {
    return ((e as ProblemException).getResponse() as { errors: { path: string }[] }).errors[0].path;
  }
};

describe('searchFilter', () => {
  it('accepts every filter and defaults to the first page', () => {
    const id = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    expect(
      searchFilter({ ticket: 'CMP-20261120-00000042-7', complaintId: id.toUpperCase(), customerRef: 'cust_0123', from: '2026-11-01T00:00:00+08:00', to: '2026-12-01T00:00:00Z', category: 'cards', product: 'B03', channel: 'mobile-app', status: 'closed' }),
    ).toEqual({
      ticket: 'CMP-20261120-00000042-7', complaintId: id, customerRef: 'cust_0123', from: new Date('2026-10-31T16:00:00Z'), to: new Date('2026-12-01T00:00:00Z'),
      category: 'cards', product: 'B03', channel: 'mobile-app', status: 'closed', page: 1,
    });
    expect(searchFilter({ page: '42' }).page).toBe(42);
    expect(filterForRecord(searchFilter({ product: 'B03', from: '2026-11-01T00:00:00+08:00' }))).toEqual({ product: 'B03', from: '2026-10-31T16:00:00.000Z', page: 1 });
  });

  it.each<[SearchQuery, string]>([
    [{ ticket: '' }, 'query:ticket'],
    [{ ticket: "CMP' OR 1=1" }, 'query:ticket'],
    [{ ticket: 'x'.repeat(65) }, 'query:ticket'],
    [{ complaintId: 'not-a-uuid' }, 'query:complaintId'],
    [{ customerRef: '张三' }, 'query:customerRef'],
    [{ customerRef: 'a b' }, 'query:customerRef'],
    [{ from: '2026-11-01' }, 'query:from'],
    [{ from: '2026-11-01T00:00:00' }, 'query:from'],
    [{ to: '2026-02-30T00:00:00Z' }, 'query:to'],
    [{ from: '2026-12-01T00:00:00Z', to: '2026-11-01T00:00:00Z' }, 'query:to'],
    [{ category: '<script>' }, 'query:category'],
    [{ product: 'B03;DROP' }, 'query:product'],
    [{ channel: 'fax' }, 'query:channel'],
    [{ status: 'open' }, 'query:status'],
    [{ page: '0' }, 'query:page'],
    [{ page: '-1' }, 'query:page'],
    [{ page: '1.5' }, 'query:page'],
    [{ page: '10001' }, 'query:page'],
    [{ page: ['1', '2'] }, 'query:page'],
  ])('refuses %j naming %s', (query, path) => {
    expect(pathOf(query)).toBe(path);
  });
});
