#!/usr/bin/env node
// npm run demo: installs what is missing, starts Kafka and the six services, sends sample
// complaints through the whole lifecycle, prints each complaint's timeline, and keeps the
// platform running until Ctrl-C, which stops everything it started.
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CONSOLE, CORE_BANKING_SIM, ensureConsoleBuilt, ensureInstalled, kafkaTools, portOf, say, SERVICES, serviceEnv, spawnService, terminate, waitReady, LOG_DIR } from './platform.mjs';
import { BURST_COMPLAINTS, SAMPLE_COMPLAINTS } from './samples.mjs';
import { issueDevToken } from '../auth/dev-issuer.mjs';

const once = process.argv.includes('--once');
const url = (service, path) => `http://127.0.0.1:${portOf(service)}${path}`;

// Every API needs a token; the demo plays each role with one from the development issuer.
const tokens = new Map();
async function bearer(roles, channel) {
  const key = `${roles}|${channel ?? ''}`;
  // The demo's approver may approve remedies up to CNY 50,000 (the token's approvalLimitMinor claim).
  const approvalLimitMinor = roles === 'approver' ? 5_000_000 : undefined;
  if (!tokens.has(key)) tokens.set(key, await issueDevToken({ roles, channel, approvalLimitMinor, subject: channel ? `${channel}-adapter` : `${roles}-0042` }));
  return { authorization: `Bearer ${tokens.get(key)}` };
}

async function http(method, target, body, headers = {}) {
  const res = await fetch(target, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
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
    case 'complaint.triaged': return `${p.product ? `${p.product.code} / ${p.cause.code}` : p.category} / ${p.severity} -> ${p.department} (${p.routingRule})`;
    case 'deadline.clock-changed': return `${p.change}: ${p.reason}`;
    case 'deadline.warning': return `${Math.round(p.threshold * 100)}% of the time used, due ${p.responseDueBy}`;
    case 'case.opened': return `case ${p.caseId.slice(0, 8)} in ${p.department}`;
    case 'case.assigned': return `to ${p.investigator} (${p.method})${p.excluded.length ? `, excluded ${p.excluded.map((e) => `${e.staffId}: ${e.reason}`).join(', ')}` : ''}`;
    case 'case.findings-recorded': return `liability ${p.liability}, root cause ${p.rootCause}`;
    case 'case.resolution-proposed': return `${p.outcome}${p.needsApproval ? ', needs approval' : ''}`;
    case 'case.resolution-decided': return `${p.decision} by ${p.decidedBy}`;
    case 'case.response-issued': return `${p.outcome}${p.remedy ? `, remedy ${p.remedy.type} ${p.remedy.amount.amountMinor} ${p.remedy.amount.currency} (minor units)` : ''}; review by ${p.rights.reviewBy}`;
    case 'case.resolved': return `${p.outcome}${p.remedy ? `, remedy ${p.remedy.type} ${p.remedy.amount.amountMinor} ${p.remedy.amount.currency} (minor units)` : ''}`;
    case 'remedy.proposed': return `${p.type} ${p.amount.amountMinor} ${p.amount.currency} (minor units)`;
    case 'remedy.approved': return `${p.route}${p.approvedBy.length ? ` by ${p.approvedBy.join(' and ')}` : ''}`;
    case 'remedy.paid': return `${p.amount.amountMinor} ${p.amount.currency} (minor units), core reference ${p.coreReference}`;
    case 'remedy.rejected': return `${p.reason} (${p.rejectedBy})`;
    case 'remedy.payout-failed': return p.reason;
    case 'notification.sent': return `${p.kind} over ${p.channel} (${p.language})`;
    case 'dossier.sealed': return `${p.entries} entries sealed, hash ${p.dossierHash.slice(0, 16)}...`;
    case 'staff.action-recorded': return `${p.action} by ${p.actor} (${p.roles.join(', ')})`;
    default: return '';
  }
}

/** The customer behind the web form the demo sends through the web channel's adapter. */
const WEB_FORM_CUSTOMER = { customerNo: 'C009001', name: '周敏', mobile: '13600136000' };

/** Every personal value the samples carry, as it went in. */
const personalValues = () =>
  [...new Set([...SAMPLE_COMPLAINTS.map((c) => c.complainant), ...BURST_COMPLAINTS.map((c) => c.complainant), WEB_FORM_CUSTOMER].flatMap((c) => Object.values(c)).filter((v) => typeof v === 'string' && v.length >= 2))];

/**
 * Reads this run's service logs and every record on the platform's topics and counts the sample
 * complaints' personal values found in them: the number printed should be 0.
 */
async function personalDataCheck(logOffsets) {
  const values = personalValues();
  let logBytes = 0;
  const found = [];
  for (const { name } of SERVICES) {
    const file = path.join(LOG_DIR, `${name}.log`);
    const text = fs.readFileSync(file, 'utf8').slice(logOffsets.get(name) ?? 0);
    logBytes += text.length;
    for (const v of values) if (text.includes(v)) found.push(`${name}.log`);
  }
  const { Kafka, logLevel } = (await import('kafkajs')).default;
  const kafka = new Kafka({ clientId: 'demo-pii-check', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // The platform's own topics; tests leave prefixed ones of their own on the same broker.
  const topics = (await admin.listTopics()).filter((t) => t.startsWith('complaints.') || /^[a-z-]+\.dlq$/.test(t));
  let expected = 0;
  for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) expected += Number(p.high) - Number(p.low);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `demo-pii-check-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let records = 0;
  await new Promise((resolve) => {
    const done = setTimeout(resolve, 30_000);
    consumer.run({
      eachMessage: async ({ topic, message }) => {
        records += 1;
        const raw = `${message.key ?? ''}${message.value ?? ''}${JSON.stringify(message.headers ?? {})}`;
        for (const v of values) if (raw.includes(v)) found.push(topic);
        if (records >= expected) {
          clearTimeout(done);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return { values: values.length, logBytes, records, topics: topics.length, found: [...new Set(found)] };
}

/** Six customers in a few seconds, each with a cross-bank transfer stuck at a partner bank. */
async function fileBurst() {
  const acks = [];
  for (const [i, { complainant, description }] of BURST_COMPLAINTS.entries()) {
    const ack = await http('POST', url('intake', '/v1/complaints'), {
      channel: 'mobile-app',
      channelReference: `APP-BURST-${Date.now()}-${i}`,
      complainant,
      description,
      productHint: '跨行转账',
      preferredReplyChannel: 'app',
    }, { 'idempotency-key': `demo-burst-${Date.now()}-${i}`, ...(await bearer('channel-adapter', 'mobile-app')) });
    acks.push(ack);
  }
  say(`filed a burst of ${acks.length} complaints about stuck cross-bank transfers from ${acks.length} customers`);
  return acks;
}

async function main() {
  ensureInstalled();
  await ensureConsoleBuilt();
  const kafka = await kafkaTools();
  const broker = await kafka.ensureKafka({ log: (m) => say(`kafka: ${m}`) });
  const env = serviceEnv();
  const logOffsets = new Map(SERVICES.map(({ name }) => [name, fs.existsSync(path.join(LOG_DIR, `${name}.log`)) ? fs.statSync(path.join(LOG_DIR, `${name}.log`)).size : 0]));
  const children = [CORE_BANKING_SIM, ...SERVICES, CONSOLE].map(({ name }) => spawnService(name, { env }));

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
    say(`all services ready; the web console is at http://127.0.0.1:${portOf(CONSOLE.name)}`);

    const filed = [];
    for (const sample of SAMPLE_COMPLAINTS) {
      const { resolution, findings, ...complaint } = sample;
      const ack = await http('POST', url('intake', '/v1/complaints'), complaint, {
        'idempotency-key': `demo-${Date.now()}-${filed.length}`,
        ...(await bearer('channel-adapter', complaint.channel)),
      });
      say(`filed ${ack.ticketNumber} via ${complaint.channel}; response due by ${ack.responseDueBy}`);
      // What the customer would give to prove it is them: the last four digits of their phone or ID number.
      const proof = (complaint.complainant.phone ?? complaint.complainant.idNumber).replace(/[^0-9X]/g, '').slice(-4);
      filed.push({ ack, resolution, findings, channel: complaint.channel, proof });
    }
    // One more, the way the website's back end sends it: its own form, signed with the channel's secret.
    {
      const webSecret = Buffer.from(serviceEnv().WEBHOOK_SECRETS.split(',').find((e) => e.startsWith('web:')).slice(4), 'base64');
      const form = JSON.stringify({
        formId: `WEB-demo-${Date.now()}`,
        customer: WEB_FORM_CUSTOMER,
        product: '手机银行',
        content: '手机银行转账提示成功，但收款方说没有收到，已经过了两天。',
        amount: '1,200.00',
        currency: 'CNY',
        replyVia: 'app',
        lang: 'zh-CN',
      });
      const timestamp = Math.floor(Date.now() / 1000);
      const nonce = randomBytes(12).toString('hex');
      const signature = createHmac('sha256', webSecret).update(`${timestamp}.${nonce}.`).update(form).digest('hex');
      const ack = await http('POST', url('intake', '/v1/channels/web/inbound'), form, {
        'x-signature-timestamp': String(timestamp),
        'x-signature-nonce': nonce,
        'x-signature': signature,
      });
      say(`filed ${ack.ticketNumber} from the web form's own payload through its adapter; response due by ${ack.responseDueBy}`);
      filed.push({
        ack,
        findings: { facts: ['收款行系统故障，转账被退回'], liability: 'third-party', rootCause: { code: 'third-party', detail: '收款行系统故障' } },
        resolution: { outcome: 'upheld', explanation: '经核查，转账因收款行系统故障退回，已重新入账。', actions: ['correction', 'explanation'] },
        channel: 'web',
        proof: '6000',
      });
    }
    // Triage: what it decided and why; a complaint the model was unsure of waits for a triage officer.
    for (const { ack } of filed) {
      const decision = await poll(`the triage of ${ack.ticketNumber}`, () =>
        bearer('triage-officer').then((auth) => http('GET', url('triage', `/v1/triage/complaints/${ack.complaintId}`), undefined, auth)).catch(() => null),
      );
      let shown = decision;
      if (decision.status === 'awaiting-triage-officer') {
        say(`${ack.ticketNumber}: confidence ${decision.confidence.toFixed(2)} is below the minimum, so it waits in the triage queue; a triage officer confirms it`);
        shown = await http('POST', url('triage', `/v1/triage/complaints/${ack.complaintId}/retriage`), {
          product: decision.product.code,
          cause: decision.category.code,
          reason: 'demo: the triage officer confirms the suggestion',
        }, await bearer('triage-officer'));
      }
      say(
        `triage ${ack.ticketNumber}: ${shown.product.code} ${shown.product.title} / ${shown.category.code} ${shown.category.title}, ` +
          `${shown.severity}, to ${shown.department} by ${shown.routingRule} (confidence ${Number(shown.confidence).toFixed(2)}, due ${shown.responseDueBy})`,
      );
    }
    // A burst: many customers at once whose cross-bank transfers are stuck (seed 000's first case).
    {
      const burst = await fileBurst();
      for (const b of burst) {
        await poll(`the triage of ${b.ticketNumber}`, () =>
          bearer('triage-officer').then((auth) => http('GET', url('triage', `/v1/triage/complaints/${b.complaintId}`), undefined, auth)).catch(() => null),
        );
      }
      const incident = await poll('a systemic incident for the burst', async () => {
        const incidents = await http('GET', url('triage', '/v1/triage/incidents'), undefined, await bearer('triage-officer'));
        return incidents.find((i) => burst.some((b) => i.complaintIds.includes(b.complaintId))) ?? null;
      });
      say(`systemic incident ${incident.id}: ${incident.reason}`);
      say(`  it lists ${incident.complaintIds.length} complaints, including ${burst.filter((b) => incident.complaintIds.includes(b.complaintId)).map((b) => b.ticketNumber).join(', ')}`);
    }
    // Investigation: each case is assigned (nobody with an interest in it), worked, decided, and
    // approved by a second person where its severity or amount needs four eyes.
    for (const { ack, resolution, findings } of filed) {
      const [openCase] = await poll(`a case for ${ack.ticketNumber}`, async () => {
        const cases = await http('GET', url('investigation', `/v1/cases?complaintId=${ack.complaintId}`), undefined, await bearer('investigator'));
        return cases.length ? cases : null;
      });
      await http('PUT', url('investigation', '/v1/investigators'), { staffId: 'investigator-0042', department: openCase.department, skills: ['general'], capacity: 50, active: true }, await bearer('administrator'));
      if (openCase.status === 'awaiting-assignment') {
        await http('POST', url('investigation', `/v1/cases/${openCase.id}/assignment`), {}, await bearer('approver'));
      }
      await http('PUT', url('investigation', `/v1/cases/${openCase.id}/findings`), findings, await bearer('investigator'));
      const proposed = await http('POST', url('investigation', `/v1/cases/${openCase.id}/resolution`), resolution, await bearer('investigator'));
      let how = 'issued by the investigator';
      if (proposed.status === 'awaiting-approval') {
        await http('POST', url('investigation', `/v1/cases/${openCase.id}/resolution/decision`), { decision: 'approve' }, await bearer('approver'));
        how = 'approved by a supervisor (four eyes), then issued';
      }
      say(`case ${openCase.id.slice(0, 8)} (${ack.ticketNumber}) in ${openCase.department}: assigned to investigator-0042, findings ${findings.liability}/${findings.rootCause.code}, response ${resolution.outcome} ${how}`);
    }
    // Compensation: a remedy within what the decision may grant alone is paid at once; a larger one
    // waits for an approver (never the investigator who decided it). Payouts go to the simulated core ledger.
    for (const { ack, resolution } of filed) {
      if (!resolution.remedy) continue;
      const [remedy] = await poll(`the remedy of ${ack.ticketNumber}`, async () => {
        const listed = await http('GET', url('compensation', `/v1/remedies?complaintId=${ack.complaintId}`), undefined, await bearer('approver'));
        return listed.length ? listed : null;
      });
      if (remedy.status === 'proposed') await http('POST', url('compensation', `/v1/remedies/${remedy.remedyId}/approvals`), undefined, await bearer('approver'));
      const paid = await poll(`the payout of ${ack.ticketNumber}`, async () => {
        const r = await http('GET', url('compensation', `/v1/remedies/${remedy.remedyId}`), undefined, await bearer('approver'));
        return r.status === 'paid' ? r : null;
      });
      const approvedBy = paid.approvals.map((a) => a.approver).join(' and ') || 'the decision itself';
      say(`remedy ${paid.type} ${paid.amount.currency} ${(paid.amount.amountMinor / 100).toFixed(2)} for ${ack.ticketNumber}: ${paid.route} route, approved by ${approvedBy}, paid (core reference ${paid.payouts[0].coreReference}), ledger ${paid.payouts[0].postings.map((l) => `${l.account} ${l.debitMinor > 0 ? 'Dr' : 'Cr'}`).join(' / ')}`);
    }
    {
      const reconciliation = await http('GET', url('compensation', '/v1/ledger/reconciliation'), undefined, await bearer('compliance-officer'));
      say(`reconciliation of payouts, ledger and the core: ${reconciliation.instructions} instructions, ${reconciliation.coreBookings} core bookings, ${reconciliation.mismatches.length} mismatches`);
    }
    for (const { ack, channel, proof } of filed) {
      const record = await poll(`the sealed record of ${ack.ticketNumber}`, async () => {
        const r = await http('GET', url('compliance-archive', `/v1/archive/complaints/${ack.complaintId}`), undefined, {
          ...(await bearer('compliance-officer')),
          'x-retrieval-purpose': 'quality-review',
          'x-retrieval-reference': 'DEMO',
        });
        return r.events.some((e) => e.type === 'dossier.sealed') ? r : null;
      });
      const status = await http('GET', url('intake', `/v1/complaints/${ack.ticketNumber}`), undefined, {
        ...(await bearer('channel-adapter', channel)),
        'x-proof-of-identity': proof,
      });
      console.log(`\n  ${ack.ticketNumber}  (complaint ${ack.complaintId})  status: ${status.status} ${status.statusLabel['zh-CN']}`);
      console.log(`    the customer sees: ${status.timeline.map((t) => t.label['zh-CN']).join(' → ')}`);
      for (const e of record.events) {
        console.log(`    ${e.occurredAt}  ${e.producer.padEnd(18)} ${e.type.padEnd(18)} ${describe(e)}`);
      }
      const producers = new Set(record.events.map((e) => e.producer));
      console.log(`    -> events from ${producers.size} services: ${[...producers].join(', ')}`);
    }
    const integrity = await http('GET', url('compliance-archive', '/v1/archive/integrity'), undefined, await bearer('compliance-officer'));
    say(`archive integrity: ${integrity.intact ? 'intact' : 'BROKEN'} (${integrity.entries} entries)`);
    // The first complaint's sealed dossier, as a compliance officer would hand it to a regulator.
    {
      const { ack } = filed[0];
      const headers = { ...(await bearer('compliance-officer')), 'x-retrieval-purpose': 'regulator-request', 'x-retrieval-reference': 'DEMO-1' };
      const dossier = await http('GET', url('compliance-archive', `/v1/archive/complaints/${ack.complaintId}/dossier`), undefined, headers);
      const pdf = await fetch(url('compliance-archive', `/v1/archive/complaints/${ack.complaintId}/dossier.pdf`), { headers });
      if (pdf.status !== 200) throw new Error(`dossier.pdf -> ${pdf.status}`);
      const dir = path.join(LOG_DIR, '..', 'dossiers');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${ack.ticketNumber}.json`), JSON.stringify(dossier, null, 2));
      fs.writeFileSync(path.join(dir, `${ack.ticketNumber}.pdf`), Buffer.from(await pdf.arrayBuffer()));
      say(`dossier of ${ack.ticketNumber} (sealed hash ${String(dossier.sealed?.dossierHash).slice(0, 16)}...) exported to ${path.relative(process.cwd(), dir)}/${ack.ticketNumber}.json and .pdf`);
    }
    // The day's statistics in JR/T 0169 codes and in the FCA return's shape, as sent to a regulator.
    {
      const headers = { ...(await bearer('compliance-officer')), 'x-retrieval-purpose': 'regulator-request', 'x-retrieval-reference': 'DEMO-STATS' };
      const period = `from=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;
      const dir = path.join(LOG_DIR, '..', 'reports');
      fs.mkdirSync(dir, { recursive: true });
      for (const report of ['jrt0169', 'uk-return']) {
        const xlsx = await fetch(url('compliance-archive', `/v1/archive/statistics?${period}&report=${report}&format=xlsx`), { headers });
        if (xlsx.status !== 200) throw new Error(`statistics ${report} -> ${xlsx.status}`);
        fs.writeFileSync(path.join(dir, `${report}.xlsx`), Buffer.from(await xlsx.arrayBuffer()));
      }
      const jrt = await http('GET', url('compliance-archive', `/v1/archive/statistics?${period}&report=jrt0169&format=json`), undefined, headers);
      const byB = jrt.tables.find((t) => t.sheet === 'B').rows.filter((r) => r.complaints > 0).map((r) => `${r.code} ${r.label} ${r.complaints}`);
      say(`JR/T 0169 statistics for the last day, by business type: ${byB.join(', ')}`);
      say(`  written as XLSX to ${path.relative(process.cwd(), dir)}/jrt0169.xlsx and uk-return.xlsx`);
    }
    // Cut a checkpoint now rather than wait for the schedule, as an officer would before a hand-over.
    await http('POST', url('compliance-archive', '/v1/archive/checkpoints'), {}, await bearer('compliance-officer'));
    const checkpoints = await http('GET', url('compliance-archive', '/v1/archive/checkpoints'), undefined, await bearer('compliance-officer'));
    say(`signed checkpoints: ${checkpoints.enabled ? `${checkpoints.checkpoints.length}, key ${checkpoints.publicKeys.map((k) => k.keyId).join(', ')}` : 'disabled (no ARCHIVE_SIGNING_KEY)'}`);
    const pii = await personalDataCheck(logOffsets);
    say(
      `personal data check: ${pii.values} names, phone, e-mail, ID numbers and addresses from the samples looked for in ` +
        `${pii.logBytes} bytes of this run's service logs and ${pii.records} records on ${pii.topics} topics: ` +
        (pii.found.length ? `FOUND in ${pii.found.join(', ')}` : 'found in none'),
    );
    if (pii.found.length) throw new Error('personal data leaked into logs or Kafka');
  } catch (error) {
    console.error(`[platform] demo failed: ${error.message}`);
    await stopAll(1);
    return;
  }
  if (once) return stopAll(0);
  console.log('');
  for (const { name } of SERVICES) say(`${name.padEnd(19)} http://127.0.0.1:${portOf(name)}  (OpenAPI: /docs)`);
  say(`${CONSOLE.name.padEnd(19)} http://127.0.0.1:${portOf(CONSOLE.name)}  (web console: sign in with the development login, pick a role)`);
  say('every API needs a token: `npm run token -- investigator` prints one (see README, Security)');
  say('the platform keeps running; press Ctrl-C to stop everything');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
