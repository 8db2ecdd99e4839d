import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './build-service';
import { composeServiceEnv, generateComposeEnv, interpolate, parseCompose, parseEnvFile } from './compose-env';

const SERVICES: Record<string, number> = {
  intake: 3101,
  triage: 3102,
  investigation: 3103,
  compensation: 3104,
  notification: 3105,
  'compliance-archive': 3106,
};
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

describe('docker/service.Dockerfile', () => {
  const dockerfile = read('docker/service.Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'));
  const stages = instructions.filter((l) => /^FROM /.test(l));

  it('builds in stages: dependencies from the lockfile, nx build of the service, a slim runtime', () => {
    expect(stages.map((l) => l.split(/\s+AS\s+/i)[1])).toEqual(['deps', 'build', 'runtime']);
    expect(dockerfile).toMatch(/ARG NODE_IMAGE=node:20[\w.-]*-slim/);
    expect(dockerfile).toMatch(/COPY package\.json package-lock\.json \.\//);
    // the workspace lockfile lacks other platforms' SWC binaries, which `npm ci` refuses (tools/stack/platform.mjs)
    expect(dockerfile).toMatch(/RUN .*npm install --no-save /);
    expect(dockerfile).toMatch(/npx nx build "\$\{SERVICE\}"/);
    // the runtime installs only the service's production dependencies, from its generated lockfile
    expect(dockerfile).toMatch(/COPY --from=build \/repo\/dist\/apps\/\$\{SERVICE\}\/package\.json \/repo\/dist\/apps\/\$\{SERVICE\}\/package-lock\.json/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });

  it('copies the package.json of every workspace, so `npm ci` sees the whole lockfile', () => {
    for (const dir of ['apps', 'libs']) {
      for (const name of fs.readdirSync(path.join(ROOT, dir))) {
        if (fs.existsSync(path.join(ROOT, dir, name, 'package.json'))) expect(dockerfile).toContain(`COPY ${dir}/${name}/package.json ${dir}/${name}/`);
      }
    }
  });

  it('runs as the unprivileged node user, with a health check, on the port it exposes', () => {
    const runtime = instructions.slice(instructions.indexOf(stages[2]));
    expect(runtime).toContain('USER node');
    expect(runtime.findIndex((l) => l === 'USER node')).toBeLessThan(runtime.findIndex((l) => l.startsWith('CMD')));
    expect(runtime.some((l) => /^HEALTHCHECK .*CMD \["sh", "-c", "exec node \\"dist\/apps\/\$\{SERVICE\}\/main\.js\\" health"\]/.test(l))).toBe(true);
    expect(runtime).toContain('EXPOSE ${PORT}');
    expect(runtime.some((l) => l.includes('BIND_HOST=0.0.0.0'))).toBe(true);
    expect(runtime.find((l) => l.startsWith('CMD'))).toBe('CMD ["sh", "-c", "exec node \\"dist/apps/${SERVICE}/main.js\\""]');
  });

  it('.dockerignore keeps local state, secrets and build output out of the context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['.git', '.data', '.env', 'node_modules', 'dist', '.nx']) expect(ignored).toContain(entry);
    for (const needed of ['apps', 'libs', 'tools', 'package-lock.json', 'nx.json', 'tsconfig.base.json']) expect(ignored).not.toContain(needed);
  });
});

describe('docker/compose.yml', () => {
  const compose = parseCompose(read('docker/compose.yml'));
  const example = read('docker/.env.example');
  const secrets = parseEnvFile(generateComposeEnv());

  it('runs Kafka in KRaft mode, PostgreSQL 15 and the six services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['kafka', 'postgres', ...Object.keys(SERVICES)].sort());
    const kafka = compose.services.kafka;
    expect(kafka.image).toBe('apache/kafka:3.9.1');
    expect(kafka.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.environment?.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe('1@kafka:9093');
    expect(compose.services.postgres.image).toBe('postgres:15');
    expect(kafka.healthcheck).toBeDefined();
    expect(compose.services.postgres.healthcheck).toBeDefined();
  });

  it.each(Object.entries(SERVICES))('%s is built from the Dockerfile for its port %i and waits for healthy dependencies', (service, port) => {
    const s = compose.services[service];
    expect(s.build).toEqual({ context: '..', dockerfile: 'docker/service.Dockerfile', args: { SERVICE: service, PORT: port } });
    expect(s.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    expect(s.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, kafka: { condition: 'service_healthy' } });
    const env = composeServiceEnv(compose, service, secrets);
    expect(env.KAFKA_BROKERS).toBe('kafka:9092');
    expect(env.DATABASE_URL).toBe(`postgres://complaints:${secrets.POSTGRES_PASSWORD}@postgres:5432/complaints`);
    expect(env).toMatchObject({ AUTH_ISSUER: expect.any(String), AUTH_AUDIENCE: expect.any(String), AUTH_JWKS_URL: expect.stringMatching(/^(file|https):/) });
    // the service listens on the port the image was built for (PORT), not a per-service override
    expect(env).not.toHaveProperty(`${service.replace(/-/g, '_').toUpperCase()}_PORT`);
  });

  it('gives each secret only to the service that uses it', () => {
    const has = (service: string, name: string) => name in (compose.services[service].environment ?? {});
    // Investigation seals the contact log and notes with the same keys; notification opens the customer's contact details;
    // triage and compensation seal staff reasons and the archive opens sealed staff text; none makes customer references, so none has the pseudonym key.
    expect(Object.keys(SERVICES).filter((s) => has(s, 'PII_KEYS'))).toEqual(['intake', 'triage', 'investigation', 'compensation', 'notification', 'compliance-archive']);
    expect(Object.keys(SERVICES).filter((s) => has(s, 'PII_PSEUDONYM_KEY'))).toEqual(['intake', 'investigation', 'notification']);
    for (const name of ['WEBHOOK_SECRETS', 'WECHAT_TOKEN', 'WECHAT_ENCODING_AES_KEY']) expect(Object.keys(SERVICES).filter((s) => has(s, name))).toEqual(['intake']);
    for (const name of ['ARCHIVE_SIGNING_KEY', 'ARCHIVE_SUBJECT_KEYS']) expect(Object.keys(SERVICES).filter((s) => has(s, name))).toEqual(['compliance-archive']);
  });

  it('requires every secret from docker/.env, which .env.example documents without values', () => {
    const required = [...read('docker/compose.yml').matchAll(/\$\{([A-Z0-9_]+):\?/g)].map((m) => m[1]);
    expect(new Set(required).size).toBeGreaterThanOrEqual(10);
    const documented = parseEnvFile(example);
    for (const name of required) {
      expect(documented).toHaveProperty(name);
      expect(documented[name]).toBe('');
      expect(secrets[name]).toBeTruthy();
    }
    expect(() => composeServiceEnv(compose, 'intake', {})).toThrow(/set POSTGRES_PASSWORD in docker\/.env/);
    expect(read('docker/.gitignore').split('\n')).toContain('.env');
  });
});

describe('compose-env', () => {
  it('interpolates like compose', () => {
    expect(interpolate('a${X}b${Y:-d}${Z:-}', { X: '1' })).toBe('a1bd');
    expect(interpolate('${Y:-d}', { Y: 'set' })).toBe('set');
    expect(() => interpolate('${X:?missing X}', {})).toThrow('X: missing X');
  });

  it('makes secrets in the formats the services parse', () => {
    const env = parseEnvFile(generateComposeEnv());
    expect(env.PII_KEYS).toMatch(/^k1:[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(env.PII_PSEUDONYM_KEY, 'base64')).toHaveLength(32);
    expect(env.WEBHOOK_SECRETS.split(',').map((s) => s.split(':')[0])).toEqual(['branch', 'hotline', 'mobile-app', 'web', 'email', 'chatbot', 'regulator']);
    expect(env.WECHAT_ENCODING_AES_KEY).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(env.ARCHIVE_SUBJECT_KEYS).toMatch(/^k1:/);
    expect(generateComposeEnv()).not.toBe(generateComposeEnv());
  });
});
