// nn.save / nn.load (safetensors): byte layout against the safetensors crate's own test
// vectors, reading a file assembled with numpy by test/fixtures/gen_safetensors.py (and
// writing the same bytes back), bitwise-exact round trips of every storable dtype and of a
// module, and errors that name the offending key.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lax, np, random, tree, type NDArray } from "graft";
import * as nn from "graft/nn";

const fixture = (name: string) => join(__dirname, "../fixtures", name);
const bits = (x: NDArray) => Array.from(new Uint8Array(x.dataSync().buffer.slice(0)));
const sameBits = (a: NDArray, b: NDArray) => {
  expect(b.dtype).toBe(a.dtype);
  expect(b.shape).toEqual(a.shape);
  expect(bits(b)).toEqual(bits(a));
};

describe("safetensors layout", () => {
  // Byte vectors from huggingface/safetensors safetensors/src/tensor.rs (tests
  // test_serialization, test_serialization_forced_alignement, test_empty).
  const f32 = (shape: number[]) => np.array(new Float32Array([0, 1, 2, 3, 4, 5]), { shape });
  it("matches the reference serializer byte for byte", () => {
    expect(Array.from(nn.toSafetensors({ "attn.0": f32([1, 2, 3]) }))).toEqual([
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
      116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
      58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
      101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
      0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ]);
    expect(Array.from(nn.toSafetensors({ attn0: f32([1, 1, 2, 3]) }))).toEqual([
      72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
      121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
      91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
      115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
      32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
      160, 64,
    ]);
    expect(Array.from(nn.toSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect(Array.from(nn.toSafetensors({}, { metadata: { framework: "pt" } }))).toEqual([
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
      95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
      116, 34, 125, 125, 32, 32, 32, 32, 32,
    ]);
  });

  it("writes an aligned header and contiguous, aligned tensors", () => {
    const bytes = nn.toSafetensors({ a: np.ones([3], { dtype: "bool" }), b: np.ones([2], { dtype: "float64" }), c: np.arange(5, undefined, 1, { dtype: "int32" }) });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({
      b: { dtype: "F64", shape: [2], data_offsets: [0, 16] },
      c: { dtype: "I32", shape: [5], data_offsets: [16, 36] },
      a: { dtype: "BOOL", shape: [3], data_offsets: [36, 39] },
    });
    expect(bytes.length).toBe(8 + n + 39);
  });
});

describe("numpy-made fixture", () => {
  const expected = JSON.parse(readFileSync(fixture("safetensors_numpy.json"), "utf8"));
  const dec = (v: any): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "-0" ? -0 : v);
  const like = {
    layers: [{ weight: np.zeros([2, 3]), bias: np.zeros([4], { dtype: "float64" }) }],
    steps: np.zeros([3], { dtype: "int32" }),
    counts: np.zeros([2, 2], { dtype: "uint32" }),
    mask: np.zeros([3], { dtype: "bool" }),
    scale: np.zeros([]),
    z: np.zeros([2], { dtype: "complex64" }),
  };

  it("loads every dtype with the exact values numpy wrote", async () => {
    const t = await nn.load(fixture("safetensors_numpy.safetensors"), like);
    const got: Record<string, NDArray> = { "layers.0.weight": t.layers[0]!.weight, "layers.0.bias": t.layers[0]!.bias, steps: t.steps, counts: t.counts, mask: t.mask, scale: t.scale, z: t.z };
    for (const [name, e] of Object.entries<any>(expected.tensors)) {
      const x = got[name]!;
      expect(x.shape, name).toEqual(e.shape);
      if (e.dtype === "complex64") {
        const d = x.dataSync();
        e.data.forEach((v: any, i: number) => {
          expect(d[2 * i]).toBe(Math.fround(dec(v.re)));
          expect(d[2 * i + 1]).toBe(Math.fround(dec(v.im)));
        });
        continue;
      }
      const d = Array.from(x.dataSync() as ArrayLike<number>);
      const want = e.data.map((v: any) => (typeof v === "boolean" ? Number(v) : e.dtype === "float32" ? Math.fround(dec(v)) : dec(v)));
      d.forEach((v, i) => expect(Object.is(v, want[i]), `${name}[${i}]: ${v} vs ${want[i]}`).toBe(true));
    }
  });

  it("writes back the same bytes numpy wrote", () => {
    const bytes = new Uint8Array(readFileSync(fixture("safetensors_numpy.safetensors")));
    const { metadata } = nn.parseSafetensors(bytes);
    expect(metadata).toEqual({ format: "np", source: "gen_safetensors.py" });
    const t = nn.fromSafetensors(bytes, like);
    expect(Array.from(nn.toSafetensors(t, { metadata }))).toEqual(Array.from(bytes));
  });
});

describe("round trip", () => {
  const dir = mkdtempSync(join(tmpdir(), "graft-ckpt-"));

  it("is bitwise exact for float32/float64/int32/uint32/bool/complex and numbers", async () => {
    const specials = [NaN, -0, 0, Infinity, -Infinity, 1e-45, 5e-324, 3.4028234663852886e38, Math.PI];
    const t = {
      f32: random.normal(random.key(1), [3, 4]),
      f32s: np.array(new Float32Array(specials)),
      f64: np.array(new Float64Array(specials)),
      i32: np.array(new Int32Array([-(2 ** 31), -1, 0, 2 ** 31 - 1])),
      u32: np.array(new Uint32Array([0, 1, 2 ** 32 - 1])),
      b: np.array([[true, false], [false, true]]),
      c64: lax.complex(np.array([1.5, -0, NaN]), np.array([-2, 0.25, Infinity])),
      c128: lax.complex(np.array([1 / 3, -0], { dtype: "float64" }), np.array([Math.E, -1e-310], { dtype: "float64" })),
      scalar: np.array(2.5, { dtype: "float64" }),
      empty: np.zeros([0, 3]),
      n: 42.125,
      nested: [{ x: np.ones([2]) }, null],
    };
    const path = join(dir, "all.safetensors");
    await nn.save(path, t, { metadata: { note: "round trip" } });
    const back = await nn.load(path, t);
    expect(tree.structure(back).equals(tree.structure(t))).toBe(true);
    const [a, b] = [tree.leaves(t), tree.leaves(back)];
    a.forEach((x, i) => (typeof x === "number" ? expect(b[i]).toBe(x) : sameBits(x as NDArray, b[i] as NDArray)));
    const parsed = nn.parseSafetensors(new Uint8Array(readFileSync(path)));
    expect(parsed.tensors.c64!.dtype).toBe("C64");
    expect(parsed.tensors.c128).toEqual(expect.objectContaining({ dtype: "F64", shape: [2, 2] }));
    expect(parsed.metadata.note).toBe("round trip");
  });

  it("round-trips a module, naming tensors by field paths", async () => {
    const model = new nn.MLP({ inSize: 3, outSize: 2, widthSize: 8, depth: 2, key: random.key(0) });
    expect(nn.leafNames(model)).toEqual(["layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight", "layers.2.bias", "layers.2.weight"]);
    const path = join(dir, "mlp.safetensors");
    await nn.save(path, model);
    const like = new nn.MLP({ inSize: 3, outSize: 2, widthSize: 8, depth: 2, key: random.key(7) });
    const back = await nn.load(path, like);
    expect(back).toBeInstanceOf(nn.MLP);
    tree.leaves<NDArray>(model).forEach((x, i) => sameBits(x, tree.leaves<NDArray>(back)[i]!));
    const x = np.array([0.1, -0.2, 0.3]);
    expect(bits(back.forward(x))).toEqual(bits(model.forward(x)));
  });

  it("names the key in shape, dtype, missing and extra errors", async () => {
    const path = join(dir, "small.safetensors");
    await nn.save(path, { w: np.zeros([2, 3]), b: np.zeros([3]) });
    await expect(nn.load(path, { w: np.zeros([3, 2]), b: np.zeros([3]) })).rejects.toThrow(/"w" has shape \[2,3\] in the file but \[3,2\]/);
    await expect(nn.load(path, { w: np.zeros([2, 3], { dtype: "float64" }), b: np.zeros([3]) })).rejects.toThrow(/"w" has dtype float32 in the file but float64/);
    await expect(nn.load(path, { w: np.zeros([2, 3]), b: np.zeros([3]), c: np.zeros([1]) })).rejects.toThrow(/no tensor for "c"/);
    await expect(nn.load(path, { w: np.zeros([2, 3]) })).rejects.toThrow(/"b"/);
    const partial = await nn.load(path, { w: np.zeros([2, 3]) }, { strict: false });
    expect(partial.w.shape).toEqual([2, 3]);
    expect(() => nn.toSafetensors({ "a.b": np.zeros([1]), a: { b: np.zeros([1]) } })).toThrow(/"a\.b"/);
    expect(() => nn.fromSafetensors(new Uint8Array([1, 0, 0]), {})).toThrow(/too short/);
  });
});
