import { TOPICS } from '@complaints/contracts';
import { runService } from '@complaints/platform';
import { CaseRecord } from './cases/case.entity';
import { InvestigationModule } from './investigation.module';
import { investigationMigrations } from './migrations';

export const investigationService = {
  name: 'investigation' as const,
  title: 'Investigation',
  description: 'The case: assignment without conflicts of interest, department tasks, evidence, findings, approvals, the issued response, reviews and improvement actions',
  module: InvestigationModule,
  entities: [CaseRecord],
  migrations: investigationMigrations,
  consumes: [TOPICS.triage, TOPICS.intake, TOPICS.notification],
  handlersStayInTheDatabase: true,
  // Recordings and CCTV stills are larger than any JSON body; they stream to the evidence store.
  uploads: [{ path: '/v1/cases/:caseId/evidence/files', limit: process.env.EVIDENCE_UPLOAD_LIMIT ?? '50mb' }],
};

if (require.main === module) runService(investigationService);
