import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createConsoleApp } from './server';
import { consoleConfig, ConsoleConfig, DEV_ISSUER, parseDevTokenRequest } from './server-config';

/** A stand-in service that answers with what it received. */
async function echoService(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function builtDist(): string {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'console-dist-'));
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>console</title><div id="root"></div>');
  fs.mkdirSync(path.join(dist, 'assets'));
  fs.writeFileSync(path.join(dist, 'assets', 'app-abc123.js'), 'console.log(1)');
  return dist;
}

describe('the console server', () => {
  let upstream: Awaited<ReturnType<typeof echoService>>;
  let config: ConsoleConfig;

  beforeAll(async () => {
    upstream = await echoService();
    config = consoleConfig({ INVESTIGATION_URL: upstream.url, TRIAGE_PORT: '1' }, '/nowhere');
    config.dist = builtDist();
  });
  afterAll(() => upstream.close());

  it('passes /api/<service>/v1/... to the service with the bearer token and the body, without its prefix', async () => {
    const res = await request(createConsoleApp(config)).post('/api/investigation/v1/cases/abc/notes?x=1').set('authorization', 'Bearer t0k').send({ body: '备注' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ method: 'POST', url: '/v1/cases/abc/notes?x=1', authorization: 'Bearer t0k', body: '{"body":"备注"}' });
  });

  it('keeps health, metrics and unknown services off the console', async () => {
    const app = createConsoleApp(config);
    expect((await request(app).get('/api/investigation/metrics')).status).toBe(404);
    expect((await request(app).get('/api/payroll/v1/x')).status).toBe(404);
  });

  it('answers 502 in problem+json when a service is down', async () => {
    const res = await request(createConsoleApp(config)).get('/api/triage/v1/triage/incidents');
    expect(res.status).toBe(502);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toMatchObject({ status: 502, detail: 'triage is not reachable from the console' });
  });

  it('serves the app for its own addresses, hashed assets as immutable, with a strict content policy', async () => {
    const app = createConsoleApp(config);
    const page = await request(app).get('/cases/6ed6ebc0-17f0-48a4-b1ba-0c5fdfcf9cf3');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<div id="root">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const asset = await request(app).get('/assets/app-abc123.js');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await request(app).get('/health/ready')).status).toBe(200);
    expect((await request(createConsoleApp({ ...config, dist: '/nowhere' })).get('/health/ready')).status).toBe(503);
  });

  it('hands out development tokens only while the development issuer is configured', async () => {
    const issued: unknown[] = [];
    const issue = async (options: unknown) => {
      issued.push(options);
      return 'header.claims.signature';
    };
    const off = createConsoleApp({ ...config, devLogin: false }, issue);
    expect((await request(off).get('/config.json')).body).toMatchObject({ devLogin: false });
    expect((await request(off).post('/dev/token').send({ role: 'investigator', subject: 'inv-1' })).status).toBe(404);
    const on = createConsoleApp({ ...config, devLogin: true }, issue);
    expect((await request(on).get('/config.json')).body).toMatchObject({ devLogin: true });
    const res = await request(on).post('/dev/token').send({ role: 'approver', subject: 'supervisor-1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: 'header.claims.signature', role: 'approver', subject: 'supervisor-1', approvalLimitMinor: 5_000_000 });
    expect(issued).toEqual([{ roles: 'approver', subject: 'supervisor-1', approvalLimitMinor: 5_000_000 }]);
    const refused = await request(on).post('/dev/token').send({ role: 'channel-adapter', subject: 'x y' });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).errors.map((e: { path: string }) => e.path)).toEqual(['role', 'subject']);
    const officer = await request(on).post('/dev/token').send({ role: 'compliance-officer', subject: 'cco-1' });
    expect(officer.body).toMatchObject({ role: 'compliance-officer', approvalLimitMinor: 5_000_000 });
  });

  it('hands development tokens only to this machine, addressed by a loopback name (not under another name, as DNS rebinding would)', async () => {
    const on = createConsoleApp({ ...config, devLogin: true }, async () => 'header.claims.signature');
    for (const host of ['evil.example', 'evil.example:4100', '10.0.0.5:4100', 'localhost.evil.example']) {
      const res = await request(on).post('/dev/token').set('host', host).send({ role: 'administrator', subject: 'admin-1' });
      expect({ host, status: res.status }).toEqual({ host, status: 403 });
      expect(res.body.token).toBeUndefined();
    }
    for (const host of ['localhost:4100', '127.0.0.1:4100', '[::1]:4100', 'LOCALHOST']) {
      expect((await request(on).post('/dev/token').set('host', host).send({ role: 'administrator', subject: 'admin-1' })).status).toBe(200);
    }
  });
});

describe('the console server’s settings', () => {
  it('finds each service by URL, port or the stack’s default, and turns the development login on only for the development issuer', () => {
    const config = consoleConfig({ INTAKE_PORT: '4101', COMPLIANCE_ARCHIVE_URL: 'https://archive.bank.example/', CONSOLE_PORT: '4100', AUTH_ISSUER: DEV_ISSUER }, '/repo');
    expect(config.services).toEqual({
      intake: 'http://127.0.0.1:4101',
      triage: 'http://127.0.0.1:3102',
      investigation: 'http://127.0.0.1:3103',
      compensation: 'http://127.0.0.1:3104',
      notification: 'http://127.0.0.1:3105',
      'compliance-archive': 'https://archive.bank.example',
    });
    expect(config).toMatchObject({ port: 4100, host: '127.0.0.1', dist: path.join('/repo', 'dist', 'apps', 'console'), devLogin: true });
    expect(consoleConfig({ AUTH_ISSUER: 'https://sso.bank.example/realms/staff' }, '/repo').devLogin).toBe(false);
    expect(consoleConfig({ AUTH_ISSUER: DEV_ISSUER, CONSOLE_DEV_LOGIN: 'off' }, '/repo').devLogin).toBe(false);
    expect(() => consoleConfig({ CONSOLE_PORT: 'abc' }, '/repo')).toThrow(/CONSOLE_PORT/);
  });

  it('checks a development login request', () => {
    expect(parseDevTokenRequest({ role: 'investigator', subject: 'inv-1' })).toEqual({ ok: true, value: { role: 'investigator', subject: 'inv-1' } });
    expect(parseDevTokenRequest({ role: 'approver', subject: 'a', approvalLimitMinor: 100 })).toEqual({ ok: true, value: { role: 'approver', subject: 'a', approvalLimitMinor: 100 } });
    expect(parseDevTokenRequest({ role: 'approver', subject: 'a', approvalLimitMinor: -1, extra: 1 })).toEqual({
      ok: false,
      errors: [
        { path: 'extra', message: 'is not a field of a development login' },
        { path: 'approvalLimitMinor', message: 'must be a whole number of minor units, 0 or more' },
      ],
    });
    expect(parseDevTokenRequest(null)).toMatchObject({ ok: false });
  });
});
