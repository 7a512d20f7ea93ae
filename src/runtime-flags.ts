/**
 * Node flags the service is started with (`npm start`, `npm run serve`, the benchmark). V8 on
 * Node 24 lets the young generation grow to tens of MiB per semi-space under load: with a cap of
 * 8 MiB the service's RSS under the benchmark's load fell from about 250 to about 180 MiB with no
 * loss of throughput (4 MiB cost about a fifth of it). Only a command-line flag sets it: V8 reads
 * it when the heap is created.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
