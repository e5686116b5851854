// The worker half of threads.html: the same check as on the page's main thread.
import { run } from "./threads.js";

try { postMessage({ status: "done", ...(await run()) }); } catch (e) { postMessage({ status: "error", error: String(e?.stack ?? e) }); }
