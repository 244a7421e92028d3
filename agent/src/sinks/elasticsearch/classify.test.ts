import { classifyBulkItem, classifyBulkRequest, everyItemCreated } from './classify.js';

describe('bulk retry classification', () => {
  it.each([
    [undefined, 'retry', 'transport'],
    [200, 'items', 'ok'],
    [429, 'retry', 'http_429'],
    [500, 'retry', 'http_5xx'],
    [503, 'retry', 'http_5xx'],
    [401, 'retry', 'http_401'],
    [403, 'retry', 'http_403'],
    [413, 'split', 'http_413'],
    [400, 'drop', 'http_400'],
    [404, 'drop', 'http_404'],
    [422, 'drop', 'http_4xx'],
  ])('request status %p → %s (%s)', (status, action, reason) => {
    expect(classifyBulkRequest(status as number | undefined)).toEqual({ action, reason });
  });

  it.each([
    [{ status: 201 }, 'stored', 'ok'],
    [{ status: 200 }, 'stored', 'ok'],
    [{ status: 409, error: { type: 'version_conflict_engine_exception' } }, 'already_stored', 'version_conflict'],
    [{ status: 429, error: { type: 'es_rejected_execution_exception' } }, 'retry', 'item_429'],
    [{ status: 503 }, 'retry', 'item_5xx'],
    [{ status: 400, error: { type: 'mapper_parsing_exception' } }, 'drop', 'mapper_parsing_exception'],
    [{ status: 400, error: { type: 'Weird Type!' } }, 'drop', 'rejected'],
    [{ status: 404 }, 'drop', 'rejected'],
  ])('item %j → %s (%s)', (item, action, reason) => {
    expect(classifyBulkItem(item)).toEqual({ action, reason });
  });
});

describe('everyItemCreated (the bulk answer settled without parsing)', () => {
  const answer = (statuses: number[], errors = false): string =>
    JSON.stringify({ errors, items: statuses.map((status) => ({ create: status === 201 ? { status } : { status, error: { type: 'x', reason: '"status":1' } } })) });
  it('is true only for errors:false with exactly one status per item sent', () => {
    expect(everyItemCreated(answer([201, 201, 201]), 3)).toBe(true);
    expect(everyItemCreated(answer([201, 201]), 3)).toBe(false);
    expect(everyItemCreated(answer([201, 409, 201], true), 3)).toBe(false);
    expect(everyItemCreated('{"errors":false}', 0)).toBe(false);
    expect(everyItemCreated('', 1)).toBe(false);
    expect(everyItemCreated('<html>502</html>', 1)).toBe(false);
  });
});
