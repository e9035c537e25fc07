// SPDX-License-Identifier: Apache-2.0
import { Inject } from '@nestjs/common';

// DI token for the validated AppConfig (see env.validation.ts).
export const APP_CONFIG = Symbol('APP_CONFIG');

export const InjectConfig = (): ParameterDecorator => Inject(APP_CONFIG);
