// snort -T --warn-all on a rendered config, with the same arguments (include path, rules, DAQ flags) the
// process will run with. Snort's verdict, in Snort's words:
//   exit 1                      → rejected with its ERROR lines;
//   exit 0 + "unknown table X"  → rejected too: Snort ignores a misspelt module table (FACTS §6);
//   other warnings              → accepted, returned for the log.
import { execa } from 'execa';

export interface ValidationResult {
  ok: boolean;
  errors: string[];
  warnings: string[];
  exitCode: number | undefined;
}

export type ValidateSnort = (snortBin: string, args: readonly string[]) => Promise<ValidationResult>;

const UNKNOWN_TABLE = /unknown table /;

export const validateSnortConfig: ValidateSnort = async (snortBin, args) => {
  const result = await execa(snortBin, ['-T', '--warn-all', ...args], { all: true, reject: false, timeout: 120_000, stdin: 'ignore' });
  const lines = (result.all ?? '').split('\n');
  const errors = lines.filter((l) => l.startsWith('ERROR:') || l.startsWith('FATAL:'));
  const warnings = lines.filter((l) => l.startsWith('WARNING:'));
  const unknownTables = warnings.filter((w) => UNKNOWN_TABLE.test(w));
  if (result.exitCode !== 0) {
    if (errors.length === 0) {
      const why = result.timedOut ? 'timed out' : result.signal ? `killed by ${result.signal}` : `exit ${String(result.exitCode)}`;
      errors.push(`snort -T ${why}${result.failed && result.exitCode === undefined ? `: ${result.shortMessage}` : ''}`);
    }
    return { ok: false, errors, warnings, exitCode: result.exitCode };
  }
  if (unknownTables.length > 0) return { ok: false, errors: unknownTables, warnings, exitCode: 0 };
  return { ok: true, errors: [], warnings, exitCode: 0 };
};
