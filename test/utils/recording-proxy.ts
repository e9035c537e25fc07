// SPDX-License-Identifier: Apache-2.0
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// One exchange seen by the proxy. Bodies are parsed as JSON when they are JSON, else kept as text
// (undefined when empty).
export interface RecordedExchange {
  method: string;
  url: string; // path and query, as the client sent them
  requestBody: unknown;
  status: number;
  responseBody: unknown;
}

// A transparent HTTP proxy in front of the service that records every request and answer, in
// the order the answers came back. Put its URL where a client looks for the service (e.g. the
// Keystone catalog) to see exactly what that client sends. It forwards GET bodies too (the
// freezer clients search with them), which fetch() cannot.
export interface RecordingProxy {
  url: string;
  exchanges: RecordedExchange[];
  close(): Promise<void>;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const exchanges: RecordedExchange[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const headers = { ...req.headers, host: upstream.host };
      const forwarded = httpRequest(
        { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (answer) => {
          void readAll(answer).then((answerBody) => {
            exchanges.push({
              method: req.method ?? '',
              url: req.url ?? '',
              requestBody: parseBody(body),
              status: answer.statusCode ?? 0,
              responseBody: parseBody(answerBody),
            });
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(answerBody);
          });
        },
      );
      forwarded.on('error', (error) => {
        res.writeHead(502, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ title: 'Bad Gateway', description: String(error) }));
      });
      forwarded.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
