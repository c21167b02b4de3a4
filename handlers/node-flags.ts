/**
 * The V8 flags the product runs with: `npm start` (package.json), the image (Dockerfile CMD) and
 * the benches that start it (bench/support/product.ts, bench/startup.bench.ts) pass these; a test
 * keeps the three in step.
 *
 * --max-semi-space-size=4: V8 sizes the young generation from the machine's memory (up to 3 × 32+
 * MiB on a machine with a few GiB), and the simulation's start-up and an alert storm allocate fast
 * enough to grow it to the top, where it stays as resident memory. At 4 MiB (measured, sandbox mode
 * on PGlite, 2026-12-05, load 4-9 on 2 cores): resident memory at ready ~520 → ~400 MiB, after
 * 15 s of 32 clients posting single alerts ~670 → ~610 MiB, acknowledged rate unchanged within the
 * noise (4 alternating pairs: 126/287/350/233 vs 350/258/352/223 per s). No cap on the old
 * generation: that would trade memory for an out-of-memory crash.
 *
 * --heap-growing-percent=20: after a major GC V8 lets the old generation grow by a factor it picks
 * from how fast GC ran (up to 4× on a busy machine, where GC is slow), so a storm's garbage grows
 * the committed heap, and resident memory, well past what is live (137 MiB live of ~360 MiB
 * committed after a 60 s storm). 1.2× instead: a 40 s storm of 200 single-alert deliveries/s,
 * sandbox mode, PGlite, load ~10 on 2 cores (bench/diag, 2026-12-06): resident memory 569 → 496
 * MiB at its end, the product's CPU 30.6 → 28.8 s (within the noise).
 *
 * --liftoff-only: WebAssembly (the embedded database, PGlite's 9 MB module) runs on V8's baseline
 * compiler only. With V8's optimizing tier, the database's first queries had TurboFan compile its
 * hot functions in the background as the product started: ~1.5 s of CPU on the helper threads and
 * ~500 MiB of compiler memory for about 1.5 s (PGlite opened alone: 674–710 → 166 MiB peak resident;
 * the product's RSS peaked at 720–810 MiB a few seconds after a start, then fell to ~280), which a
 * container's memory limit would meet at every start. In the startup bench (sandbox mode, 2 cores,
 * 2026-12-06) the product's CPU to /readyz 4.1 → 2.3 s and a warm start's /readyz 2.85 → 1.7 s. The
 * price, in a storm (bench/support/storm-statements.ts, 2 pairs): the database thread's CPU per
 * delivery +7 % (2.84/2.59 → 3.05/2.75 ms), the GC and compiler helpers' −0.2 ms, the total even.
 */
export const PRODUCT_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=4", "--heap-growing-percent=20", "--liftoff-only"];

/**
 * The environment the product starts with (`npm start` sets it before `node`, the image with ENV, the
 * benches in the child's environment; a test keeps the three in step): glibc's allocator, which
 * only reads it when the process starts.
 *
 * By default glibc gives each thread that allocates its own arena (up to 8 per core) and raises its
 * mmap threshold as large blocks are freed, so a large allocation's memory is kept in an arena
 * after it is freed. The product's threads (V8's compiler and GC threads, libuv's pool, the
 * embedded database's worker) allocate hundreds of MiB of short-lived memory at times (V8 reported
 * a peak of ~620 MiB of malloced zone memory per isolate in a storm), and the arenas kept much of
 * it: in sandbox mode after a 180 s storm of 200 single-alert deliveries/s, ~200 MiB of the
 * product's ~500 MiB resident memory was malloc's (the main heap 66 MiB, six more arenas 136 MiB).
 * Two arenas, a fixed 128 KiB mmap threshold (larger blocks are mapped and unmapped, so freed ones
 * go back to the system) and a 128 KiB trim threshold: 500 → 389–405 MiB at the end of the same
 * storm (bench/storm, STORM_PROFILE=0 STORM_SECONDS=180, load 13–15 on 2 cores, 2026-12-06).
 * Ignored where the C library is not glibc (macOS, musl).
 *
 * NODE_COMPILE_CACHE: Node's compile cache from the process's first module on. handlers/main.ts
 * enables it itself, but only once it runs: the entry was type-stripped before that, without the
 * cache, and stripping loads Node's TypeScript stripper (amaro: swc compiled to WebAssembly, its
 * module, instance memory and code) into the main thread for good. A TypeScript entry read from a
 * warm cache instead: 62 → 45 MiB resident for a one-line script; in the product (sandbox mode,
 * PGlite) the main thread no longer holds amaro's script, WebAssembly module and memory (heap
 * snapshots at 14 s and 105 s of a storm). The folder is Node's own default (`<tmp>/node-compile-cache`,
 * which enableCompileCacheForAllThreads keeps); the image's /tmp is writable.
 */
export const PRODUCT_ENV: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES: "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072",
  NODE_COMPILE_CACHE: "/tmp/node-compile-cache",
};
