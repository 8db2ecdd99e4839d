import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

// The manifest check CI relies on: the real overlays validate clean, and broken manifests (each a
// rendered overlay with one deliberate mistake) are refused with the problem named.
const ROOT = path.resolve(__dirname, '../..');
const VALIDATOR = path.join(ROOT, 'tools/k8s/validate.mjs');

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: unknown }; [k: string]: unknown };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests break rendered manifests of many kinds by deep paths; typing each kind would hide the edit
type Loose = any;
interface Result {
  ok: boolean;
  results: { target: string; problems: string[] }[];
}

const BROKEN: Record<string, (objects: K8sObject[]) => K8sObject[]> = {
  'wrong-probe-port': (objs) => edit(objs, 'Deployment', 'intake', (d) => (d.spec.template.spec.containers[0].readinessProbe.httpGet.port = 3199)),
  'wrong-probe-path': (objs) => edit(objs, 'Deployment', 'triage', (d) => (d.spec.template.spec.containers[0].livenessProbe.httpGet.path = '/healthz')),
  'misspelt-field': (objs) =>
    edit(objs, 'Deployment', 'notification', (d) => {
      const c = d.spec.template.spec.containers[0];
      c.readinesProbe = c.readinessProbe;
      delete c.readinessProbe;
    }),
  'wrong-type': (objs) => edit(objs, 'KafkaTopic', 'complaints.intake.v1', (t) => (t.spec.partitions = 'six')),
  'topic-missing-and-extra': (objs) =>
    [...objs.filter((o) => !(o.kind === 'KafkaTopic' && o.metadata.name === 'triage.dlq')), { ...clone(objs.find((o) => o.kind === 'KafkaTopic')!), metadata: { name: 'complaints.refunds.v1', labels: { 'strimzi.io/cluster': 'complaints' } }, spec: { topicName: 'complaints.refunds.v1', partitions: 6, replicas: 3 } }],
  'acl-beyond-catalogue': (objs) =>
    edit(objs, 'KafkaUser', 'complaints-compensation', (u) =>
      u.spec.authorization.acls.push({ resource: { type: 'topic', name: 'complaints.intake.v1', patternType: 'literal' }, operations: ['Write'] }),
    ),
  'secret-inlined': (objs) => [
    ...edit(objs, 'Deployment', 'investigation', (d) => {
      const env = d.spec.template.spec.containers[0].env as Loose[];
      env.find((e) => e.name === 'DATABASE_URL').valueFrom = undefined;
      env.find((e) => e.name === 'DATABASE_URL').value = 'postgres://app:hunter2@db/complaints';
    }),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'complaints-pii' }, stringData: { PII_KEYS: 'k1:AAAA' } },
  ],
  'loopback-bind': (objs) => edit(objs, 'ConfigMap', 'compensation-config', (c) => (c.data.BIND_HOST = '127.0.0.1')),
  'unknown-metric': (objs) =>
    edit(objs, 'PrometheusRule', 'complaints-platform', (r) => r.spec.groups[0].rules.push({ alert: 'OverdueComplaints', expr: 'complaints_overdue > 100' })),
};

function clone<T>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T;
}

function edit(objects: K8sObject[], kind: string, name: string, change: (o: Loose) => void): K8sObject[] {
  const copy = clone(objects);
  const target = copy.find((o) => o.kind === kind && (o.metadata.name === name || o.metadata.name.startsWith(`${name}-`)));
  if (!target) throw new Error(`test fixture: no ${kind} ${name}`);
  change(target);
  return copy;
}

describe('Kubernetes manifests (tools/k8s/validate.mjs)', () => {
  let result: Result;
  const problemsOf = (target: string) => result.results.find((r) => r.target.endsWith(target))?.problems ?? [`no result for ${target}`];

  beforeAll(() => {
    // Render once; the broken variants are edits of this rendering.
    const rendered = spawnSync('kubectl', ['kustomize', path.join(ROOT, 'k8s/overlays/dev')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (rendered.error || rendered.status !== 0) throw new Error(`kubectl kustomize failed (is kubectl installed?): ${rendered.error?.message ?? rendered.stderr}`);
    const objects = YAML.parseAllDocuments(rendered.stdout).map((d) => d.toJSON() as K8sObject);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-validate-'));
    const files = Object.entries(BROKEN).map(([name, breakIt]) => {
      const file = path.join(dir, `${name}.yaml`);
      fs.writeFileSync(file, breakIt(objects).map((o) => JSON.stringify(o)).join('\n---\n'));
      return file;
    });
    const run = spawnSync(process.execPath, [VALIDATOR, '--json', 'k8s/overlays/dev', 'k8s/overlays/prod', ...files.flatMap((f) => ['--file', f])], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    fs.rmSync(dir, { recursive: true, force: true });
    if (!run.stdout.trim().startsWith('{')) throw new Error(`validator failed to run (status ${run.status}): ${run.stderr}`);
    result = JSON.parse(run.stdout) as Result;
  }, 20_000);

  it('validates the dev and prod overlays clean', () => {
    expect(problemsOf('k8s/overlays/dev')).toEqual([]);
    expect(problemsOf('k8s/overlays/prod')).toEqual([]);
  });

  it('refuses a probe on the wrong port or path', () => {
    expect(problemsOf('wrong-probe-port.yaml')).toContain("Deployment/intake: readinessProbe port 3199 is not the service's port 3101");
    expect(problemsOf('wrong-probe-path.yaml')).toContain('Deployment/triage: livenessProbe path is /healthz, the service answers on /health/live');
  });

  it('refuses a misspelt field and a value of the wrong type (schemas)', () => {
    expect(problemsOf('misspelt-field.yaml')).toEqual(
      expect.arrayContaining([
        'Deployment/notification: schema: /spec/template/spec/containers/0/readinesProbe: unknown field',
        'Deployment/notification: readinessProbe must be an httpGet on /health/ready',
      ]),
    );
    expect(problemsOf('wrong-type.yaml')).toContain('KafkaTopic/complaints.intake.v1: schema: /spec/partitions must be integer');
  });

  it('refuses topics that differ from the catalogue', () => {
    expect(problemsOf('topic-missing-and-extra.yaml')).toEqual([
      'topic triage.dlq (dead-letter topic) has no KafkaTopic',
      'KafkaTopic/complaints.refunds.v1: topic complaints.refunds.v1 is not in the catalogue (libs/contracts TOPICS) nor a <group>.dlq',
    ]);
  });

  it('refuses an ACL that lets a service write a topic it does not own', () => {
    expect(problemsOf('acl-beyond-catalogue.yaml')).toEqual(['KafkaUser/complaints-compensation: ACL not in the catalogue: topic:complaints.intake.v1:literal:Write']);
  });

  it('refuses inlined secrets', () => {
    expect(problemsOf('secret-inlined.yaml')).toEqual([
      'Secret/complaints-pii: a Secret with data is inlined in the manifests; reference it (secretKeyRef) and create it outside git',
      'Deployment/investigation: container investigation: DATABASE_URL must be a secretKeyRef (it is a literal value)',
    ]);
  });

  it('refuses a service bound to loopback (probes could not reach it)', () => {
    expect(problemsOf('loopback-bind.yaml')).toEqual([
      'Deployment/compensation: BIND_HOST must be 0.0.0.0 (or ::) in a pod, it is 127.0.0.1: probes and the Service could not reach it',
    ]);
  });

  it('refuses an alert on a metric the services do not export', () => {
    expect(problemsOf('unknown-metric.yaml')).toEqual(
      expect.arrayContaining(['PrometheusRule/complaints-platform: OverdueComplaints: metric complaints_overdue is not exported by the services (libs/platform/src/metrics.ts)']),
    );
  });

  it('says so when kubectl is missing', () => {
    const run = spawnSync(process.execPath, [VALIDATOR, 'k8s/overlays/dev'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('kubectl is needed to render the overlays');
  });
});
