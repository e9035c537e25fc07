// SPDX-License-Identifier: Apache-2.0
import type { DataSource } from 'typeorm';

// The pg.Pool behind TypeORM's postgres driver (its `master`; absent until the data source has
// connected). The one place that reaches past TypeORM's API, for the pool's counts (/metrics) and
// for named statements.
export function pgPoolOf<T>(dataSource: DataSource): T | undefined {
  return (dataSource.driver as unknown as { master?: T }).master;
}
