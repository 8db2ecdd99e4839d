import { MigrationInterface, QueryRunner } from 'typeorm';
import { FieldCipher } from '@complaints/platform';

/**
 * Customers write card numbers, phone numbers and names into their descriptions, so the text is
 * personal data and is sealed like the complainant. Existing rows are sealed in place.
 */
export class SealDescriptions1763971200000 implements MigrationInterface {
  name = 'SealDescriptions1763971200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE complaints ADD COLUMN description_sealed text`);
    const rows: { id: string; description: string }[] = await q.query(`SELECT id, description FROM complaints`);
    if (rows.length) {
      const cipher = FieldCipher.fromEnv();
      for (const row of rows) {
        await q.query(`UPDATE complaints SET description_sealed = $2 WHERE id = $1`, [row.id, cipher.encrypt(row.description)]);
      }
    }
    await q.query(`ALTER TABLE complaints ALTER COLUMN description_sealed SET NOT NULL`);
    await q.query(`ALTER TABLE complaints DROP COLUMN description`);
  }

  async down(): Promise<void> {
    throw new Error('descriptions stay sealed: unsealing them into plain text is not a supported migration');
  }
}
