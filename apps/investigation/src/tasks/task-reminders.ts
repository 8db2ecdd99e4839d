import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PeriodicWork } from '@complaints/platform';
import { Events } from '@complaints/contracts';
import { OutboxPublisher } from '@complaints/messaging';
import { INVESTIGATION_POLICY, InvestigationPolicy } from '../cases/investigation-policy';

const PER_BATCH = 200;

/**
 * Reminds a task's owner once when it is about to fall due and once when it is overdue. Rows are
 * claimed with SKIP LOCKED, so every replica may run the watch and no reminder goes out twice.
 */
@Injectable()
export class TaskReminders implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TaskReminders');
  private readonly work = new PeriodicWork<Date>(this.logger, 'task reminders', (now) => this.remind(now ?? new Date()));

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    @Inject(INVESTIGATION_POLICY) private readonly policy: InvestigationPolicy,
  ) {}

  onApplicationBootstrap(): void {
    this.work.start(Number(process.env.TASK_CHECK_INTERVAL_MS ?? 60_000), 'TASK_CHECK_INTERVAL_MS is not positive: department tasks get no reminders');
  }

  onModuleDestroy(): Promise<void> {
    return this.work.stop();
  }

  /** Sends what is due; returns how many reminders went out. Never overlaps itself. */
  tick(now?: Date): Promise<number> {
    return this.work.run(now);
  }

  private async remind(now: Date): Promise<number> {
    let sent = 0;
    for (const overdue of [false, true]) {
      for (;;) {
        const n = await this.dataSource.transaction(async (manager) => {
          const column = overdue ? 'overdue_notice_at' : 'reminded_at';
          const threshold = overdue ? now : new Date(now.getTime() + this.policy.taskReminderLeadMs);
          const due: { id: string; case_id: string; complaint_id: string; department: string; owner: string | null; due_by: Date }[] = await manager.query(
            `SELECT t.id, t.case_id, c.complaint_id, t.department, t.owner, t.due_by
               FROM case_tasks t JOIN cases c ON c.id = t.case_id
              WHERE t.status = 'open' AND t.${column} IS NULL AND t.due_by <= $1
              ORDER BY t.due_by LIMIT ${PER_BATCH} FOR UPDATE OF t SKIP LOCKED`,
            [threshold],
          );
          for (const t of due) {
            await this.publisher.publish(manager, Events.CaseTaskReminder, t.complaint_id, {
              caseId: t.case_id,
              taskId: t.id,
              department: t.department,
              owner: t.owner,
              dueBy: t.due_by.toISOString(),
              overdue,
            });
            // An overdue task also counts as reminded: nobody needs a "due soon" after "overdue".
            await manager.query(`UPDATE case_tasks SET ${column} = $2${overdue ? ', reminded_at = coalesce(reminded_at, $2)' : ''} WHERE id = $1`, [t.id, now]);
          }
          return due.length;
        });
        sent += n;
        if (n < PER_BATCH) break;
      }
    }
    return sent;
  }
}
