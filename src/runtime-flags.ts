/**
 * Node flags the service is started with (`npm start`, `npm run serve`, the benchmark). Only a
 * command-line flag sets them: V8 reads them when the heap is created. Both trade memory for
 * no measurable throughput (the figures: docs/performance.md, "Measurements behind the code"):
 * - `--max-semi-space-size=8`: under load V8 on Node 24 lets the young generation grow to tens of
 *   MiB per semi-space; a smaller cap costs throughput.
 * - `--heap-growing-percent=25`: after each full collection V8 lets the old generation grow by up
 *   to four times what is live before collecting again, which for a service with a small live
 *   heap is mostly garbage. `--optimize-for-size` saves more memory but costs throughput.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=25'];
