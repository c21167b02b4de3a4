import OpenAI from "openai";
import type { Services } from "../app/services.ts";
import { Toolsets } from "../toolsets/index.ts";
import { Assistant } from "./assistant.ts";
import { Redactor } from "../redact/redactor.ts";

/**
 * The assistant over the product's services: the shared read-only toolsets (`services.toolsets`
 * when the composition root provides them, else its own over the same ports), on-call through the
 * PagerDuty sync (which knows the Slack users), remediation for proposals, and the LLM when
 * OPENAI_API_KEY is set.
 */
export function buildAssistant(services: Services): Assistant {
  const { config } = services;
  // services.toolsets is the composition root's; the fallback keeps the assistant usable where it is not built.
  const shared = (services as Partial<Pick<Services, "toolsets">>).toolsets;
  const toolsets =
    shared ??
    new Toolsets({
      db: services.db,
      knowledge: services.knowledge,
      ports: { kubernetes: services.ports.kubernetes, metrics: services.ports.metrics, cloudwatch: services.ports.cloudwatch, pagerduty: services.ports.pagerduty },
      ...(config.kubernetes.namespaces?.length ? { kubernetes: { namespaces: config.kubernetes.namespaces } } : {}),
      disabledReasons: {
        ...(services.ports.missing.kubernetes ? { kubernetes: services.ports.missing.kubernetes } : {}),
        ...(services.ports.missing.prometheus && services.ports.missing.cloudwatch ? { metrics: `${services.ports.missing.prometheus}; ${services.ports.missing.cloudwatch}` } : {}),
        ...(services.ports.missing.pagerduty ? { pagerduty: services.ports.missing.pagerduty } : {}),
      },
    });
  const llm =
    config.openai.enabled && config.openai.apiKey
      ? {
          client: new OpenAI({ apiKey: config.openai.apiKey, ...(config.openai.baseUrl ? { baseURL: config.openai.baseUrl } : {}), maxRetries: 0, timeout: config.openai.loop.timeoutMs }),
          model: config.openai.model,
          limits: config.openai.loop,
        }
      : undefined;
  return new Assistant({
    toolsets,
    store: services.store,
    knowledge: services.knowledge,
    logger: services.logger.child({ component: "assistant" }),
    topology: () => services.topology(),
    ...(services.ports.pagerduty ? { oncall: (s: string) => services.sync.oncallFor(s) } : {}),
    remediation: services.remediation,
    redactor: Redactor.fromPatterns(config.env.AISRE_REDACT_PATTERNS),
    ...(llm ? { llm } : {}),
  });
}

const built = new WeakMap<Services, Assistant>();

/** One assistant per running product (its caches are shared by the listeners). */
export function assistantFor(services: Services): Assistant {
  let a = built.get(services);
  if (!a) built.set(services, (a = buildAssistant(services)));
  return a;
}
