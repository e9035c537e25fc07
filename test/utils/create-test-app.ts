// SPDX-License-Identifier: Apache-2.0
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/app.setup.js';
import { validateEnv } from '../../src/config/env.validation.js';
import { isEmbeddedDatabase, testDatabaseUrl } from './test-database.js';

// The application exactly as main.ts builds it, on the test database. `env` adds or overrides
// settings the way an operator's environment would.
export async function createTestApp(env: Record<string, string> = {}): Promise<NestExpressApplication> {
  // an embedded database serving the run shares one backend between connections (see serve.ts)
  const prepared = isEmbeddedDatabase() ? { DB_PREPARED_STATEMENTS: 'false' } : {};
  const config = validateEnv({ LOG_LEVEL: 'error', DATABASE_URL: testDatabaseUrl(), DB_POOL_SIZE: '4', ...prepared, ...env });
  const app = await createApp(config);
  await app.init();
  return app;
}
