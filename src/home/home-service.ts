import type { Clock } from "../domain/clock.ts";
import { titleOf } from "../incident/lookup.ts";
import type { Incident } from "../domain/incident.ts";
import { gradeOfScore, incidentScore } from "../domain/grades.ts";
import type { IncidentEvents } from "../incident/incident-events.ts";
import type { SlackPort } from "../integrations/slack/slack-port.ts";
import type { Logger } from "../log.ts";
import { checkApprover } from "../remediate/approvers.ts";
import { cardPurpose } from "../remediate/card-publisher.ts";
import type { AutomationState } from "../remediate/kill-switch.ts";
import type { RemediationAction } from "../remediate/types.ts";
import type { Store } from "../store/store.ts";
import type { OncallPerson } from "../sync/presenter.ts";
import type { HomeApproval, HomeIncident, HomeResolved, HomeView } from "./home-view.ts";
import { plainHomePresenter, type HomePresenter } from "./presenter.ts";

/** What Home needs from remediation. */
export interface HomeRemediation {
  /** The kill switch governing a workspace (the person's; default: the default workspace's). */
  automation(teamId?: string): Promise<AutomationState>;
  pending(): Promise<RemediationAction[]>;
  onChange(fn: () => void): () => void;
}

export interface HomeServiceOptions {
  store: Store;
  slack: SlackPort;
  clock: Clock;
  logger: Logger;
  incidents: { events: IncidentEvents };
  remediation: HomeRemediation;
  /** Who is on call for a service (PagerDuty); absent: nobody is listed, with `oncallNote`. */
  oncall?: (service: string) => Promise<OncallPerson[]>;
  oncallNote?: string;
  /** Services to show on call for when no incident is open. */
  knownServices?: () => Promise<string[]>;
  /** Other sources of change (feedback grades) that republish Home. */
  changes?: Array<(fn: () => void) => () => void>;
  presenter?: HomePresenter;
  /** Quiet time after a change before republishing (changes come in bursts). Default 3 s. */
  debounceMs?: number;
  /** Republish anyway this often (wall time), so ages and on-call stay current. Default 60 s; 0 = off. */
  refreshMs?: number;
  /** How many resolved incidents Home lists. Default 5. */
  resolvedCount?: number;
}

/**
 * The Home tab (`app_home_opened` → `views.publish`), kept current: people who opened Home are
 * remembered in the store, and their Home is republished (debounced) when incidents open, change
 * status or severity, when actions wait for approval or are decided, when automation is switched
 * and when someone grades aisre; and once a minute, so ages stay true.
 */
export class HomeService {
  private readonly o: HomeServiceOptions;
  private readonly presenter: HomePresenter;
  private timer?: NodeJS.Timeout;
  private interval?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private readonly offs: Array<() => void> = [];

  constructor(o: HomeServiceOptions) {
    this.o = o;
    this.presenter = o.presenter ?? plainHomePresenter;
  }

  start(): void {
    const ev = this.o.incidents.events;
    const poke = () => this.changed();
    for (const name of ["opened", "status", "severity"] as const) {
      ev.on(name, poke);
      this.offs.push(() => ev.off(name, poke));
    }
    this.offs.push(this.o.remediation.onChange(poke));
    for (const sub of this.o.changes ?? []) this.offs.push(sub(poke));
    const every = this.o.refreshMs ?? 60_000;
    if (every > 0) {
      this.interval = setInterval(poke, every);
      this.interval.unref?.();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.offs.splice(0)) off();
    clearInterval(this.interval);
    clearTimeout(this.timer);
    await this.running;
  }

  /** Something Home shows changed: republish to everyone who opened it, after the debounce. */
  changed(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.republishAll()
        .then(() => undefined)
        .catch((e: unknown) => this.o.logger.warn({ err: e }, "Home republish failed"))
        .finally(() => {
          this.running = undefined;
          if (this.again) {
            this.again = false;
            this.changed();
          }
        });
    }, this.o.debounceMs ?? 3000);
    this.timer.unref?.();
  }

  /** Resolves when no republish is scheduled or running. */
  async idle(): Promise<void> {
    while (this.timer || this.running) await (this.running ?? new Promise((r) => setTimeout(r, 20)));
  }

  /** Someone opened Home: remember them and publish their view now. */
  async opened(user: string): Promise<void> {
    await this.o.store.appHome.opened(user);
    await this.publish(user);
  }

  async republishAll(): Promise<number> {
    let n = 0;
    for (const user of await this.o.store.appHome.viewers()) {
      if (this.stopped) break;
      if (
        await this.publish(user).then(
          () => true,
          (e: unknown) => {
            this.o.logger.warn({ err: e, user }, "Home publish failed");
            return false;
          },
        )
      )
        n++;
    }
    return n;
  }

  async publish(user: string): Promise<void> {
    const view = this.presenter.home(await this.view(user));
    const r = await this.o.slack.call("views.publish", { user_id: user, view });
    if (!r.ok) throw new Error(`views.publish for ${user} failed: ${r.error.code}`);
  }

  private async permalink(incidentId: string, purpose = "root"): Promise<string | undefined> {
    const ref = (await this.o.store.slackMessages.get(incidentId, purpose)) ?? (purpose !== "root" ? await this.o.store.slackMessages.get(incidentId, "root") : undefined);
    if (!ref) return undefined;
    const r = await this.o.slack.call("chat.getPermalink", { channel: ref.channel, message_ts: ref.ts });
    return r.ok && typeof r.data.permalink === "string" ? r.data.permalink : undefined;
  }

  /** Everything one person's Home shows, now. */
  async view(user: string): Promise<HomeView> {
    const now = this.o.clock.now();
    const s = this.o.store;
    const openIncidents = await s.incidents.listOpen();
    const open: HomeIncident[] = await Promise.all(
      [...openIncidents].reverse().map(async (i: Incident) => {
        const card = await s.incidents.card(i.id);
        const d = card.diagnosis;
        const permalink = await this.permalink(i.id);
        return {
          id: i.id,
          title: titleOf(i, card),
          severity: i.severity,
          status: i.status,
          services: i.services,
          createdAt: i.createdAt,
          ageMs: Math.max(0, now - Date.parse(i.createdAt)),
          ...(permalink ? { permalink } : {}),
          ...(d?.cause ? { cause: d.cause } : {}),
          ...(typeof d?.confidence === "number" ? { confidence: d.confidence } : {}),
        };
      }),
    );
    // Most severe first, then the newest.
    open.sort((a, b) => a.severity.localeCompare(b.severity) || Date.parse(b.createdAt) - Date.parse(a.createdAt));

    const approvals: HomeApproval[] = [];
    const members = new Map<string, boolean>();
    for (const a of await this.o.remediation.pending()) {
      if (a.approvedBy.includes(user)) continue;
      const key = a.detail.approvers.join(",");
      if (!members.has(key)) members.set(key, (await checkApprover(this.o.slack, a.detail.approvers, user)).allowed);
      if (!members.get(key)) continue;
      const permalink = await this.permalink(a.incidentId, cardPurpose(a.id));
      approvals.push({ actionId: a.id, incidentId: a.incidentId, title: a.detail.title, service: a.target.service, approvals: a.approvedBy.length, required: a.requiredApprovals, ...(permalink ? { permalink } : {}) });
    }

    let services = [...new Set(openIncidents.flatMap((i) => i.services))];
    if (services.length === 0) services = ((await this.o.knownServices?.().catch(() => [])) ?? []).slice(0, 6);
    const oncall = this.o.oncall ? await Promise.all(services.slice(0, 8).map(async (service) => ({ service, people: await this.o.oncall!(service).catch(() => []) }))) : [];
    const oncallNote = this.o.oncall ? (oncall.some((o) => o.people.length) ? undefined : services.length ? "Nobody is on call for these services in PagerDuty." : "No services known yet.") : this.o.oncallNote;

    const resolved: HomeResolved[] = await Promise.all(
      (await s.feedback.recentResolved(this.o.resolvedCount ?? 5)).map(async (r) => {
        const grades = r.grades.map((g) => g.grade);
        const score = incidentScore(grades);
        const permalink = await this.permalink(r.id);
        return {
          id: r.id,
          title: r.title,
          severity: r.severity,
          resolvedAt: r.resolvedAt,
          ...(r.cause ? { cause: r.cause } : {}),
          ...(r.confidence !== undefined ? { confidence: r.confidence } : {}),
          ...(score !== undefined
            ? {
                score,
                grade: gradeOfScore(
                  score,
                  grades.some((g) => g !== "unknown"),
                ),
              }
            : {}),
          graders: grades.length,
          ...(permalink ? { permalink } : {}),
        };
      }),
    );
    const graded = resolved.filter((r) => r.score !== undefined);
    return {
      user,
      now,
      open,
      approvals,
      oncall,
      ...(oncallNote ? { oncallNote } : {}),
      // The switch of the person's workspace (learnt from their requests; with one workspace, the one switch).
      automation: await this.o.remediation.automation((await this.o.store.slackUserWorkspaces.get(user).catch(() => undefined))?.teamId),
      resolved,
      ...(graded.length ? { accuracy: { graded: graded.length, meanScore: Math.round(graded.reduce((t, r) => t + (r.score ?? 0), 0) / graded.length) } } : {}),
    };
  }
}
