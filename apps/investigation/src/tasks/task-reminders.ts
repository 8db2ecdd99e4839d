import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
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
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private readonly intervalMs = Number(process.env.TASK_CHECK_INTERVAL_MS ?? 60_000);

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: OutboxPublisher,
    @Inject(INVESTIGATION_POLICY) private readonly policy: InvestigationPolicy,
  ) {}

  onApplicationBootstrap(): void {
    if (!(this.intervalMs > 0)) {
      this.logger.warn('TASK_CHECK_INTERVAL_MS is not positive: department tasks get no reminders');
      return;
    }
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Sends what is due; returns how many reminders went out. Never overlaps itself. */
  tick(now: Date = new Date()): Promise<number> {
    this.running ??= this.remind(now)
      .catch((e) => {
        this.logger.error(`task reminders failed: ${(e as Error).message}`);
        return 0;
      })
      .finally(() => (this.running = null));
    return this.running;
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
