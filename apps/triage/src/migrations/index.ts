import { TriageClassificationAndClock1764633600000 } from './1764633600000-classification-and-clock';
import { TriageRegulatorDeadline1796666400000 } from './1796666400000-regulator-deadline';
import { TriageWatchAndIncidentClosing1796752800000 } from './1796752800000-watch-and-incident-closing';
import { TriageSealedOfficerText1796930000000 } from './1796930000000-sealed-officer-text';
import { TriageRegulatorDeadlineChangedAt1797110000000 } from './1797110000000-regulator-deadline-changed-at';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTriageDecisions1763885000000 implements MigrationInterface {
  name = 'CreateTriageDecisions1763885000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE triage_decisions (
        complaint_id     uuid PRIMARY KEY,
        ticket_number    text NOT NULL,
        category         text NOT NULL,
        severity         text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
        department       text NOT NULL,
        routing_rule     text NOT NULL,
        reasons          jsonb NOT NULL,
        regime           text NOT NULL,
        clock_started_at timestamptz NOT NULL,
        response_due_by  timestamptz NOT NULL,
        decided_at       timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX triage_decisions_department ON triage_decisions (department, response_due_by)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE triage_decisions`);
  }
}

export { TriageSealedOfficerText1796930000000 };

export const triageMigrations = [CreateTriageDecisions1763885000000, TriageClassificationAndClock1764633600000, TriageRegulatorDeadline1796666400000, TriageWatchAndIncidentClosing1796752800000, TriageSealedOfficerText1796930000000, TriageRegulatorDeadlineChangedAt1797110000000];
