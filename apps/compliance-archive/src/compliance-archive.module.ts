import { Module } from '@nestjs/common';
import { ComplianceArchive } from './archive/archive.controller';
import { CheckpointScheduler } from './checkpoints/checkpoint-scheduler';
import { ArchiveCheckpoints } from './checkpoints/checkpoints.controller';
import { CheckpointsService } from './checkpoints/checkpoints.service';
import { ArchiveRetention } from './retention/retention.controller';
import { RetentionService } from './retention/retention.service';
import { SubjectKeys } from './retention/subject-keys';
import { ArchiveSearch } from './search/search.controller';
import { ArchiveStatistics } from './statistics/statistics.controller';

@Module({ controllers: [ComplianceArchive, ArchiveCheckpoints, ArchiveRetention, ArchiveSearch, ArchiveStatistics], providers: [CheckpointsService, CheckpointScheduler, RetentionService, SubjectKeys] })
export class ComplianceArchiveModule {}
