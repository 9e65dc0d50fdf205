// A worker thread of `crjob render` over many specs (render.ts, renderSpecs): it takes specs from
// the queue it shares with the main thread and the other workers, renders (and with --outdir
// stages) them, and sends back the results by spec index, plus what it threw, if anything.
import { parentPort, workerData } from "node:worker_threads";
import { serializeError, takeSpecs, type RenderWorkerData, type RenderWorkerReply } from "./render.js";

export function runRenderWorker(): void {
  const data = workerData as RenderWorkerData;
  const reply: RenderWorkerReply = { results: [] };
  const thrown = takeSpecs(data.opts, new Int32Array(data.queue), (i, r) => reply.results.push([i, r]));
  if (thrown) reply.thrown = { index: thrown.index, error: serializeError(thrown.error) };
  parentPort!.postMessage(reply);
}
