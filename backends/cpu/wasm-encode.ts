// WebAssembly binary encoding helpers shared by the run-time generated kernels
// (LEB128 integers, sections, vectors, names). Spec: webassembly.github.io/spec/core/binary.

/** Unsigned LEB128. */
export const u32 = (n: number): number[] => {
  const out: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n);
  return out;
};
/** Signed LEB128. */
export const s32 = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
};
export const section = (id: number, body: number[]): number[] => [id, ...u32(body.length), ...body];
export const vec = (items: number[][]): number[] => [...u32(items.length), ...items.flat()];
export const name = (s: string): number[] => [...u32(s.length), ...[...s].map((c) => c.charCodeAt(0))];
export const I32 = 0x7f, V128 = 0x7b;
