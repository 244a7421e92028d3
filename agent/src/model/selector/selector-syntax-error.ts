import { AgentError } from '../../platform/errors.js';

/**
 * A selector that does not parse. `position` is the 0-based index (UTF-16 code unit, as JavaScript indexes
 * strings) in `selector` where the parser stopped; `reason` says what it expected there.
 */
export class SelectorSyntaxError extends AgentError {
  readonly position: number;
  readonly reason: string;
  readonly selector: string;

  constructor(selector: string, position: number, reason: string) {
    super('SELECTOR_SYNTAX', `${reason} at position ${position}`);
    this.selector = selector;
    this.position = position;
    this.reason = reason;
  }
}
