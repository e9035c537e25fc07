// SPDX-License-Identifier: Apache-2.0
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

// "Now" for liveness and the report: the database's clock, which every API process shares (as
// session hold-off does). Tests move it forward instead of waiting.
@Injectable()
export class StatusClock {
  private offsetS = 0;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  // epoch seconds, with fractions
  async now(): Promise<number> {
    const [row] = await this.db.query<Array<{ now: number }>>(`SELECT extract(epoch FROM now())::float8 AS now`);
    return row.now + this.offsetS;
  }

  advance(seconds: number): void {
    this.offsetS += seconds;
  }

  reset(): void {
    this.offsetS = 0;
  }
}
