import { Module } from '@nestjs/common';
import { COMPENSATION_POLICY, compensationPolicyFromEnv } from './compensation-policy';
import { ReconciliationController } from './ledger/reconciliation.controller';
import { CORE_BANKING, coreBankingFromEnv } from './payouts/core-banking';
import { PayoutDesk } from './payouts/payout-desk';
import { RemediesController } from './remedies/remedies.controller';
import { RemedyDesk } from './remedies/remedy-desk';

@Module({
  controllers: [RemediesController, ReconciliationController],
  providers: [
    { provide: COMPENSATION_POLICY, useFactory: () => compensationPolicyFromEnv() },
    { provide: CORE_BANKING, useFactory: () => coreBankingFromEnv() },
    RemedyDesk,
    PayoutDesk,
  ],
})
export class CompensationModule {}
