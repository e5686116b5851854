// graft/nn checkpoints: any pytree of arrays to and from the safetensors format
// (https://github.com/huggingface/safetensors), so PyTorch/JAX/NumPy tools can read them:
//   8 bytes  little-endian u64 N, the header length
//   N bytes  JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}},
//            padded with spaces so the data starts 8-byte aligned
//   data     each tensor's bytes, little-endian, C order, offsets relative to the data start.
// Names are the leaves' key paths joined by "." (object keys, array indices, and module
// field names), e.g. "layers.0.weight". Bytes are copied as they are, so a round trip is
// bitwise exact (NaN payloads and -0 included). The file system is reached through a dynamic
// import of node:fs, so browser bundles never load it; `toSafetensors`/`fromSafetensors` work
// on bytes everywhere.
import { isArray, lax, np, tree, type DType, type NDArray } from "graft";
import { fromHalfBits, toHalfBits } from "../core/float16";

type TreeDef = ReturnType<typeof tree.structure>;

/** Safetensors dtype names of the graft dtypes that have storage. complex128 has no
 * safetensors dtype: it is written as F64 with a trailing axis of 2 (re, im) and its name is
 * listed in the metadata under `graft.complex128`. */
const TO_ST: Partial<Record<DType, string>> = { float16: "F16", float32: "F32", float64: "F64", int32: "I32", uint32: "U32", bool: "BOOL", complex64: "C64", complex128: "F64" };
const FROM_ST: Record<string, DType> = { F16: "float16", F32: "float32", F64: "float64", I32: "int32", U32: "uint32", BOOL: "bool", C64: "complex64" };
const ITEM_SIZE: Record<string, number> = { F16: 2, F32: 4, F64: 8, I32: 4, U32: 4, BOOL: 1, C64: 8 };
const COMPLEX128_KEY = "graft.complex128";

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** The bytes of `x` in little-endian order (a view when the host is little-endian). */
function littleEndian(x: ArrayBufferView, itemSize: number): Uint8Array {
  const b = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  if (LITTLE_ENDIAN || itemSize === 1) return b;
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i += itemSize) for (let k = 0; k < itemSize; k++) out[i + k] = b[i + itemSize - 1 - k]!;
  return out;
}

/**
 * The name of every leaf of `t`, in `tree.leaves` order: key paths joined by "." (a lone
 * leaf is named "value"). Module fields are named by their field names.
 * @example
 * nn.leafNames({ a: [np.ones([2]), 1], b: { c: np.zeros([]) } }); // ["a.0", "a.1", "b.c"]
 */
export function leafNames(t: unknown): string[] {
  const out: string[] = [];
  const go = (d: TreeDef, path: string[]): void => {
    switch (d.kind) {
      case "leaf": out.push(path.length ? path.join(".") : "value"); return;
      case "null": case "undefined": return;
      case "array": d.children.forEach((c, i) => go(c, [...path, String(i)])); return;
      case "object": d.children.forEach((c, i) => go(c, [...path, d.keys[i]!])); return;
      case "custom": {
        // nn.Module's aux data lists its child field names; other registered classes are
        // named by child position.
        const keys = (d.aux as { childKeys?: unknown } | null | undefined)?.childKeys;
        const named = Array.isArray(keys) && keys.length === d.children.length && keys.every((k) => typeof k === "string");
        d.children.forEach((c, i) => go(c, [...path, named ? (keys[i] as string) : String(i)]));
      }
    }
  };
  go(tree.structure(t), []);
  const seen = new Set<string>();
  for (const n of out) {
    if (seen.has(n)) throw new TypeError(`safetensors: two leaves would both be named "${n}" (a key contains "."); rename one.`);
    seen.add(n);
  }
  return out;
}

interface Entry { name: string; st: string; shape: number[]; bytes: Uint8Array }

function entryOf(name: string, leaf: unknown): Entry {
  if (typeof leaf === "number") return { name, st: "F64", shape: [], bytes: littleEndian(Float64Array.of(leaf), 8) };
  if (!isArray(leaf)) throw new TypeError(`safetensors: leaf "${name}" must be an array or a number, got ${leaf === null ? "null" : typeof leaf}.`);
  const st = TO_ST[leaf.dtype];
  if (st === undefined) throw new TypeError(`safetensors: leaf "${name}" has dtype ${leaf.dtype}, which cannot be saved; supported: ${Object.keys(TO_ST).join(", ")}.`);
  const data = leaf.dtype === "float16" ? toHalfBits(leaf.dataSync()) : leaf.dataSync();   // binary16 bits, as stored
  const shape = leaf.dtype === "complex128" ? [...leaf.shape, 2] : [...leaf.shape];
  // Byte order is per component: complex64 is two float32s.
  return { name, st, shape, bytes: littleEndian(data, data.BYTES_PER_ELEMENT) };
}

/**
 * Serialises a pytree of arrays (and numbers, stored as 0-d F64) to safetensors bytes.
 * Tensors are laid out largest item size first, then by name, so every tensor is aligned.
 * @example
 * const bytes = nn.toSafetensors(model, { metadata: { step: "100" } });
 */
export function toSafetensors(t: unknown, opts: { metadata?: Record<string, string> } = {}): Uint8Array {
  const names = leafNames(t);
  const entries = tree.leaves(t).map((leaf, i) => entryOf(names[i]!, leaf));
  const complex128 = tree.leaves(t).flatMap((leaf, i) => (isArray(leaf) && leaf.dtype === "complex128" ? [names[i]!] : []));
  entries.sort((a, b) => ITEM_SIZE[b.st]! - ITEM_SIZE[a.st]! || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const metadata: Record<string, string> = { ...(opts.metadata ?? {}) };
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") throw new TypeError(`safetensors: metadata values must be strings, got ${typeof v} for "${k}".`);
  }
  if (complex128.length) metadata[COMPLEX128_KEY] = JSON.stringify(complex128);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const e of entries) {
    if (e.name === "__metadata__") throw new TypeError('safetensors: a leaf cannot be named "__metadata__".');
    header[e.name] = { dtype: e.st, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded); // spaces: still valid JSON
  let at = 8 + padded;
  for (const e of entries) {
    out.set(e.bytes, at);
    at += e.bytes.length;
  }
  return out;
}

/** One tensor of a safetensors file, as described by its header. */
export interface SafetensorsInfo { dtype: string; shape: number[]; data_offsets: [number, number] }

/**
 * Parses safetensors bytes: the header entries, the metadata, and a reader that builds the
 * graft array of a tensor by name (complex128 entries written by graft come back complex).
 * @example
 * const { tensors, read } = nn.parseSafetensors(bytes); read("layers.0.weight");
 */
export function parseSafetensors(bytes: Uint8Array): { tensors: Record<string, SafetensorsInfo>; metadata: Record<string, string>; read(name: string): NDArray } {
  if (bytes.length < 8) throw new TypeError(`safetensors: the data is too short to hold a header (${bytes.length} bytes).`);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
  if (8 + n > bytes.length) throw new TypeError(`safetensors: the header length ${n} runs past the end of the data (${bytes.length} bytes).`);
  let parsed: Record<string, any>;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new TypeError(`safetensors: the header is not valid UTF-8 JSON (${(e as Error).message}).`);
  }
  const { __metadata__: metadata = {}, ...tensors } = parsed;
  const dataStart = 8 + n, dataLength = bytes.length - dataStart;
  for (const [name, info] of Object.entries(tensors as Record<string, SafetensorsInfo>)) {
    const [b, e] = info?.data_offsets ?? [];
    const size = ITEM_SIZE[info?.dtype];
    const count = Array.isArray(info?.shape) ? info.shape.reduce((a, d) => a * d, 1) : NaN;
    if (!(Number.isInteger(b) && Number.isInteger(e) && 0 <= b! && b! <= e! && e! <= dataLength)) {
      throw new TypeError(`safetensors: tensor "${name}" has data_offsets ${JSON.stringify(info?.data_offsets)} outside the ${dataLength} data bytes.`);
    }
    if (size !== undefined && count * size !== e! - b!) {
      throw new TypeError(`safetensors: tensor "${name}" of dtype ${info.dtype} and shape [${info.shape}] needs ${count * size} bytes, its offsets give ${e! - b!}.`);
    }
  }
  const complex128 = new Set<string>(metadata[COMPLEX128_KEY] ? JSON.parse(metadata[COMPLEX128_KEY]) : []);
  const read = (name: string): NDArray => {
    const info = (tensors as Record<string, SafetensorsInfo>)[name];
    if (info === undefined) throw new TypeError(`safetensors: no tensor named "${name}" in the file.`);
    const dtype = FROM_ST[info.dtype];
    if (dtype === undefined) {
      throw new TypeError(`safetensors: tensor "${name}" has dtype ${info.dtype}, which graft cannot read; supported: ${Object.keys(FROM_ST).join(", ")}.`);
    }
    const [b, e] = info.data_offsets;
    const size = ITEM_SIZE[info.dtype]!;
    // A copy starts at offset 0 of a fresh buffer, so it is aligned for any typed array.
    const raw = bytes.slice(dataStart + b, dataStart + e);
    const buf = (LITTLE_ENDIAN ? raw : littleEndian(raw, dtype === "complex64" ? 4 : size)).buffer;
    if (dtype === "complex64" || complex128.has(name)) {
      const parts = dtype === "complex64" ? new Float32Array(buf) : new Float64Array(buf);
      const shape = dtype === "complex64" ? info.shape : info.shape.slice(0, -1);
      const re = parts.filter((_, i) => i % 2 === 0), im = parts.filter((_, i) => i % 2 === 1);
      const dt = dtype === "complex64" ? "float32" : "float64";
      return lax.complex(np.array(re, { shape, dtype: dt }), np.array(im, { shape, dtype: dt }));
    }
    if (dtype === "float16") return np.array(fromHalfBits(new Uint16Array(buf)), { shape: info.shape, dtype });
    const typed = dtype === "float32" ? new Float32Array(buf) : dtype === "float64" ? new Float64Array(buf)
      : dtype === "int32" ? new Int32Array(buf) : dtype === "uint32" ? new Uint32Array(buf) : new Uint8Array(buf);
    return np.array(typed, { shape: info.shape, dtype });
  };
  return { tensors: tensors as Record<string, SafetensorsInfo>, metadata, read };
}

/**
 * Rebuilds a pytree with the structure of `like` from safetensors bytes, checking that every
 * leaf is present with `like`'s shape and dtype (errors name the key). Number leaves of
 * `like` come back as numbers. Tensors in the file that `like` lacks are an error unless
 * `strict: false`.
 * @example
 * const model2 = nn.fromSafetensors(bytes, model);
 */
export function fromSafetensors<T>(bytes: Uint8Array, like: T, opts: { strict?: boolean } = {}): T {
  const { tensors, read } = parseSafetensors(bytes);
  const names = leafNames(like);
  const [likeLeaves, def] = tree.flatten(like);
  const missing = names.filter((n) => !(n in tensors));
  if (missing.length) throw new TypeError(`load: the file has no tensor for ${missing.map((m) => `"${m}"`).join(", ")}; it holds ${Object.keys(tensors).map((m) => `"${m}"`).join(", ") || "nothing"}.`);
  if (opts.strict !== false) {
    const wanted = new Set(names);
    const extra = Object.keys(tensors).filter((n) => !wanted.has(n));
    if (extra.length) throw new TypeError(`load: the file has tensors that \`like\` lacks: ${extra.map((m) => `"${m}"`).join(", ")}. Pass { strict: false } to ignore them.`);
  }
  const leaves = likeLeaves.map((ref, i) => {
    const name = names[i]!;
    const x = read(name);
    if (typeof ref === "number") {
      if (x.ndim !== 0) throw new TypeError(`load: "${name}" is a number in \`like\` but has shape [${x.shape}] in the file.`);
      return x.item();
    }
    if (!isArray(ref)) throw new TypeError(`load: leaf "${name}" of \`like\` must be an array or a number, got ${typeof ref}.`);
    if (x.dtype !== ref.dtype) throw new TypeError(`load: "${name}" has dtype ${x.dtype} in the file but ${ref.dtype} in \`like\`.`);
    if (x.shape.length !== ref.shape.length || x.shape.some((d, k) => d !== ref.shape[k])) {
      throw new TypeError(`load: "${name}" has shape [${x.shape}] in the file but [${ref.shape}] in \`like\`.`);
    }
    return x;
  });
  return def.unflatten<T>(leaves);
}

// Node's fs, imported only when a file is read or written. The specifier is a variable so
// bundlers for the browser leave it alone.
async function fs(op: string): Promise<{ readFile(p: string): Promise<Uint8Array>; writeFile(p: string, d: Uint8Array): Promise<void> }> {
  const specifier = "node:fs/promises";
  try {
    return await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
  } catch {
    throw new Error(`${op}: needs a file system (Node, Deno, Bun); in a browser use nn.toSafetensors / nn.fromSafetensors on bytes.`);
  }
}

/**
 * Writes a pytree of arrays to `path` as a safetensors file (see `toSafetensors`).
 * @example
 * await nn.save("model.safetensors", model);
 */
export async function save(path: string, t: unknown, opts: { metadata?: Record<string, string> } = {}): Promise<void> {
  const bytes = toSafetensors(t, opts);
  await (await fs("save")).writeFile(path, bytes);
}

/**
 * Reads a safetensors file into a pytree shaped like `like` (see `fromSafetensors`).
 * @example
 * const model2 = await nn.load("model.safetensors", model);
 */
export async function load<T>(path: string, like: T, opts: { strict?: boolean } = {}): Promise<T> {
  const data = await (await fs("load")).readFile(path);
  return fromSafetensors(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), like, opts);
}
