import { expect, it } from "vitest";
import { np, nnFunctions } from "graft";
import * as nn from "graft/nn";

it("graft/nn re-exports the activations of nnFunctions", () => {
  const x = np.array([-2, 0, 3]);
  expect(nn.relu(x).js()).toEqual([0, 0, 3]);
  expect(nn.softmax(x).js()).toEqual(nnFunctions.softmax(x).js());
});
