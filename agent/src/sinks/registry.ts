// The sink registry (STYLE habit 7): one row per output, chosen by URI scheme; adding an output is adding a row,
// never another branch in the pipeline.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { AgentConfig } from '../config/options.js';
import { ConfigError } from '../platform/errors.js';
import type { Clock } from '../platform/clock.js';
import type { Sink } from './sink.js';
import type { SinkEvents } from './events.js';
import { FileSink, FILE_SINK_REPLAY_WINDOW } from './file/file-sink.js';
import { ElasticsearchSink } from './elasticsearch/elasticsearch-sink.js';
import { elasticsearchTarget } from './elasticsearch/client-options.js';
import { defaultIndexFor } from './elasticsearch/document.js';
import { Spool } from './util/spool.js';
import { DEFAULT_BACKOFF } from './util/backoff.js';
import { redactUri } from './util/redact-uri.js';

export type SinkConfig = Pick<
  AgentConfig,
  'stateDir' | 'alertFormat' | 'esIndex' | 'clusterName' | 'sinkBatchSize' | 'sinkBatchKb' | 'sinkFlushMs' | 'spoolMaxMb'
>;

export interface SinkContext {
  config: SinkConfig;
  env: Record<string, string | undefined>;
  events: SinkEvents;
  clock?: Clock;
}

interface SinkType {
  scheme: string;
  matches(uri: string): boolean;
  create(uri: string, ctx: SinkContext): Sink;
}

export const SINK_TYPES: readonly SinkType[] = [
  {
    scheme: 'file:<path>',
    matches: (uri) => uri.startsWith('file:'),
    create(uri, ctx) {
      const path = uri.startsWith('file://') ? new URL(uri).pathname : uri.slice('file:'.length);
      if (path === '') throw new ConfigError(`invalid sink ${uri}: file: needs a path`);
      return new FileSink({ path, replayWindowLines: FILE_SINK_REPLAY_WINDOW, events: ctx.events, ...(ctx.clock ? { clock: ctx.clock } : {}) });
    },
  },
  {
    scheme: 'http(s)://host:9200[/<index>]',
    matches: (uri) => /^https?:\/\//i.test(uri),
    create(uri, ctx) {
      const target = elasticsearchTarget(uri, ctx.env);
      const c = ctx.config;
      const index = target.index ?? c.esIndex ?? defaultIndexFor(c.alertFormat, c.clusterName);
      const spoolDir = join(c.stateDir, 'spool', createHash('sha1').update(`${target.name}\n${index}`).digest('hex').slice(0, 12));
      return new ElasticsearchSink({
        name: target.name,
        index,
        installTemplate: c.alertFormat === 'ecs',
        clientOptions: target.client,
        events: ctx.events,
        batch: { maxItems: c.sinkBatchSize, maxBytes: c.sinkBatchKb * 1024, maxDelayMs: c.sinkFlushMs },
        concurrency: 2,
        spool: c.spoolMaxMb > 0 ? new Spool(spoolDir, c.spoolMaxMb * 1024 * 1024) : undefined,
        spoolAfterAttempts: 3,
        backoff: DEFAULT_BACKOFF,
        ...(ctx.clock ? { clock: ctx.clock } : {}),
      });
    },
  },
];

export function createSinks(uris: readonly string[], ctx: SinkContext): Sink[] {
  return uris.map((uri) => {
    const type = SINK_TYPES.find((t) => t.matches(uri));
    if (!type) {
      throw new ConfigError(`invalid sink ${redactUri(uri)}; expected one of ${SINK_TYPES.map((t) => t.scheme).join(', ')}`);
    }
    return type.create(uri, ctx);
  });
}
