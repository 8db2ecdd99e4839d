import { Module } from '@nestjs/common';
import { CasesController } from './cases/cases.controller';

@Module({ controllers: [CasesController] })
export class InvestigationModule {}
