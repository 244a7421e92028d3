import { classifyK8sError, httpStatusOf, isRetryableK8sError } from './classify-error.js';

describe('classifyK8sError', () => {
  it.each([
    [{ code: 404 }, 'not_found'],
    [{ statusCode: 410 }, 'gone'],
    [{ code: 409 }, 'conflict'],
    [{ code: 403 }, 'forbidden'],
    [{ code: 401 }, 'unauthorized'],
    [{ code: 429 }, 'throttled'],
    [{ code: 503 }, 'server'],
    [{ code: 422 }, 'invalid'],
    [{ code: 'ECONNREFUSED' }, 'transport'],
    [{ name: 'FetchError', type: 'system' }, 'transport'],
    [new Error('boom'), 'other'],
  ])('%j → %s', (err, reason) => {
    expect(classifyK8sError(err)).toBe(reason);
  });

  it('reads the status from ApiException.code and Watch errors statusCode', () => {
    expect(httpStatusOf({ code: 500 })).toBe(500);
    expect(httpStatusOf({ statusCode: 410, code: 'x' })).toBe(410);
    expect(httpStatusOf({ code: 'ECONNRESET' })).toBeUndefined();
  });

  it('retries conflicts, throttling, server and transport errors, not 4xx rejections', () => {
    expect(isRetryableK8sError('conflict')).toBe(true);
    expect(isRetryableK8sError('server')).toBe(true);
    expect(isRetryableK8sError('transport')).toBe(true);
    expect(isRetryableK8sError('not_found')).toBe(false);
    expect(isRetryableK8sError('invalid')).toBe(false);
    expect(isRetryableK8sError('forbidden')).toBe(false);
  });
});
