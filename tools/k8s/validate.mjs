#!/usr/bin/env node
// Manifest validation (CI): renders every Kustomize overlay under k8s/overlays with `kubectl kustomize`,
// validates every object against the Kubernetes and CRD schemas (kubernetes-models, the Strimzi,
// CloudNativePG and Prometheus-operator model packages; unknown fields are refused too), and checks
// what the schemas cannot know: every app has a base, its probes hit /health/live and /health/ready
// on the port the service really listens on, the KafkaTopics are exactly the code's topic catalogue
// plus one <group>.dlq per consumer group, each service's KafkaUser ACLs follow the catalogue, no
// secret is inlined, and the Prometheus rules use metrics the services really export.
//
//   node tools/k8s/validate.mjs                      every overlay in k8s/overlays
//   node tools/k8s/validate.mjs k8s/overlays/prod    the overlays named
//   node tools/k8s/validate.mjs --file rendered.yaml already-rendered manifests (repeatable)
//   --json                                           machine-readable result on stdout
//
// Exit status: 0 clean, 1 problems found (listed), 2 usage or environment error (e.g. no kubectl).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const YAML = require('yaml');

export const IMAGE_REPOSITORY = 'ghcr.io/complaints-platform';
export const KAFKA_CLUSTER = 'complaints';
const DLQ_OPERATOR = 'complaints-dlq-operator';

/** Environment variables that hold secrets: they may only come from a secretKeyRef. */
const SECRET_NAME = /(^DATABASE_URL$|_KEYS?$|_SECRETS?$|PASSWORD|_TOKEN$)/;
/** What each service refuses to start without (besides the shared AUTH_* and KAFKA_BROKERS). */
const REQUIRED_SECRETS = {
  '*': ['DATABASE_URL'],
  intake: ['PII_KEYS', 'PII_PSEUDONYM_KEY', 'WEBHOOK_SECRETS'],
  'compliance-archive': ['ARCHIVE_SIGNING_KEY', 'ARCHIVE_SUBJECT_KEYS', 'PII_KEYS'],
  compensation: ['CORE_BANKING_TOKEN', 'PII_KEYS'],
  triage: ['PII_KEYS'],
};
const REQUIRED_CONFIG = ['KAFKA_BROKERS', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL', 'BIND_HOST'];
const PROMQL_WORDS = new Set(
  ('sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on ignoring group_left group_right ' +
    'and or unless bool offset rate irate increase delta idelta deriv absent absent_over_time histogram_quantile ' +
    'avg_over_time max_over_time min_over_time sum_over_time count_over_time last_over_time changes resets clamp_min clamp_max ' +
    'abs ceil floor round time vector scalar label_replace label_join sort sort_desc predict_linear inf nan').split(' '),
);

// ---------------------------------------------------------------------------------------------
// What the code says

/** The facts the manifests are checked against, read from the code (not copied). */
export function loadProjectFacts() {
  process.env.SWC_NODE_PROJECT ??= path.join(ROOT, 'tsconfig.json');
  require('@swc-node/register');
  const contracts = require(path.join(ROOT, 'libs/contracts/src/catalogue.ts'));
  const topics = Object.values(contracts.TOPICS);
  const services = fs
    .readdirSync(path.join(ROOT, 'apps'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(ROOT, 'apps', d.name, 'src', 'main.ts')))
    .map((d) => d.name)
    .sort();

  // DEFAULT_PORTS in libs/platform/src/bootstrap.ts (importing it would start Nest's module graph).
  const bootstrap = fs.readFileSync(path.join(ROOT, 'libs/platform/src/bootstrap.ts'), 'utf8');
  const portsBlock = /DEFAULT_PORTS[^=]*=\s*{([^}]*)}/.exec(bootstrap)?.[1] ?? '';
  const ports = Object.fromEntries([...portsBlock.matchAll(/'?([a-z-]+)'?\s*:\s*(\d+)/g)].map((m) => [m[1], Number(m[2])]));

  // Who records staff actions (StaffAuditTrail publishes staff.action-recorded on the staff-actions topic).
  const staffPublishers = services.filter((svc) => filesUnder(path.join(ROOT, 'apps', svc, 'src')).some((f) => !/\.(spec|int-spec|e2e-spec)\.ts$/.test(f) && /StaffAuditTrail/.test(fs.readFileSync(f, 'utf8'))));

  const metricsSource = fs.readFileSync(path.join(ROOT, 'libs/platform/src/metrics.ts'), 'utf8');
  const metrics = new Set();
  for (const m of metricsSource.matchAll(/new (Counter|Histogram|Gauge|Summary)\(\{\s*name:\s*'([a-z_:][a-z0-9_:]*)'/g)) {
    metrics.add(m[2]);
    if (m[1] === 'Histogram' || m[1] === 'Summary') ['_bucket', '_sum', '_count'].forEach((s) => metrics.add(m[2] + s));
  }
  const transport = fs.readFileSync(path.join(ROOT, 'libs/messaging/src/transport.ts'), 'utf8');
  const outcomes = [...(/type HandlingOutcome =([^;]*);/.exec(transport)?.[1] ?? '').matchAll(/'([a-z-]+)'/g)].map((m) => m[1]);
  const eventTypes = contracts.allEventDefinitions().map((d) => d.type);

  // Image definitions: a Dockerfile that runs dist/apps/<service>/main.js (one per service, or one
  // shared with a SERVICE build argument), and the service's build target that writes dist/apps/<service>.
  const dockerfiles = [path.join(ROOT, 'docker'), ...services.map((s) => path.join(ROOT, 'apps', s))]
    .filter((d) => fs.existsSync(d))
    .flatMap((d) => fs.readdirSync(d).filter((f) => /(^|\.)Dockerfile$/i.test(f)).map((f) => path.join(d, f)))
    .map((f) => ({ file: path.relative(ROOT, f), text: fs.readFileSync(f, 'utf8') }));
  const images = {};
  for (const svc of services) {
    const project = readJson(path.join(ROOT, 'apps', svc, 'project.json'));
    const build = project?.targets?.build;
    const dockerfile = dockerfiles.find((d) => d.text.includes(`dist/apps/${svc}/main.js`) || (/\bARG SERVICE\b/.test(d.text) && d.text.includes('dist/apps/${SERVICE}/main.js')));
    if (build && dockerfile) images[svc] = dockerfile.file;
  }

  return {
    services,
    ports,
    topics,
    catalogue: contracts.TOPIC_CATALOGUE,
    deadLetterTopic: contracts.deadLetterTopic,
    staffPublishers,
    images,
    metrics,
    outcomes,
    eventTypes,
  };
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}

/** The ACLs a service's KafkaUser must have, as `type:name:patternType:Operation` strings. */
export function expectedAcls(facts, svc) {
  const acls = new Set();
  const add = (type, name, op, pattern = 'literal') => acls.add(`${type}:${name}:${pattern}:${op}`);
  for (const t of facts.topics) add('topic', t, 'Describe'); // ensureTopics lists them at start-up
  for (const entry of facts.catalogue) {
    if (entry.owner === svc || (entry.owner === 'every service' && facts.staffPublishers.includes(svc))) add('topic', entry.topic, 'Write');
    if (entry.consumers.includes(svc)) add('topic', entry.topic, 'Read');
  }
  add('topic', facts.deadLetterTopic(svc), 'Describe');
  add('topic', facts.deadLetterTopic(svc), 'Write');
  add('group', svc, 'Read');
  return acls;
}

/** `npm run dlq`: reads every dead-letter topic, replays to the catalogue topics. */
export function expectedOperatorAcls(facts) {
  const acls = new Set();
  for (const svc of facts.services) ['Describe', 'Read'].forEach((op) => acls.add(`topic:${facts.deadLetterTopic(svc)}:literal:${op}`));
  for (const t of facts.topics) ['Describe', 'Write'].forEach((op) => acls.add(`topic:${t}:literal:${op}`));
  acls.add('group:dlq-reader-:prefix:Read');
  return acls;
}

// ---------------------------------------------------------------------------------------------
// Schemas

const SCHEMAS = {
  'v1/ConfigMap': 'kubernetes-models/_schemas/IoK8sApiCoreV1ConfigMap',
  'v1/Secret': 'kubernetes-models/_schemas/IoK8sApiCoreV1Secret',
  'v1/Service': 'kubernetes-models/_schemas/IoK8sApiCoreV1Service',
  'v1/ServiceAccount': 'kubernetes-models/_schemas/IoK8sApiCoreV1ServiceAccount',
  'v1/PersistentVolumeClaim': 'kubernetes-models/_schemas/IoK8sApiCoreV1PersistentVolumeClaim',
  'v1/Namespace': 'kubernetes-models/_schemas/IoK8sApiCoreV1Namespace',
  'apps/v1/Deployment': 'kubernetes-models/_schemas/IoK8sApiAppsV1Deployment',
  'batch/v1/Job': 'kubernetes-models/_schemas/IoK8sApiBatchV1Job',
  'batch/v1/CronJob': 'kubernetes-models/_schemas/IoK8sApiBatchV1CronJob',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/_schemas/IoK8sApiAutoscalingV2HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/_schemas/IoK8sApiPolicyV1PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/_schemas/IoK8sApiNetworkingV1NetworkPolicy',
  'networking.k8s.io/v1/Ingress': 'kubernetes-models/_schemas/IoK8sApiNetworkingV1Ingress',
  'kafka.strimzi.io/v1beta2/KafkaTopic': '@kubernetes-models/strimzi-kafka-operator/_schemas/KafkaStrimziIoV1beta2KafkaTopic',
  'kafka.strimzi.io/v1beta2/KafkaUser': '@kubernetes-models/strimzi-kafka-operator/_schemas/KafkaStrimziIoV1beta2KafkaUser',
  'kafka.strimzi.io/v1/KafkaTopic': '@kubernetes-models/strimzi-kafka-operator/_schemas/KafkaStrimziIoV1KafkaTopic',
  'kafka.strimzi.io/v1/KafkaUser': '@kubernetes-models/strimzi-kafka-operator/_schemas/KafkaStrimziIoV1KafkaUser',
  'postgresql.cnpg.io/v1/Cluster': '@kubernetes-models/cloudnative-pg/_schemas/ComGithubCloudnativePgCloudnativePgApiV1Cluster',
  'postgresql.cnpg.io/v1/ScheduledBackup': '@kubernetes-models/cloudnative-pg/_schemas/ComGithubCloudnativePgCloudnativePgApiV1ScheduledBackup',
  'postgresql.cnpg.io/v1/Pooler': '@kubernetes-models/cloudnative-pg/_schemas/ComGithubCloudnativePgCloudnativePgApiV1Pooler',
  'monitoring.coreos.com/v1/PrometheusRule': '@kubernetes-models/prometheus-operator/_schemas/ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1PrometheusRule',
  'monitoring.coreos.com/v1/PodMonitor': '@kubernetes-models/prometheus-operator/_schemas/ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1PodMonitor',
  'monitoring.coreos.com/v1/ServiceMonitor': '@kubernetes-models/prometheus-operator/_schemas/ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoringV1ServiceMonitor',
};
const schemaCache = new Map();

async function schemaFor(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!SCHEMAS[key]) return null;
  if (!schemaCache.has(key)) {
    // The CRD packages do not export their compiled schemas; import the file itself.
    const [, pkg, file] = /^((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(SCHEMAS[key]);
    schemaCache.set(key, (await import(pathToFileURL(path.join(ROOT, 'node_modules', pkg, `${file}.js`)).href)).validate);
  }
  return schemaCache.get(key);
}

/**
 * Runs the compiled schema validator over a proxy that records which properties it looks at: a
 * property the schema never asks for is not part of the API (a misspelt field that the API server
 * would drop or refuse). Free-form objects (maps, preserve-unknown-fields) are enumerated or not
 * looked into at all, and are left alone.
 */
function validateWithUnknownFields(validate, data) {
  const seen = [];
  const wrap = (obj, at) => {
    const rec = { obj, at, read: new Set(), enumerated: false };
    seen.push(rec);
    return new Proxy(obj, {
      get(t, k) {
        if (typeof k !== 'string') return t[k];
        rec.read.add(k);
        const v = t[k];
        return v !== null && typeof v === 'object' ? wrap(v, `${at}/${k}`) : v;
      },
      has(t, k) {
        if (typeof k === 'string') rec.read.add(k);
        return k in t;
      },
      ownKeys(t) {
        rec.enumerated = true;
        return Reflect.ownKeys(t);
      },
    });
  };
  const ok = validate(wrap(data, ''));
  const errors = ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? describeError(e)}`);
  const unknown = new Set();
  for (const r of seen) {
    if (Array.isArray(r.obj) || r.enumerated || r.read.size === 0) continue;
    for (const k of Object.keys(r.obj)) if (!r.read.has(k)) unknown.add(`${r.at}/${k}`);
  }
  return [...new Set(errors)].concat([...unknown].map((p) => `${p}: unknown field`));
}

function describeError(e) {
  const p = e.params ?? {};
  if (e.keyword === 'type') return `must be ${p.type}`;
  if (e.keyword === 'enum') return `must be one of ${(p.allowedValues ?? []).join(', ')}`;
  if (e.keyword === 'required') return `missing required field ${p.missingProperty}`;
  if (e.keyword === 'format') return `must match format ${p.format}`;
  return `${e.keyword} ${JSON.stringify(p)}`;
}

// ---------------------------------------------------------------------------------------------
// Checks

const id = (o) => `${o?.kind ?? '?'}/${o?.metadata?.name ?? '?'}`;

export async function checkManifests(objects, facts, { docsFile = path.join(ROOT, 'docs/operations.md') } = {}) {
  const problems = [];
  const problem = (o, msg) => problems.push(o ? `${id(o)}: ${msg}` : msg);
  const find = (kind, name) => objects.find((o) => o?.kind === kind && o.metadata?.name === name);
  const ofKind = (kind) => objects.filter((o) => o?.kind === kind);
  const configMaps = new Map(ofKind('ConfigMap').map((c) => [c.metadata.name, c]));

  // 1. Schemas, unknown fields included.
  for (const o of objects) {
    if (!o || typeof o !== 'object' || !o.apiVersion || !o.kind) {
      problem(null, `an object without apiVersion and kind: ${JSON.stringify(o).slice(0, 120)}`);
      continue;
    }
    const validate = await schemaFor(o.apiVersion, o.kind);
    if (!validate) {
      problem(o, `no schema known for ${o.apiVersion} ${o.kind} (add it to SCHEMAS in tools/k8s/validate.mjs)`);
      continue;
    }
    for (const e of validateWithUnknownFields(validate, o)) problem(o, `schema: ${e}`);
  }

  // 2. Secrets are referenced, never inlined.
  for (const s of ofKind('Secret')) if (s.data || s.stringData) problem(s, 'a Secret with data is inlined in the manifests; reference it (secretKeyRef) and create it outside git');
  for (const c of configMaps.values()) {
    for (const k of Object.keys(c.data ?? {})) if (SECRET_NAME.test(k)) problem(c, `${k} looks like a secret and must come from a secretKeyRef, not a ConfigMap`);
  }
  const podSpecs = [...ofKind('Deployment'), ...ofKind('Job')].map((o) => [o, o.spec?.template?.spec ?? {}]);
  for (const [o, spec] of podSpecs) {
    for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const e of c.env ?? []) {
        if (SECRET_NAME.test(e.name) && !e.valueFrom?.secretKeyRef) problem(o, `container ${c.name}: ${e.name} must be a secretKeyRef (it is ${e.valueFrom ? Object.keys(e.valueFrom).join() : 'a literal value'})`);
      }
    }
  }

  // 3. Every app: a complete base whose probes match the real endpoints and port.
  for (const svc of facts.services) {
    const port = facts.ports[svc];
    if (!port) problem(null, `${svc}: no default port in libs/platform/src/bootstrap.ts DEFAULT_PORTS`);
    for (const [kind, name] of [['Deployment', svc], ['Service', svc], ['ConfigMap', `${svc}-config`], ['HorizontalPodAutoscaler', svc], ['PodDisruptionBudget', svc], ['NetworkPolicy', svc], ['ServiceAccount', svc], ['Job', `${svc}-migrate`]]) {
      if (!find(kind, name)) problem(null, `${svc}: no ${kind} ${name} (every app in apps/ needs a base in k8s/base/${svc})`);
    }
    const dep = find('Deployment', svc);
    if (!dep) continue;
    const pod = dep.spec?.template?.spec ?? {};
    const c = (pod.containers ?? [])[0];
    if (!c) {
      problem(dep, 'no container');
      continue;
    }
    const env = resolveEnv(c, configMaps);
    const listensOn = Number(env.get(`${svc.replace(/-/g, '_').toUpperCase()}_PORT`) ?? env.get('PORT') ?? port);
    if (listensOn !== port) problem(dep, `the service would listen on ${listensOn}, but its port is ${port} (DEFAULT_PORTS)`);
    const bind = env.get('BIND_HOST');
    if (bind !== '0.0.0.0' && bind !== '::') problem(dep, `BIND_HOST must be 0.0.0.0 (or ::) in a pod, it is ${bind ?? 'unset (127.0.0.1)'}: probes and the Service could not reach it`);
    for (const k of REQUIRED_CONFIG.filter((k) => k !== 'BIND_HOST')) if (!env.has(k)) problem(dep, `${k} is not set (env or envFrom ConfigMap)`);
    for (const k of [...REQUIRED_SECRETS['*'], ...(REQUIRED_SECRETS[svc] ?? [])]) if (!env.has(k)) problem(dep, `${k} is not set (it must be a secretKeyRef)`);
    const containerPort = (c.ports ?? []).find((p) => p.containerPort === port);
    if (!containerPort) problem(dep, `no containerPort ${port}`);
    const resolvePort = (p) => (typeof p === 'number' ? p : /^\d+$/.test(String(p)) ? Number(p) : (c.ports ?? []).find((x) => x.name === p)?.containerPort);
    for (const [probeName, pathWanted] of [['livenessProbe', '/health/live'], ['readinessProbe', '/health/ready']]) {
      const probe = c[probeName];
      if (!probe?.httpGet) {
        problem(dep, `${probeName} must be an httpGet on ${pathWanted}`);
        continue;
      }
      if (probe.httpGet.path !== pathWanted) problem(dep, `${probeName} path is ${probe.httpGet.path}, the service answers on ${pathWanted}`);
      const p = resolvePort(probe.httpGet.port);
      if (p !== port) problem(dep, `${probeName} port ${probe.httpGet.port}${p !== probe.httpGet.port ? ` (${p})` : ''} is not the service's port ${port}`);
    }
    if (c.startupProbe?.httpGet && resolvePort(c.startupProbe.httpGet.port) !== port) problem(dep, `startupProbe port is not the service's port ${port}`);
    const image = String(c.image ?? '');
    if (!image.startsWith(`${IMAGE_REPOSITORY}/${svc}:`) && !image.startsWith(`${IMAGE_REPOSITORY}/${svc}@`)) problem(dep, `image ${image} is not ${IMAGE_REPOSITORY}/${svc} with a tag or digest`);
    if (!(c.command ?? []).concat(c.args ?? []).some((a) => a === `dist/apps/${svc}/main.js`)) problem(dep, `the container does not run dist/apps/${svc}/main.js`);
    for (const [k, v] of [['limits', 'cpu'], ['limits', 'memory'], ['requests', 'cpu'], ['requests', 'memory']]) if (!c.resources?.[k]?.[v]) problem(dep, `resources.${k}.${v} is missing`);
    const sc = c.securityContext ?? {};
    if (!(sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot)) problem(dep, 'must run as non-root (runAsNonRoot)');
    if (sc.readOnlyRootFilesystem !== true) problem(dep, 'readOnlyRootFilesystem must be true');
    if (sc.allowPrivilegeEscalation !== false) problem(dep, 'allowPrivilegeEscalation must be false');
    if (pod.automountServiceAccountToken !== false) problem(dep, 'automountServiceAccountToken must be false (the services never call the Kubernetes API)');
    if (pod.serviceAccountName !== svc) problem(dep, `serviceAccountName must be ${svc}`);
    const sa = find('ServiceAccount', svc);
    if (sa && sa.automountServiceAccountToken !== false) problem(sa, 'automountServiceAccountToken must be false');

    const service = find('Service', svc);
    if (service) {
      const sp = (service.spec?.ports ?? [])[0];
      if (!sp || resolvePort(sp.targetPort ?? sp.port) !== port) problem(service, `targetPort does not reach the container's port ${port}`);
      const labels = dep.spec?.template?.metadata?.labels ?? {};
      if (!Object.entries(service.spec?.selector ?? {}).every(([k, v]) => labels[k] === v)) problem(service, 'selector does not match the Deployment\'s pods');
    }
    const hpa = find('HorizontalPodAutoscaler', svc);
    if (hpa && (hpa.spec?.scaleTargetRef?.kind !== 'Deployment' || hpa.spec?.scaleTargetRef?.name !== svc)) problem(hpa, `does not scale Deployment ${svc}`);
    const np = find('NetworkPolicy', svc);
    if (np) {
      const ingressPorts = (np.spec?.ingress ?? []).flatMap((r) => (r.ports ?? []).map((p) => p.port));
      if (!ingressPorts.some((p) => resolvePort(p) === port)) problem(np, `ingress does not allow the HTTP port ${port}`);
      const egressPorts = new Set((np.spec?.egress ?? []).flatMap((r) => (r.ports ?? []).map((p) => p.port)));
      for (const [p, what] of [[53, 'DNS'], [9092, 'Kafka'], [5432, 'Postgres'], [443, 'the OIDC issuer']]) if (!egressPorts.has(p)) problem(np, `egress does not allow ${what} (port ${p})`);
    }
    const job = find('Job', `${svc}-migrate`);
    if (job) {
      const jc = (job.spec?.template?.spec?.containers ?? [])[0] ?? {};
      if (!String(jc.image ?? '').startsWith(`${IMAGE_REPOSITORY}/${svc}`) || jc.image !== image) problem(job, `must run the same image as the Deployment (${image}), it runs ${jc.image}`);
      const argv = (jc.command ?? []).concat(jc.args ?? []).join(' ');
      if (!argv.includes(`dist/apps/${svc}/main.js migrate`)) problem(job, `must run \`node dist/apps/${svc}/main.js migrate\` (docker/service.Dockerfile), it runs \`${argv}\``);
      const jenv = resolveEnv(jc, configMaps);
      if (!jenv.has('DATABASE_URL')) problem(job, 'DATABASE_URL is not set');
      if (jc.securityContext?.readOnlyRootFilesystem !== true) problem(job, 'readOnlyRootFilesystem must be true');
    }
  }
  for (const svc of facts.services) {
    const def = facts.images[svc];
    if (!def) problem(null, `${svc}: no image definition (a Dockerfile in docker/ or apps/${svc}/ that builds dist/apps/<service>, and a build target in apps/${svc}/project.json)`);
  }
  for (const d of ofKind('Deployment')) if (!facts.services.includes(d.metadata.name)) problem(d, 'a Deployment for something that is not an app in apps/');

  // 4. Topics: exactly the catalogue plus one dead-letter topic per consumer group.
  const wantedTopics = new Set([...facts.topics, ...facts.services.map((s) => facts.deadLetterTopic(s))]);
  const kafkaTopics = ofKind('KafkaTopic');
  const haveTopics = new Map(kafkaTopics.map((t) => [t.spec?.topicName ?? t.metadata.name, t]));
  for (const t of wantedTopics) if (!haveTopics.has(t)) problem(null, `topic ${t} (${facts.topics.includes(t) ? 'libs/contracts TOPICS' : 'dead-letter topic'}) has no KafkaTopic`);
  for (const [t, o] of haveTopics) if (!wantedTopics.has(t)) problem(o, `topic ${t} is not in the catalogue (libs/contracts TOPICS) nor a <group>.dlq`);
  for (const o of [...kafkaTopics, ...ofKind('KafkaUser')]) if (o.metadata?.labels?.['strimzi.io/cluster'] !== KAFKA_CLUSTER) problem(o, `label strimzi.io/cluster must be ${KAFKA_CLUSTER}`);

  // 5. ACLs follow the catalogue.
  const users = new Map(ofKind('KafkaUser').map((u) => [u.metadata.name, u]));
  const aclsOf = (u) =>
    new Set((u.spec?.authorization?.acls ?? []).flatMap((a) => (a.operations ?? (a.operation ? [a.operation] : [])).map((op) => `${a.resource?.type}:${a.resource?.name}:${a.resource?.patternType ?? 'literal'}:${op}`)));
  const compare = (u, want) => {
    const have = aclsOf(u);
    for (const a of want) if (!have.has(a)) problem(u, `ACL missing: ${a}`);
    for (const a of have) if (!want.has(a)) problem(u, `ACL not in the catalogue: ${a}`);
    if (u.spec?.authorization?.type !== 'simple') problem(u, 'authorization.type must be simple');
    if (!u.spec?.authentication?.type) problem(u, 'no authentication');
  };
  for (const svc of facts.services) {
    const u = users.get(`complaints-${svc}`);
    if (!u) problem(null, `${svc}: no KafkaUser complaints-${svc}`);
    else compare(u, expectedAcls(facts, svc));
  }
  for (const [name, u] of users) {
    if (name === DLQ_OPERATOR) compare(u, expectedOperatorAcls(facts));
    else if (!facts.services.some((s) => name === `complaints-${s}`)) problem(u, 'a KafkaUser that is neither a service nor the DLQ operator');
  }
  for (const svc of facts.services) {
    const dep = find('Deployment', svc);
    const c = dep?.spec?.template?.spec?.containers?.[0];
    const ref = (c?.env ?? []).find((e) => e.name === 'KAFKA_SASL_PASSWORD')?.valueFrom?.secretKeyRef;
    if (dep && ref?.name !== `complaints-${svc}`) problem(dep, `KAFKA_SASL_PASSWORD must come from the KafkaUser's Secret complaints-${svc}`);
  }

  // 6. Prometheus rules use metrics that exist, with label values that exist.
  const rules = ofKind('PrometheusRule');
  if (rules.length === 0) problem(null, 'no PrometheusRule');
  const external = new Set(['up', 'kafka_consumergroup_lag']);
  const usedMetrics = new Set();
  const alerts = [];
  for (const r of rules) {
    for (const rule of (r.spec?.groups ?? []).flatMap((g) => g.rules ?? [])) {
      if (rule.alert) alerts.push(rule.alert);
      const expr = String(rule.expr ?? '');
      for (const m of metricNames(expr)) {
        usedMetrics.add(m);
        if (!facts.metrics.has(m) && !external.has(m) && !/^(process|nodejs)_/.test(m)) problem(r, `${rule.alert ?? rule.record}: metric ${m} is not exported by the services (libs/platform/src/metrics.ts)`);
      }
      for (const [, label, value] of expr.matchAll(/\b(service|event_type|outcome|job|consumergroup)\s*=\s*"([^"]*)"/g)) {
        const allowed = { service: facts.services, job: facts.services, consumergroup: facts.services, event_type: facts.eventTypes, outcome: facts.outcomes }[label];
        if (!allowed.includes(value)) problem(r, `${rule.alert ?? rule.record}: ${label}="${value}" never occurs (known: ${allowed.join(', ')})`);
      }
    }
  }
  const exprs = rules.flatMap((r) => (r.spec?.groups ?? []).flatMap((g) => g.rules ?? [])).map((rule) => String(rule.expr ?? '').replace(/\s+/g, ''));
  for (const svc of facts.services) {
    if (!exprs.some((e) => e.startsWith(`absent(up{job="${svc}"}`))) problem(null, `no absent(up{job="${svc}"}) alert: a service that is gone entirely would go unnoticed`);
  }
  if (docsFile) {
    if (!fs.existsSync(docsFile)) problem(null, `${path.relative(ROOT, docsFile)} is missing`);
    else {
      const doc = fs.readFileSync(docsFile, 'utf8');
      for (const a of new Set(alerts)) if (!doc.includes(a)) problem(null, `alert ${a} is not explained in ${path.relative(ROOT, docsFile)}`);
      for (const m of usedMetrics) if (!doc.includes(m.replace(/_(bucket|sum|count)$/, ''))) problem(null, `metric ${m} is not explained in ${path.relative(ROOT, docsFile)}`);
    }
  }
  return problems;
}

/** Environment names set on a container, and their literal or ConfigMap values (secrets: '<secret>'). */
function resolveEnv(c, configMaps) {
  const env = new Map();
  for (const ef of c.envFrom ?? []) {
    if (ef.configMapRef) for (const [k, v] of Object.entries(configMaps.get(ef.configMapRef.name)?.data ?? {})) env.set(`${ef.prefix ?? ''}${k}`, v);
  }
  for (const e of c.env ?? []) env.set(e.name, e.value ?? (e.valueFrom?.configMapKeyRef ? configMaps.get(e.valueFrom.configMapKeyRef.name)?.data?.[e.valueFrom.configMapKeyRef.key] : '<secret>'));
  return env;
}

/** Metric names in a PromQL expression (label matchers, strings, durations and functions removed). */
export function metricNames(expr) {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  return [...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w.toLowerCase()) && !/^\d/.test(w) && !/^(e|E)$/.test(w));
}

// ---------------------------------------------------------------------------------------------
// Rendering and the command line

export function render(overlayDir) {
  const found = spawnSync('kubectl', ['version', '--client=true', '-o', 'json'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new EnvironmentError(`kubectl is needed to render the overlays (kubectl kustomize) and was not found or does not run: ${found.error?.message ?? found.stderr}. Install kubectl 1.27+ (it embeds kustomize v5).`);
  }
  const out = spawnSync('kubectl', ['kustomize', overlayDir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) return { error: `kubectl kustomize ${path.relative(ROOT, overlayDir) || overlayDir} failed: ${out.stderr.trim()}` };
  return { text: out.stdout };
}

export class EnvironmentError extends Error {}

export function parseAll(text) {
  const docs = YAML.parseAllDocuments(text);
  const errors = docs.flatMap((d) => d.errors.map((e) => e.message));
  return { objects: docs.map((d) => (typeof d.toJS === 'function' ? d.toJS() : d.toJSON())).filter((o) => o !== null && o !== undefined), errors };
}

export async function validateText(label, text, facts) {
  const { objects, errors } = parseAll(text);
  if (errors.length) return errors.map((e) => `YAML: ${e}`);
  if (objects.length === 0) return ['no objects rendered'];
  return checkManifests(objects, facts);
}

async function main(argv) {
  const json = argv.includes('--json');
  const files = [];
  const overlays = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') continue;
    if (argv[i] === '--file') files.push(argv[++i]);
    else if (argv[i].startsWith('-')) throw new EnvironmentError(`unknown option ${argv[i]}`);
    else overlays.push(path.resolve(argv[i]));
  }
  if (files.length === 0 && overlays.length === 0) {
    const dir = path.join(ROOT, 'k8s', 'overlays');
    overlays.push(...fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'kustomization.yaml'))).map((d) => path.join(dir, d)));
  }
  const facts = loadProjectFacts();
  const results = [];
  for (const o of overlays) {
    const label = path.relative(ROOT, o) || o;
    const rendered = render(o);
    results.push({ target: label, problems: rendered.error ? [rendered.error] : await validateText(label, rendered.text, facts) });
  }
  for (const f of files) results.push({ target: f, problems: await validateText(f, fs.readFileSync(f, 'utf8'), facts) });
  const failed = results.filter((r) => r.problems.length > 0);
  if (json) console.log(JSON.stringify({ ok: failed.length === 0, results }, null, 2));
  else {
    for (const r of results) {
      if (r.problems.length === 0) console.log(`ok    ${r.target}`);
      else {
        console.log(`FAIL  ${r.target}: ${r.problems.length} problem(s)`);
        for (const p of r.problems) console.log(`      - ${p}`);
      }
    }
  }
  return failed.length ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e instanceof EnvironmentError ? `validate: ${e.message}` : e);
      process.exit(2);
    },
  );
}
