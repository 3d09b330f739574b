/**
 * # lib/serving — local SageMaker-hosting-compatible serving engine
 *
 * ```ts
 * import { startEndpoint, teardown, runBatchTransform, runLoadTest } from '../lib/serving';
 * const ep = await startEndpoint({
 *   endpointName: 'adult', port: 0, host: '127.0.0.1',
 *   variants: [{ name: 'A', modelPath: 'out/model.tar.gz', weight: 1 }],
 *   capture: { enabled: true, samplingPercentage: 100, destination: 'out/capture', prefix: 'datacapture' },
 * }, 'out');                                   // detached process; pid + port in out/endpoint/adult.json
 * // POST http://127.0.0.1:<ep.port>/invocations  (text/csv raw Adult rows, or application/json)
 * await runLoadTest({ url: ep.url, bodies: [line], sloP99Ms: 20 });
 * await teardown('out');
 * ```
 *
 * - `config.ts`   EndpointConfig + validateEndpointConfig
 * - `server.ts`   EndpointServer / serveEndpoint (in-process server: /ping, /invocations, /admin/*)
 * - `model.ts`    ServingModel (scorer + transform), request decoding, response encoding
 * - `artifact.ts` model.tar.gz / JSON model loading
 * - `capture-writer.ts` durable capture files (200 ⇒ captured line written), repairTornTails
 * - `telemetry.ts` JsonLogger, EndpointMetrics (EMF)
 * - `router.ts`   VariantRouter (weighted, seedable)
 * - `process.ts`  startEndpoint / teardown (background process, state file, reuse/restart, stale pid), runningEndpoint
 * - `client.ts`   loopbackRequest (the one HTTP client of the local endpoint, loopback only)
 * - `batch.ts`    runBatchTransform (SplitType/BatchStrategy/AssembleWith/DataProcessing for CSV)
 * - `loadtest.ts` runLoadTest / runStep (loopback-only step load test with a p99 SLO)
 */
export * from "./config";
export * from "./artifact";
export * from "./model";
export * from "./router";
export * from "./telemetry";
export * from "./capture-writer";
export * from "./server";
export * from "./process";
export * from "./client";
export * from "./batch";
export * from "./loadtest";
