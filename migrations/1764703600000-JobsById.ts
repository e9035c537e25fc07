// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An index on the job id alone. A job is otherwise found by its owner and id; a caller allowed to
 * read every project's jobs (GET .../jobs/{job_id}?all_projects=true) looks one up by id only.
 * Built concurrently, so that the API processes still running keep writing jobs meanwhile.
 */
export class JobsById1764703600000 implements MigrationInterface {
  name = 'JobsById1764703600000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    // an interrupted attempt leaves at most an invalid index: replace it
    await q.query(`DROP INDEX CONCURRENTLY IF EXISTS jobs_id`);
    await q.query(`CREATE INDEX CONCURRENTLY jobs_id ON jobs (id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX jobs_id`);
  }
}
