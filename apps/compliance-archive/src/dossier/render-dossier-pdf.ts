import { DateTime } from 'luxon';
import { Dossier, labelOf, LETTER_LABELS, money, OUTCOME_LABELS } from './compose-dossier';
import { openChinesePdf } from '@complaints/platform';

export const PDF_TIME_ZONE = 'Asia/Shanghai';

/** 2026-11-20 09:30:00 北京时间 (UTC+8) / 2026-11-20 01:30:00 UTC */
export function bothTimes(iso: string): { local: string; utc: string } {
  const t = DateTime.fromISO(iso, { setZone: true });
  if (!t.isValid) return { local: iso, utc: iso };
  return {
    local: `${t.setZone(PDF_TIME_ZONE).toFormat('yyyy-MM-dd HH:mm:ss')} 北京时间`,
    utc: `${t.toUTC().toFormat('yyyy-MM-dd HH:mm:ss')} UTC`,
  };
}

/** The first line of the document's Subject: the ticket and the first event's Chinese label. */
export function pdfSubject(dossier: Dossier): string {
  const first = dossier.timeline[0];
  return `投诉档案 Complaint dossier ${dossier.ticketNumber ?? dossier.complaintId}${first ? `: ${first.label.zh} ${first.label.en}` : ''}`;
}

const GREY = '#555555';

/**
 * The dossier as an A4 PDF with Noto Sans SC embedded: header (ticket, seal), the timeline with
 * Chinese and English labels and times in Beijing time and UTC, the decisions with their
 * explanations as stored, remedies, letters, staff actions, the entry hashes, and on every page
 * a footer with the page number and the dossier hash. Pure: it reads nothing but the dossier and the font.
 */
export function renderDossierPdf(dossier: Dossier, options: { compress?: boolean } = {}): Promise<Buffer> {
  const ticket = dossier.ticketNumber ?? dossier.complaintId;
  const { doc, finished: done } = openChinesePdf({
    size: 'A4',
    margins: { top: 56, bottom: 64, left: 56, right: 56 },
    bufferPages: true,
    compress: options.compress ?? true,
    info: {
      Title: `投诉档案 ${ticket}`,
      Subject: pdfSubject(dossier),
      Author: 'Compliance archive',
      Keywords: `${dossier.format} ${dossier.dossierHash}`,
    },
  });
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;

  const heading = (zh: string, en: string) => {
    doc.moveDown(0.8).font('bold').fontSize(13).fillColor('black').text(`${zh}  ${en}`);
    doc.moveTo(doc.page.margins.left, doc.y + 2).lineTo(doc.page.margins.left + width, doc.y + 2).lineWidth(0.5).strokeColor('#999999').stroke();
    doc.moveDown(0.4);
  };
  const line = (text: string, size = 10, color = 'black', font = 'body') => doc.font(font).fontSize(size).fillColor(color).text(text, { width });
  const field = (label: string, value: string) => {
    doc.font('bold').fontSize(10).fillColor('black').text(`${label}  `, { continued: true });
    doc.font('body').text(value);
  };

  // Header
  doc.font('bold').fontSize(18).text('投诉档案  Complaint dossier');
  doc.moveDown(0.3);
  field('投诉编号 Ticket', ticket);
  field('投诉 ID Complaint id', dossier.complaintId);
  if (dossier.sealed) {
    const at = bothTimes(dossier.sealed.sealedAt);
    field('封存 Sealed', `${at.local} / ${at.utc}, ${dossier.sealed.entries} entries up to seq ${dossier.sealed.lastEntrySeq}`);
    field('封存哈希 Seal hash', dossier.sealed.dossierHash);
  } else if (dossier.reopened) {
    const at = bothTimes(dossier.reopened.at);
    field('封存 Sealed', `重新处理中，尚未再次封存 reopened (${labelOf(dossier.reopened.type).en}, seq ${dossier.reopened.seq}, ${at.local} / ${at.utc}): not sealed again yet`);
  } else {
    field('封存 Sealed', '尚未封存 not sealed yet');
  }
  const notCovered = dossier.dossierHashCovers.notCovered;
  if (notCovered.length) {
    field('未纳入封存 NOT COVERED BY THE SEAL', notCovered.map((e) => `seq ${e.seq} ${labelOf(e.type).zh} ${labelOf(e.type).en}`).join('; '));
  }
  field('档案哈希 Dossier hash', `${dossier.dossierHash}${dossier.dossierHashCovers.matchesSeal === false ? '  (与封存不符 DOES NOT MATCH THE SEAL)' : ''}`);
  // The verdict says what it covers: the whole chain is GET /v1/archive/integrity's to check, not the dossier's.
  field(
    '完整性 Integrity',
    dossier.integrity.chainIntact
      ? `本投诉 ${dossier.integrity.entriesVerified} 条记录及其在哈希链中的前后链接校验通过 ${dossier.integrity.entriesVerified} entries of this complaint verified, ` +
          'each with its links to the entries before and after it in the hash chain (the whole chain: GET /v1/archive/integrity)'
      : `校验失败 FAILED: ${dossier.integrity.problems.map((p) => `seq ${p.seq}: ${p.problem}`).join('; ')}`,
  );
  const checkpoints = dossier.integrity.checkpoints;
  if (checkpoints) {
    const pending = checkpoints.notYetCovered.length ? `; not yet under one: seq ${checkpoints.notYetCovered.join(', ')}` : '';
    field('签名检查点 Signed checkpoints', `${checkpoints.entriesCovered} of ${dossier.integrity.entriesVerified} entries under a signed checkpoint that verifies${pending}`);
  }

  heading('时间线', 'Timeline');
  const outsideSeal = new Set(notCovered.map((e) => e.seq));
  for (const item of dossier.timeline) {
    const t = bothTimes(item.at);
    doc.font('bold').fontSize(10.5).fillColor('black').text(`${item.label.zh}  ${item.label.en}${outsideSeal.has(item.seq) ? '  (未纳入封存 not covered by the seal)' : ''}`, { width });
    line(`${t.local}  ·  ${t.utc}  ·  ${item.producer}  ·  seq ${item.seq}`, 8.5, GREY);
    line(item.summary, 9.5);
    doc.moveDown(0.35);
  }

  heading('处理决定', 'Decisions');
  if (!dossier.decisions.length) line('无 none');
  for (const d of dossier.decisions) {
    const t = bothTimes(d.at);
    const outcome = OUTCOME_LABELS[d.outcome] ?? { zh: d.outcome, en: d.outcome };
    doc.font('bold').fontSize(10.5).fillColor('black').text(`${outcome.zh}  ${outcome.en}`, { width });
    line(`${t.local}  ·  ${t.utc}  ·  决定人 decided by ${d.decidedBy}  ·  case ${d.caseId}`, 8.5, GREY);
    line(`说明 Explanation: ${d.explanation}`, 10);
    line(d.remedy ? `补偿 Remedy: ${d.remedy.type} ${money(d.remedy.amount)}` : '补偿 Remedy: 无 none', 10);
    doc.moveDown(0.35);
  }

  heading('补偿方案', 'Remedies');
  if (!dossier.remedies.length) line('无 none');
  for (const r of dossier.remedies) {
    const t = bothTimes(r.at);
    line(`${r.type} ${money(r.amount)}  ·  ${t.local}  ·  ${t.utc}  ·  remedy ${r.remedyId}`, 9.5);
  }

  heading('函件', 'Letters');
  if (!dossier.letters.length) line('无 none');
  for (const l of dossier.letters) {
    const t = bothTimes(l.at);
    const kind = LETTER_LABELS[l.kind] ?? { zh: l.kind, en: l.kind };
    line(`${kind.zh} ${kind.en}  ·  ${l.channel}  ·  ${l.template} (${l.language})  ·  ${t.local}  ·  ${t.utc}`, 9.5);
  }

  heading('员工操作', 'Staff actions');
  if (!dossier.staffActions.length) line('无 none');
  for (const s of dossier.staffActions) {
    const t = bothTimes(s.at);
    const detail = Object.entries(s.detail).map(([k, v]) => `${k}=${v}`).join(', ');
    line(`${t.local}  ·  ${t.utc}  ·  ${s.action} by ${s.actor} (${s.roles.join(', ')}) ${s.outcome}${detail ? `  [${detail}]` : ''}`, 9);
  }

  heading('证据', 'Evidence (entry hashes)');
  line(`附件 attachments: ${dossier.evidence.attachments}`, 9.5);
  for (const e of dossier.evidence.entries) {
    line(`seq ${e.seq}  ${e.type}${e.attachments ? ` (${e.attachments} attachments)` : ''}`, 8.5, GREY);
    doc.font('body').fontSize(8).fillColor('black').text(e.entryHash, { width });
  }

  // Footer on every page, written once the page count is known.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const n = i - range.start + 1;
    doc.font('body').fontSize(8).fillColor(GREY);
    doc.text(`第 ${n} 页 / 共 ${range.count} 页 · Page ${n} of ${range.count} · ${ticket}`, doc.page.margins.left, doc.page.height - 46, { width, align: 'center', lineBreak: false });
    doc.text(`dossier hash ${dossier.dossierHash}`, doc.page.margins.left, doc.page.height - 34, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
