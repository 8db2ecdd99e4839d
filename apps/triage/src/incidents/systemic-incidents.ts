import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Events } from '@complaints/contracts';
import { assessSpike } from '@complaints/domain';
import { EventContext } from '@complaints/messaging';
import { SystemicIncidentRecord, TriageDecisionRecord } from '../triage/triage-decision.entity';
import { Label, TRIAGE_POLICY, TriagePolicy } from '../triage/triage-policy';

export interface Arrival {
  complaintId: string;
  ticketNumber: string;
  receivedAt: Date;
  product: Label;
  cause: Label;
}

/**
 * Spots a sudden rise of one product and cause above its recent baseline (seed 000: many customers'
 * cross-bank transfers stuck because a partner bank's interface failed) and keeps the incident open
 * while such complaints keep coming, so the department fixes one cause instead of answering each.
 */
@Injectable()
export class SystemicIncidents {
  private readonly logger = new Logger('SystemicIncidents');

  constructor(@Inject(TRIAGE_POLICY) private readonly policy: TriagePolicy) {}

  async recordArrival(ctx: EventContext, arrival: Arrival): Promise<SystemicIncidentRecord | null> {
    const { spikePolicy, taxonomy } = this.policy;
    const windowMs = spikePolicy.windowMinutes * 60_000;
    const windowStart = new Date(arrival.receivedAt.getTime() - windowMs);
    const codes = { taxonomy: taxonomy.id, product: arrival.product.code, category: arrival.cause.code };
    // One arrival at a time per product and cause, so two consumers cannot open two incidents.
    await ctx.lockFor(`systemic:${codes.taxonomy}:${codes.product}:${codes.category}`);

    // A later member joins through its decision's systemic_incident_id, which the caller sets. The
    // incident row only moves its window: appending to a list on it would rewrite a row that grows
    // with every complaint of a long incident, under the lock every such arrival waits for.
    const open = await ctx.manager
      .createQueryBuilder(SystemicIncidentRecord, 'i')
      .select(['i.id', 'i.windowEnd'])
      .where('i.taxonomy = :taxonomy AND i.product = :product AND i.category = :category', codes)
      .andWhere('i.window_end >= :since', { since: windowStart })
      .orderBy('i.detected_at', 'DESC')
      .getOne();
    if (open) {
      if (open.windowEnd < arrival.receivedAt) {
        await ctx.manager.query(`UPDATE systemic_incidents SET window_end = $2 WHERE id = $1`, [open.id, arrival.receivedAt]);
      }
      return open;
    }

    // No upper bound: complaints are triaged in parallel and not always in the order received, so
    // one received later may already be counted; the last of a burst to arrive sees all of it.
    const inWindow: { complaint_id: string; ticket_number: string; received_at: Date }[] = await ctx.manager.query(
      `SELECT complaint_id, ticket_number, received_at FROM triage_decisions
        WHERE taxonomy = $1 AND product = $2 AND category = $3 AND received_at > $4 AND complaint_id <> $5
        ORDER BY received_at`,
      [codes.taxonomy, codes.product, codes.category, windowStart, arrival.complaintId],
    );
    const baselineRows: { w: string; n: string }[] = await ctx.manager.query(
      `SELECT floor(extract(epoch FROM ($4::timestamptz - received_at)) * 1000 / $5)::int AS w, count(*) AS n
         FROM triage_decisions
        WHERE taxonomy = $1 AND product = $2 AND category = $3
          AND received_at <= $4 AND received_at > $4::timestamptz - ($5 * $6) * interval '1 millisecond'
        GROUP BY 1`,
      [codes.taxonomy, codes.product, codes.category, windowStart, windowMs, spikePolicy.baselineWindows],
    );
    const baseline = Array.from({ length: spikePolicy.baselineWindows }, (_, w) => Number(baselineRows.find((r) => Number(r.w) === w)?.n ?? 0));
    const spike = assessSpike(inWindow.length + 1, baseline, spikePolicy);
    if (!spike.spike) return null;

    const members = [...inWindow.map((r) => ({ complaintId: r.complaint_id, ticketNumber: r.ticket_number })), { complaintId: arrival.complaintId, ticketNumber: arrival.ticketNumber }];
    const incident = ctx.manager.create(SystemicIncidentRecord, {
      id: randomUUID(),
      ...codes,
      detectedAt: new Date(),
      windowStart,
      windowEnd: new Date(Math.max(arrival.receivedAt.getTime(), ...inWindow.map((r) => new Date(r.received_at).getTime()))),
      baselineMean: spike.baselineMean,
      reason: `${arrival.product.code} ${arrival.product.title} / ${arrival.cause.code} ${arrival.cause.title}: ${spike.reason}`,
      complaintIds: members.map((m) => m.complaintId),
    });
    await ctx.manager.insert(SystemicIncidentRecord, incident);
    await ctx.manager
      .createQueryBuilder()
      .update(TriageDecisionRecord)
      .set({ systemicIncidentId: incident.id })
      .where('complaint_id IN (:...ids)', { ids: members.map((m) => m.complaintId) })
      .execute();
    await ctx.publish(
      Events.SystemicIncidentDetected,
      {
        incidentId: incident.id,
        taxonomy: codes.taxonomy,
        product: arrival.product,
        cause: arrival.cause,
        windowStart: windowStart.toISOString(),
        windowEnd: incident.windowEnd.toISOString(),
        baselineMean: spike.baselineMean,
        reason: incident.reason,
        complaints: members.slice(0, 1000),
      },
      incident.id,
    );
    this.logger.warn(`systemic incident ${incident.id}: ${incident.reason}`);
    return incident;
  }
}
