// Ops: the de-identified picture of how units hand patients on. Every
// figure comes from an ops answer, which carries counts only; a cell of
// fewer than 5 patients arrives without its figures and is shown hidden.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Ctx } from "../app";
import { h, uniqueId } from "../dom";
import { formatDay, formatDays, isoDay, startOfOsloDay } from "../format";
import { drawGraph, graphTables, legend, suppressedCell } from "../graph";
import type { UnitRef } from "../gen/stafett/events/v1/types_pb";

const riskWindows = [14, 30, 60, 90];

interface Filter {
  from?: string;
  to?: string;
  within: number;
}

function readFilter(): Filter {
  const q = new URLSearchParams(location.search);
  const day = (k: string) => (/^\d{4}-\d{2}-\d{2}$/.test(q.get(k) ?? "") ? q.get(k)! : undefined);
  const within = Number(q.get("within"));
  return { from: day("from"), to: day("to"), within: riskWindows.includes(within) ? within : 30 };
}

function writeFilter(f: Filter): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of [["from", f.from], ["to", f.to], ["within", String(f.within)]] as const) {
    if (v) q.set(k, v);
    else q.delete(k);
  }
  history.replaceState(null, "", `${location.pathname}?${q}`);
}

export async function render(ctx: Ctx): Promise<void> {
  const { tr, main } = ctx;
  const filter = readFilter();
  const graphSection = h("section", { "aria-labelledby": "graph-h" });
  const stalledSection = h("section", { "aria-labelledby": "stalled-h" });
  const risksSection = h("section", { "aria-labelledby": "risks-h" });
  const aloneSection = h("section", { "aria-labelledby": "alone-h" });

  // The time filter: a period for the graph.
  const fromId = uniqueId("from");
  const toId = uniqueId("to");
  const fromInput = h("input", { type: "date", id: fromId, name: "from", value: filter.from ?? "" });
  const toInput = h("input", { type: "date", id: toId, name: "to", value: filter.to ?? "", max: isoDay(new Date()) });
  const filterError = h("p", { class: "error", role: "alert", hidden: true });
  const showing = h("p", { class: "filter-status" });
  const reset = h("button", { type: "button", class: "secondary" }, tr.t("filter.reset"));
  const form = h(
    "form",
    { class: "filter" },
    h(
      "fieldset",
      {},
      h("legend", {}, tr.t("filter.legend")),
      h("div", { class: "field" }, h("label", { for: fromId }, tr.t("filter.from")), fromInput),
      h("div", { class: "field" }, h("label", { for: toId }, tr.t("filter.to")), toInput),
      h("button", { type: "submit" }, tr.t("filter.apply")),
      reset,
    ),
    filterError,
    showing,
  );
  const showFilter = () => {
    showing.textContent = filter.from || filter.to
      ? tr.t("filter.showing", { from: filter.from ? formatDay(tr, filter.from) : "…", to: filter.to ? formatDay(tr, filter.to) : "…" })
      : tr.t("filter.showing.all");
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const from = fromInput.value || undefined;
    const to = toInput.value || undefined;
    if (from && to && to < from) {
      filterError.textContent = tr.t("filter.invalid");
      filterError.hidden = false;
      toInput.setAttribute("aria-invalid", "true");
      toInput.focus();
      return;
    }
    filterError.hidden = true;
    toInput.removeAttribute("aria-invalid");
    Object.assign(filter, { from, to });
    writeFilter(filter);
    showFilter();
    void loadGraph();
  });
  reset.addEventListener("click", () => {
    fromInput.value = "";
    toInput.value = "";
    Object.assign(filter, { from: undefined, to: undefined });
    writeFilter(filter);
    showFilter();
    void loadGraph();
  });
  showFilter();

  main.replaceChildren(
    h("h1", {}, tr.t("ops.title")),
    h("p", { class: "lead" }, tr.t("ops.intro")),
    form,
    graphSection,
    stalledSection,
    risksSection,
    aloneSection,
  );

  const unitCells = (u: UnitRef | undefined) => [ctx.units.name(u), ctx.units.kind(u)];

  const graphBody = h("div", { class: "graph-body", "aria-busy": "true" });
  graphSection.append(h("h2", { id: "graph-h" }, tr.t("graph.title")), h("p", {}, tr.t("graph.desc")), legend(tr), graphBody);
  async function loadGraph(): Promise<void> {
    graphBody.setAttribute("aria-busy", "true");
    try {
      const g = await ctx.api.handoffs.getHandoffGraph(
        {
          from: filter.from ? timestampFromDate(startOfOsloDay(filter.from)) : undefined,
          // "To" includes the whole day.
          to: filter.to ? timestampFromDate(new Date(startOfOsloDay(filter.to).getTime() + 86_400_000 - 1)) : undefined,
        },
        { signal: ctx.signal },
      );
      if (g.nodes.length === 0 && g.edges.length === 0) {
        graphBody.replaceChildren(h("p", { class: "empty" }, tr.t("graph.empty")));
      } else {
        graphBody.replaceChildren(await drawGraph(tr, ctx.units, g), graphTables(tr, ctx.units, g));
      }
    } catch (e) {
      ctx.fail(e, graphBody);
    } finally {
      graphBody.removeAttribute("aria-busy");
    }
  }

  const stalledBody = h("div", {});
  stalledSection.append(h("h2", { id: "stalled-h" }, tr.t("stalled.title")), h("p", {}, tr.t("stalled.intro")), stalledBody);
  async function loadStalled(): Promise<void> {
    try {
      const r = await ctx.api.handoffs.listStalledPathways({}, { signal: ctx.signal });
      stalledBody.replaceChildren(
        r.counts.length === 0
          ? h("p", { class: "empty" }, tr.t("stalled.empty"))
          : countTable(tr.t("stalled.title"), [tr.t("col.unit"), tr.t("col.kind"), tr.t("col.milestone"), tr.t("col.patients"), tr.t("col.median"), tr.t("col.max")],
            r.counts.map((c) => [
              ...unitCells(c.unit), tr.code("milestone.", c.milestone),
              suppressedCell(tr, c.patients, c.suppressed),
              c.suppressed || c.medianDaysOverdue === undefined ? suppressedCell(tr, undefined, true) : formatDays(tr, c.medianDaysOverdue),
              c.suppressed || c.maxDaysOverdue === undefined ? suppressedCell(tr, undefined, true) : formatDays(tr, c.maxDaysOverdue),
            ])),
      );
    } catch (e) {
      ctx.fail(e, stalledBody);
    }
  }

  const withinId = uniqueId("within");
  const within = h("select", { id: withinId, name: "within" },
    ...riskWindows.map((n) => h("option", { value: n, selected: n === filter.within }, tr.t("risks.days", { n }))));
  const risksIntro = h("p", {});
  const risksBody = h("div", {});
  risksSection.append(
    h("h2", { id: "risks-h" }, tr.t("risks.title")),
    h("div", { class: "field inline" }, h("label", { for: withinId }, tr.t("risks.within")), within),
    risksIntro,
    risksBody,
  );
  within.addEventListener("change", () => {
    filter.within = Number(within.value);
    writeFilter(filter);
    void loadRisks();
  });
  async function loadRisks(): Promise<void> {
    risksIntro.textContent = tr.t("risks.intro", { n: filter.within });
    try {
      const r = await ctx.api.handoffs.listDeadlineRisks({ withinDays: filter.within }, { signal: ctx.signal });
      risksBody.replaceChildren(
        r.counts.length === 0
          ? h("p", { class: "empty" }, tr.t("risks.empty"))
          : countTable(tr.t("risks.title"), [tr.t("col.unit"), tr.t("col.kind"), tr.t("col.riskKind"), tr.t("col.patients")],
            r.counts.map((c) => [...unitCells(c.unit), tr.code("risk.", c.role), suppressedCell(tr, c.patients, c.suppressed)])),
      );
    } catch (e) {
      ctx.fail(e, risksBody);
    }
  }

  const aloneBody = h("div", {});
  aloneSection.append(h("h2", { id: "alone-h" }, tr.t("alone.title")), h("p", {}, tr.t("alone.intro")), aloneBody);
  async function loadAlone(): Promise<void> {
    try {
      const r = await ctx.api.handoffs.listPatientsWithoutContact({}, { signal: ctx.signal });
      aloneBody.replaceChildren(
        r.counts.length === 0
          ? h("p", { class: "empty" }, tr.t("alone.empty"))
          : countTable(tr.t("alone.title"), [tr.t("col.unit"), tr.t("col.kind"), tr.t("col.role"), tr.t("col.patients")],
            r.counts.map((c) => [...unitCells(c.unit), tr.code("role.", c.role), suppressedCell(tr, c.patients, c.suppressed)])),
      );
    } catch (e) {
      ctx.fail(e, aloneBody);
    }
  }

  await Promise.all([loadGraph(), loadStalled(), loadRisks(), loadAlone()]);
  document.body.dataset.ready = "ops";
}

function countTable(caption: string, head: string[], rows: (string | HTMLElement)[][]): HTMLElement {
  return h("table", { class: "counts" }, h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, ...head.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c))))));
}
