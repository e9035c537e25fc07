// SPDX-License-Identifier: Apache-2.0
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { SourceRow } from './source/source-database.js';

// The refused rows, one JSON object a line: which row, why, and the row itself as it was read, so
// that nothing refused is lost and each can be mended and imported again.
export class RefusedLog {
  private readonly out: WriteStream;
  count = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { flags: 'w' });
  }

  async write(kind: string, row: SourceRow, reason: string): Promise<void> {
    this.count++;
    const line = JSON.stringify({ kind, id: row.id ?? null, user_id: row.user_id ?? null, project_id: row.project_id ?? null, reason, row });
    if (!this.out.write(`${line}\n`)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    this.out.end();
    await once(this.out, 'finish');
  }
}
