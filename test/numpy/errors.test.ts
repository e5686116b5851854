/**
 * Errors from `np` (API.md "Errors"): bad input raises a TypeError / RangeError (or a
 * subclass) whose message names the operation and the offending shapes/dtypes/axes. Only
 * parts of each message are checked, never the exact wording.
 */
import { describe, expect, it } from "vitest";
import { np } from "graft";

/** The error `f` throws (failing the test if it returns). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the call to throw, but it returned");
}

function expectTypeOrRangeError(e: Error): void {
  expect(e instanceof TypeError || e instanceof RangeError, `${e?.name}: ${e?.message}`).toBe(
    true,
  );
}

describe("np errors", () => {
  it("add of non-broadcastable shapes names add and both shapes", () => {
    const a = np.zeros([3, 4]);
    const b = np.zeros([5]);
    const f = () => np.add(a, b);
    expect(f).toThrow(/add/);
    expect(f).toThrow(/\[3,4\]/);
    expect(f).toThrow(/\[5\]/);
    expectTypeOrRangeError(thrown(f));
    // the failed call leaves both arrays usable
    expect(np.add(a, a).shape).toEqual([3, 4]);
    expect(np.add(b, b).shape).toEqual([5]);
  });

  it("add errors the same way as the method form", () => {
    const a = np.ones([2, 3]);
    const f = () => a.add(np.ones([4]));
    expect(f).toThrow(/add/);
    expect(f).toThrow(/\[2,3\]/);
    expect(f).toThrow(/\[4\]/);
  });

  it("matmul with mismatched inner dimensions names matmul and both shapes", () => {
    const f = () => np.matmul(np.ones([3, 4]), np.ones([5, 6]));
    expect(f).toThrow(/matmul/);
    expect(f).toThrow(/\[3,4\]/);
    expect(f).toThrow(/\[5,6\]/);
    expectTypeOrRangeError(thrown(f));
  });

  it("matmul of vectors of different lengths names both shapes", () => {
    const f = () => np.matmul(np.ones([3]), np.ones([4]));
    expect(f).toThrow(/matmul/);
    expect(f).toThrow(/\[3\]/);
    expect(f).toThrow(/\[4\]/);
  });

  it("sum over an out-of-range axis is a RangeError naming the axis and ndim", () => {
    const x = np.ones([2, 3]);
    const f = () => np.sum(x, 5);
    expect(f).toThrow(RangeError);
    expect(f).toThrow(/sum/);
    expect(f).toThrow(/\b5\b/);
    expect(f).toThrow(/\b2\b/);
    expect(() => np.sum(x, -3)).toThrow(RangeError);
    expect(() => np.sum(x, -3)).toThrow(/-3/);
    // in-range negative axes are fine
    expect(np.sum(x, -2).shape).toEqual([3]);
  });

  it("an unknown dtype is a TypeError naming it and listing the valid dtypes", () => {
    const f = () => np.zeros([2], { dtype: "float7" as any });
    expect(f).toThrow(TypeError);
    expect(f).toThrow(/float7/);
    expect(f).toThrow(/float32/);
    expect(f).toThrow(/int32/);
    expect(f).toThrow(/bool/);
  });

  it("item() on a non-scalar names item and the shape", () => {
    const x = np.ones([2, 3]);
    const f = () => x.item();
    expect(f).toThrow(/item/);
    expect(f).toThrow(/\[2,3\]/);
    expectTypeOrRangeError(thrown(f));
    // 0-d and size-1 arrays are fine
    expect(np.array(2.5).item()).toBe(2.5);
    expect(np.ones([1, 1]).item()).toBe(1);
  });

  it("ragged nested input names 'ragged'", () => {
    const f = () => np.array([[1, 2], [3]]);
    expect(f).toThrow(/ragged/i);
    expectTypeOrRangeError(thrown(f));
  });

  it("reshape to a different size names reshape and the shapes", () => {
    const f = () => np.reshape(np.ones([2, 3]), [4]);
    expect(f).toThrow(/reshape/);
    expect(f).toThrow(/\[2,3\]/);
    expect(f).toThrow(/\[4\]/);
    expectTypeOrRangeError(thrown(f));
  });

  it("concatenate of mismatched shapes names concatenate", () => {
    const f = () => np.concatenate([np.ones([2, 3]), np.ones([2, 4])], 0);
    expect(f).toThrow(/concatenate/);
    expectTypeOrRangeError(thrown(f));
  });
});
