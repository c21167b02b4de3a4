import { enableCompileCacheForAllThreads } from "../../src/config.ts";

// As the product's entry points do: the worker threads tests start (PGlite's, the chart's) and the
// processes they spawn take their type-stripped modules from Node's compile cache, so they do not
// each start Node's TypeScript stripper, a WebAssembly runtime (see enableCompileCacheForAllThreads).
enableCompileCacheForAllThreads();
