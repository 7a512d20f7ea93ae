/**
 * Node flags the service is started with (`npm start`, `npm run serve`, the benchmark; its
 * environment is below). Only a command-line flag sets them: V8 reads them when the heap is created.
 * Each trades memory against CPU; the figures are in docs/performance.md, "Measurements behind the code":
 * - `--max-semi-space-size=8`: under load V8 on Node 24 lets the young generation grow to tens of
 *   MiB per semi-space; a smaller cap costs throughput.
 * - `--heap-growing-percent=50`: after each full collection V8 lets the old generation grow by up
 *   to four times what is live before collecting again, which for a service with a small live
 *   heap is mostly garbage; 25 collected twice as often, for about 5 MiB less at peak.
 *   `--optimize-for-size` saves more memory but costs throughput.
 * - `--no-maglev`: Node 22 and 24 compile hot functions twice, first with the Maglev compiler and
 *   then with TurboFan; without the first, peak RSS under load was about 20 MiB lower for the same
 *   or less CPU per request. (Node 20 has Maglev off already: the flag changes nothing there.)
 * - `--no-allocation-site-pretenuring`: in 9 of 20 runs V8 decided, from the first seconds of
 *   load, to allocate the objects of a few more allocation sites straight into the old generation;
 *   objects of other sites then survived every young collection until the next full one, and the
 *   process stayed in that state: a full collection every quarter second instead of two per run,
 *   and V8's helper threads at 40–60 instead of 3–5 µs per request. With the flag, none of 20
 *   runs fell into it (docs/performance.md, "Measurements behind the code").
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=50', '--no-maglev', '--no-allocation-site-pretenuring'];

/**
 * Environment the service is started with, under what the caller already set (theirs wins).
 * - `MALLOC_ARENA_MAX=2`: glibc's malloc gives each thread that allocates an arena of its own
 *   (up to eight per core), and libuv's pool and V8's helper threads each keep one partly filled;
 *   two arenas kept peak RSS under load about 10 MiB lower. Read by glibc at process start only; other
 *   C libraries (musl) ignore it.
 */
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** `SERVER_ENV` as `NAME=value` words, for the commands the reports print. */
export const SERVER_ENV_WORDS: string = Object.entries(SERVER_ENV)
  .map(([name, value]) => `${name}=${value}`)
  .join(' ');
