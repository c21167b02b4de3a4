import type { Presenters } from "../src/app/presenters.ts";
import { blockKitAnomalyPresenter } from "./anomaly.ts";
import { blockKitHomePresenter } from "./app-home.ts";
import { blockKitDiagnosisPresenter } from "./diagnosis.ts";
import { blockKitFeedbackPresenter } from "./feedback.ts";
import { blockKitIncidentPresenter } from "./incident-thread.ts";
import { blockKitSyncPresenter } from "./paging.ts";
import { blockKitPostmortemPresenter } from "./postmortem.ts";
import { blockKitRemediationPresenter } from "./remediation-card.ts";

/** Every capability's messages in Block Kit: the one bag the entry point (and listener tests) pass to buildServices. */
export const blockKitPresenters: Presenters = {
  incident: blockKitIncidentPresenter,
  diagnosis: blockKitDiagnosisPresenter,
  anomaly: blockKitAnomalyPresenter,
  remediation: blockKitRemediationPresenter,
  postmortem: blockKitPostmortemPresenter,
  sync: blockKitSyncPresenter,
  feedback: blockKitFeedbackPresenter,
  home: blockKitHomePresenter,
};
