import { EntityManager } from 'typeorm';
import { Events } from '@complaints/contracts';
import { ProblemException } from '@complaints/platform';

/**
 * Whether the archive holds an event of the complaint's own. Staff actions do not count: reading
 * a record or placing a hold puts one on the complaint's record, so counting them would let a
 * look-up of an id nobody ever filed turn that id into a complaint.
 */
export async function holdsRecordOf(manager: EntityManager, complaintId: string): Promise<boolean> {
  const found: unknown[] = await manager.query(`SELECT 1 FROM archive_entries WHERE complaint_id = $1 AND event_type <> $2 LIMIT 1`, [
    complaintId,
    Events.StaffActionRecorded.type,
  ]);
  return found.length > 0;
}

export const noRecordOf = () =>
  new ProblemException({ type: 'https://complaints.example/problems/not-found', title: 'Not found', status: 404, detail: 'the archive holds no record of this complaint' });
