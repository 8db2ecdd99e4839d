/**
 * The console's server: serves the built single-page app and passes `/api/<service>/v1/...` to
 * each service, so the browser talks to one origin and the services need no CORS opening. The
 * browser's bearer token goes through untouched: every service checks it itself.
 *
 * With the local development issuer configured (AUTH_ISSUER=urn:complaints:dev-issuer, as the
 * stack sets it) `POST /dev/token {role, subject}` hands out a token for a role; a bank's
 * deployment sets its own OIDC issuer and the console then takes a token from the bank's provider.
 */
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { createProxyMiddleware } from 'http-proxy-middleware';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { consoleConfig, ConsoleConfig, DEV_LOGIN_ROLES, parseDevTokenRequest } from './server-config';

const ROOT = path.resolve(__dirname, '../..');

type IssueDevToken = (options: { roles: string; subject: string; approvalLimitMinor?: number }) => Promise<string>;

const problem = (res: Response, status: number, title: string, extra: Record<string, unknown> = {}) =>
  res.status(status).type('application/problem+json').send(JSON.stringify({ type: 'about:blank', title, status, ...extra }));

const LOOPBACK_ADDRESS = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i;

/** A request from this machine, addressed to it by a loopback name. */
function fromThisMachine(req: Request): boolean {
  return LOOPBACK_ADDRESS.test(req.socket.remoteAddress ?? '') && LOOPBACK_HOST.test(req.headers.host ?? '');
}

export function createConsoleApp(config: ConsoleConfig, issueDevToken?: IssueDevToken) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // Ant Design writes its component styles into <style> elements at run time.
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          frameAncestors: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          // Plain HTTP on a developer's machine: upgrading the app's own requests to HTTPS would break it.
          upgradeInsecureRequests: null,
        },
      },
      // Plain HTTP on a developer's machine; the bank's ingress terminates TLS and sets HSTS.
      strictTransportSecurity: false,
    }),
  );

  const index = path.join(config.dist, 'index.html');
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'up' });
  });
  app.get('/health/ready', (_req, res) => {
    if (fs.existsSync(index)) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'not ready', reason: `no built console at ${config.dist}` });
  });

  app.get('/config.json', (_req, res) => {
    res.set('cache-control', 'no-store').json({ devLogin: config.devLogin && Boolean(issueDevToken), devLoginRoles: DEV_LOGIN_ROLES });
  });

  app.post('/dev/token', express.json({ limit: '4kb' }), async (req: Request, res: Response, next: NextFunction) => {
    if (!config.devLogin || !issueDevToken) return problem(res, 404, 'Not found', { detail: 'the development login is off: sign in with a token from the bank’s identity provider' });
    // Tokens for any role, administrator included, are for the developer at this machine only: not
    // for others on the network (a console bound to 0.0.0.0), nor for a page in the developer's
    // browser reaching it under another name (DNS rebinding).
    if (!fromThisMachine(req)) return problem(res, 403, 'Forbidden', { detail: 'the development login answers only on localhost, to this machine' });
    const parsed = parseDevTokenRequest(req.body);
    if (!parsed.ok) return problem(res, 400, 'The request is not valid', { errors: parsed.errors });
    try {
      const { role, subject, approvalLimitMinor } = parsed.value;
      const token = await issueDevToken({ roles: role, subject, approvalLimitMinor });
      res.set('cache-control', 'no-store').json({ token, role, subject, approvalLimitMinor: approvalLimitMinor ?? null });
    } catch (e) {
      next(e);
    }
  });

  for (const [service, target] of Object.entries(config.services)) {
    const proxy = createProxyMiddleware<Request, Response>({
      target,
      changeOrigin: true,
      xfwd: true,
      proxyTimeout: 120_000,
      on: {
        error: (_err, _req, res) => {
          // `res` is a socket when the failed request was an upgrade; there is nothing to answer then.
          if ('headersSent' in res && !res.headersSent) {
            problem(res as Response, 502, 'The service did not answer', { detail: `${service} is not reachable from the console` });
          }
        },
      },
    });
    // Only the versioned APIs: health, metrics and the OpenAPI viewer stay on the services' own ports.
    app.use(`/api/${service}`, (req, res, next) => (req.url.startsWith('/v1/') ? proxy(req, res, next) : problem(res, 404, 'Not found')));
  }
  app.use('/api', (_req, res) => problem(res, 404, 'Not found', { detail: `the console reaches these services: ${Object.keys(config.services).join(', ')}` }));

  app.use(
    express.static(config.dist, {
      index: false,
      // Vite names built assets by their content hash: they never change under the same name.
      setHeaders: (res, file) => res.set('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
    }),
  );
  // Client-side routes (/queue, /cases/…) all load the app, which then shows the page.
  app.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/dev/')) return next();
    if (!fs.existsSync(index)) return problem(res, 503, 'The console is not built', { detail: 'run: node tools/console/build-console.mjs' });
    res.set('cache-control', 'no-cache').sendFile(index);
  });
  app.use((_req: Request, res: Response) => problem(res, 404, 'Not found'));
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    console.error(`[console] ${err.stack ?? err.message}`);
    if (!res.headersSent) problem(res, 500, 'Internal error');
  });
  return app;
}

async function main() {
  const config = consoleConfig(process.env, ROOT);
  // A checkout builds the app when its sources changed; a deployment ships dist without the builder.
  const builder = path.join(ROOT, 'tools', 'console', 'build-console.mjs');
  if (!process.env.CONSOLE_DIST && fs.existsSync(builder)) {
    const { ensureConsoleBuilt } = (await import(builder)) as { ensureConsoleBuilt: (o?: { dist?: string }) => boolean };
    ensureConsoleBuilt({ dist: config.dist });
  }
  let issueDevToken: IssueDevToken | undefined;
  if (config.devLogin) {
    const issuer = path.join(ROOT, 'tools', 'auth', 'dev-issuer.mjs');
    if (fs.existsSync(issuer)) issueDevToken = ((await import(issuer)) as { issueDevToken: IssueDevToken }).issueDevToken;
  }
  const app = createConsoleApp(config, issueDevToken);
  const server: Server = app.listen(config.port, config.host, () => {
    console.log(`[console] listening on http://${config.host}:${config.port} (development login ${issueDevToken ? 'on' : 'off'})`);
    for (const [service, target] of Object.entries(config.services)) console.log(`[console]   /api/${service} -> ${target}`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    // Browsers keep idle connections open; they would hold the close back indefinitely.
    server.closeIdleConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(`[console] ${e.stack ?? e}`);
    process.exit(1);
  });
}
