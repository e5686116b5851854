// Out-of-place pytree surgery for models: `tree.at` from graft (Equinox's tree_at), under
// the name nn users look for.
import { tree } from "graft";

/** @example const m2 = nn.treeAt((m) => m.weight, linear, np.zeros([3, 2])); */
export const treeAt = tree.at;
