// Typed telemetry of the manifests source (STYLE habit 10): fixed messages, bounded codes, counters.
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from '../../platform/logger.js';
import type { ErrorCode } from '../../platform/errors.js';
import { errorCodeOf, errorMessageOf } from '../../platform/errors.js';
import { METRIC_PREFIX } from '../../platform/metrics.js';
import type { ManifestError } from './parse-manifests.js';

export interface ManifestEvents {
  manifestsRead(detail: { files: number; pods: number; namespaces: number; resources: number; errors: number }): void;
  manifestMalformed(error: ManifestError): void;
  manifestRecovered(file: string): void;
  manifestObjectIgnored(what: string): void;
  manifestReadFailed(err: unknown): void;
  manifestWatchFailed(err: unknown): void;
}

export function createManifestEvents(logger: Logger, registry?: Registry): ManifestEvents {
  const registers = registry ? [registry] : [];
  const reads = new Counter({ name: `${METRIC_PREFIX}manifest_reads_total`, help: 'Full reads of the manifests path', registers });
  const errors = new Counter({
    name: `${METRIC_PREFIX}manifest_errors_total`,
    help: 'Malformed manifest files and failed reads, by code',
    labelNames: ['code'],
    registers,
  });
  const count = (code: ErrorCode): void => errors.inc({ code });
  return {
    manifestsRead: (detail) => {
      reads.inc();
      logger.debug('manifests read', detail);
    },
    manifestMalformed: (error) => {
      count('MANIFEST_INVALID');
      logger.warn('manifest file malformed; its previous objects are kept', {
        code: 'MANIFEST_INVALID',
        file: error.file,
        line: error.line,
        detail: error.message,
      });
    },
    manifestRecovered: (file) => logger.info('manifest file parses again', { file }),
    manifestObjectIgnored: (what) => logger.debug('manifest object ignored (kind or apiVersion not watched)', { object: what }),
    manifestReadFailed: (err) => {
      count(errorCodeOf(err));
      logger.error('manifests could not be read; will retry on the next change', { code: errorCodeOf(err), detail: errorMessageOf(err) });
    },
    manifestWatchFailed: (err) => {
      count('INTERNAL');
      logger.error('manifest watcher reported an error; watching continues', { code: 'INTERNAL', detail: errorMessageOf(err) });
    },
  };
}
