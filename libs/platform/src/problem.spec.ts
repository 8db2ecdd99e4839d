import 'reflect-metadata';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import express, { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { Type, plainToInstance } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Min,
  validate,
  ValidateNested,
} from 'class-validator';
import { bodyParserProblem, FieldProblem, flattenValidationErrors, jsonSyntaxDetail, OptionalUuidParameterPipe, ProblemDetailsFilter, ProblemException, RequestValidationException, RequestValidationPipe, UuidParameterPipe } from './problem';

class AddressDto {
  @IsString()
  @Matches(/^\d{6}$/)
  postcode!: string;
}

class AccountDto {
  @IsString()
  @Matches(/^\d{16,19}$/)
  number!: string;
}

class ComplainantDto {
  @IsString()
  @IsNotEmpty()
  name!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => AddressDto)
  address?: AddressDto;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => AccountDto)
  accounts?: AccountDto[];
}

class ItemDto {
  @IsInt()
  @Min(1)
  amount!: number;

  @IsString()
  currency!: string;
}

class ComplaintDto {
  @IsDefined()
  @ValidateNested()
  @Type(() => ComplainantDto)
  complainant!: ComplainantDto;

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => ItemDto)
  items!: ItemDto[];

  @IsString()
  summary!: string;
}

const VALID = {
  complainant: { name: '张三', address: { postcode: '200120' }, accounts: [{ number: '6222021234567890' }] },
  items: [{ amount: 500_000, currency: 'CNY' }],
  summary: '信用卡被盗刷',
};

/** Validates a plain body the way Nest's ValidationPipe does, then flattens the errors. */
async function problemsOf(body: unknown, parent?: string): Promise<FieldProblem[]> {
  const errors = await validate(plainToInstance(ComplaintDto, body) as object);
  return flattenValidationErrors(errors, parent);
}
const pathsOf = (problems: FieldProblem[]) => [...new Set(problems.map((p) => p.path))].sort();
const merge = (over: Record<string, unknown>) => ({ ...structuredClone(VALID), ...over });

describe('flattenValidationErrors', () => {
  it('flatten_validBody_hasNoProblems', async () => {
    expect(await problemsOf(VALID)).toEqual([]);
  });

  it('flatten_topLevelProperty_isItsName', async () => {
    const problems = await problemsOf(merge({ summary: 42 }));
    expect(problems).toEqual([{ path: 'summary', message: 'summary must be a string' }]);
  });

  it('flatten_nestedObjectProperty_isDotted_complainantName', async () => {
    const problems = await problemsOf(merge({ complainant: { name: '' } }));
    expect(problems).toEqual([{ path: 'complainant.name', message: 'name should not be empty' }]);
  });

  it('flatten_arrayElementProperty_isIndexed_items0Amount', async () => {
    const problems = await problemsOf(merge({ items: [{ amount: 1.5, currency: 'CNY' }] }));
    expect(problems).toEqual([{ path: 'items[0].amount', message: 'amount must be an integer number' }]);
  });

  it('flatten_laterArrayElements_keepTheirOwnIndex', async () => {
    const problems = await problemsOf(
      merge({
        items: [
          { amount: 100, currency: 'CNY' },
          { amount: 0, currency: 'CNY' },
          { amount: 100, currency: 'CNY' },
          { amount: 100 },
        ],
      }),
    );
    expect(pathsOf(problems)).toEqual(['items[1].amount', 'items[3].currency']);
  });

  it('flatten_threeLevelsDeep_objectInObject', async () => {
    const problems = await problemsOf(merge({ complainant: { name: '张三', address: { postcode: '2001' } } }));
    expect(pathsOf(problems)).toEqual(['complainant.address.postcode']);
  });

  it('flatten_arrayInsideANestedObject_complainantAccounts2Number', async () => {
    const problems = await problemsOf(
      merge({
        complainant: {
          name: '张三',
          accounts: [{ number: '6222021234567890' }, { number: '6222021234567891' }, { number: '1234' }],
        },
      }),
    );
    expect(pathsOf(problems)).toEqual(['complainant.accounts[2].number']);
  });

  it('flatten_everyConstraintOfAProperty_isItsOwnProblem_withThatPath', async () => {
    const problems = await problemsOf(merge({ items: [{ amount: 0.5, currency: 'CNY' }] }));
    expect(problems.map((p) => p.path)).toEqual(['items[0].amount', 'items[0].amount']);
    expect(problems.map((p) => p.message).sort()).toEqual(
      ['amount must be an integer number', 'amount must not be less than 1'].sort(),
    );
  });

  it('flatten_manyProblemsAtDifferentDepths_allListed', async () => {
    const problems = await problemsOf({
      complainant: { name: '', address: { postcode: 'x' }, accounts: [{ number: 'y' }] },
      items: [{ amount: 'ten', currency: 7 }],
      summary: null,
    });
    expect(pathsOf(problems)).toEqual([
      'complainant.accounts[0].number',
      'complainant.address.postcode',
      'complainant.name',
      'items[0].amount',
      'items[0].currency',
      'summary',
    ]);
  });

  it('flatten_constraintOnTheContainerItself_usesTheContainerPath', async () => {
    const problems = await problemsOf(merge({ items: [] }));
    expect(problems).toEqual([{ path: 'items', message: 'items must contain at least 1 elements' }]);
  });

  it('flatten_missingNestedObject_isReportedAtItsOwnPath', async () => {
    const problems = await problemsOf(merge({ complainant: undefined }));
    expect(pathsOf(problems)).toEqual(['complainant']);
  });

  it('flatten_withAParent_prefixesEveryPath', async () => {
    const problems = await problemsOf(merge({ complainant: { name: '' }, items: [{ amount: 1.5, currency: 'CNY' }] }), 'body');
    expect(pathsOf(problems)).toEqual(['body.complainant.name', 'body.items[0].amount']);
  });

  it('flatten_nodesWithoutConstraints_produceNoProblemsOfTheirOwn', async () => {
    // the 'complainant' and 'items' / '0' nodes only carry children: no entry for them
    const problems = await problemsOf(merge({ complainant: { name: '' }, items: [{ amount: 1.5, currency: 'CNY' }] }));
    expect(problems.map((p) => p.path)).toEqual(['complainant.name', 'items[0].amount']);
  });
});

/** The error the real JSON parser raises for this request, as the error middleware receives it. */
async function parserErrorFor(headers: Record<string, string>, body: string | Buffer): Promise<unknown> {
  let caught: unknown = null;
  const app = express();
  app.use(express.json({ type: ['application/json', 'application/*+json'] }));
  app.post('/', (_req: Request, res: Response) => {
    res.status(204).end();
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    caught = error;
    res.status(599).end();
  });
  // Sent as the bytes given: superagent would otherwise serialise a Buffer as JSON.
  await request(app).post('/').set({ 'content-type': 'application/json', ...headers }).serialize((b: unknown) => b as string).send(body);
  return caught;
}
const problemOf = (error: unknown) => {
  const problem = bodyParserProblem(error);
  expect(problem).toBeInstanceOf(ProblemException);
  return problem!.getResponse() as Record<string, unknown>;
};

describe('bodyParserProblem', () => {
  it.each([
    ['gzip', 'notgzip'],
    ['deflate', 'notgzip'],
    ['br', 'notbrotli'],
    ['gzip', gzipSync('{"channel":"web"}').subarray(0, 12)],
    ['deflate', deflateSync('{"channel":"web"}').subarray(0, 6)],
  ] as [string, string | Buffer][])('bodyParserProblem_corrupt_%s_body_is400MalformedBody', async (encoding, body) => {
    const error = await parserErrorFor({ 'content-encoding': encoding }, body);
    expect(problemOf(error)).toEqual({
      type: 'https://complaints.example/problems/malformed-body',
      title: 'The body could not be read',
      status: 400,
      detail: 'the body could not be decompressed as its Content-Encoding says',
    });
  });

  it('bodyParserProblem_wellFormedCompressedBodies_areParsed', async () => {
    for (const [encoding, body] of [['gzip', gzipSync('{"a":1}')], ['deflate', deflateSync('{"a":1}')], ['br', brotliCompressSync('{"a":1}')]] as const) {
      expect(await parserErrorFor({ 'content-encoding': encoding }, body)).toBeNull();
    }
  });

  it.each(['compress', 'x-gzip', 'bogus'])('bodyParserProblem_contentEncoding_%s_is415UnsupportedEncoding', async (encoding) => {
    const problem = problemOf(await parserErrorFor({ 'content-encoding': encoding }, 'x'));
    expect(problem).toMatchObject({ type: 'https://complaints.example/problems/unsupported-encoding', status: 415 });
  });

  it.each(['ibm-1047', 'latin1', 'utf-bogus', 'gb2312'])('bodyParserProblem_charset_%s_is415UnsupportedEncoding', async (charset) => {
    const problem = problemOf(await parserErrorFor({ 'content-type': `application/json; charset=${charset}` }, '{"a":1}'));
    expect(problem).toMatchObject({ type: 'https://complaints.example/problems/unsupported-encoding', status: 415 });
  });

  it.each([
    ['an unquoted name', '{"channel":"web","complainant":{"name":王秘密人,"phone":"13800138000"}}'],
    ['an unquoted phone number', '{"phone":13800138000x,"idNumber":"11010519491231002X"}'],
    ['a body that is not JSON at all', '王秘密人 13800138000 11010519491231002X'],
    ['a form', 'name=%E7%8E%8B&phone=13800138000'],
    ['a JSON string', '"王秘密人 13800138000"'],
    ['a single-quoted object', "{'name': '王秘密人', 'phone': '13800138000'}"],
    ['a body that quotes a position', '{"note": x in JSON at position 13800138000'],
  ])('bodyParserProblem_malformedJson_%s_quotesNothingOfTheBody', async (_what, body) => {
    const problem = problemOf(await parserErrorFor({}, body));
    expect(problem).toMatchObject({ type: 'https://complaints.example/problems/malformed-json', title: 'The body is not valid JSON', status: 400 });
    expect(problem.detail).toMatch(/^the body is not valid JSON( at position \d+|: it ends too early)?$/);
    const text = JSON.stringify(problem);
    for (const fragment of ['王', '秘密', '13800138000', '11010519491231002X', 'name', 'phone', 'note', '%E7']) expect(text).not.toContain(fragment);
  });

  it('bodyParserProblem_malformedJson_givesThePositionWhereTheParserDoes', async () => {
    expect(problemOf(await parserErrorFor({}, '{"channel": "web",')).detail).toBe('the body is not valid JSON at position 18');
    expect(problemOf(await parserErrorFor({}, '{"name": "王秘密人')).detail).toMatch(/^the body is not valid JSON at position \d+$/);
  });

  it('jsonSyntaxDetail_takesOnlyAPositionThatEndsTheMessage', () => {
    expect(jsonSyntaxDetail('Expected double-quoted property name in JSON at position 18')).toBe('the body is not valid JSON at position 18');
    expect(jsonSyntaxDetail("Expected ',' or '}' after property value in JSON at position 12 (line 1 column 13)")).toBe('the body is not valid JSON at position 12');
    expect(jsonSyntaxDetail('Unexpected end of JSON input')).toBe('the body is not valid JSON: it ends too early');
    // V8 quotes the body in these; digits in the quote are the customer's, not a position.
    expect(jsonSyntaxDetail('Unexpected token \'x\', "x in JSON at position 13800138000" is not valid JSON')).toBe('the body is not valid JSON');
    expect(jsonSyntaxDetail(undefined)).toBe('the body is not valid JSON');
  });

  it('bodyParserProblem_bodyTooLarge_is413WithTheLimit', () => {
    expect(problemOf({ type: 'entity.too.large', status: 413, limit: 262144 })).toMatchObject({ status: 413, detail: 'the limit is 262144 bytes' });
  });

  it.each(['request.size.invalid', 'request.aborted'])('bodyParserProblem_%s_is400MalformedBody', (type) => {
    expect(problemOf({ type, status: 400, expose: true })).toMatchObject({ type: 'https://complaints.example/problems/malformed-body', status: 400 });
  });

  it('bodyParserProblem_errorsThatAreNotTheParsers_areLeftAlone', () => {
    expect(bodyParserProblem(null)).toBeNull();
    expect(bodyParserProblem(new Error('database down'))).toBeNull();
    expect(bodyParserProblem({ status: 400, message: 'no errno' })).toBeNull();
    expect(bodyParserProblem(new ProblemException({ type: 'x', title: 'x', status: 400 }))).toBeNull();
  });
});

describe('RequestValidationPipe', () => {
  const pipe = new RequestValidationPipe();
  const asBody = { type: 'body' as const, metatype: ComplaintDto, data: undefined };

  it('pipe_arrayWhereADtoIsExpected_is400BodyMustBeAnObject', async () => {
    const error = await pipe.transform([VALID], asBody).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemException);
    expect((error as ProblemException).getResponse()).toEqual({
      type: 'https://complaints.example/problems/validation',
      title: 'The request is not valid',
      status: 400,
      detail: 'the body must be a JSON object',
      errors: [{ path: '(body)', message: 'must be a JSON object, not an array' }],
    });
  });

  it('pipe_emptyArray_isRefusedToo', async () => {
    await expect(pipe.transform([], asBody)).rejects.toBeInstanceOf(ProblemException);
  });

  it('pipe_objectBody_isValidatedAndTransformed', async () => {
    const dto = await pipe.transform(structuredClone(VALID), asBody);
    expect(dto).toBeInstanceOf(ComplaintDto);
    const error = await pipe.transform({ ...structuredClone(VALID), isAdmin: true }, asBody).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationException);
    expect((error as RequestValidationException).fieldProblems).toEqual([{ path: 'isAdmin', message: 'property isAdmin should not exist' }]);
  });

  it('pipe_untypedBody_isTheRoutesToRead', async () => {
    // `@Body() body: unknown` (the archive's checkpoint cut, raw uploads) decides for itself.
    expect(await pipe.transform([1], { type: 'body', metatype: Object, data: undefined })).toEqual([1]);
    const bytes = Buffer.from('%PDF-');
    expect(await pipe.transform(bytes, { type: 'body', metatype: Object, data: undefined })).toBe(bytes);
  });

  it('pipe_arrayInAQueryParameter_isNotABody', async () => {
    await expect(pipe.transform(['a'], { type: 'query', metatype: String, data: 'q' })).resolves.toBeDefined();
  });
});

describe('UuidParameterPipe', () => {
  const pipe = new UuidParameterPipe();
  const problemsOf = (value: unknown, metadata: Parameters<UuidParameterPipe['transform']>[1]) => {
    try {
      pipe.transform(value, metadata);
    } catch (e) {
      expect(e).toBeInstanceOf(RequestValidationException);
      return (e as RequestValidationException).fieldProblems;
    }
    throw new Error(`${String(value)} was taken`);
  };

  it('uuid_isTakenAsItIs', () => {
    const id = '0b1f7c1e-8d2a-4c3b-9e4f-5a6b7c8d9e0f';
    expect(pipe.transform(id, { type: 'param', data: 'caseId' })).toBe(id);
  });

  it('notAUuid_namesTheParameter_pathOrQuery', () => {
    expect(problemsOf('12345', { type: 'param', data: 'caseId' })).toEqual([{ path: 'path:caseId', message: 'must be a UUID' }]);
    expect(problemsOf('0b1f7c1e-8d2a-4c3b-9e4f-5a6b7c8d9e0', { type: 'query', data: 'complaintId' })).toEqual([{ path: 'query:complaintId', message: 'must be a UUID' }]);
  });

  it('missingOrEmpty_saysItIsRequired', () => {
    expect(problemsOf(undefined, { type: 'query', data: 'complaintId' })).toEqual([{ path: 'query:complaintId', message: 'is required, as a UUID' }]);
    expect(problemsOf('', { type: 'query', data: 'complaintId' })).toEqual([{ path: 'query:complaintId', message: 'is required, as a UUID' }]);
  });
});

describe('OptionalUuidParameterPipe', () => {
  const pipe = new OptionalUuidParameterPipe();

  it('leftOut_isUndefined_butGivenItMustBeAUuid', () => {
    expect(pipe.transform(undefined, { type: 'query', data: 'complaintId' })).toBeUndefined();
    expect(() => pipe.transform('', { type: 'query', data: 'complaintId' })).toThrow(RequestValidationException);
    expect(() => pipe.transform('x', { type: 'query', data: 'complaintId' })).toThrow(RequestValidationException);
  });
});

describe('ProblemDetailsFilter', () => {
  const answer = (exception: unknown) => {
    const headers: Record<string, string> = {};
    let status = 0;
    const res = {
      setHeader: (name: string, value: string) => (headers[name] = value),
      status: (s: number) => ((status = s), res),
      type: () => res,
      send: () => res,
    };
    const host = { getType: () => 'http', switchToHttp: () => ({ getRequest: () => ({ originalUrl: '/x' }), getResponse: () => res }) };
    new ProblemDetailsFilter({ error: () => undefined } as never).catch(exception, host as never);
    return { status, headers };
  };

  it('aServerError_isLoggedAndAnsweredWithThePathOnly_neverTheQueryThatMayQuoteTheCustomer', () => {
    const logged: unknown[] = [];
    let sent = '';
    const res = { setHeader: () => undefined, status: () => res, type: () => res, send: (body: string) => ((sent = body), res) };
    const url = '/v1/cases/c1/evidence/files?kind=document&description=%E5%AE%A2%E6%88%B7%2013800138000';
    const host = { getType: () => 'http', switchToHttp: () => ({ getRequest: () => ({ originalUrl: url, url }), getResponse: () => res }) };
    new ProblemDetailsFilter({ error: (...args: unknown[]) => logged.push(args) } as never).catch(new Error('storage unavailable'), host as never);
    expect(JSON.parse(sent)).toMatchObject({ status: 500, instance: '/v1/cases/c1/evidence/files' });
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged)).not.toMatch(/13800138000|description/);
    expect((logged[0] as [{ path: string }])[0].path).toBe('/v1/cases/c1/evidence/files');
  });

  it('aProblemThatSaysWhenToComeBack_carriesRetryAfter_inWholeSeconds', () => {
    const paused = new ProblemException({ type: 'https://complaints.example/problems/too-many', title: 'Paused', status: 429, retryAfterSeconds: 599.2 });
    expect(answer(paused)).toEqual({ status: 429, headers: { 'Retry-After': '600' } });
    expect(answer(new ProblemException({ type: 'x', title: 'x', status: 409 })).headers).toEqual({});
  });
});
