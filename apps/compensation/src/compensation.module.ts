import { Module } from '@nestjs/common';
import { FieldCipher } from '@complaints/platform';
import { COMPENSATION_POLICY, compensationPolicyFromEnv } from './compensation-policy';
import { ReconciliationController } from './ledger/reconciliation.controller';
import { CORE_BANKING, coreBankingFromEnv } from './payouts/core-banking';
import { PayoutDesk } from './payouts/payout-desk';
import { RemediesController } from './remedies/remedies.controller';
import { RemedyDesk } from './remedies/remedy-desk';
import { FIELD_CIPHER, sealRemedyTextWith } from './remedies/sealed-remedy-text';

@Module({
  controllers: [RemediesController, ReconciliationController],
  providers: [
    { provide: COMPENSATION_POLICY, useFactory: () => compensationPolicyFromEnv() },
    { provide: CORE_BANKING, useFactory: () => coreBankingFromEnv() },
    // Staff reasons rest sealed and travel sealed (remedy.rejected/reversed/withdrawn@v2), and a
    // reopening's reason arrives sealed (case.reopened@v2). Compensation makes no customer
    // references, so it holds PII_KEYS only, not the pseudonym key (as the archive).
    { provide: FIELD_CIPHER, useFactory: () => sealRemedyTextWith(FieldCipher.fromEnv(process.env, { pseudonyms: false })) },
    RemedyDesk,
    PayoutDesk,
  ],
})
export class CompensationModule {}
