import { Module } from '@nestjs/common';
import { FieldCipher } from '@complaints/platform';
import { CaseActionsController } from './cases/case-actions.controller';
import { CaseWorkflow } from './cases/case-workflow';
import { CasesController } from './cases/cases.controller';
import { sealCaseTextWith } from './cases/sealed-case-text';
import { INVESTIGATION_POLICY, InvestigationPolicy } from './cases/investigation-policy';
import { EvidenceController } from './evidence/evidence.controller';
import { EVIDENCE_STORE } from './evidence/storage/evidence-store';
import { evidenceStoreFromEnvironment } from './evidence/storage/evidence-store.factory';
import { ImprovementActionsController } from './improvements/improvement-actions.controller';
import { CaseJournalController } from './journal/case-journal.controller';
import { FIELD_CIPHER } from './journal/field-cipher.token';
import { InvestigatorsController } from './staff/investigators.controller';
import { CaseTasksController } from './tasks/case-tasks.controller';
import { TaskReminders } from './tasks/task-reminders';

@Module({
  controllers: [CasesController, CaseActionsController, CaseTasksController, EvidenceController, CaseJournalController, ImprovementActionsController, InvestigatorsController],
  providers: [
    { provide: INVESTIGATION_POLICY, useFactory: () => InvestigationPolicy.fromEnvironment() },
    { provide: FIELD_CIPHER, useFactory: () => sealCaseTextWith(FieldCipher.fromEnv()) },
    { provide: EVIDENCE_STORE, useFactory: () => evidenceStoreFromEnvironment() },
    CaseWorkflow,
    TaskReminders,
  ],
})
export class InvestigationModule {}
