// Sink URI + environment → @elastic/elasticsearch client options. Secrets come from the environment only
// (the chart sets these names): KUBE_DPI_ES_API_KEY, KUBE_DPI_ES_BEARER_TOKEN, KUBE_DPI_ES_USERNAME +
// KUBE_DPI_ES_PASSWORD (or user:pass in the URI), KUBE_DPI_ES_CA_FILE (PEM bundle), and
// KUBE_DPI_ES_TLS_INSECURE=true to turn certificate verification off (on by default).
import { readFileSync } from 'node:fs';
import type { ClientOptions } from '@elastic/elasticsearch';
import { ConfigError } from '../../platform/errors.js';
import { redactUri } from '../util/redact-uri.js';

export const ES_ENV = {
  username: 'KUBE_DPI_ES_USERNAME',
  password: 'KUBE_DPI_ES_PASSWORD',
  apiKey: 'KUBE_DPI_ES_API_KEY',
  bearer: 'KUBE_DPI_ES_BEARER_TOKEN',
  caFile: 'KUBE_DPI_ES_CA_FILE',
  insecure: 'KUBE_DPI_ES_TLS_INSECURE',
} as const;

export interface ElasticsearchTarget {
  client: ClientOptions;
  /** Index from the URI path, when it names one. */
  index: string | undefined;
  /** The URI without credentials. */
  name: string;
}

export function elasticsearchTarget(uri: string, env: Record<string, string | undefined>): ElasticsearchTarget {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ConfigError(`invalid sink ${redactUri(uri)}: not a URL`);
  }
  const username = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const path = url.pathname.replace(/^\/+|\/+$/g, '');
  if (path.includes('/')) throw new ConfigError(`invalid sink ${redactUri(uri)}: the path may only name one index or data stream`);
  url.username = '';
  url.password = '';
  url.pathname = '/';
  const node = url.toString().replace(/\/$/, '');

  const options: ClientOptions = {
    node,
    // Retries are ours (classify.ts + backoff.ts), with the spool behind them.
    maxRetries: 0,
    requestTimeout: 30_000,
    compression: false,
  };
  const apiKey = env[ES_ENV.apiKey];
  const bearer = env[ES_ENV.bearer];
  const envUser = env[ES_ENV.username];
  if (apiKey) options.auth = { apiKey };
  else if (bearer) options.auth = { bearer };
  else if (envUser) options.auth = { username: envUser, password: env[ES_ENV.password] ?? '' };
  else if (username) options.auth = { username, password };

  const tls: NonNullable<ClientOptions['tls']> = {};
  const caFile = env[ES_ENV.caFile];
  if (caFile) {
    try {
      tls.ca = readFileSync(caFile);
    } catch (err) {
      throw new ConfigError(`cannot read ${ES_ENV.caFile}=${caFile}: ${(err as Error).message}`, { cause: err });
    }
  }
  const insecure = env[ES_ENV.insecure];
  if (insecure !== undefined && insecure !== '') {
    if (!/^(true|false|1|0|yes|no)$/i.test(insecure)) throw new ConfigError(`invalid ${ES_ENV.insecure}: ${JSON.stringify(insecure)}; expected true or false`);
    if (/^(true|1|yes)$/i.test(insecure)) tls.rejectUnauthorized = false;
  }
  if (Object.keys(tls).length > 0) options.tls = tls;
  return { client: options, index: path === '' ? undefined : decodeURIComponent(path), name: redactUri(uri) };
}
