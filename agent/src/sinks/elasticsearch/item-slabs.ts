// Where the Elasticsearch sink keeps its documents while they wait: encoded as UTF-8 NDJSON items
// ('<action>\n<document>\n') in a few reused 2 MiB slabs, off the JS heap.
// Why: at 100k alerts/s, document strings kept until Elasticsearch answered survived young collections, and
// a fresh Buffer per document or per request body made V8 start a full collection every ~100 ms for the
// external memory it saw allocated. Items are written back to back, so the items of one batch are one
// contiguous range: the request body is a view of the slab, not a copy. A slab goes back to the pool when the
// last item in it is settled; at most POOLED slabs are kept, so an idle sink holds a few MiB at most.

export const SLAB_BYTES = 2 << 20;
const POOLED = 2;

export class Slab {
  /** Items written here and not yet released. */
  live = 0;
  /** No more items will be written here (the writer moved on). */
  sealed = false;

  constructor(
    readonly buffer: Buffer,
    private readonly pool: ItemSlabs,
  ) {}

  release(): void {
    if (--this.live === 0 && this.sealed) this.pool.recycle(this);
  }
}

export interface EncodedItem {
  data: Buffer;
  slab: Slab;
}

const ACTION_END = Buffer.from('"}}\n');

export class ItemSlabs {
  private readonly free: Slab[] = [];
  private current: Slab;
  private at = 0;
  private readonly prefix: Buffer;

  /** `actionPrefix`: the action line up to the opening quote of the _id, e.g. '{"create":{"_index":"x","_id":"'. */
  constructor(actionPrefix: string) {
    this.prefix = Buffer.from(actionPrefix);
    this.current = this.newSlab(SLAB_BYTES);
  }

  /**
   * '<prefix><id>"}}\n<json>\n' as bytes in the current slab, or undefined when it does not fit in what is left
   * of it: the caller then ends its batch (so a batch never spans two slabs) and calls moveOn().
   */
  item(id: string, json: string): EncodedItem | undefined {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const most = this.prefix.length + 3 * id.length + ACTION_END.length + 3 * json.length + 1;
    if (this.at + most > this.current.buffer.length) {
      // The caller ends its batch and calls moveOn(); an item bigger than a slab gets a sealed slab of its own.
      if (this.at > 0) return undefined;
      const own = new Slab(Buffer.allocUnsafeSlow(most), this);
      own.sealed = true;
      own.live++;
      return { data: this.encodeInto(own.buffer, 0, id, json), slab: own };
    }
    const data = this.encodeInto(this.current.buffer, this.at, id, json);
    this.at += data.length;
    this.current.live++;
    return { data, slab: this.current };
  }

  /** Seal the current slab and continue in a fresh (or recycled) one. */
  moveOn(): void {
    const old = this.current;
    old.sealed = true;
    this.current = this.free.pop() ?? this.newSlab(SLAB_BYTES);
    this.current.sealed = false;
    this.at = 0;
    if (old.live === 0) this.recycle(old);
  }

  /** Called by a slab whose last item was released. */
  recycle(slab: Slab): void {
    if (slab === this.current || slab.buffer.length !== SLAB_BYTES || this.free.length >= POOLED) return;
    this.free.push(slab);
  }

  private newSlab(bytes: number): Slab {
    return new Slab(Buffer.allocUnsafeSlow(bytes), this);
  }

  private encodeInto(slab: Buffer, start: number, id: string, json: string): Buffer {
    let at = start + this.prefix.copy(slab, start);
    at += slab.write(id, at);
    at += ACTION_END.copy(slab, at);
    at += slab.write(json, at);
    slab[at++] = 10;
    return slab.subarray(start, at);
  }
}

/** The bytes of `items` in order: a view when they lie back to back in one buffer (a batch), else a copy. */
export function concatItems(items: ReadonlyArray<{ data: Buffer }>): Buffer {
  const first = items[0]?.data;
  if (first === undefined) return Buffer.alloc(0);
  let end = first.byteOffset + first.length;
  let contiguous = true;
  let bytes = first.length;
  for (let k = 1; k < items.length; k++) {
    const d = (items[k] as { data: Buffer }).data;
    bytes += d.length;
    if (contiguous && (d.buffer !== first.buffer || d.byteOffset !== end)) contiguous = false;
    end = d.byteOffset + d.length;
  }
  if (contiguous) return Buffer.from(first.buffer, first.byteOffset, bytes);
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (const item of items) at += item.data.copy(out, at);
  return out;
}
