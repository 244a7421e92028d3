import { ConfigError } from '../platform/errors.js';
import { parseConfig } from './parse.js';

describe('parseConfig', () => {
  it('applies defaults when nothing is given', () => {
    const config = parseConfig({ command: 'agent', flags: {}, env: {} });
    expect(config.snortBin).toBe('snort');
    expect(config.rulesDir).toBe('/usr/etc/snort/rules');
    expect(config.metricsPort).toBe(9090);
    expect(config.sinks).toEqual([]);
    expect(config.dpiApiVersion).toBe('projectcalico.org/v3');
  });

  it('takes flags over environment over file', () => {
    const file = { path: '/etc/kube-dpi.yaml', content: { logLevel: 'warn', metricsPort: 7000, stateDir: '/from/file' } };
    const config = parseConfig({
      command: 'agent',
      flags: { 'log-level': 'debug' },
      env: { KUBE_DPI_LOG_LEVEL: 'error', KUBE_DPI_METRICS_PORT: '8000' },
      file,
    });
    expect(config.logLevel).toBe('debug');
    expect(config.metricsPort).toBe(8000);
    expect(config.stateDir).toBe('/from/file');
  });

  it('reads NODE_NAME as the node', () => {
    expect(parseConfig({ command: 'agent', flags: {}, env: { NODE_NAME: 'worker-1' } }).node).toBe('worker-1');
  });

  it('splits a comma-separated sink list from the environment and keeps repeated flags', () => {
    expect(parseConfig({ command: 'agent', flags: {}, env: { KUBE_DPI_SINKS: 'file:/a, http://es:9200' } }).sinks).toEqual([
      'file:/a',
      'http://es:9200',
    ]);
    expect(parseConfig({ command: 'ingest', flags: { sink: ['file:/a', 'file:/b'] }, env: {} }).sinks).toEqual([
      'file:/a',
      'file:/b',
    ]);
  });

  it.each([
    [{ 'metrics-port': 'abc' }, /invalid flag --metrics-port: "abc"; expected an integer from 0 to 65535/],
    [{ 'metrics-port': '70000' }, /expected an integer from 0 to 65535/],
    [{ 'log-level': 'loud' }, /invalid flag --log-level: "loud"; expected one of error, warn, info, debug/],
    [{ 'interface-strategy': 'magic' }, /expected one of calico, route, auto/],
    [{ snort: '  ' }, /invalid flag --snort.*expected a non-empty string/],
  ])('rejects %j with a message naming the value and what is allowed', (flags, message) => {
    expect(() => parseConfig({ command: 'agent', flags, env: {} })).toThrow(message);
    expect(() => parseConfig({ command: 'agent', flags, env: {} })).toThrow(ConfigError);
  });

  it('names the environment variable when the bad value came from there', () => {
    expect(() => parseConfig({ command: 'agent', flags: {}, env: { KUBE_DPI_ALERT_PAYLOAD: 'maybe' } })).toThrow(
      /invalid environment variable KUBE_DPI_ALERT_PAYLOAD: "maybe"; expected true or false/,
    );
  });

  it('rejects unknown keys in the config file and lists the allowed ones', () => {
    const file = { path: '/etc/k.yaml', content: { snortBinary: '/usr/bin/snort' } };
    expect(() => parseConfig({ command: 'agent', flags: {}, env: {}, file })).toThrow(
      /config file \/etc\/k.yaml: unknown key "snortBinary".*allowed keys: .*snortBin/,
    );
  });

  it('names the file key when a file value is bad', () => {
    const file = { path: '/etc/k.yaml', content: { bufferSizeMb: 0 } };
    expect(() => parseConfig({ command: 'agent', flags: {}, env: {}, file })).toThrow(
      /invalid key bufferSizeMb in \/etc\/k.yaml: 0; expected an integer from 1 to 1024/,
    );
  });

  it('rejects a config file that is not a mapping', () => {
    expect(() => parseConfig({ command: 'agent', flags: {}, env: {}, file: { path: '/k.yaml', content: ['a'] } })).toThrow(
      /must be a YAML mapping/,
    );
  });
});
