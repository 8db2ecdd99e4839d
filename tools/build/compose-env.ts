// The secrets file docker/compose.yml reads, and the environment compose hands each service.
//   node tools/stack/run-ts.mjs tools/build/compose-env.ts > docker/.env     fresh random secrets (git-ignored file)
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { parse } from 'yaml';

export const WEBHOOK_CHANNELS = ['branch', 'hotline', 'mobile-app', 'web', 'email', 'chatbot', 'regulator'];

const key32 = () => randomBytes(32).toString('base64');

/** A docker/.env with new secrets in the formats the services expect (see docker/.env.example). */
export function generateComposeEnv(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const values: Record<string, string> = {
    POSTGRES_PASSWORD: randomBytes(24).toString('hex'),
    PII_KEYS: `k1:${key32()}`,
    PII_PSEUDONYM_KEY: key32(),
    WEBHOOK_SECRETS: WEBHOOK_CHANNELS.map((c) => `${c}:${key32()}`).join(','),
    WECHAT_TOKEN: randomBytes(12).toString('hex'),
    WECHAT_APP_ID: 'wx00000000compose',
    WECHAT_ENCODING_AES_KEY: key32().replace(/[^A-Za-z0-9]/g, 'a').slice(0, 43),
    ARCHIVE_SIGNING_KEY: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    ARCHIVE_SIGNING_KEY_ID: 'compose-archive-1',
    ARCHIVE_SUBJECT_KEYS: `k1:${key32()}`,
  };
  return `# Made by tools/build/compose-env.ts on ${new Date().toISOString()}. Secret: keep it out of git (docker/.gitignore does).\n${Object.entries(
    values,
  )
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

/** Compose-style interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}. */
export function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string | undefined) => {
    const set = vars[name];
    if (set !== undefined && set !== '') return set;
    if (op === ':?') throw new Error(`${name}: ${arg}`);
    return op === ':-' ? (arg ?? '') : '';
  });
}

interface ComposeFile {
  services: Record<string, { environment?: Record<string, string | number>; build?: { args?: Record<string, string | number> }; ports?: string[]; [key: string]: unknown }>;
  [key: string]: unknown;
}

export function parseCompose(text: string): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

/** The environment docker compose gives one service, with `vars` standing for docker/.env. */
export function composeServiceEnv(compose: ComposeFile, service: string, vars: Record<string, string | undefined>): Record<string, string> {
  const env = compose.services[service]?.environment ?? {};
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v), vars)]));
}

/** Parses KEY=value lines (comments and blanks skipped), as compose reads docker/.env. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = line.match(/^\s*([A-Z0-9_]+)=(.*)$/);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

if (require.main === module) process.stdout.write(generateComposeEnv());
