import { Module } from '@nestjs/common';
import { ComplianceArchive } from './archive/archive.controller';
import { CheckpointScheduler } from './checkpoints/checkpoint-scheduler';
import { ArchiveCheckpoints } from './checkpoints/checkpoints.controller';
import { CheckpointsService } from './checkpoints/checkpoints.service';

@Module({ controllers: [ComplianceArchive, ArchiveCheckpoints], providers: [CheckpointsService, CheckpointScheduler] })
export class ComplianceArchiveModule {}
