// SPDX-License-Identifier: Apache-2.0
// /metrics with WORKERS > 1: whichever worker a scrape reaches asks the primary, which collects
// every worker's registry (prom-client's AggregatorRegistry) and answers with their sum, so that
// Prometheus sees one service, not a random worker per scrape.
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type PrometheusContentType, type Registry } from 'prom-client';

const REQUEST = 'freezer:metrics-request';
const ANSWER = 'freezer:metrics-answer';
const TIMEOUT_MS = 10_000;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsAnswer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

// Primary side: answers the requests of one worker.
export function serveClusterMetrics(worker: Worker, aggregator: AggregatorRegistry<PrometheusContentType>): void {
  worker.on('message', (message: MetricsRequest) => {
    if (message?.type !== REQUEST) return;
    const answer = (fields: Omit<MetricsAnswer, 'type' | 'id'>): void => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...fields } satisfies MetricsAnswer);
    };
    aggregator.clusterMetrics().then(
      (text: string) => answer({ text }),
      (error: unknown) => answer({ error: (error as Error).message }),
    );
  });
}

// Worker side: the registry the primary's AggregatorRegistry collects from this process. (Making
// an AggregatorRegistry is what installs prom-client's listener for the primary's requests.)
export function exposeToPrimary(registry: Registry): void {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
let nextId = 0;
let listening = false;

// Worker side: the whole cluster's metrics, in Prometheus text format.
export function clusterMetricsFromPrimary(): Promise<string> {
  if (!cluster.isWorker || !process.send) return Promise.reject(new Error('not a cluster worker'));
  if (!listening) {
    listening = true;
    process.on('message', (message: MetricsAnswer) => {
      if (message?.type !== ANSWER) return;
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.text !== undefined) waiter?.resolve(message.text);
      else waiter?.reject(new Error(message.error ?? 'no metrics'));
    });
  }
  const id = nextId++;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error(`the primary process did not answer within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    pending.set(id, {
      resolve: (text) => (clearTimeout(timer), resolve(text)),
      reject: (error) => (clearTimeout(timer), reject(error)),
    });
    process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
  });
}
