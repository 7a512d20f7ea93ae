/**
 * Node flags the service is started with (`npm start`, `npm run serve`, the benchmark). Only a
 * command-line flag sets them: V8 reads them when the heap is created. Both trade nothing
 * measurable in throughput for memory (bench, 1,000 users, same machine):
 * - `--max-semi-space-size=8`: V8 on Node 24 lets the young generation grow to tens of MiB per
 *   semi-space under load; capped at 8 MiB, RSS under load fell from about 250 to about 180 MiB
 *   (4 MiB cost about a fifth of the throughput).
 * - `--heap-growing-percent=25`: after each full collection V8 lets the old generation grow by up
 *   to four times what is live before collecting again; the service keeps about 25 MiB live, so
 *   under load its heap filled to 65 MiB and more of garbage. Growing by a quarter, RSS after the
 *   benchmark's run fell from 201 to 142 MiB (50%: 154 MiB), one full collection more at start.
 *   `--optimize-for-size` reached 126 MiB but cost 15-40% of the throughput.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=25'];
