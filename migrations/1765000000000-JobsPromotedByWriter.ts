// SPDX-License-Identifier: Apache-2.0
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The jobs trigger that fills client_id, status and event from the document stands aside for a
 * writer that computes them itself and says so for its statement (`freezer.promoted_by_writer` =
 * on, as for backups): the scheduler's write-back of a job, the most frequent write of all, for
 * which walking the document three times in PL/pgSQL cost PostgreSQL about 130 µs per job. Every
 * other writer leaves the setting unset and the trigger computes the columns.
 */
export class JobsPromotedByWriter1765000000000 implements MigrationInterface {
  name = 'JobsPromotedByWriter1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER jobs_promote ON jobs`);
    await q.query(`CREATE TRIGGER jobs_promote BEFORE INSERT OR UPDATE OF doc ON jobs
      FOR EACH ROW WHEN (current_setting('freezer.promoted_by_writer', true) IS DISTINCT FROM 'on')
      EXECUTE FUNCTION freezer_jobs_promote()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER jobs_promote ON jobs`);
    await q.query(`CREATE TRIGGER jobs_promote BEFORE INSERT OR UPDATE OF doc ON jobs
      FOR EACH ROW EXECUTE FUNCTION freezer_jobs_promote()`);
  }
}
