// SPDX-License-Identifier: Apache-2.0
// `npm run import -- --from <source>`: brings an original freezer-api database into this service's.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { FreezerLogger } from '../common/observability/freezer-logger.js';
import { validateEnv } from '../config/env.validation.js';
import { StartupRefusal } from '../config/startup-refusal.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../database/embedded-postgres.js';
import { prepareDatabase } from '../database/prepare-database.js';
import { buildTypeOrmOptions } from '../database/typeorm.options.js';
import { IMPORT_KINDS } from './import-kinds.js';
import { DEFAULT_BATCH_SIZE, importAll, readLiveIds } from './importer.js';
import { Progress } from './progress.js';
import { balanced, formatReconciliation } from './reconciliation.js';
import { RefusedLog } from './refused-log.js';
import { openSource } from './source/open-source.js';
import { connectionFromConfig, parseSourceLocation, SourceLocationError } from './source/source-location.js';
import { verifyAll } from './verify.js';

const USAGE = `usage: npm run import -- (--from <source> | --config <freezer-api.conf>) [options]

  <source>            mysql://user:pass@host[:port]/freezer, mariadb://..., the SQLAlchemy URL of
                      freezer-api.conf (mysql+pymysql://...?charset=utf8, sqlite:///path), or the
                      path of the original's SQLite file
  --config FILE       read the source from FILE's [database] connection
  --dry-run           read, decide and report; write nothing to the database
  --overwrite         replace documents changed through this service since the last import
  --verify            afterwards, read every document back through the service and compare
  --refused FILE      the refused rows with their reasons, JSON lines (default freezer-import-refused.jsonl)
  --only KINDS        comma list of clients,actions,sessions,jobs,backups (default all)
  --batch-size N      rows per transaction (default ${DEFAULT_BATCH_SIZE})

Writes into the database of DATABASE_URL, or the embedded one (FREEZER_DATA_DIR) when it is unset
and no running service holds it. Exit status: 0 when every row was taken, 1 when some were refused
(or --verify found differences), 2 when the import could not run.`;

class UsageError extends Error {}

function readOptions(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      config: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      overwrite: { type: 'boolean', default: false },
      verify: { type: 'boolean', default: false },
      refused: { type: 'string', default: 'freezer-import-refused.jsonl' },
      only: { type: 'string' },
      'batch-size': { type: 'string', default: String(DEFAULT_BATCH_SIZE) },

      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  if ((values.from === undefined) === (values.config === undefined)) throw new UsageError('give exactly one of --from and --config');
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new UsageError('--batch-size must be an integer from 1 to 100000');
  const names = values.only?.split(',').map((name) => name.trim()) ?? IMPORT_KINDS.map((kind) => kind.name);
  const kinds = IMPORT_KINDS.filter((kind) => names.includes(kind.name));
  const unknown = names.filter((name) => !IMPORT_KINDS.some((kind) => kind.name === name));
  if (unknown.length > 0) throw new UsageError(`--only: unknown kind ${unknown.join(', ')}`);
  const from = values.from ?? connectionFromConfig(values.config!);
  return { ...values, from, batchSize, kinds };
}

async function main(argv: string[]): Promise<number> {
  const options = readOptions(argv);
  if (options === null) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = validateEnv(process.env);
  Logger.overrideLogger(new FreezerLogger('text', 'warn'));
  const logger = new Logger('Import');
  const location = parseSourceLocation(options.from);
  const source = await openSource(location, (message) => process.stderr.write(`warning: ${message}\n`));
  let embedded: EmbeddedPostgres | undefined;
  let db: DataSource | undefined;
  const refused = new RefusedLog(resolve(options.refused));
  // stopped by a signal: the open batches roll back with their connections; the source is let go
  // (a SQLite source's lock with it), so that the next run can start at once
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`${signal}: import stopped; run it again to complete it\n`);
      void source.close().finally(() => process.exit(130));
    });
  }
  try {
    // PGlite runs one transaction at a time: one writer, a small pool, a few connections spare
    const poolSize = config.databaseUrl ? 10 : 3;
    if (!config.databaseUrl) {
      embedded = await startEmbeddedPostgres(config.dataDir, poolSize + 4);
      config.databaseUrl = embedded.url;
    }
    await prepareDatabase(config, config.databaseUrl, logger);
    // named apart from the API's connections in pg_stat_activity
    db = new DataSource(Object.assign(buildTypeOrmOptions({ poolSize, statementTimeoutMs: 0 }, config.databaseUrl), { applicationName: 'freezer-api-import' }));
    await db.initialize();
    const progress = new Progress();
    process.stderr.write(`Importing from ${source.description}${options['dry-run'] ? ' (dry run)' : ''}, scope ${config.scope}\n`);
    const tallies = await importAll(db, source, { ...options, dryRun: options['dry-run'], scope: config.scope, maxWriters: embedded ? 1 : 2 }, refused, progress);
    if (!options['dry-run']) {
      // statistics for the planner at once, so that searches over the new rows use the indexes
      await db.query(`ANALYZE ${[...options.kinds.map((kind) => kind.table), 'freezer_import_state'].join(', ')}`);
    }
    process.stdout.write(`${formatReconciliation(tallies, options['dry-run'])}\n`);
    for (const [kind, tally] of tallies) if (!balanced(tally)) throw new Error(`the reconciliation of ${kind} does not add up`);
    const refusedCount = [...tallies.values()].reduce((sum, tally) => sum + tally.refused, 0);
    if (refusedCount > 0) process.stdout.write(`Refused rows and their reasons: ${refused.path}\n`);
    let verified = true;
    if (options.verify) {
      const live = await readLiveIds(source);
      const { tallies: checks, mismatches } = await verifyAll(db, source, options.kinds, live, config.scope, progress);
      process.stdout.write('Verification (each document read back through the service, compared with its source row)\n');
      for (const [kind, check] of checks) {
        process.stdout.write(`${kind}: ${check.checked} checked, ${check.matching} matching, ${check.missing} missing, ${check.different} different, ${check.refused} refused by the import\n`);
        if (check.missing + check.different > 0) verified = false;
      }
      for (const mismatch of mismatches) process.stdout.write(`  ${mismatch.kind} ${mismatch.id} (user ${mismatch.userId}): ${mismatch.problem}\n`);
    }
    return refusedCount === 0 && verified ? 0 : 1;
  } finally {
    await refused.close();
    await source.close();
    await db?.destroy();
    await embedded?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const expected = error instanceof UsageError || error instanceof SourceLocationError || error instanceof StartupRefusal;
    process.stderr.write(`${expected ? '' : 'import failed: '}${(error as Error).message ?? String(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
    if (!expected && process.env.DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(2);
  },
);
