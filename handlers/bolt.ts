import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * `@slack/bolt`, loaded without the receivers the product does not start (#17: start → /readyz).
 * Bolt's index.js requires every receiver it exports, and App.js the Socket Mode one, at load: the
 * Express receiver brings express and body-parser, the Socket Mode one @slack/socket-mode and
 * undici — ~140 ms of the main thread's ~1.6 s of start-up CPU (a CPU profile of `npm start` in
 * sandbox mode, 2026-12-07), for receivers an HTTP-mode product never builds. A resolve hook,
 * registered before Bolt is imported, hands Bolt's require of those three a stand-in that loads the
 * real receiver the first time it is used (constructed, read, or the right side of instanceof):
 * Socket Mode (SLACK_APP_TOKEN) gets Bolt's own SocketModeReceiver, as before. Every other import
 * of Bolt's files resolves as it did.
 */

const DEFERRED = new Set(["./receivers/ExpressReceiver", "./receivers/SocketModeReceiver", "./receivers/AwsLambdaReceiver"]);
const BOLT_DIST = "/@slack/bolt/dist/";
/** The stand-in's file name ends so (no such file: the load hook gives its source); the real one is the name without it. */
const STAND_IN = ".deferred.js";

/** A CommonJS module whose default export stands in for `realPath`'s until first used (a Proxy on an empty function). */
function standInSource(realPath: string): string {
  return `"use strict";
let real;
const load = () => (real ??= require(${JSON.stringify(realPath)}).default);
Object.defineProperty(exports, "__esModule", { value: true });
exports.default = new Proxy(function DeferredReceiver() {}, {
  construct: (_target, args) => Reflect.construct(load(), args),
  get: (_target, key) => Reflect.get(load(), key),
  has: (_target, key) => Reflect.has(load(), key),
});
`;
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (!DEFERRED.has(specifier) || !context.parentURL?.includes(BOLT_DIST)) return nextResolve(specifier, context);
    const real = nextResolve(specifier, context);
    return { url: real.url.replace(/\.js$/, STAND_IN), format: "commonjs", shortCircuit: true };
  },
  load(url, context, nextLoad) {
    if (!url.endsWith(STAND_IN) || !url.includes(BOLT_DIST)) return nextLoad(url, context);
    const realPath = fileURLToPath(url.slice(0, -STAND_IN.length) + ".js");
    return { format: "commonjs", source: standInSource(realPath), shortCircuit: true };
  },
});

export const { App, Assistant, HTTPReceiver, LogLevel, SocketModeReceiver } = await import("@slack/bolt");
