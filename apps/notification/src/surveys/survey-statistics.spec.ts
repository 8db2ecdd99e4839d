import { statisticsPeriod, surveyStatistics } from './survey-statistics';

const period = { from: new Date('2026-11-01T00:00:00+08:00'), to: new Date('2026-12-01T00:00:00+08:00') };

describe('survey statistics', () => {
  it('rates, the mean score and the shares come from the counts; open is what was neither answered nor expired', () => {
    const s = surveyStatistics(period, { offered: 40, answered: 24, scores: [2, 1, 3, 8, 10], viaLink: 15, viaSms: 9, reviewsOpened: 3, expired: 10 });
    expect(s).toEqual({
      from: '2026-10-31T16:00:00.000Z',
      to: '2026-11-30T16:00:00.000Z',
      offered: 40,
      answered: 24,
      responseRate: 0.6,
      // (2 + 2 + 9 + 32 + 50) / 24 = 3.958…
      averageScore: 3.96,
      scores: { '1': 2, '2': 1, '3': 3, '4': 8, '5': 10 },
      satisfiedRate: 0.75,
      dissatisfiedRate: 0.125,
      reviewsOpened: 3,
      answeredVia: { link: 15, sms: 9 },
      expired: 10,
      open: 6,
    });
  });

  it('has no rates and no mean without surveys or answers, rather than zeros that would read as everyone dissatisfied', () => {
    expect(surveyStatistics(period, { offered: 0, answered: 0, scores: [0, 0, 0, 0, 0], viaLink: 0, viaSms: 0, reviewsOpened: 0, expired: 0 })).toMatchObject({
      responseRate: null,
      averageScore: null,
      satisfiedRate: null,
      dissatisfiedRate: null,
      open: 0,
    });
    expect(surveyStatistics(period, { offered: 3, answered: 0, scores: [0, 0, 0, 0, 0], viaLink: 0, viaSms: 0, reviewsOpened: 0, expired: 1 })).toMatchObject({ responseRate: 0, averageScore: null, satisfiedRate: null, open: 2 });
    expect(surveyStatistics(period, { offered: 3, answered: 1, scores: [0, 0, 0, 0, 1], viaLink: 1, viaSms: 0, reviewsOpened: 0, expired: 0 }).responseRate).toBe(0.3333);
  });

  it('reads the period as instants with their offset, [from, to), at most 400 days', () => {
    expect(statisticsPeriod('2026-11-01T00:00:00+08:00', '2026-12-01T00:00:00Z')).toEqual({ from: new Date('2026-10-31T16:00:00Z'), to: new Date('2026-12-01T00:00:00Z') });
    const refused = (from: unknown, to: unknown) => {
      try {
        statisticsPeriod(from, to);
      } catch (e) {
        return (e as { fieldProblems: { path: string; message: string }[] }).fieldProblems;
      }
      throw new Error('accepted');
    };
    expect(refused(undefined, '2026-12-01T00:00:00Z')).toEqual([{ path: 'query:from', message: expect.stringMatching(/^is required/) }]);
    // A date alone would be read in the server's zone; a day that does not exist is not rolled over.
    expect(refused('2026-11-01', '2026-12-01T00:00:00Z')[0].path).toBe('query:from');
    expect(refused('2026-11-01T00:00:00Z', '2026-02-30T00:00:00Z')[0].path).toBe('query:to');
    expect(refused('2026-11-01T00:00:00Z', ['2026-12-01T00:00:00Z'])[0].path).toBe('query:to');
    expect(refused('2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')).toEqual([{ path: 'query:to', message: 'must be after from: the period is [from, to)' }]);
    expect(refused('2025-01-01T00:00:00Z', '2026-02-05T00:00:01Z')).toEqual([{ path: 'query:to', message: 'the period is at most 400 days' }]);
  });
});
