import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body's bytes, for binary payloads (web push). */
  raw: Buffer;
}

export type FakeHandler = (request: FakeRequest) => { status: number; body?: unknown; headers?: Record<string, string> } | Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>;

/** A queued failure: the next `times` matching requests get this status instead of being served. */
export interface InjectedFailure {
  status: number;
  times: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A local HTTP server on a random port that records every request; the base for provider fakes. */
export abstract class FakeHttpServer {
  readonly requests: FakeRequest[] = [];
  private server: Server | null = null;
  private readonly failures: InjectedFailure[] = [];
  url = '';

  /** With a key and certificate the fake speaks HTTPS (web-push only talks HTTPS). */
  constructor(private readonly tls?: { key: string; cert: string }) {}

  protected abstract handle(request: FakeRequest): ReturnType<FakeHandler>;

  async start(): Promise<this> {
    const listener = (req: IncomingMessage, res: ServerResponse) => void this.serve(req, res);
    this.server = this.tls ? createTlsServer(this.tls, listener) : createServer(listener);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `${this.tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `times` requests are answered with this failure. */
  fail(failure: InjectedFailure): void {
    this.failures.push({ ...failure });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), raw: Buffer.concat(chunks) };
    this.requests.push(request);
    const failure = this.failures[0];
    let answer: Awaited<ReturnType<FakeHandler>>;
    if (failure) {
      failure.times -= 1;
      if (failure.times <= 0) this.failures.shift();
      answer = { status: failure.status, body: failure.body, ...(failure.headers ? { headers: failure.headers } : {}) };
    } else {
      try {
        answer = await this.handle(request);
      } catch (error) {
        answer = { status: 500, body: { message: (error as Error).message } };
      }
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  }
}
