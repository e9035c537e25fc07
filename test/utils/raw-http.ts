// SPDX-License-Identifier: Apache-2.0
// HTTP over a bare socket: the bytes a test writes reach the server as they are, which no HTTP
// client allows for a request line or header that is not valid HTTP.
import net from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  // the answers, in the order they came
  answers: RawAnswer[];
  // whether the server closed the connection (rather than the test giving up waiting)
  closedByServer: boolean;
}

// Writes `chunks` in turn and reads until the server closes the connection, or `waitMs` passed.
// `head`: the answers are to HEAD requests, so carry no body whatever their Content-Length says.
export function rawExchange(port: number, chunks: Buffer[], { waitMs = 5000, head = false } = {}): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let closedByServer = false;
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('end', () => {
      closedByServer = true;
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // a reset after the answer still counts as the server closing
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') closedByServer = true;
      else reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve({ answers: parseAnswers(Buffer.concat(received), head), closedByServer });
      } catch (error) {
        reject(error);
      }
    });
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

// Answers framed by Content-Length (the service sends no chunked answers to these requests).
export function parseAnswers(bytes: Buffer, head = false): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = bytes;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) throw new Error(`incomplete answer: ${JSON.stringify(rest.toString('latin1'))}`);
    const [statusLine, ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = head ? 0 : Number(headers['content-length'] ?? 0);
    const body = rest.subarray(end + 4, end + 4 + length);
    answers.push({ status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') });
    // nothing can follow an answer that closes the connection (a HEAD answer's body, say)
    if (headers.connection === 'close') break;
    rest = rest.subarray(end + 4 + length);
  }
  return answers;
}

// A header as a name and a value, or a whole line as the client wrote it.
export type RawHeader = [string, Buffer | string] | string;

// A request as bytes (strings as UTF-8): the target and the headers may hold any bytes.
export function rawRequest(method: string, target: Buffer | string, headers: RawHeader[] = [], body?: Buffer): Buffer {
  const lines: Buffer[] = [Buffer.from(`${method} `), Buffer.from(target), Buffer.from(' HTTP/1.1\r\n')];
  for (const header of headers) {
    if (typeof header === 'string') lines.push(Buffer.from(`${header}\r\n`));
    else lines.push(Buffer.from(`${header[0]}: `), Buffer.from(header[1]), Buffer.from('\r\n'));
  }
  if (body !== undefined) lines.push(Buffer.from(`Content-Length: ${body.length}\r\n`));
  lines.push(Buffer.from('\r\n'));
  if (body !== undefined) lines.push(body);
  return Buffer.concat(lines);
}
