import { SpecError } from '../../platform/errors.js';
import type { DpiResource, Endpoint } from '../types.js';
import { compileResourceSelector, resourceSelects } from './resource-selector.js';
import { SelectorSyntaxError } from './selector-syntax-error.js';

const res = (selector: string): DpiResource => ({ namespace: 'sample', name: 'dpi', selector });

function specError(selector: string): SpecError {
  try {
    compileResourceSelector(res(selector));
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('expected a SpecError');
}

describe('compileResourceSelector', () => {
  it('compiles the seed examples', () => {
    expect(compileResourceSelector(res('k8s-app == "nginx"')).toString()).toBe('k8s-app == "nginx"');
    expect(compileResourceSelector(res('all()')).toString()).toBe('all()');
  });

  it.each(['', ' ', '\t', ' \n ', '\n'])('rejects the empty selector %j with SELECTOR_EMPTY', (sel) => {
    const err = specError(sel);
    expect(err.code).toBe('SELECTOR_EMPTY');
    expect(err.resource).toBe('sample/dpi');
    expect(err.message).toContain('empty');
  });

  it('rejects a missing selector with SELECTOR_EMPTY', () => {
    const err = specError(undefined as unknown as string);
    expect(err.code).toBe('SELECTOR_EMPTY');
  });

  it('wraps a syntax error, keeping its position in the message and as the cause', () => {
    const err = specError('app == web');
    expect(err.code).toBe('SELECTOR_SYNTAX');
    expect(err.resource).toBe('sample/dpi');
    expect(err.message).toBe('invalid spec.selector "app == web": expected a quoted string after == but found label "web" at position 7');
    expect(err.cause).toBeInstanceOf(SelectorSyntaxError);
    expect((err.cause as SelectorSyntaxError).position).toBe(7);
  });
});

describe('resourceSelects', () => {
  const ep = (namespace: string, labels: Record<string, string>): Endpoint => ({ namespace, pod: 'p', ips: ['10.0.0.1'], labels, podLabels: labels });
  it('selects only endpoints in the resource namespace', () => {
    const sel = compileResourceSelector(res('all()'));
    expect(resourceSelects('sample', sel, ep('sample', {}))).toBe(true);
    expect(resourceSelects('sample', sel, ep('other', {}))).toBe(false);
  });
  it('applies the selector within the namespace', () => {
    const sel = compileResourceSelector(res('app == "x"'));
    expect(resourceSelects('sample', sel, ep('sample', { app: 'x' }))).toBe(true);
    expect(resourceSelects('sample', sel, ep('sample', { app: 'y' }))).toBe(false);
  });
});
