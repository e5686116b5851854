// JAX's type promotion table (jax.readthedocs.io "Type promotion semantics", x32 mode)
// and weak-typed JS scalars.
import { describe, expect, it } from "vitest";
import { np, config, type DType } from "graft";

const strong = (dtype: DType) => ({ dtype, weakType: false });
const weak = (dtype: DType) => ({ dtype, weakType: true });

describe("promoteTypes", () => {
  const table: [DType, DType, DType][] = [
    ["bool", "bool", "bool"], ["bool", "int32", "int32"], ["bool", "uint32", "uint32"], ["bool", "float32", "float32"],
    ["int32", "int32", "int32"], ["int32", "uint32", "int32"], ["int32", "float16", "float16"], ["int32", "float32", "float32"],
    ["uint32", "float32", "float32"], ["int32", "float64", "float64"], ["float16", "float32", "float32"],
    ["float32", "float64", "float64"], ["float32", "complex64", "complex64"], ["float64", "complex64", "complex128"],
  ];
  it.each(table)("%s + %s -> %s", (a, b, out) => {
    expect(np.promoteTypes([strong(a), strong(b)])).toEqual({ dtype: out, weakType: false });
    expect(np.promoteTypes([strong(b), strong(a)])).toEqual({ dtype: out, weakType: false });
  });
  it("weak ints and floats defer to strong types", () => {
    expect(np.promoteTypes([strong("uint32"), weak("int32")])).toEqual({ dtype: "uint32", weakType: false });
    expect(np.promoteTypes([strong("float16"), weak("float32")])).toEqual({ dtype: "float16", weakType: false });
    expect(np.promoteTypes([strong("int32"), weak("float32")])).toEqual({ dtype: "float32", weakType: true });
    expect(np.promoteTypes([strong("bool"), weak("int32")])).toEqual({ dtype: "int32", weakType: true });
    expect(np.promoteTypes([weak("int32"), weak("float32")])).toEqual({ dtype: "float32", weakType: true });
  });
});

describe("weak-typed JS numbers", () => {
  it("keep the array's dtype", () => {
    for (const d of ["float32", "float64", "int32", "uint32"] as DType[]) {
      expect(np.ones([2], { dtype: d }).mul(2).dtype).toBe(d);
    }
    expect(np.ones([2], { dtype: "int32" }).mul(2.5).dtype).toBe("float32");
    expect(np.ones([2], { dtype: "int32" }).mul(2.5).js()).toEqual([2.5, 2.5]);
    expect(np.array([true, false]).add(1).dtype).toBe("int32");
    expect(np.ones([2], { dtype: "float64" }).add(np.ones([2])).dtype).toBe("float64");
  });
  it("enableX64 makes float64 the default float", () => {
    config.update("enableX64", true);
    try {
      expect(np.array([1.5]).dtype).toBe("float64");
      expect(np.ones([2], { dtype: "int32" }).mul(0.5).dtype).toBe("float64");
    } finally { config.update("enableX64", false); }
    expect(np.array([1.5]).dtype).toBe("float32");
  });
  it("unknown dtypes name the valid ones", () => {
    expect(() => np.zeros([2], { dtype: "float7" as DType })).toThrow(/float7.*float32/);
    expect(() => config.update("nope" as "debugNans", true)).toThrow(/unknown option/);
  });
});
