// SPDX-License-Identifier: Apache-2.0
import { Module } from '@nestjs/common';
import { StatisticsKeeper } from './statistics-keeper.js';

@Module({ providers: [StatisticsKeeper] })
export class StatisticsModule {}
