import { MigrationInterface, QueryRunner } from 'typeorm';
import { migrationCipher } from '@complaints/platform';
import { openOfficerWords, sealOfficerWords } from '../triage/sealed-triage-text';

const BATCH = 500;

/**
 * An officer line of a decision's reasons (`sealed-triage-text.ts`): every one is read, and
 * `sealOfficerWords` keeps those already sealed, by the whole shape of a sealed value (words that
 * only start like one, "v2:C07", are sealed like any others).
 */
const OFFICER_LINE_SQL = `r ~ '^(decided|re-triaged) by triage officer \\S+: '`;
/** An officer line whose words are sealed. */
const SEALED_OFFICER_LINE = `r ~ '^(decided|re-triaged) by triage officer \\S+: v[12]:[A-Za-z0-9_:+/=-]+$'`;

/** Moves a revision's reason between `reason` and `reason_sealed` a batch at a time in id order, sealing or opening it on the way. */
async function moveRevisionReasons(q: QueryRunner, direction: 'seal' | 'open', convert: (text: string) => string): Promise<void> {
  const [from, to] = direction === 'seal' ? ['reason', 'reason_sealed'] : ['reason_sealed', 'reason'];
  const pending = direction === 'seal' ? `reason <> '' AND reason_sealed IS NULL` : `reason_sealed IS NOT NULL`;
  let after: string | null = null;
  for (;;) {
    const rows: { id: string; text: string }[] = await q.query(
      `SELECT id::text AS id, ${from} AS text FROM triage_revisions WHERE ${pending}${after === null ? '' : ' AND id > $2'} ORDER BY id LIMIT $1`,
      after === null ? [BATCH] : [BATCH, after],
    );
    if (!rows.length) return;
    // The clear column is left empty, not null: a replica of the earlier version reads it (TriageRevisionRecord).
    await q.query(
      `UPDATE triage_revisions AS t SET ${to} = u.text, ${from} = ${direction === 'seal' ? `''` : 'NULL'} FROM unnest($1::uuid[], $2::text[]) AS u(id, text) WHERE t.id = u.id`,
      [rows.map((r) => r.id), rows.map((r) => convert(r.text))],
    );
    after = rows[rows.length - 1].id;
  }
}

/** Rewrites the reasons of every decision with an officer line matching `which`, a batch at a time in complaint order. */
async function rewriteDecisionReasons(q: QueryRunner, which: string, rewrite: (reasons: string[]) => string[]): Promise<void> {
  let after: string | null = null;
  for (;;) {
    const rows: { id: string; reasons: string[] }[] = await q.query(
      `SELECT complaint_id::text AS id, reasons FROM triage_decisions
        WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text(reasons) AS r WHERE ${which})${after === null ? '' : ' AND complaint_id > $2'}
        ORDER BY complaint_id LIMIT $1`,
      after === null ? [BATCH] : [BATCH, after],
    );
    if (!rows.length) return;
    await q.query(`UPDATE triage_decisions AS d SET reasons = u.reasons FROM unnest($1::uuid[], $2::jsonb[]) AS u(id, reasons) WHERE d.complaint_id = u.id`, [
      rows.map((r) => r.id),
      rows.map((r) => JSON.stringify(rewrite(r.reasons))),
    ]);
    after = rows[rows.length - 1].id;
  }
}

/**
 * What triage officers write quotes the customer: "客户王建国来电称卡号 6222… 被扣费". A mask finds
 * the numbers but not the name. Their reasons are written sealed from now on, with the platform's
 * PII keys, and what is stored is sealed here: a revision's reason into `reason_sealed` (the clear
 * column kept, empty), and the words in the officer's line of a decision's reasons
 * (`decided|re-triaged by triage officer <id>: <words>`, the words replaced by their sealed value).
 * Needs the service's `PII_KEYS` where there is text to seal (the migration Job included); a new
 * database migrates without them.
 *
 * A replica still on the earlier version while the release rolls out needs no trigger: it only
 * inserts revisions (in clear, with no sealed twin: the CHECK holds, the service reads either), and
 * it rewrites a decision's reasons whole from what it read, sealed lines kept as they were and its
 * own line in clear, which the service reads as it is and seals on its next write of the decision.
 * It shows sealed words as they rest (no personal data) in its own API until it is replaced.
 */
export class TriageSealedOfficerText1796930000000 implements MigrationInterface {
  name = 'TriageSealedOfficerText1796930000000';

  async up(q: QueryRunner): Promise<void> {
    // One reason: in clear and not blank (as before), or sealed with the clear column left empty.
    await q.query(`
      ALTER TABLE triage_revisions
        ADD COLUMN reason_sealed text,
        DROP CONSTRAINT triage_revisions_reason_check,
        ADD CONSTRAINT triage_revisions_one_reason CHECK (CASE WHEN reason_sealed IS NULL THEN length(trim(reason)) > 0 ELSE reason = '' END)`);
    const cipher = migrationCipher('triage', "triage officers' reasons", 'seal');
    await moveRevisionReasons(q, 'seal', (text) => cipher().encrypt(text));
    await rewriteDecisionReasons(q, OFFICER_LINE_SQL, (reasons) => sealOfficerWords(reasons, cipher(), 'keep'));
  }

  async down(q: QueryRunner): Promise<void> {
    // The earlier version reads only clear text: it goes back there rather than be lost.
    const cipher = migrationCipher('triage', "triage officers' reasons", 'open');
    await rewriteDecisionReasons(q, SEALED_OFFICER_LINE, (reasons) => openOfficerWords(reasons, cipher()));
    await moveRevisionReasons(q, 'open', (sealed) => cipher().decrypt(sealed));
    await q.query(`ALTER TABLE triage_revisions DROP CONSTRAINT triage_revisions_one_reason, DROP COLUMN reason_sealed, ADD CONSTRAINT triage_revisions_reason_check CHECK (length(trim(reason)) > 0)`);
  }
}
