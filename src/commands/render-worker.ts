// A worker thread of `crjob render` over many specs (render.ts, renderSpecs): it takes specs from
// the queue it shares with the main thread and the other workers, renders (and with --outdir
// stages) them, and sends back the results by spec index, plus what it threw, if anything.
import { parentPort } from "node:worker_threads";
import { serializeError, takeSpecs, type RenderWorkerReply, type RenderWorkerWork } from "./render.js";

export function runRenderWorker(): void {
  parentPort!.once("message", (work: RenderWorkerWork) => {
    const reply: RenderWorkerReply = { results: [] };
    const thrown = takeSpecs(work.opts, new Int32Array(work.queue), (i, r) => reply.results.push([i, r]));
    if (thrown) reply.thrown = { index: thrown.index, error: serializeError(thrown.error) };
    parentPort!.postMessage(reply);
  });
}
