import 'reflect-metadata';
import { request as httpRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Body, Controller, Delete, Get, INestApplication, Module, Param, Post, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { IsIn, IsString } from 'class-validator';
import type { Logger } from 'pino';
import request from 'supertest';
import { bodyParsing } from './body-parsing';
import { ProblemDetailsFilter, RequestValidationPipe } from './problem';
import type { RequestWithRawBody } from './security';

class SampleDto {
  @IsIn(['web', 'app'])
  channel!: string;

  @IsString()
  description!: string;
}

@Controller('v1/complaints')
class ComplaintsController {
  @Post()
  file(@Body() dto: SampleDto) {
    return { filed: dto };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }

  @Delete(':id')
  remove(@Param('id') id: string) {
    return { removed: id };
  }
}

@Controller('v1/channels')
class ChannelsController {
  @Post(':channel/inbound')
  receive(@Req() req: RequestWithRawBody) {
    return { json: Buffer.isBuffer(req.body) ? null : (req.body ?? null), raw: req.rawBody?.toString('utf8') ?? null };
  }
}

@Controller('v1/cases')
class EvidenceController {
  @Post(':caseId/evidence/files')
  upload(@Body() body: unknown) {
    return { bytes: Buffer.isBuffer(body) ? body.toString('utf8') : null };
  }
}

@Controller('v1/archive/checkpoints')
class CheckpointsController {
  @Post()
  cut(@Body() body: unknown) {
    return { body: body ?? null };
  }
}

@Module({ controllers: [ComplaintsController, ChannelsController, EvidenceController, CheckpointsController] })
class TestModule {}

const PERSONAL = ['王秘密人', '13800138000', '11010519491231002X'];

/** Every service's body handling, filter and pipe around a few routes: the stack of startService without its database and broker. */
describe('body parsing over HTTP', () => {
  let app: INestApplication;
  const logged = jest.fn();

  beforeAll(async () => {
    const nest = await NestFactory.create<NestExpressApplication>(TestModule, { bodyParser: false, logger: false });
    nest.use(bodyParsing({ jsonLimit: '1kb', channelLimit: '64kb', channelWebhooks: true, uploads: [{ path: '/v1/cases/:caseId/evidence/files', limit: '64kb' }], maxJsonDepth: 16 }));
    nest.useGlobalFilters(new ProblemDetailsFilter({ error: logged } as unknown as Logger));
    nest.useGlobalPipes(new RequestValidationPipe());
    await nest.listen(0, '127.0.0.1');
    app = nest;
  });
  afterAll(() => app?.close());
  beforeEach(() => logged.mockClear());

  // Sent as the bytes given: superagent would otherwise serialise by content type.
  const post = (path: string, contentType: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    request(app.getHttpServer()).post(path).set({ ...headers, 'content-type': contentType }).serialize((b: unknown) => b as string).send(body);
  const expectProblem = (res: request.Response, status: number, type: string) => {
    expect({ status: res.status, contentType: res.headers['content-type'], type: JSON.parse(res.text).type, statusInBody: JSON.parse(res.text).status }).toEqual({
      status,
      contentType: expect.stringMatching(/^application\/problem\+json/),
      type: `https://complaints.example/problems/${type}`,
      statusInBody: status,
    });
    expect(logged).not.toHaveBeenCalled();
  };

  it('bodyParsing_validJson_reachesTheRoute', async () => {
    const res = await post('/v1/complaints', 'application/json; charset=utf-8', '{"channel":"web","description":"年费重复收取"}');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ filed: { channel: 'web', description: '年费重复收取' } });
    const vendor = await post('/v1/complaints', 'application/vnd.complaints+json', '{"channel":"app","description":"x"}');
    expect(vendor.status).toBe(201);
    const gzipped = await post('/v1/complaints', 'application/json', gzipSync('{"channel":"web","description":"x"}'), { 'content-encoding': 'gzip' });
    expect(gzipped.status).toBe(201);
  });

  it.each(['gzip', 'deflate', 'br'])('bodyParsing_corrupt_%s_body_is400MalformedBody_notA500', async (encoding) => {
    const res = await post('/v1/complaints', 'application/json', 'notgzip', { 'content-encoding': encoding });
    expectProblem(res, 400, 'malformed-body');
    expect(res.body.detail).toBe('the body could not be decompressed as its Content-Encoding says');
  });

  it.each(['compress', 'zz-unknown'])('bodyParsing_contentEncoding_%s_is415', async (encoding) => {
    expectProblem(await post('/v1/complaints', 'application/json', '{}', { 'content-encoding': encoding }), 415, 'unsupported-encoding');
  });

  it.each(['utf-16', 'utf-16le', 'utf-32', 'utf-7', 'ibm-1047', 'latin1'])('bodyParsing_charset_%s_is415', async (charset) => {
    expectProblem(await post('/v1/complaints', `application/json; charset=${charset}`, '{"channel":"web","description":"x"}'), 415, 'unsupported-encoding');
  });

  it('bodyParsing_charsetUtf16_isRefusedOnChannelJsonToo', async () => {
    expectProblem(await post('/v1/channels/web/inbound', 'application/json; charset=utf-16le', Buffer.from('{"formId":"1"}', 'utf16le')), 415, 'unsupported-encoding');
  });

  it('bodyParsing_malformedJson_givesNoPartOfTheBody', async () => {
    const body = `{"channel":"web","complainant":{"name":${PERSONAL[0]},"phone":"${PERSONAL[1]}","idNumber":"${PERSONAL[2]}"}}`;
    const res = await post('/v1/complaints', 'application/json', body);
    expectProblem(res, 400, 'malformed-json');
    expect(res.body.detail).toBe('the body is not valid JSON');
    for (const value of [...PERSONAL, '王', 'complainant']) expect(res.text).not.toContain(value);
    const truncated = await post('/v1/complaints', 'application/json', '{"channel": "web",');
    expect(truncated.body.detail).toBe('the body is not valid JSON at position 18');
  });

  it.each([
    ['text/plain', '{"channel":"web","description":"x"}'],
    ['application/x-www-form-urlencoded', 'channel=web&description=x'],
    ['application/xml', '<complaint><channel>web</channel></complaint>'],
    ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="channel"\r\n\r\nweb\r\n--b--\r\n'],
    ['application/jsonx', '{"channel":"web","description":"x"}'],
    ['not a media type', '{"channel":"web","description":"x"}'],
  ])('bodyParsing_bodyOf_%s_onAJsonRoute_is415', async (contentType, body) => {
    const res = await post('/v1/complaints', contentType, body);
    expectProblem(res, 415, 'unsupported-media-type');
    expect(res.body.detail).toBe('this route takes a JSON body, sent as application/json');
  });

  it('bodyParsing_bodyWithoutAContentType_onAJsonRoute_is415', async () => {
    // superagent gives every string body a content type; curl --data-binary with the header removed does not.
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    const answer = await new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/v1/complaints', headers: { 'content-length': '35' } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', text }));
      });
      req.on('error', reject).end('{"channel":"web","description":"x"}');
    });
    expect({ status: answer.status, type: answer.type, problem: JSON.parse(answer.text).type }).toEqual({
      status: 415,
      type: expect.stringMatching(/^application\/problem\+json/),
      problem: 'https://complaints.example/problems/unsupported-media-type',
    });
  });

  it('bodyParsing_noBodyAtAll_isValidatedAsAnEmptyObject', async () => {
    const res = await request(app.getHttpServer()).post('/v1/complaints');
    expectProblem(res, 400, 'validation');
    const checkpoint = await request(app.getHttpServer()).post('/v1/archive/checkpoints').set('content-length', '0');
    expect(checkpoint.status).toBe(201);
  });

  it('bodyParsing_getAndDeleteWithoutABody_areUntouched', async () => {
    expect((await request(app.getHttpServer()).get('/v1/complaints/CMP-1')).body).toEqual({ id: 'CMP-1' });
    expect((await request(app.getHttpServer()).delete('/v1/complaints/CMP-1')).body).toEqual({ removed: 'CMP-1' });
  });

  it('bodyParsing_arrayBody_forAnObjectRoute_is400MustBeAnObject', async () => {
    const res = await post('/v1/complaints', 'application/json', '[{"channel":"web","description":"x"}]');
    expectProblem(res, 400, 'validation');
    expect(res.body.detail).toBe('the body must be a JSON object');
    expect(res.body.errors).toEqual([{ path: '(body)', message: 'must be a JSON object, not an array' }]);
  });

  it('bodyParsing_channelWebhooks_keepTakingTheirOwnMediaTypes', async () => {
    const xml = '<xml><MsgType>text</MsgType><Content>投诉</Content></xml>';
    for (const type of ['text/xml', 'application/xml', 'message/rfc822', 'text/plain']) {
      const res = await post('/v1/channels/wechat/inbound', type, xml);
      expect({ type, status: res.status, body: res.body }).toEqual({ type, status: 201, body: { json: null, raw: xml } });
    }
    const form = await post('/v1/channels/web/inbound', 'application/json', '{"formId":"WEB-1"}');
    expect(form.body).toEqual({ json: { formId: 'WEB-1' }, raw: '{"formId":"WEB-1"}' });
    // A type no parser reads reaches the channel's adapter, which answers it with its own 415.
    const image = await post('/v1/channels/web/inbound', 'image/png', 'PNG');
    expect(image.status).toBe(201);
  });

  it('bodyParsing_uploads_areNeverInflated_soASmallGzipCannotBecomeAHugeBuffer', async () => {
    // 16 kB of zeros gzip to a few dozen bytes; read before any authentication, it is refused instead of inflated.
    const bomb = gzipSync(Buffer.alloc(16 * 1024));
    const res = await post('/v1/cases/00000000-0000-4000-8000-000000000000/evidence/files', 'application/octet-stream', bomb, { 'content-encoding': 'gzip' });
    expectProblem(res, 415, 'unsupported-encoding');
    const plain = await post('/v1/cases/00000000-0000-4000-8000-000000000000/evidence/files', 'application/octet-stream', '%PDF-1.7', { 'content-encoding': 'identity' });
    expect(plain.status).toBe(201);
  });

  it('bodyParsing_uploads_takeAnyMediaType', async () => {
    for (const type of ['application/pdf', 'text/plain', 'text/csv', 'application/octet-stream']) {
      const res = await post('/v1/cases/00000000-0000-4000-8000-000000000000/evidence/files', type, '%PDF-1.7');
      expect({ type, status: res.status, body: res.body }).toEqual({ type, status: 201, body: { bytes: '%PDF-1.7' } });
    }
  });
});

describe('body parsing in a service without channel webhooks', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const nest = await NestFactory.create<NestExpressApplication>(TestModule, { bodyParser: false, logger: false });
    nest.use(bodyParsing({ jsonLimit: '1kb', channelLimit: '64kb', channelWebhooks: false, uploads: [], maxJsonDepth: 16 }));
    nest.useGlobalFilters(new ProblemDetailsFilter({ error: () => undefined } as unknown as Logger));
    await nest.listen(0, '127.0.0.1');
    app = nest;
  });
  afterAll(() => app?.close());

  it('bodyParsing_channelPaths_getNoLargeRawParser_theirBodiesAreJsonOnlyWithTheJsonLimit', async () => {
    const xml = await request(app.getHttpServer()).post('/v1/channels/wechat/inbound').set('content-type', 'text/xml').send('<xml><Content>x</Content></xml>');
    expect(xml.status).toBe(415);
    const big = await request(app.getHttpServer()).post('/v1/channels/web/inbound').set('content-type', 'application/json').send(JSON.stringify({ formId: 'x'.repeat(8 * 1024) }));
    expect(big.status).toBe(413);
  });
});
