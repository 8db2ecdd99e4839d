import { Module } from '@nestjs/common';
import { RemediesController } from './remedies/remedies.controller';

@Module({ controllers: [RemediesController] })
export class CompensationModule {}
