// Clinician: one patient's journey as a timeline in date order, live over
// WatchPatientJourney (a Connect server stream), with the care team, its
// handoffs, and the patient's consents and objections.
import type { Ctx } from "../app";
import * as auth from "../auth";
import { h, table, uniqueId } from "../dom";
import { formatDate, formatDateTime, formatDay } from "../format";
import { HandoffKind, HandoffStatus } from "../gen/stafett/continuity/v1/continuity_pb";
import { EntryKind, type JourneyEntry } from "../gen/stafett/handoffs/v1/handoffs_service_pb";
import * as labels from "../labels";
import { timestampDate } from "@bufbuild/protobuf/wkt";

const patientPattern = /^pt_[a-z2-7]+$/;

export async function render(ctx: Ctx): Promise<void> {
  const { tr, main } = ctx;
  const inputId = uniqueId("patient");
  const hintId = uniqueId("patient-hint");
  const input = h("input", { id: inputId, name: "patient", type: "text", autocomplete: "off", spellcheck: "false", size: 40, "aria-describedby": hintId });
  const formError = h("p", { class: "error", role: "alert", id: hintId, hidden: true });
  const form = h(
    "form",
    { class: "patient-form" },
    h("div", { class: "field" }, h("label", { for: inputId }, tr.t("clinician.patient")), input),
    h("button", { type: "submit" }, tr.t("clinician.open")),
    formError,
  );
  const mine = h("section", { "aria-labelledby": "mine-h" }, h("h2", { id: "mine-h" }, tr.t("clinician.mine")));
  const patientArea = h("div", { class: "patient-area" });
  main.replaceChildren(h("h1", {}, tr.t("clinician.title")), h("h2", { class: "visually-hidden" }, tr.t("clinician.choose")), form, mine, patientArea);

  let open: AbortController | undefined;
  const openPatient = (pid: string) => {
    open?.abort();
    open = new AbortController();
    ctx.signal.addEventListener("abort", () => open?.abort(), { once: true });
    input.value = pid;
    const q = new URLSearchParams(location.search);
    q.set("patient", pid);
    history.replaceState(null, "", `${location.pathname}?${q}`);
    void showPatient(ctx, pid, patientArea, open.signal);
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const pid = input.value.trim();
    if (!patientPattern.test(pid)) {
      formError.textContent = tr.t("clinician.invalid");
      formError.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    formError.hidden = true;
    input.removeAttribute("aria-invalid");
    openPatient(pid);
  });

  const first = new URLSearchParams(location.search).get("patient") ?? auth.patientHint();
  if (first && patientPattern.test(first)) openPatient(first);
  await listMine(ctx, mine, openPatient);
}

/** Patients at the clinician's unit with dates at risk, stalled pathways or no named person. */
async function listMine(ctx: Ctx, section: HTMLElement, openPatient: (pid: string) => void): Promise<void> {
  const { tr } = ctx;
  const body = h("div", {});
  section.append(body);
  try {
    const [risks, alone, stalled] = await Promise.all([
      ctx.api.handoffs.listDeadlineRisks({ withinDays: 60 }, { signal: ctx.signal }),
      ctx.api.handoffs.listPatientsWithoutContact({}, { signal: ctx.signal }),
      ctx.api.handoffs.listStalledPathways({}, { signal: ctx.signal }),
    ]);
    const reasons = new Map<string, string[]>();
    const add = (pid: string, why: string) => {
      const list = reasons.get(pid) ?? [];
      if (!list.includes(why)) list.push(why);
      reasons.set(pid, list);
    };
    for (const r of risks.risks) add(r.patientId, `${tr.code("risk.", `RISK_KIND_${["UNSPECIFIED", "ASSESSMENT", "CARE_START", "MILESTONE"][r.kind]}`)}: ${formatDay(tr, r.dueDate)}`);
    for (const p of stalled.pathways) add(p.patientId, `${tr.t("clinician.reason.stalled")}: ${tr.code("milestone.", p.milestone)}`);
    for (const p of alone.patients) add(p.patientId, tr.t("clinician.reason.alone"));
    if (reasons.size === 0) {
      body.replaceChildren(h("p", { class: "empty" }, tr.t("clinician.mine.empty")));
      return;
    }
    body.replaceChildren(
      h("ul", { class: "mine" }, ...[...reasons].map(([pid, why]) => {
        const b = h("button", { type: "button", class: "link" }, pid);
        b.addEventListener("click", () => openPatient(pid));
        return h("li", {}, b, h("span", { class: "reasons" }, ` — ${why.join("; ")}`));
      })),
    );
  } catch (e) {
    ctx.fail(e, body);
  }
}

async function showPatient(ctx: Ctx, pid: string, area: HTMLElement, signal: AbortSignal): Promise<void> {
  const { tr } = ctx;
  const status = h("p", { class: "live-status", "data-live": "connecting" }, tr.t("journey.connecting"));
  const timeline = h("ol", { class: "timeline", "aria-labelledby": "journey-h" });
  const journeyBody = h("div", {}, status, timeline);
  const objections = h("div", {});
  const team = h("div", { "aria-busy": "true" });
  const consents = h("div", { "aria-busy": "true" });
  area.replaceChildren(
    h("h2", { class: "patient-id" }, pid),
    h("div", { class: "columns" },
      h("section", { class: "journey", "aria-labelledby": "journey-h" }, h("h3", { id: "journey-h" }, tr.t("journey.title")), journeyBody),
      h("div", { class: "side" },
        h("section", { "aria-labelledby": "team-h" }, h("h3", { id: "team-h" }, tr.t("team.title")), team),
        h("section", { "aria-labelledby": "consents-h" }, h("h3", { id: "consents-h" }, tr.t("consents.title")), consents),
        h("section", { "aria-labelledby": "objections-h" }, h("h3", { id: "objections-h" }, tr.t("objections.title")),
          h("p", { class: "hint" }, tr.t("objections.intro")), objections))),
  );
  void loadTeam(ctx, pid, team, signal);
  void loadConsents(ctx, pid, consents, signal);

  // The watch sends each commit's entries once: first the journey so far,
  // then what is new. One commit may hold several entries (one sequence).
  const entries: JourneyEntry[] = [];
  let first = true;
  try {
    for await (const msg of ctx.api.handoffs.watchPatientJourney({ patientId: pid }, { signal })) {
      const fresh = msg.entries;
      entries.push(...fresh);
      renderTimeline(ctx, timeline, entries, first ? new Set() : new Set(fresh.map((e) => e.sequence)));
      renderObjections(ctx, objections, entries);
      if (first) {
        status.textContent = tr.t("journey.live");
        status.dataset.live = "open";
        document.body.dataset.ready = "clinician";
        first = false;
      } else if (fresh.length > 0) {
        ctx.announce(tr.t("journey.new", { n: fresh.length }));
      }
    }
    if (!signal.aborted) ended();
  } catch (e) {
    if (signal.aborted) return;
    if (first) {
      ctx.fail(e, journeyBody);
      return;
    }
    ctx.fail(e, status);
    ended();
  }

  function ended(): void {
    status.dataset.live = "ended";
    const again = h("button", { type: "button", class: "secondary" }, tr.t("journey.reconnect"));
    again.addEventListener("click", () => void showPatient(ctx, pid, area, signal));
    status.replaceChildren(tr.t("journey.ended"), " ", again);
  }
}

/** Date order: by when it happened, then by stream order. */
export function inDateOrder(entries: JourneyEntry[]): JourneyEntry[] {
  const at = (e: JourneyEntry) => (e.at ? timestampDate(e.at).getTime() : 0);
  return [...entries].sort((a, b) => at(a) - at(b) || (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0));
}

function renderTimeline(ctx: Ctx, ol: HTMLElement, entries: JourneyEntry[], fresh: Set<bigint>): void {
  const { tr, units } = ctx;
  if (entries.length === 0) {
    ol.replaceChildren(h("li", { class: "empty" }, tr.t("journey.empty")));
    return;
  }
  ol.replaceChildren(...inDateOrder(entries).map((e) => {
    const when = e.at ? timestampDate(e.at) : undefined;
    const details: string[] = [];
    const code = labels.codeLabel(tr, e.code);
    if (code) details.push(code);
    if (e.unit && (e.unit.herId || e.unit.orgNumber)) details.push(tr.t("journey.at", { unit: units.name(e.unit) }));
    if (e.professionalId) details.push(tr.t("journey.by", { who: e.professionalId }));
    return h(
      "li",
      { class: `entry cat-${e.category}${fresh.has(e.sequence) ? " new" : ""}`, "data-at": when?.toISOString() ?? "", "data-seq": String(e.sequence), "data-kind": EntryKind[e.kind] ?? "" },
      h("time", { datetime: when?.toISOString() ?? "" }, when ? formatDateTime(tr, when) : ""),
      h("span", { class: "kind" }, labels.entryKind(tr, e.kind)),
      details.length ? h("span", { class: "details" }, details.join(" · ")) : null,
    );
  }));
}

function renderObjections(ctx: Ctx, where: HTMLElement, entries: JourneyEntry[]): void {
  const { tr } = ctx;
  const objs = inDateOrder(entries).filter((e) => e.kind === EntryKind.OBJECTION_RECORDED || e.kind === EntryKind.OBJECTION_LIFTED);
  if (objs.length === 0) {
    where.replaceChildren(h("p", { class: "empty" }, tr.t("objections.empty")));
    return;
  }
  where.replaceChildren(h("ul", {}, ...objs.map((e) => h("li", {},
    e.at ? h("time", { datetime: timestampDate(e.at).toISOString() }, formatDate(tr, timestampDate(e.at))) : null, " ",
    e.kind === EntryKind.OBJECTION_RECORDED ? tr.t("objections.recorded", { cat: labels.codeLabel(tr, e.code) }) : tr.t("objections.lifted"),
    e.professionalId ? ` — ${e.professionalId}` : ""))));
}

async function loadTeam(ctx: Ctx, pid: string, where: HTMLElement, signal: AbortSignal): Promise<void> {
  const { tr, units } = ctx;
  try {
    const team = await ctx.api.continuity.getCareTeam({ patientId: pid }, { signal });
    const d = (x: Date | undefined) => (x ? formatDate(tr, x) : "");
    const rels = team.relationships.length === 0
      ? h("p", { class: "empty" }, tr.t("team.empty"))
      : table(tr.t("team.title"), [tr.t("team.professional"), tr.t("col.role"), tr.t("col.unit"), tr.t("team.since"), tr.t("team.until"), tr.t("team.contacts")],
        team.relationships.map((r) => [
          h("span", {}, r.professionalId, r.chosenByPatient ? h("span", { class: "badge" }, tr.t("team.chosen")) : null),
          labels.role(tr, r.role), units.name(r.unit), d(labels.date(r.startedAt)),
          r.active ? h("span", { class: "badge active" }, tr.t("team.active")) : d(labels.date(r.endedAt)),
          String(r.contactCount),
        ]), { class: "team" });
    const byRel = new Map(team.relationships.map((r) => [r.relationshipId, r]));
    const handoffs = team.handoffs.length === 0
      ? h("p", { class: "empty" }, tr.t("handoffs.empty"))
      : h("ul", { class: "handoffs" }, ...team.handoffs.map((ho) => {
        const done = ho.status === HandoffStatus.COMPLETED;
        const kind = done ? ho.completedKind : ho.kind;
        const warm = kind === HandoffKind.WARM;
        return h("li", { class: `handoff ${warm ? "warm" : "cold"}` },
          h("span", { class: `badge ${warm ? "warm" : "cold"}` }, tr.t(warm ? "handoff.WARM" : "handoff.COLD")),
          done ? null : h("span", { class: "badge" }, tr.t("handoff.planned")), " ",
          tr.t("handoff.line", { from: byRel.get(ho.fromRelationshipId)?.professionalId ?? "?", to: ho.toProfessionalId, role: labels.role(tr, ho.toRole), unit: units.name(ho.toUnit) }),
          ho.completedAt ? ` · ${formatDate(tr, labels.date(ho.completedAt)!)}` : "");
      }));
    where.replaceChildren(
      team.withoutContact ? h("p", { class: "warning" }, tr.t("team.withoutContact")) : "",
      rels,
      h("h4", {}, tr.t("handoffs.title")),
      handoffs,
    );
  } catch (e) {
    ctx.fail(e, where);
  } finally {
    where.removeAttribute("aria-busy");
  }
}

async function loadConsents(ctx: Ctx, pid: string, where: HTMLElement, signal: AbortSignal): Promise<void> {
  const { tr, units } = ctx;
  try {
    const r = await ctx.api.consent.listConsents({ patientId: pid, includeInactive: true }, { signal });
    where.replaceChildren(r.consents.length === 0
      ? h("p", { class: "empty" }, tr.t("consents.empty"))
      : table(tr.t("consents.title"), [tr.t("consents.grantee"), tr.t("consents.categories"), tr.t("consents.purpose"), tr.t("consents.granted"), tr.t("consents.status")],
        r.consents.map((c) => [
          labels.grantee(tr, units, c.grantee), c.categories.map((x) => labels.category(tr, x)).join(", "), labels.purpose(tr, c.purpose),
          c.grantedAt ? formatDate(tr, labels.date(c.grantedAt)!) : "",
          c.withdrawnAt ? tr.t("consents.withdrawnOn", { date: formatDate(tr, labels.date(c.withdrawnAt)!) }) : tr.t("consents.active"),
        ])));
  } catch (e) {
    ctx.fail(e, where);
  } finally {
    where.removeAttribute("aria-busy");
  }
}
