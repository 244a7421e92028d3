// The agent's HTTP face: /metrics (Prometheus text), /healthz (liveness) and /readyz (readiness).
// Liveness only says the event loop answers; readiness is what the composition root says it is (sources
// synced, first reconcile done), with the reasons when it is not ready, so a failing probe explains itself.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

export interface HealthServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  readiness: () => Readiness;
}

export class HealthServer {
  private server: http.Server | undefined;

  constructor(private readonly options: HealthServerOptions) {}

  /** Starts listening; resolves with the bound port (useful when port 0 asks for any free port). */
  async start(): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    try {
      if (path === '/metrics') {
        const body = await this.options.registry.metrics();
        res.writeHead(200, { 'content-type': this.options.registry.contentType });
        res.end(body);
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok\n');
      } else if (path === '/readyz') {
        const readiness = this.options.readiness();
        res.writeHead(readiness.ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(readiness) + '\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found: try /metrics, /healthz or /readyz\n');
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}
