import { Counter } from 'prom-client';
import { HealthServer } from './health-server.js';
import { createMetricsRegistry } from './metrics.js';

describe('HealthServer', () => {
  it('serves /metrics, /healthz and /readyz with the readiness reasons', async () => {
    const registry = createMetricsRegistry({ processMetrics: false });
    const counter = new Counter({ name: 'kube_dpi_test_total', help: 'test counter', registers: [registry] });
    counter.inc(3);
    let readiness = { ready: false, reasons: ['sources not synced'] };
    const server = new HealthServer({ port: 0, host: '127.0.0.1', registry, readiness: () => readiness });
    const port = await server.start();
    try {
      const base = `http://127.0.0.1:${port}`;
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('kube_dpi_test_total 3');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({ ready: false, reasons: ['sources not synced'] });
      readiness = { ready: true, reasons: [] };
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
