// nn.Module: Equinox-style immutable pytrees (equinox/_module.py), written against the public
// "graft" API only. Every subclass registers itself as a pytree node the first time one of its
// instances is constructed (`new.target` in the base constructor), so `grad`, `vmap`, `jit` and
// `tree.*` accept module instances directly.
//
// Children vs static data: a field is a child when its value holds an array or a module
// (an NDArray, a Module, or a JS array / plain object containing one); every other field
// (numbers, strings, functions, shapes, activation names, null) is static aux data, compared by
// value. Instances rebuilt by `unflatten` remember which fields were children, so a module whose
// leaves were mapped to non-arrays (e.g. `tree.map(() => 0, model)` for vmap in_axes) keeps the
// same structure.

import { isArray, tree } from "graft";

const CHILD_KEYS: unique symbol = Symbol("graft.nn.childKeys");
const registered = new WeakSet<object>();

// Aux data of a module node. `equals` compares static values deeply (functions by identity);
// `toJSON` (used when a treedef is printed, e.g. for jit's cache key) names each function by a
// per-function id so that modules differing only in a function field never print alike.
const fnIds = new WeakMap<object, number>();
let nextFnId = 0;

function jsonable(v: unknown): unknown {
  if (typeof v === "function") {
    let id = fnIds.get(v);
    if (id === undefined) fnIds.set(v, (id = nextFnId++));
    return `<function ${v.name || "anonymous"}#${id}>`;
  }
  if (Array.isArray(v)) return v.map(jsonable);
  if (v !== null && typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, jsonable((v as Record<string, unknown>)[k])]));
    }
  }
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  if (typeof v === "bigint") return `${v}n`;
  return v;
}

function staticEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => staticEqual(v, b[i]));
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  const pa = Object.getPrototypeOf(a);
  if ((pa !== Object.prototype && pa !== null) || Object.getPrototypeOf(b) !== pa) return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length &&
    ka.every((k, i) => k === kb[i] && staticEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

class Aux {
  constructor(readonly childKeys: string[], readonly staticKeys: string[], readonly staticValues: unknown[]) {}
  equals(other: unknown): boolean {
    return other instanceof Aux && staticEqual(this.childKeys, other.childKeys) &&
      staticEqual(this.staticKeys, other.staticKeys) && staticEqual(this.staticValues, other.staticValues);
  }
  toJSON(): unknown {
    return Object.fromEntries(this.staticKeys.map((k, i) => [k, jsonable(this.staticValues[i])]));
  }
}

function holdsChild(v: unknown): boolean {
  if (isArray(v) || v instanceof Module) return true;
  if (Array.isArray(v)) return v.some(holdsChild);
  if (v !== null && typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return Object.values(v).some(holdsChild);
  }
  return false;
}

function childKeysOf(m: Module): string[] {
  const remembered = (m as unknown as { [CHILD_KEYS]?: string[] })[CHILD_KEYS];
  if (remembered !== undefined) return remembered;
  return Object.keys(m).sort().filter((k) => holdsChild((m as unknown as Record<string, unknown>)[k]));
}

function flattenModule(m: Module): [unknown[], Aux] {
  const rec = m as unknown as Record<string, unknown>;
  const childKeys = childKeysOf(m);
  const isChild = new Set(childKeys);
  const staticKeys = Object.keys(m).sort().filter((k) => !isChild.has(k));
  return [childKeys.map((k) => rec[k]), new Aux(childKeys, staticKeys, staticKeys.map((k) => rec[k]))];
}

function unflattenModule(cls: abstract new (...args: any[]) => Module, aux: Aux, children: unknown[]): Module {
  const { childKeys, staticKeys, staticValues } = aux;
  const out = Object.create(cls.prototype) as Record<string, unknown>;
  // Assign in the original (sorted) order so Object.keys stays stable.
  const entries: [string, unknown][] = [
    ...childKeys.map((k, i): [string, unknown] => [k, children[i]]),
    ...staticKeys.map((k, i): [string, unknown] => [k, staticValues[i]]),
  ].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [k, v] of entries) out[k] = v;
  Object.defineProperty(out, CHILD_KEYS, { value: childKeys, enumerable: false });
  return Object.freeze(out) as unknown as Module;
}

/** Registers `cls` as a pytree node if it is not yet (idempotent). */
function ensureRegistered(cls: abstract new (...args: any[]) => Module): void {
  if (registered.has(cls)) return;
  registered.add(cls);
  tree.registerNode(cls, flattenModule, (aux: Aux, children: unknown[]) => unflattenModule(cls, aux, children));
}

/**
 * Base class of neural-network modules: immutable pytrees whose array-valued fields (and
 * nested modules, or JS arrays of them) are leaves/children and whose other fields are static.
 * Subclasses set their fields in the constructor and implement `forward` on one example.
 * @example
 * class Scale extends nn.Module {
 *   readonly s: NDArray;
 *   constructor() { super(); this.s = np.array(2); }
 *   forward(x: NDArray) { return x.mul(this.s); }
 * }
 * grad((m: Scale) => m.forward(np.array(3)))(new Scale()).s.item(); // 3
 */
export abstract class Module {
  constructor() {
    ensureRegistered(new.target);
  }

  /**
   * Registers a Module subclass as a pytree node ahead of its first construction (needed only
   * when instances are made without calling the constructor).
   */
  static register(this: abstract new (...args: any[]) => Module): void {
    ensureRegistered(this);
  }
}
