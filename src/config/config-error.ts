// SPDX-License-Identifier: Apache-2.0
import { StartupRefusal } from './startup-refusal.js';

// A setting the service cannot start with; the message names it.
export class ConfigError extends StartupRefusal {
  constructor(readonly setting: string, reason: string) {
    super(`Invalid configuration: ${setting} ${reason}`);
    this.name = 'ConfigError';
  }
}
