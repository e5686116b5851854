// Fused kernels: a group of fusible primitives (elementwise, index remaps, inline
// reductions) becomes one WGSL kernel that computes each output element directly from the
// group's input buffers — no intermediate buffers. Each node is emitted "at an index": the
// WGSL expression of its value at a flat index of its own shape; index-remapping ops
// (broadcast, transpose, slice, ...) just emit their operand at a different index.
//
// Where every value is 4 bytes wide, a fused kernel computes 4 consecutive elements per
// invocation ("lanes"): operands read at the output's own index are loaded, and results
// stored, as one vec4; remapped operands (broadcasts, transposes, ...) are loaded per lane.
// Each lane is the scalar kernel's expression at its index, so both give the same bits.
// Measured on SwiftShader (4M floats): a copy kernel runs 2.4x faster with vec4 loads and
// stores; 64 or 128 invocations per workgroup, or 2 or 4 vec4s per invocation, were no
// faster than 256 and one, so those stay.
import type { ShapedArray } from "../../core/aval";
import type { DType } from "../../core/dtype";
import type { Params } from "../../core/primitive";
import { REDUCTIONS } from "./fuse-rules";
import { literal, load, PRELUDE, storageType, store, valueType } from "./wgsl";

/** A value inside a fused group. */
export type FNode =
  | { kind: "input"; slot: number; aval: ShapedArray }
  | { kind: "literal"; value: number; aval: ShapedArray }
  | { kind: "op"; prim: string; params: Params; args: FNode[]; aval: ShapedArray };

/** How a fusible primitive computes its value at flat index `idx` (a u32 WGSL expression). */
export type FuseRule = (k: KernelBuilder, node: Extract<FNode, { kind: "op" }>, idx: string) => string;

export const WORKGROUP = 256;

/** Row-major strides of a shape. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
}

export class KernelBuilder {
  private lines: string[] = [];
  private indent = "  ";
  private memo: Map<string, string>[] = [new Map()];
  private counter = 0;
  readonly helpers = new Set<string>();
  /** Extra module-scope declarations (workgroup arrays). */
  readonly decls: string[] = [];
  /** Lane kernels: the input slots bound as vec4 arrays, and the lane of each lane index. */
  private vec = new Set<number>();
  private lanes = new Map<string, number>();
  /** vec4 slots that were read at some other index (the kernel is rebuilt without them). */
  readonly demoted = new Set<number>();
  constructor(private readonly rules: Record<string, FuseRule>, readonly inputs: ShapedArray[]) {}

  /** Makes this a lane kernel: `idxs[l]` is lane l's flat index; vec4 element q holds them. */
  vectorize(vec: ReadonlySet<number>, idxs: readonly string[]): void {
    this.vec = new Set(vec);
    idxs.forEach((e, l) => this.lanes.set(e, l));
  }

  fresh(prefix: string): string { return `${prefix}${this.counter++}`; }
  line(s: string): void { this.lines.push(this.indent + s); }
  /** Binds `expr` to a new immutable name (deduplicated within the current block). */
  let(expr: string, type?: string): string {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(expr) || /^-?[0-9.]+u?$/.test(expr)) return expr;
    const key = `let:${expr}`;
    for (let i = this.memo.length - 1; i >= 0; i--) { const v = this.memo[i].get(key); if (v) return v; }
    const name = this.fresh("t");
    this.line(`let ${name}${type ? `: ${type}` : ""} = ${expr};`);
    this.memo[this.memo.length - 1].set(key, name);
    return name;
  }
  /** Opens a nested block (loop body); lets made inside are not visible after `close`. */
  open(header: string): void { this.line(`${header} {`); this.indent += "  "; this.memo.push(new Map()); }
  close(): void { this.memo.pop(); this.indent = this.indent.slice(2); this.line("}"); }

  /** The value of `node` at flat index `idx` of its shape. */
  value(node: FNode, idx: string): string {
    if (node.kind === "literal") return literal(node.value, node.aval.dtype);
    if (node.kind === "input") {
      const i = node.aval.size === 1 ? "0u" : idx;
      if (this.vec.has(node.slot) && i !== "0u") {
        const lane = this.lanes.get(i);
        if (lane !== undefined) return this.let(load(node.aval.dtype, `${this.let(`in${node.slot}[q]`)}.${"xyzw"[lane]}`));
        this.demoted.add(node.slot);
      }
      return this.let(load(node.aval.dtype, `in${node.slot}[${i}]`));
    }
    const key = `node:${nodeId(node)}@${idx}`;
    for (let i = this.memo.length - 1; i >= 0; i--) { const v = this.memo[i].get(key); if (v) return v; }
    const rule = this.rules[node.prim];
    if (!rule) throw new Error(`webgpu: ${node.prim} is not fusible`);
    const v = this.let(rule(this, node, node.aval.size === 1 ? "0u" : idx), valueType(node.aval.dtype));
    this.memo[this.memo.length - 1].set(key, v);
    return v;
  }
  /** Makes `node` at `idx` evaluate to `name` (a kernel-computed value, e.g. a matmul accumulator). */
  bind(node: FNode, idx: string, name: string): void {
    if (node.aval.size === 1) idx = "0u";
    this.memo[this.memo.length - 1].set(`node:${nodeId(node)}@${idx}`, name); }
  /** Coordinates of flat index `idx` in `shape`, as u32 expressions. */
  coords(idx: string, shape: readonly number[]): string[] {
    // An empty index space is never entered; avoid dividing by its zero strides.
    if (shape.includes(0)) return shape.map(() => "0u");
    const st = strides(shape);
    return shape.map((n, d) => {
      if (n === 1) return "0u";
      const q = st[d] === 1 ? idx : this.let(`(${idx} / ${st[d]}u)`);
      return d === 0 ? q : this.let(`(${q} % ${n}u)`);
    });
  }
  /** Flat index of coordinates `cs` in `shape`. */
  flat(cs: readonly string[], shape: readonly number[]): string {
    const st = strides(shape);
    const terms = cs.map((c, d) => (shape[d] === 1 || c === "0u" ? "" : st[d] === 1 ? c : `${c} * ${st[d]}u`)).filter(Boolean);
    return terms.length ? this.let(terms.join(" + ")) : "0u";
  }
  body(): string { return this.lines.join("\n"); }
}

const ids = new WeakMap<object, number>();
let nextId = 0;
function nodeId(n: object): number {
  let i = ids.get(n);
  if (i === undefined) { i = nextId++; ids.set(n, i); }
  return i;
}

/** Module-scope binding declarations: inputs read-only, then outputs; `vec` inputs (and all outputs when `vecOut`) as vec4 arrays. */
export function bindings(inputs: readonly ShapedArray[], outputs: readonly ShapedArray[], vec: ReadonlySet<number> = new Set(), vecOut = false): string {
  const ds: string[] = [];
  const t = (d: DType, v: boolean) => (v ? `vec4<${storageType(d)}>` : storageType(d));
  inputs.forEach((a, i) => ds.push(`@group(0) @binding(${i}) var<storage, read> in${i}: array<${t(a.dtype, vec.has(i))}>;`));
  outputs.forEach((a, i) => ds.push(`@group(0) @binding(${inputs.length + i}) var<storage, read_write> out${i}: array<${t(a.dtype, vecOut)}>;`));
  return ds.join("\n");
}

/** `lanes`: elements each invocation computes (4 where loads and stores are vec4). */
export interface KernelCode { code: string; wg: [number, number, number]; lanes?: number }

/** Workgroup counts covering `n` groups, folded into 2-d past the 65535 per-dimension limit. */
export function grid(n: number): [number, number, number] {
  const x = Math.min(Math.max(n, 1), 65535);
  return [x, Math.ceil(Math.max(n, 1) / x), 1];
}

export const ENTRY = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)`;

export function module(decls: string, body: string, extra: readonly string[] = []): string {
  return `${PRELUDE}\n${decls}\n${extra.join("\n")}\n${ENTRY} {\n${body}\n}\n`;
}

/** 4-byte dtypes: a vec4 of them is 4 consecutive elements of the buffer. */
const WORD = new Set<DType>(["float32", "int32", "uint32", "bool"]);

/**
 * Whether a group can run as a lane kernel: every value is one 4-byte word and no node
 * opens a loop or a block (reductions, concatenate), which lanes would repeat 4 times.
 */
function laneSafe(roots: readonly FNode[]): boolean {
  const seen = new Set<FNode>();
  const ok = (n: FNode): boolean => {
    if (seen.has(n)) return true;
    seen.add(n);
    if (!WORD.has(n.aval.dtype)) return false;
    return n.kind !== "op" || (!REDUCTIONS.has(n.prim) && n.prim !== "concatenate" && n.args.every(ok));
  };
  return roots[0].aval.size >= 4 && roots.every(ok);
}

/**
 * One kernel computing every root (all of the same size) elementwise from the group's
 * inputs: thread i writes element i of each output, or elements 4q..4q+3 in a lane kernel.
 * A lane kernel's last vec4 may run past n: buffers are allocated in whole 16-byte units
 * (backend.alloc), so it reads and writes padding that nothing else reads.
 */
export function fusedKernel(rules: Record<string, FuseRule>, inputs: ShapedArray[], roots: FNode[]): KernelCode {
  const n = roots[0].aval.size;
  if (laneSafe(roots)) {
    const vec = new Set(inputs.flatMap((a, s) => (a.size === n && WORD.has(a.dtype) ? [s] : [])));
    for (;;) {
      const k = new KernelBuilder(rules, inputs);
      const nq = Math.ceil(n / 4);
      k.line(`let q = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid.x;`);
      k.line(`if (q >= ${nq}u) { return; }`);
      k.line("let i = q * 4u;");
      const idxs = ["i", "(i + 1u)", "(i + 2u)", "(i + 3u)"];
      k.vectorize(vec, idxs);
      roots.forEach((r, j) => {
        const vs = idxs.map((e) => store(r.aval.dtype, k.value(r, e)));
        k.line(`out${j}[q] = vec4<${storageType(r.aval.dtype)}>(${vs.join(", ")});`);
      });
      if (k.demoted.size) { for (const s of k.demoted) vec.delete(s); continue; }
      const decls = bindings(inputs, roots.map((r) => r.aval), vec, true);
      return { code: module(decls, k.body(), k.decls), wg: grid(Math.ceil(nq / WORKGROUP)), lanes: 4 };
    }
  }
  const k = new KernelBuilder(rules, inputs);
  k.line(`let i = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid.x;`);
  k.line(`if (i >= ${n}u) { return; }`);
  roots.forEach((r, j) => {
    const v = k.value(r, "i");
    k.line(`out${j}[i] = ${store(r.aval.dtype, v)};`);
  });
  return { code: module(bindings(inputs, roots.map((r) => r.aval)), k.body(), k.decls), wg: grid(Math.ceil(n / WORKGROUP)) };
}
