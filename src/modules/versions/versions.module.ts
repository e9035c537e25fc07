// SPDX-License-Identifier: Apache-2.0
import { Module } from '@nestjs/common';
import { VersionsController } from './versions.controller.js';

@Module({ controllers: [VersionsController] })
export class VersionsModule {}
