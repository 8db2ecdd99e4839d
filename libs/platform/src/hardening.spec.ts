import type { NextFunction, Request, Response } from 'express';
import { corsOptionsFromEnv, findUnsafeText, jsonDepth, limitJsonDepth, maxJsonDepthFromEnv } from './hardening';
import { ProblemException } from './problem';

/** `levels` nested containers, built iteratively so building never recurses. */
function nested(levels: number, kind: 'array' | 'object' | 'mixed' = 'mixed'): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) {
    const asArray = kind === 'array' || (kind === 'mixed' && i % 2 === 0);
    value = asArray ? [value] : { k: value };
  }
  return value;
}

describe('jsonDepth', () => {
  it.each([null, undefined, 'text', 0, 1.5, true])('jsonDepth_scalar_%p_isZero', (value) => {
    expect(jsonDepth(value, 16)).toBe(0);
  });

  it.each([
    [{}, 1],
    [[], 1],
    [{ a: 1, b: 'x', c: null }, 1],
    [[1, 2, 3], 1],
    [{ a: {} }, 2],
    [[[1]], 2],
    [{ a: [{ b: 1 }] }, 3],
    [[{ a: [[{}]] }], 5],
    // The deepest branch counts, whichever side it is on.
    [{ shallow: 1, deep: { x: { y: { z: [] } } }, other: [1] }, 5],
    [[{ x: { y: { z: [] } } }, 1, [2]], 5],
    [[[[1]], { a: 1 }], 3],
    [[1, 'x', [2], [[{}]]], 4],
    [{ a: 1, b: {}, c: [[], [[[]]]] }, 5],
  ] as [unknown, number][])('jsonDepth_%j_is_%i', (value, depth) => {
    expect(jsonDepth(value, 16)).toBe(depth);
  });

  it('jsonDepth_atTheLimit_countsExactly', () => {
    expect(jsonDepth(nested(16), 16)).toBe(16);
    expect(jsonDepth(nested(17), 16)).toBe(17);
  });

  it('jsonDepth_wideButShallow_isShallow', () => {
    const wide = { items: Array.from({ length: 50_000 }, (_, i) => ({ id: i, tags: ['a', 'b'] })) };
    expect(jsonDepth(wide, 16)).toBe(4); // object > array > item > tags
  });

  it.each(['array', 'object', 'mixed'] as const)('jsonDepth_100kDeep_%s_stopsCountingPastTheLimit', (kind) => {
    const deep = nested(100_000, kind);
    expect(jsonDepth(deep, 16)).toBe(17);
    expect(jsonDepth(deep, 0)).toBe(1);
  });

  it('jsonDepth_100kDeep_withoutALimit_countsEveryLevelWithoutOverflowingTheStack', () => {
    expect(jsonDepth(nested(100_000), Number.POSITIVE_INFINITY)).toBe(100_000);
  });

  it('jsonDepth_parsedDeepJson_isMeasured', () => {
    const text = '['.repeat(5_000) + ']'.repeat(5_000);
    expect(jsonDepth(JSON.parse(text), 100)).toBe(101);
    expect(jsonDepth(JSON.parse(text), 10_000)).toBe(5_000);
  });
});

describe('limitJsonDepth', () => {
  const run = (body: unknown, limit: number) => {
    const next = jest.fn() as jest.MockedFunction<NextFunction>;
    limitJsonDepth(limit)({ body } as Request, {} as Response, next);
    return next;
  };

  it('limitJsonDepth_bodyTooDeep_passesA400ProblemToNext', () => {
    const next = run(nested(17), 16);
    expect(next).toHaveBeenCalledTimes(1);
    const [error] = next.mock.calls[0];
    expect(error).toBeInstanceOf(ProblemException);
    const problem = error as unknown as ProblemException;
    expect(problem.getStatus()).toBe(400);
    expect(problem.getResponse()).toEqual({
      type: 'https://complaints.example/problems/too-deeply-nested',
      title: 'The body is nested too deeply',
      status: 400,
      detail: 'JSON bodies may nest at most 16 levels',
    });
  });

  it('limitJsonDepth_100kDeepBody_isRefusedWithoutOverflowingTheStack', () => {
    const next = run(nested(100_000, 'object'), 16);
    expect(next).toHaveBeenCalledTimes(1);
    expect(next.mock.calls[0][0]).toBeInstanceOf(ProblemException);
  });

  it('limitJsonDepth_bodyExactlyAtTheLimit_callsNextWithoutAnError', () => {
    const next = run(nested(16), 16);
    expect(next).toHaveBeenCalledTimes(1);
    expect(next.mock.calls[0]).toEqual([]);
  });

  it.each([
    ['a flat object', { a: 1 }],
    ['an array', [1, 2, 3]],
    ['no body', undefined],
    ['a null body', null],
    ['a text body', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['],
    ['a number', 42],
  ])('limitJsonDepth_with_%s_callsNextWithoutAnError', (_what, body) => {
    const next = run(body, 2);
    expect(next).toHaveBeenCalledTimes(1);
    expect(next.mock.calls[0]).toEqual([]);
  });

  it('limitJsonDepth_usesItsOwnLimit', () => {
    const body = nested(5);
    expect(run(body, 4).mock.calls[0][0]).toBeInstanceOf(ProblemException);
    expect(run(body, 5).mock.calls[0]).toEqual([]);
  });
});

describe('corsOptionsFromEnv', () => {
  it('corsOptionsFromEnv_byDefault_isClosed', () => {
    const options = corsOptionsFromEnv({});
    expect(options.origin).toBe(false);
  });

  it.each(['', ' ', ',', ' , , '])('corsOptionsFromEnv_withEmptyList_%p_isClosed', (value) => {
    expect(corsOptionsFromEnv({ CORS_ORIGINS: value }).origin).toBe(false);
  });

  it('corsOptionsFromEnv_withOrigins_listsExactlyThem', () => {
    const options = corsOptionsFromEnv({ CORS_ORIGINS: ' https://console.bank.example , https://ops.bank.example,,' });
    expect(options.origin).toEqual(['https://console.bank.example', 'https://ops.bank.example']);
  });

  it('corsOptionsFromEnv_withOrigins_keepsTheOtherSettings', () => {
    const options = corsOptionsFromEnv({ CORS_ORIGINS: 'https://console.bank.example' });
    expect(options.methods).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
    expect(options.allowedHeaders).toEqual(expect.arrayContaining(['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Correlation-Id']));
    expect(options.exposedHeaders).toEqual(expect.arrayContaining(['X-Correlation-Id', 'Retry-After']));
    expect(options.credentials).toBeUndefined();
  });

  it.each(['*', ' * ', 'https://console.bank.example,*', '*, https://console.bank.example'])(
    'corsOptionsFromEnv_withWildcard_%p_isRefused',
    (value) => {
      expect(() => corsOptionsFromEnv({ CORS_ORIGINS: value })).toThrow('CORS_ORIGINS must list origins; a wildcard is not allowed');
    },
  );

  it('corsOptionsFromEnv_byDefault_readsProcessEnv', () => {
    const saved = process.env.CORS_ORIGINS;
    try {
      process.env.CORS_ORIGINS = 'https://from-process-env.example';
      expect(corsOptionsFromEnv().origin).toEqual(['https://from-process-env.example']);
    } finally {
      if (saved === undefined) delete process.env.CORS_ORIGINS;
      else process.env.CORS_ORIGINS = saved;
    }
  });
});

describe('maxJsonDepthFromEnv', () => {
  it('maxJsonDepthFromEnv_unset_is16', () => {
    expect(maxJsonDepthFromEnv({})).toBe(16);
  });

  it('maxJsonDepthFromEnv_positiveInteger_isTaken', () => {
    expect(maxJsonDepthFromEnv({ MAX_JSON_DEPTH: '8' })).toBe(8);
  });

  it.each(['abc', '0', '-3', '2.5', 'Infinity', ''])('maxJsonDepthFromEnv_%p_stopsTheStart', (value) => {
    // NaN would make every depth comparison false and switch the limit off.
    expect(() => maxJsonDepthFromEnv({ MAX_JSON_DEPTH: value })).toThrow(/MAX_JSON_DEPTH must be a positive integer/);
  });
});

describe('findUnsafeText', () => {
  it.each([
    ['NUL', { a: 'x\u0000y' }, '$.a'],
    ['escape', { a: ['ok', 'esc\u001b'] }, '$.a[1]'],
    ['DEL', { a: 'x\u007f' }, '$.a'],
    ['C1 padding character (U+0080)', { a: 'x\u0080' }, '$.a'],
    ['C1 next line (U+0085)', { a: { b: 'line\u0085break' } }, '$.a.b'],
    ['C1 control sequence introducer (U+009B)', { a: ['ok', '\u009b31m red'] }, '$.a[1]'],
    ['C1 application program command (U+009F)', { a: 'x\u009f' }, '$.a'],
    ['lone high surrogate', { a: 'x\ud800' }, '$.a'],
    ['lone low surrogate', { b: { c: '\udc00' } }, '$.b.c'],
    ['__proto__ key', JSON.parse('{"__proto__": {"x": 1}}'), '$.__proto__'],
    ['constructor key', { constructor: 1 }, '$.constructor'],
  ])('findUnsafeText_%s_isFound', (_what, value, path) => {
    expect(findUnsafeText(value)?.path).toBe(path);
  });

  it('findUnsafeText_C1ControlInAKey_isFound', () => {
    expect(findUnsafeText({ ['k\u0085']: 1 })).toEqual({ path: '$', problem: 'has a key that is not well-formed text' });
  });

  it.each(['零宽\u200b空格', '\u202eRTL', '😀 emoji', '全角，标点', 'tab\tand\nnewline\r', 'Latin-1 \u00a0\u00e9\u00ff', 'café ¥ £ ©'])('findUnsafeText_ordinaryText_%p_passes', (text) => {
    expect(findUnsafeText({ description: text, nested: [text] })).toBeNull();
  });
});
