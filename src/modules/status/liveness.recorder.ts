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
// number of processes may write the same client: the greatest time wins. Only the registered
// clients of the owner are written: a poll may name any client_id.
//
// Memory is bounded per owner and in all: an owner naming more client ids than it could have loses
// its own earliest sightings, and when the total is reached the owner holding the most pays, so
// that no owner's stream of made-up ids can push out the clients of the others.
const MAX_PENDING = 200_000;
const MAX_PENDING_PER_OWNER = 50_000;
const BATCH = 1000;

@Injectable()
export class LivenessRecorder implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Liveness');
  // owner -> client -> last sighting
  private pending = new Map<string, Map<string, Sighting>>();
  private pendingCount = 0;
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

  note(ownerId: string, clientId: string, seenAt = performance.now()): void {
    let clients = this.pending.get(ownerId);
    const known = clients?.get(clientId);
    if (known) {
      known.seenAt = Math.max(known.seenAt, seenAt);
      return;
    }
    if (clients && clients.size >= MAX_PENDING_PER_OWNER) this.evictFrom(ownerId, clients);
    else if (this.pendingCount >= MAX_PENDING) this.evictFromLargest();
    if (!clients) {
      clients = new Map();
      this.pending.set(ownerId, clients);
    }
    clients.set(clientId, { ownerId, clientId, seenAt });
    this.pendingCount += 1;
  }

  private evictFromLargest(): void {
    let largest: [string, Map<string, Sighting>] | undefined;
    for (const entry of this.pending) if (!largest || entry[1].size > largest[1].size) largest = entry;
    if (largest) this.evictFrom(...largest);
  }

  // the owner's earliest noted client (a Map keeps insertion order)
  private evictFrom(ownerId: string, clients: Map<string, Sighting>): void {
    const first = clients.keys().next();
    if (first.done) return;
    clients.delete(first.value);
    this.pendingCount -= 1;
    if (clients.size === 0) this.pending.delete(ownerId);
  }

  // Writes what was seen since the last flush; at most one flush runs at a time.
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pendingCount === 0) return;
    const batch = [...this.pending.values()].flatMap((clients) => [...clients.values()]);
    this.pending = new Map();
    this.pendingCount = 0;
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
            WHERE EXISTS (SELECT FROM clients WHERE clients.owner_id = s.o AND clients.id = s.c)
           ON CONFLICT (owner_id, client_id) DO UPDATE SET last_seen = greatest(l.last_seen, excluded.last_seen)`,
          [chunk.map((s) => s.ownerId), chunk.map((s) => s.clientId), chunk.map((s) => now - (at - s.seenAt) / 1000)],
        );
      }
    } catch (error) {
      // kept for the next flush (unless newer sightings replaced them); the database may be restarting
      for (const s of sightings) this.note(s.ownerId, s.clientId, s.seenAt);
      this.logger.warn(`could not record client liveness: ${(error as Error).message}`);
    }
  }
}
