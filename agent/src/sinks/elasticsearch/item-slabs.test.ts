import { concatItems, ItemSlabs, SLAB_BYTES } from './item-slabs.js';

const PREFIX = '{"create":{"_index":"i","_id":"';

describe('ItemSlabs', () => {
  it('writes action + document lines back to back, so a batch is a view of one slab', () => {
    const slabs = new ItemSlabs(PREFIX);
    const items = ['a', 'b', 'c'].map((id) => slabs.item(id, `{"x":"${id}é"}`)!);
    expect(items[0]!.data.toString()).toBe('{"create":{"_index":"i","_id":"a"}}\n{"x":"aé"}\n');
    const body = concatItems(items);
    expect(body.buffer).toBe(items[0]!.data.buffer);
    expect(body.toString()).toBe(items.map((i) => i.data.toString()).join(''));
    // Not back to back: a copy with the same bytes.
    const copy = concatItems([items[2]!, items[0]!]);
    expect(copy.buffer).not.toBe(items[0]!.data.buffer);
    expect(copy.toString()).toBe(items[2]!.data.toString() + items[0]!.data.toString());
  });

  it('says when the slab is full, and reuses a slab once every item in it is released', () => {
    const slabs = new ItemSlabs(PREFIX);
    const doc = '{"pad":"' + 'x'.repeat(100_000) + '"}';
    const first: ReturnType<ItemSlabs['item']>[] = [];
    for (;;) {
      const item = slabs.item(String(first.length), doc);
      if (item === undefined) break;
      first.push(item);
    }
    expect(first.length).toBeGreaterThan(3);
    expect(first.length * doc.length).toBeLessThanOrEqual(SLAB_BYTES);
    const oldBuffer = first[0]!.slab.buffer;
    slabs.moveOn();
    const next = slabs.item('n', doc)!;
    expect(next.slab.buffer).not.toBe(oldBuffer);
    // Released: the old slab goes back to the pool and is what the writer takes after the next moveOn.
    for (const item of first) item!.slab.release();
    slabs.moveOn();
    expect(slabs.item('m', '{}')!.slab.buffer).toBe(oldBuffer);
    expect(next.data.toString()).toContain('"_id":"n"');
  });

  it('gives an item larger than a slab a slab of its own', () => {
    const slabs = new ItemSlabs(PREFIX);
    const huge = '{"pad":"' + 'y'.repeat(SLAB_BYTES) + '"}';
    const item = slabs.item('h', huge)!;
    expect(item.data.toString()).toBe(PREFIX + 'h"}}\n' + huge + '\n');
    expect(item.slab.sealed).toBe(true);
    // The current slab is untouched: small items still go there.
    expect(slabs.item('s', '{}')!.slab).not.toBe(item.slab);
  });
});
