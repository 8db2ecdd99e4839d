import { Module } from '@nestjs/common';
import { ComplianceArchive } from './archive/archive.controller';

@Module({ controllers: [ComplianceArchive] })
export class ComplianceArchiveModule {}
