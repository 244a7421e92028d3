// Go compares strings byte by byte (UTF-8); JavaScript's default sort compares UTF-16 code units. The two
// orders differ once characters above U+FFFF meet characters in U+E000..U+FFFF, and Calico's canonical
// form sorts set members the Go way, so we compare by code point, which is equivalent to UTF-8 byte order.

export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800..U+DFFF) stand for code points above U+FFFF, which sort after every BMP character.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Sorted (Go order) and de-duplicated copy, like Calico's ConvertToStringSetInPlace. */
export function toSortedSet(values: readonly string[]): string[] {
  const sorted = [...values].sort(compareGoStrings);
  const out: string[] = [];
  for (const v of sorted) if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
  return out;
}
