// A DeepPacketInspection's spec.selector → a compiled selector, or a SpecError that the status shows:
// SELECTOR_EMPTY for an empty or blank selector (Calico would read it as all(), but for a resource that
// is almost always a mistake, DESIGN §2), SELECTOR_SYNTAX with the position for one that does not parse.
// Scoping is part of the rule: a resource selects only endpoints in its own namespace.
import { SpecError } from '../../platform/errors.js';
import type { DpiResource, Endpoint } from '../types.js';
import { resourceKey } from '../types.js';
import type { Selector } from './parse-selector.js';
import { parseSelector } from './parse-selector.js';
import { SelectorSyntaxError } from './selector-syntax-error.js';

export function compileResourceSelector(resource: DpiResource): Selector {
  const key = resourceKey(resource);
  const text: unknown = resource.selector;
  if (typeof text !== 'string' || text.trim() === '') {
    throw new SpecError('SELECTOR_EMPTY', `spec.selector is empty; use all() to select every pod in namespace ${resource.namespace}`, { resource: key });
  }
  try {
    return parseSelector(text);
  } catch (err) {
    if (!(err instanceof SelectorSyntaxError)) throw err;
    throw new SpecError('SELECTOR_SYNTAX', `invalid spec.selector ${JSON.stringify(text)}: ${err.message}`, { resource: key, cause: err });
  }
}

/** Whether a resource in `namespace` with `selector` selects the endpoint. */
export function resourceSelects(namespace: string, selector: Selector, endpoint: Endpoint): boolean {
  return endpoint.namespace === namespace && selector.matches(endpoint.labels);
}
