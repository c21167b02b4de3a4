import type { AnomalyPresenter } from "../detect/polling/presenter.ts";
import type { FeedbackPresenter } from "../feedback/presenter.ts";
import type { HomePresenter } from "../home/presenter.ts";
import type { DiagnosisPresenter } from "../diagnose/live/view.ts";
import type { IncidentPresenter } from "../incident/presenter.ts";
import type { PostmortemPresenter } from "../postmortem/presenter.ts";
import type { RemediationPresenter } from "../remediate/presenter.ts";
import type { SyncPresenter } from "../sync/presenter.ts";

/**
 * How each capability's Slack messages look. src/ does not import blocks/: the process entry passes
 * the Block Kit presenters (handlers/app.ts) as one bag; a capability without one falls back to its
 * plain-text presenter.
 */
export interface Presenters {
  incident: IncidentPresenter;
  diagnosis?: DiagnosisPresenter;
  anomaly?: AnomalyPresenter;
  remediation?: RemediationPresenter;
  postmortem?: PostmortemPresenter;
  sync?: SyncPresenter;
  feedback?: FeedbackPresenter;
  home?: HomePresenter;
}
