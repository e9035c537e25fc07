// SPDX-License-Identifier: Apache-2.0
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../../config/app-config.provider.js';
import type { AppConfig } from '../../config/env.validation.js';
import { ClientsService } from '../clients/clients.service.js';
import { JobsService } from '../jobs/jobs.service.js';
import { StatusClock } from './status-clock.js';

interface Sighting {
  ownerId: string;
  clientId: string;
  // performance.now() of the last poll: ages survive a wall-clock step
  seenAt: number;
}

// Clients polling at 1,500/s must not cost a write each: sightings are kept in memory, newest per
// client, and written every LIVENESS_RESOLUTION_S in one statement, away from the requests. Any
// number of processes may write the same client: the greatest time wins.
const MAX_PENDING = 100_000;
const BATCH = 1000;

@Injectable()
export class LivenessRecorder implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Liveness');
  private pending = new Map<string, Sighting>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: StatusClock,
    jobs: JobsService,
    clients: ClientsService,
  ) {
    jobs.onPoll((owner, clientId) => this.note(owner.ownerId, clientId));
    clients.onRegister((owner, clientId) => this.note(owner.ownerId, clientId));
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), this.config.status.livenessResolutionS * 1000);
    this.timer.unref();
  }

  // before the database pool closes (TypeORM closes it at application shutdown)
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  note(ownerId: string, clientId: string): void {
    const key = `${ownerId}\u0000${clientId}`;
    if (this.pending.size >= MAX_PENDING && !this.pending.has(key)) return;
    this.pending.set(key, { ownerId, clientId, seenAt: performance.now() });
  }

  // Writes what was seen since the last flush; at most one flush runs at a time.
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.write(batch).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async write(sightings: Sighting[]): Promise<void> {
    try {
      const now = await this.clock.now();
      const at = performance.now();
      for (let i = 0; i < sightings.length; i += BATCH) {
        const chunk = sightings.slice(i, i + BATCH);
        await this.db.query(
          `INSERT INTO client_liveness AS l (owner_id, client_id, last_seen)
           SELECT o, c, to_timestamp(t) FROM unnest($1::text[], $2::text[], $3::float8[]) AS s(o, c, t)
           ON CONFLICT (owner_id, client_id) DO UPDATE SET last_seen = greatest(l.last_seen, excluded.last_seen)`,
          [chunk.map((s) => s.ownerId), chunk.map((s) => s.clientId), chunk.map((s) => now - (at - s.seenAt) / 1000)],
        );
      }
    } catch (error) {
      // kept for the next flush (unless newer sightings replaced them); the database may be restarting
      for (const s of sightings) {
        const key = `${s.ownerId}\u0000${s.clientId}`;
        if (!this.pending.has(key) && this.pending.size < MAX_PENDING) this.pending.set(key, s);
      }
      this.logger.warn(`could not record client liveness: ${(error as Error).message}`);
    }
  }
}
