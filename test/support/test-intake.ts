import { systemClock } from "../../src/domain/clock.ts";
import { generic } from "../../src/ingest/sources/generic.ts";
import { silentLogger } from "../../src/log.ts";
import { WebhookIntake } from "../../src/webhooks/intake.ts";

type IntakeOptions = ConstructorParameters<typeof WebhookIntake>[0];

/** The webhook intake as the tests build it: the generic source, no secrets, a silent log and the wall clock, unless `o` says otherwise. */
export function testIntake(o: Pick<IntakeOptions, "store" | "handlers"> & Partial<IntakeOptions>): WebhookIntake {
  return new WebhookIntake({ clock: systemClock, sources: [generic], logger: silentLogger, secrets: {}, ...o });
}
