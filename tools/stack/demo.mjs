#!/usr/bin/env node
// npm run demo: installs what is missing, starts Kafka and the six services, sends sample
// complaints through the whole lifecycle, prints each complaint's timeline, and keeps the
// platform running until Ctrl-C, which stops everything it started.
import { ensureInstalled, kafkaTools, portOf, say, SERVICES, serviceEnv, spawnService, terminate, waitReady, LOG_DIR } from './platform.mjs';
import { SAMPLE_COMPLAINTS } from './samples.mjs';
import { issueDevToken } from '../auth/dev-issuer.mjs';

const once = process.argv.includes('--once');
const url = (service, path) => `http://127.0.0.1:${portOf(service)}${path}`;

// Every API needs a token; the demo plays each role with one from the development issuer.
const tokens = new Map();
async function bearer(roles, channel) {
  const key = `${roles}|${channel ?? ''}`;
  if (!tokens.has(key)) tokens.set(key, await issueDevToken({ roles, channel, subject: channel ? `${channel}-adapter` : `${roles}-0042` }));
  return { authorization: `Bearer ${tokens.get(key)}` };
}

async function http(method, target, body, headers = {}) {
  const res = await fetch(target, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (res.status >= 400) throw new Error(`${method} ${target} -> ${res.status} ${text}`);
  return json;
}

async function poll(what, fn, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function describe(event) {
  const p = event.payload;
  switch (event.type) {
    case 'complaint.received': return `${p.ticketNumber} via ${p.channel}, reply due by ${p.responseDueBy}`;
    case 'complaint.triaged': return `${p.category} / ${p.severity} -> ${p.department} (${p.routingRule})`;
    case 'case.opened': return `case ${p.caseId.slice(0, 8)} in ${p.department}`;
    case 'case.resolved': return `${p.outcome}${p.remedy ? `, remedy ${p.remedy.type} ${p.remedy.amount.amountMinor} ${p.remedy.amount.currency} (minor units)` : ''}`;
    case 'remedy.proposed': return `${p.type} ${p.amount.amountMinor} ${p.amount.currency} (minor units)`;
    case 'notification.sent': return `${p.kind} over ${p.channel} (${p.language})`;
    case 'dossier.sealed': return `${p.entries} entries sealed, hash ${p.dossierHash.slice(0, 16)}...`;
    case 'staff.action-recorded': return `${p.action} by ${p.actor} (${p.roles.join(', ')})`;
    default: return '';
  }
}

async function main() {
  ensureInstalled();
  const kafka = await kafkaTools();
  const broker = await kafka.ensureKafka({ log: (m) => say(`kafka: ${m}`) });
  const env = serviceEnv();
  const children = SERVICES.map(({ name }) => spawnService(name, { env }));

  let stopping = false;
  const stopAll = async (code) => {
    if (stopping) return;
    stopping = true;
    say('stopping the services ...');
    await Promise.all(children.map(({ child }) => terminate(child.pid)));
    if (!broker.alreadyRunning) await kafka.stopKafka({ log: (m) => say(`kafka: ${m}`) });
    say('stopped everything this demo started');
    process.exit(code);
  };
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));

  try {
    say(`starting ${SERVICES.length} services (logs in ${LOG_DIR}) ...`);
    await Promise.all(children.map(({ name, child }) => waitReady(name, { child })));
    say('all services ready');

    const filed = [];
    for (const sample of SAMPLE_COMPLAINTS) {
      const { resolution, ...complaint } = sample;
      const ack = await http('POST', url('intake', '/v1/complaints'), complaint, {
        'idempotency-key': `demo-${Date.now()}-${filed.length}`,
        ...(await bearer('channel-adapter', complaint.channel)),
      });
      say(`filed ${ack.ticketNumber} via ${complaint.channel}; response due by ${ack.responseDueBy}`);
      filed.push({ ack, resolution, channel: complaint.channel });
    }
    for (const { ack, resolution } of filed) {
      const [openCase] = await poll(`a case for ${ack.ticketNumber}`, async () => {
        const cases = await http('GET', url('investigation', `/v1/cases?complaintId=${ack.complaintId}`), undefined, await bearer('investigator'));
        return cases.length ? cases : null;
      });
      await http('POST', url('investigation', `/v1/cases/${openCase.id}/resolution`), resolution, await bearer('investigator'));
    }
    for (const { ack, channel } of filed) {
      const record = await poll(`the sealed record of ${ack.ticketNumber}`, async () => {
        const r = await http('GET', url('compliance-archive', `/v1/archive/complaints/${ack.complaintId}`), undefined, await bearer('compliance-officer'));
        return r.events.some((e) => e.type === 'dossier.sealed') ? r : null;
      });
      const status = await http('GET', url('intake', `/v1/complaints/${ack.ticketNumber}/status`), undefined, await bearer('channel-adapter', channel));
      console.log(`\n  ${ack.ticketNumber}  (complaint ${ack.complaintId})  status: ${status.status} ${status.statusLabel['zh-CN']}`);
      for (const e of record.events) {
        console.log(`    ${e.occurredAt}  ${e.producer.padEnd(18)} ${e.type.padEnd(18)} ${describe(e)}`);
      }
      const producers = new Set(record.events.map((e) => e.producer));
      console.log(`    -> events from ${producers.size} services: ${[...producers].join(', ')}`);
    }
    const integrity = await http('GET', url('compliance-archive', '/v1/archive/integrity'), undefined, await bearer('compliance-officer'));
    say(`archive integrity: ${integrity.intact ? 'intact' : 'BROKEN'} (${integrity.entries} entries)`);
  } catch (error) {
    console.error(`[platform] demo failed: ${error.message}`);
    await stopAll(1);
    return;
  }
  if (once) return stopAll(0);
  console.log('');
  for (const { name } of SERVICES) say(`${name.padEnd(19)} http://127.0.0.1:${portOf(name)}  (OpenAPI: /docs)`);
  say('every API needs a token: `npm run token -- investigator` prints one (see README, Security)');
  say('the platform keeps running; press Ctrl-C to stop everything');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
