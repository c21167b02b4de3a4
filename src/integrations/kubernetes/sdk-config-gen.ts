/**
 * What `@kubernetes/client-node`'s dist/config.js (KubeConfig) imports from the SDK's generated
 * index (`./gen/index.js`), and nothing else of it: the same two SDK modules. sdk.ts's resolve hook
 * gives config.js this module for that import (see there why).
 */
export { createConfiguration } from "@kubernetes/client-node/dist/gen/configuration.js";
export { ServerConfiguration } from "@kubernetes/client-node/dist/gen/servers.js";
