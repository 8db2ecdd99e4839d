import { Module } from '@nestjs/common';
import { ComplaintTriage } from './triage/complaint-triage.controller';

@Module({ controllers: [ComplaintTriage] })
export class TriageModule {}
