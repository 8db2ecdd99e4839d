import { Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { DateTime } from 'luxon';
import { calendarFor, RegimeId, uncoveredYears } from '@complaints/domain';
import { FieldCipher } from '@complaints/platform';
import { DeadlineWatch } from './deadlines/deadline-watch';
import { SystemicIncidents } from './incidents/systemic-incidents';
import { ComplaintTriage } from './triage/complaint-triage.controller';
import { FIELD_CIPHER, sealTriageTextWith } from './triage/sealed-triage-text';
import { TriageApi } from './triage/triage-api.controller';
import { TRIAGE_POLICY, TriagePolicy } from './triage/triage-policy';

@Module({
  controllers: [ComplaintTriage, TriageApi],
  providers: [
    { provide: TRIAGE_POLICY, useFactory: () => TriagePolicy.fromEnvironment() },
    // Triage officers' reasons rest sealed and travel sealed (complaint.retriaged@v2, staffReason of
    // deadline.clock-changed@v3). Triage makes no customer references, so it holds PII_KEYS only,
    // not the pseudonym key (as compensation and the archive).
    { provide: FIELD_CIPHER, useFactory: () => sealTriageTextWith(FieldCipher.fromEnv(process.env, { pseudonyms: false })) },
    SystemicIncidents,
    DeadlineWatch,
  ],
})
export class TriageModule implements OnApplicationBootstrap {
  /**
   * Holiday data comes from a package updated once the State Council publishes the next year's
   * schedule (usually in November); until then a deadline in that year counts weekends only.
   */
  onApplicationBootstrap(): void {
    const now = DateTime.utc();
    for (const id of ['cn-cbirc', 'uk-fca', 'us-cfpb'] as RegimeId[]) {
      const calendar = calendarFor(id);
      const missing = uncoveredYears(calendar, now, now.plus({ days: 90 }));
      if (missing.length) new Logger('DeadlineCalendars').warn(`${calendar.name} has no holiday data for ${missing.join(', ')}: deadlines there count weekends only until the calendar package is updated`);
    }
  }
}
