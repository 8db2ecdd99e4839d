import { MigrationInterface, QueryRunner } from 'typeorm';

/** How the complaint came in: branch and staff, recording, the bot's intent, the regulator's receipt. */
export class ChannelContext1763971700000 implements MigrationInterface {
  name = 'ChannelContext1763971700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE complaints ADD COLUMN channel_context jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE complaints DROP COLUMN channel_context`);
  }
}
