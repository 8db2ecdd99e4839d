import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Events } from '@complaints/contracts';
import { assessSpike, spikeContinues } from '@complaints/domain';
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
 * while such complaints keep coming at a spike's rate, so the department fixes one cause instead of
 * answering each; once the rate falls back the incident closes and later complaints stand alone.
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
    // with every complaint of a long incident, under the lock every such arrival waits for. One
    // closed after this complaint was received was still open when it came, so it may join.
    const open = await ctx.manager
      .createQueryBuilder(SystemicIncidentRecord, 'i')
      .select(['i.id', 'i.windowEnd', 'i.baselineMean'])
      .where('i.taxonomy = :taxonomy AND i.product = :product AND i.category = :category', codes)
      .andWhere('i.window_end >= :since', { since: windowStart })
      .andWhere('(i.closed_at IS NULL OR i.closed_at > :receivedAt)', { receivedAt: arrival.receivedAt })
      .orderBy('i.detected_at', 'DESC')
      .getOne();
    // No upper bound: complaints are triaged in parallel and not always in the order received, so
    // one received later may already be counted; the last of a burst to arrive sees all of it.
    const inWindowSql = `FROM triage_decisions WHERE taxonomy = $1 AND product = $2 AND category = $3 AND received_at > $4 AND complaint_id <> $5`;
    const inWindowArgs = [codes.taxonomy, codes.product, codes.category, windowStart, arrival.complaintId];
    if (open) {
      // It joins only while complaints of its kind still come at the rate that raised it.
      const [{ n }]: { n: number }[] = await ctx.manager.query(`SELECT count(*)::int AS n ${inWindowSql}`, inWindowArgs);
      const still = spikeContinues(n + 1, open.baselineMean, spikePolicy);
      if (still.spike) {
        if (open.windowEnd < arrival.receivedAt) {
          await ctx.manager.query(`UPDATE systemic_incidents SET window_end = $2 WHERE id = $1`, [open.id, arrival.receivedAt]);
        }
        return open;
      }
      // The rate fell back: the incident closes, and this complaint is judged afresh below.
      await ctx.manager.query(`UPDATE systemic_incidents SET closed_at = GREATEST(window_end, $2) WHERE id = $1 AND closed_at IS NULL`, [open.id, arrival.receivedAt]);
      this.logger.log(`systemic incident ${open.id} closed: ${still.reason}`);
    }

    const inWindow: { complaint_id: string; ticket_number: string; received_at: Date }[] = await ctx.manager.query(
      `SELECT complaint_id, ticket_number, received_at ${inWindowSql} ORDER BY received_at`,
      inWindowArgs,
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
