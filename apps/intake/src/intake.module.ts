import path from 'node:path';
import { Module } from '@nestjs/common';
import { RegimeId } from '@complaints/domain';
import { deadlineRegimesFromEnv, FieldCipher } from '@complaints/platform';
import { ComplaintIntake } from './complaints/complaint-intake.service';
import { CustomerSelfService } from './complaints/customer-self-service';
import { IdentityProofHousekeeping } from './complaints/identity-proof-housekeeping';
import { ComplaintsController } from './complaints/complaints.controller';
import { StaffComplaintsController } from './complaints/staff-complaints.controller';
import { ChannelInboundController } from './complaints/channel-inbound.controller';
import { StatusTracker } from './complaints/status-tracker.controller';
import { RegulatorDeadlines } from './complaints/regulator-deadline';
import { FIELD_CIPHER, INTAKE_REGIME } from './complaints/tokens';
import { ATTACHMENT_STORE, FileSystemAttachmentStore } from './attachments/attachment-store';
import { CHANNEL_ADAPTERS, channelAdaptersFromEnv } from './complaints/channel-adapters';

@Module({
  controllers: [ComplaintsController, ChannelInboundController, StaffComplaintsController, StatusTracker],
  providers: [
    ComplaintIntake,
    CustomerSelfService,
    IdentityProofHousekeeping,
    RegulatorDeadlines,
    { provide: CHANNEL_ADAPTERS, useFactory: () => channelAdaptersFromEnv() },
    {
      provide: ATTACHMENT_STORE,
      useFactory: () => new FileSystemAttachmentStore(process.env.ATTACHMENT_STORE_DIR ?? path.resolve('.data', 'attachments')),
    },
    { provide: FIELD_CIPHER, useFactory: () => FieldCipher.fromEnv() },
    {
      provide: INTAKE_REGIME,
      useFactory: () => {
        const id = (process.env.COMPLAINT_REGIME ?? 'cn-cbirc') as RegimeId;
        const regimes = deadlineRegimesFromEnv();
        const regime = regimes[id];
        if (!regime) throw new Error(`COMPLAINT_REGIME must be one of ${Object.keys(regimes).join(', ')}`);
        return regime;
      },
    },
  ],
})
export class IntakeModule {}
