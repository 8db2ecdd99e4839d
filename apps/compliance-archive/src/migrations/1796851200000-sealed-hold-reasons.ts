import { MigrationInterface, QueryRunner } from 'typeorm';
import { isSealedField, SEALED_HOLD_REASON, SEALED_HOLD_RELEASE_REASON, SealedField } from '../retention/sealed-fields';
import { SubjectKeyring } from '../retention/subject-cipher';
import { SubjectKeyStore } from '../retention/subject-keys';

/** What a sealed value and an erasure date look like: anything else in their place could be text. */
const SEALED = '^v1:[A-Za-z0-9_-]{1,32}:[A-Za-z0-9_-]+$';
const ERASED_AT = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?Z$';

/** A CHECK that a column holds a sealed field ({"sealed":"v1:…"} or {"erased":"<instant>"}) and nothing else, whoever writes. */
const sealedForm = (column: string) => `
  CASE WHEN jsonb_typeof(${column}) = 'object'
       THEN (${column} - 'sealed' = '{}'::jsonb AND ${column} ->> 'sealed' ~ '${SEALED}')
         OR (${column} - 'erased' = '{}'::jsonb AND ${column} ->> 'erased' ~ '${ERASED_AT}')
       ELSE false END`;

/** archive_legal_holds_guard as ArchiveRetention1764633800000 made it: its rules do not change. */
const GUARD = `
  CREATE OR REPLACE FUNCTION archive_legal_holds_guard() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP <> 'UPDATE' THEN
      RAISE EXCEPTION 'archive_legal_holds: % refused: a hold is released, never removed', TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.released_at IS NOT NULL THEN
      RAISE EXCEPTION 'archive_legal_holds: hold % is released already', OLD.id USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.complaint_id IS DISTINCT FROM OLD.complaint_id OR NEW.reason IS DISTINCT FROM OLD.reason
       OR NEW.reference IS DISTINCT FROM OLD.reference OR NEW.placed_at IS DISTINCT FROM OLD.placed_at OR NEW.placed_by IS DISTINCT FROM OLD.placed_by THEN
      RAISE EXCEPTION 'archive_legal_holds: only the release can be added to a hold' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END $$`;

/** A value already sealed (a schema taken down and up again keeps the sealed form as text): kept as it is. */
function alreadySealed(text: string): SealedField | null {
  try {
    const value: unknown = JSON.parse(text);
    if (!isSealedField(value)) return null;
    return new RegExp('sealed' in value ? SEALED : ERASED_AT).test('sealed' in value ? value.sealed : value.erased) ? value : null;
  } catch {
    return null;
  }
}

/**
 * A legal hold's reasons were kept in clear, so they outlived the customer's erasure although the
 * chain's copy of them was sealed (docs/archive.md, "Legal hold"). They are now stored sealed under
 * the complaint's subject key (sealed-fields.ts, SEALED_HOLD_REASON), and this seals the ones
 * stored so far: under the key the complaint's events are sealed under, or as erased if that key
 * is destroyed already (a customer purged before this release).
 *
 * Sealing needs the master keys, ARCHIVE_SUBJECT_KEYS, which the service is given anyway (it does
 * not start without them). They are read only when a reason is in clear, so a new database
 * migrates without them (`npm run db:migrate`); with reasons in clear and without the keys the
 * migration fails and changes nothing, rather than leave the reasons as they are.
 *
 * The reasons are sealed while the columns are still text, then the columns become jsonb: that
 * rewrites the table, so the rows as they were, with the clear text, are not left behind in it.
 */
export class ArchiveSealedHoldReasons1796851200000 implements MigrationInterface {
  name = 'ArchiveSealedHoldReasons1796851200000';

  async up(q: QueryRunner): Promise<void> {
    // A sealed reason is longer than the 500 characters checked so far; the API still checks the text.
    await q.query(`ALTER TABLE archive_legal_holds DROP CONSTRAINT IF EXISTS archive_legal_holds_reason_check, DROP CONSTRAINT IF EXISTS archive_legal_holds_release_reason_check`);
    const holds: { id: string; complaint_id: string; reason: string; release_reason: string | null }[] = await q.query(
      `SELECT id::text, complaint_id::text, reason, release_reason FROM archive_legal_holds ORDER BY placed_at, id`,
    );
    const inClear = holds.filter((h) => !alreadySealed(h.reason) || (h.release_reason !== null && !alreadySealed(h.release_reason)));
    if (inClear.length) {
      let keyring: SubjectKeyring;
      try {
        keyring = SubjectKeyring.fromEnv();
      } catch (e) {
        throw new Error(`${this.name}: ${inClear.length} legal hold(s) keep their reasons in clear and need ARCHIVE_SUBJECT_KEYS to be sealed (${(e as Error).message})`);
      }
      const keys = new SubjectKeyStore(keyring);
      const seal = async (hold: (typeof holds)[number], path: string, text: string) =>
        JSON.stringify(alreadySealed(text) ?? (await keys.sealText(q.manager, hold.complaint_id, hold.id, path, text)));
      // The guard refuses any change to a hold but its release, the owner's too; only this rewrite may change one.
      await q.query(`ALTER TABLE archive_legal_holds DISABLE TRIGGER archive_legal_holds_guard`);
      for (const hold of inClear) {
        await q.query(`UPDATE archive_legal_holds SET reason = $2, release_reason = $3 WHERE id = $1`, [
          hold.id,
          await seal(hold, SEALED_HOLD_REASON, hold.reason),
          hold.release_reason === null ? null : await seal(hold, SEALED_HOLD_RELEASE_REASON, hold.release_reason),
        ]);
      }
      await q.query(`ALTER TABLE archive_legal_holds ENABLE TRIGGER archive_legal_holds_guard`);
    }
    await q.query(`
      ALTER TABLE archive_legal_holds
        ALTER COLUMN reason TYPE jsonb USING reason::jsonb,
        ALTER COLUMN release_reason TYPE jsonb USING release_reason::jsonb`);
    // The guard as it was, made again: a session that ran it before keeps it compiled for text
    // columns and would fail on the next release of a hold, until the function itself changes.
    await q.query(GUARD);
    // Clear text cannot be written again, by the service or by hand.
    await q.query(`
      ALTER TABLE archive_legal_holds
        ADD CONSTRAINT archive_legal_holds_reason_sealed CHECK (${sealedForm('reason')}),
        ADD CONSTRAINT archive_legal_holds_release_reason_sealed CHECK (release_reason IS NULL OR ${sealedForm('release_reason')})`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The keys live with the service, and an erased reason has no text to go back to: the columns
    // become text again holding the sealed form, which an earlier release shows as it is and the
    // next up keeps. The length checks stay off: the sealed form is longer than 500 characters.
    await q.query(`ALTER TABLE archive_legal_holds DROP CONSTRAINT archive_legal_holds_reason_sealed, DROP CONSTRAINT archive_legal_holds_release_reason_sealed`);
    await q.query(`
      ALTER TABLE archive_legal_holds
        ALTER COLUMN reason TYPE text USING reason::text,
        ALTER COLUMN release_reason TYPE text USING release_reason::text`);
    await q.query(GUARD);
  }
}
