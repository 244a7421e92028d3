// One registry of error codes for the whole agent (STYLE.md "Errors").
// Codes double as metric labels and status reasons, so the set is closed and small; decide how to handle an
// error by its class and fields, never by its message text.

export const ERROR_CODES = {
  CONFIG_INVALID: 'a configuration value (flag, environment variable or YAML file) is invalid',
  CONFIG_FILE_UNREADABLE: 'the configuration file could not be read or parsed',
  USAGE: 'the command line is malformed (unknown command or flag)',
  NOT_IMPLEMENTED: 'the requested feature is not built yet',
  SELECTOR_SYNTAX: 'a Calico selector does not parse',
  SELECTOR_EMPTY: 'a DeepPacketInspection resource has an empty selector',
  MANIFEST_INVALID: 'a manifest file does not parse or holds an invalid object',
  INTERFACE_MISSING: "an endpoint's host interface does not exist on this node",
  INTERFACE_UNRESOLVED: "no host interface could be found for an endpoint's IP",
  CAPACITY_EXCEEDED: 'the selected endpoints do not fit in the memory or CPU limits',
  SNORT_CONFIG_REJECTED: 'snort -T rejected a configuration',
  SNORT_START_FAILED: 'Snort could not start capturing on an interface',
  SNORT_EXITED: 'a Snort process exited',
  SNORT_CRASH_LOOP: 'a Snort process keeps exiting',
  SNORT_RELOAD_FAILED: 'Snort rejected a reload',
  SNORT_NOT_FOUND: 'the Snort binary could not be run',
  ALERT_LINE_MALFORMED: 'an alert line is not valid alert_json',
  ALERT_LINE_OVERSIZED: 'an alert line is longer than the allowed maximum',
  SINK_UNAVAILABLE: 'a sink could not be reached',
  SINK_REJECTED: 'a sink refused a document permanently',
  SPOOL_FULL: 'the on-disk spool reached its bound',
  K8S_API: 'the Kubernetes API server returned an error',
  INTERNAL: 'an unexpected internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface AgentErrorOptions {
  cause?: unknown;
}

export class AgentError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options: AgentErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Fatal at start only: the process exits with a message that names the bad value and what is allowed. */
export class ConfigError extends AgentError {
  constructor(message: string, options: AgentErrorOptions & { code?: ErrorCode } = {}) {
    super(options.code ?? 'CONFIG_INVALID', message, options);
  }
}

/** A malformed command line: exit code 2. */
export class UsageError extends AgentError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** A command or option whose implementation does not exist yet: it says so instead of pretending. */
export class NotImplementedError extends AgentError {
  constructor(what: string) {
    super('NOT_IMPLEMENTED', `${what} is not built yet`);
  }
}

/** A resource (or manifest object) that cannot be used: it is treated as absent and its status says why. */
export class SpecError extends AgentError {
  readonly resource: string | undefined;

  constructor(code: ErrorCode, message: string, options: AgentErrorOptions & { resource?: string } = {}) {
    super(code, message, options);
    this.resource = options.resource;
  }
}

/** A Snort process failed: exit code and/or signal, and Snort's own ERROR lines when it printed any. */
export class SnortError extends AgentError {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly snortErrors: readonly string[];

  constructor(
    code: ErrorCode,
    message: string,
    options: AgentErrorOptions & { exitCode?: number; signal?: string; snortErrors?: readonly string[] } = {},
  ) {
    super(code, message, options);
    this.exitCode = options.exitCode;
    this.signal = options.signal;
    this.snortErrors = options.snortErrors ?? [];
  }
}

/** A sink failed: `retryable` decides between backoff and drop; `status` is the HTTP status when there is one. */
export class SinkError extends AgentError {
  readonly retryable: boolean;
  readonly status: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: AgentErrorOptions & { retryable: boolean; status?: number },
  ) {
    super(code, message, options);
    this.retryable = options.retryable;
    this.status = options.status;
  }
}

/** The code of any thrown value, for logs and metric labels. */
export function errorCodeOf(err: unknown): ErrorCode {
  return err instanceof AgentError ? err.code : 'INTERNAL';
}

/** A one-line message for any thrown value. */
export function errorMessageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
