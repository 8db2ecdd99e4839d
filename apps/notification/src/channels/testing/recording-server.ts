import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  body?: unknown;
}

/**
 * A local HTTP server for adapter tests: records every request and answers with `reply` (settable
 * per test). `url` is its base address; `close()` shuts it down, connections included, so a later
 * request to the same address fails the way an unreachable provider does.
 */
export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  reply: Reply | ((request: RecordedRequest) => Reply) = { status: 200, body: {} };
  private server!: http.Server;
  url = '';

  static async start(): Promise<RecordingServer> {
    const recording = new RecordingServer();
    recording.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        recording.requests.push(request);
        const reply = typeof recording.reply === 'function' ? recording.reply(request) : recording.reply;
        const payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
        res.writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8' });
        res.end(payload);
      });
    });
    await new Promise<void>((resolve) => recording.server.listen(0, '127.0.0.1', resolve));
    recording.url = `http://127.0.0.1:${(recording.server.address() as AddressInfo).port}`;
    return recording;
  }

  get last(): RecordedRequest {
    const last = this.requests.at(-1);
    if (!last) throw new Error('no request was recorded');
    return last;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
