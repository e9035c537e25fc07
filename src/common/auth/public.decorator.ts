// SPDX-License-Identifier: Apache-2.0
import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'freezer:public';

// Routes that answer without an identity (D18): /, health checks.
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
