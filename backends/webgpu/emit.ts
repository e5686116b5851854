// Fused kernels: a group of fusible primitives (elementwise, index remaps, inline
// reductions) becomes one WGSL kernel that computes each output element directly from the
// group's input buffers — no intermediate buffers. Each node is emitted "at an index": the
// WGSL expression of its value at a flat index of its own shape; index-remapping ops
// (broadcast, transpose, slice, ...) just emit their operand at a different index.
import type { ShapedArray } from "../../core/aval";
import type { Params } from "../../core/primitive";
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
  constructor(private readonly rules: Record<string, FuseRule>, readonly inputs: ShapedArray[]) {}

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

/** Module-scope binding declarations: inputs read-only, then outputs. */
export function bindings(inputs: readonly ShapedArray[], outputs: readonly ShapedArray[]): string {
  const ds: string[] = [];
  inputs.forEach((a, i) => ds.push(`@group(0) @binding(${i}) var<storage, read> in${i}: array<${storageType(a.dtype)}>;`));
  outputs.forEach((a, i) => ds.push(`@group(0) @binding(${inputs.length + i}) var<storage, read_write> out${i}: array<${storageType(a.dtype)}>;`));
  return ds.join("\n");
}

export interface KernelCode { code: string; wg: [number, number, number] }

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

/**
 * One kernel computing every root (all of the same size) elementwise from the group's
 * inputs: thread i writes element i of each output.
 */
export function fusedKernel(rules: Record<string, FuseRule>, inputs: ShapedArray[], roots: FNode[]): KernelCode {
  const n = roots[0].aval.size;
  const k = new KernelBuilder(rules, inputs);
  k.line(`let i = (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid.x;`);
  k.line(`if (i >= ${n}u) { return; }`);
  roots.forEach((r, j) => {
    const v = k.value(r, "i");
    k.line(`out${j}[i] = ${store(r.aval.dtype, v)};`);
  });
  return { code: module(bindings(inputs, roots.map((r) => r.aval)), k.body(), k.decls), wg: grid(Math.ceil(n / WORKGROUP)) };
}
