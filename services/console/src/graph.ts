// The handoff graph as SVG: nodes are units in a role, edges patients
// handed from one to another. elkjs lays it out (a layered, left-to-right
// drawing: referrals flow into pathways and on between units); the SVG is
// drawn here so that every label is real text in the page — readable, zoomable
// and searchable — and suppressed cells are marked with a hatch and a word.
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import type { Edge, GetHandoffGraphResponse, Node } from "./gen/stafett/handoffs/v1/handoffs_service_pb";
import { h, s, uniqueId } from "./dom";
import { formatCount, formatDays, formatNumber, formatShare } from "./format";
import type { Translator } from "./i18n";
import type { UnitNames } from "./units";

export interface GraphNode {
  id: string;
  node: Node;
  /** An edge's end outside the answer's nodes: a label with no figures. */
  labelOnly: boolean;
}

export function nodeId(n: Node | undefined): string {
  return `${n?.unit?.herId ?? ""}|${n?.unit?.orgNumber ?? ""}|${n?.role ?? ""}`;
}

/** Every node of the answer, plus the ends of edges that are not among them. */
export function graphNodes(g: GetHandoffGraphResponse): GraphNode[] {
  const out = new Map<string, GraphNode>();
  for (const n of g.nodes) out.set(nodeId(n), { id: nodeId(n), node: n, labelOnly: false });
  for (const e of g.edges) {
    for (const end of [e.from, e.to]) {
      if (end && !out.has(nodeId(end))) out.set(nodeId(end), { id: nodeId(end), node: end, labelOnly: true });
    }
  }
  return [...out.values()];
}

export function nodeLines(tr: Translator, units: UnitNames, gn: GraphNode): string[] {
  const n = gn.node;
  const kind = units.kind(n.unit);
  const role = tr.code("role.", n.role);
  const lines = [units.name(n.unit), kind ? `${kind} · ${role}` : role];
  if (gn.labelOnly) return lines;
  if (n.suppressed) {
    lines.push(tr.t("suppressed.long"));
  } else {
    lines.push(tr.t("graph.patients", { n: formatNumber(tr, n.patients ?? 0) }));
    if (!n.droppedSuppressed && n.dropped) lines.push(tr.t("graph.dropped", { n: formatNumber(tr, n.dropped) }));
  }
  return lines;
}

export function edgeLabel(tr: Translator, e: Edge): string {
  if (e.suppressed || e.handoffs === undefined) return tr.t("suppressed.long");
  const gap = formatDays(tr, e.medianGapDays ?? 0);
  if (e.warmShare === undefined) return tr.t("graph.edge.moves", { n: formatNumber(tr, e.handoffs), gap });
  return tr.t("graph.edge", { n: formatNumber(tr, e.handoffs), warm: formatShare(tr, e.warmShare), gap });
}

const font = '13px system-ui, "DejaVu Sans", sans-serif';
const boldFont = '600 13px system-ui, "DejaVu Sans", sans-serif';
const lineHeight = 18;
const pad = 10;

function measurer(): (text: string, bold: boolean) => number {
  const ctx = document.createElement("canvas").getContext("2d");
  return (text, bold) => {
    if (!ctx) return text.length * 7.5;
    ctx.font = bold ? boldFont : font;
    return ctx.measureText(text).width;
  };
}

/** Lays the graph out and draws it; resolves to the figure. */
export async function drawGraph(tr: Translator, units: UnitNames, g: GetHandoffGraphResponse): Promise<HTMLElement> {
  const { default: ELK } = await import("elkjs/lib/elk.bundled.js");
  const measure = measurer();
  const nodes = graphNodes(g);
  const lines = new Map(nodes.map((n) => [n.id, nodeLines(tr, units, n)]));
  const elkGraph: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.layered.spacing.nodeNodeBetweenLayers": "90",
      "elk.spacing.nodeNode": "28",
      "elk.spacing.edgeLabel": "4",
      "elk.edgeLabels.inline": "false",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
      "elk.padding": "[top=16,left=16,bottom=16,right=16]",
    },
    children: nodes.map((n) => {
      const ls = lines.get(n.id)!;
      // Measured bold: the name and a hidden cell's mark are bold, and a
      // little room to spare costs nothing.
      const width = Math.ceil(Math.max(...ls.map((l) => measure(l, true)))) + 2 * pad + 4;
      return { id: n.id, width: Math.max(width, 120), height: ls.length * lineHeight + 2 * pad - 4 };
    }),
    edges: g.edges.map((e, i): ElkExtendedEdge => {
      const text = edgeLabel(tr, e);
      return {
        id: `e${i}`, sources: [nodeId(e.from)], targets: [nodeId(e.to)],
        labels: [{ id: `l${i}`, text, width: Math.ceil(measure(text, false)) + 8, height: lineHeight }],
      };
    }),
  };
  const laid = await new ELK().layout(elkGraph);

  const titleId = uniqueId("graph-title");
  const descId = uniqueId("graph-desc");
  const svg = s(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg", class: "graph-svg", role: "img", "aria-labelledby": `${titleId} ${descId}`,
      width: Math.ceil(laid.width ?? 0), height: Math.ceil(laid.height ?? 0),
      viewBox: `0 0 ${Math.ceil(laid.width ?? 0)} ${Math.ceil(laid.height ?? 0)}`,
    },
    s("title", { id: titleId }, tr.t("graph.title")),
    s("desc", { id: descId }, tr.t("graph.desc")),
    defs(),
  );
  const byId = new Map(nodes.map((n) => [n.id, n]));
  (laid.edges ?? []).forEach((le, i) => {
    const e = g.edges[i];
    const points = (le.sections ?? []).flatMap((sec) => [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint]);
    const d = points.map((p, j) => `${j === 0 ? "M" : "L"}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ");
    const group = s("g", { class: e.suppressed ? "edge suppressed" : "edge", "data-from": nodeId(e.from), "data-to": nodeId(e.to) },
      s("path", { d, "marker-end": "url(#graph-arrow)" }));
    for (const l of le.labels ?? []) {
      group.append(
        s("rect", { class: "edge-label-bg", x: (l.x ?? 0) - 2, y: l.y ?? 0, width: (l.width ?? 0) + 4, height: l.height ?? lineHeight, rx: 3 }),
        s("text", { class: "edge-label", x: (l.x ?? 0) + 2, y: (l.y ?? 0) + 13 }, l.text ?? ""),
      );
    }
    svg.append(group);
  });
  for (const ln of laid.children ?? []) {
    const gn = byId.get(ln.id)!;
    const ls = lines.get(ln.id)!;
    const cls = ["node", `kind-${units.kindCode(gn.node.unit)}`];
    if (gn.node.suppressed) cls.push("suppressed");
    if (gn.labelOnly) cls.push("label-only");
    const text = s("text", { class: "node-label", x: pad, y: pad + 9 });
    ls.forEach((l, i) => text.append(s("tspan", { x: pad, dy: i === 0 ? 0 : lineHeight, class: i === 0 ? "node-name" : "" }, l)));
    svg.append(
      s("g", { class: cls.join(" "), "data-node": ln.id, transform: `translate(${(ln.x ?? 0).toFixed(1)},${(ln.y ?? 0).toFixed(1)})` },
        s("rect", { width: ln.width ?? 0, height: ln.height ?? 0, rx: 6 }),
        gn.node.suppressed ? s("rect", { class: "hatch", width: ln.width ?? 0, height: ln.height ?? 0, rx: 6, fill: "url(#graph-hatch)" }) : null,
        text),
    );
  }
  return h("div", { class: "graph-scroll", role: "region", "aria-label": tr.t("graph.region"), tabindex: "0" }, svg);
}

function defs(prefix = "graph"): SVGElement {
  return s(
    "defs",
    {},
    s("pattern", { id: `${prefix}-hatch`, width: 8, height: 8, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      s("line", { x1: 0, y1: 0, x2: 0, y2: 8, class: "hatch-line" })),
    s("marker", { id: `${prefix}-arrow`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" })),
  );
}

/** The legend: what a node, a hidden cell and an edge look like. */
export function legend(tr: Translator): HTMLElement {
  const swatch = (cls: string, hatch: boolean) =>
    s("svg", { width: 36, height: 20, viewBox: "0 0 36 20", "aria-hidden": "true", class: "swatch" },
      s("g", { class: cls }, s("rect", { x: 1, y: 1, width: 34, height: 18, rx: 4 }),
        hatch ? s("rect", { class: "hatch", x: 1, y: 1, width: 34, height: 18, rx: 4, fill: "url(#legend-hatch)" }) : null));
  const edge = s("svg", { width: 36, height: 20, viewBox: "0 0 36 20", "aria-hidden": "true", class: "swatch" },
    s("g", { class: "edge" }, s("path", { d: "M2,10 L30,10", "marker-end": "url(#legend-arrow)" })));
  const shared = s("svg", { width: 0, height: 0, "aria-hidden": "true", class: "defs-only" }, defs("legend"));
  return h(
    "div",
    { class: "legend" },
    shared,
    h("h3", {}, tr.t("legend.title")),
    h(
      "ul",
      {},
      h("li", {}, swatch("node kind-DPS", false), tr.t("legend.node")),
      h("li", { class: "legend-suppressed" }, swatch("node suppressed", true), h("span", { class: "suppressed-mark" }, tr.t("suppressed")), " — ", tr.t("legend.suppressed")),
      h("li", {}, edge, tr.t("legend.edge")),
    ),
  );
}

/** The same figures as tables, for screen readers and for copying. */
export function graphTables(tr: Translator, units: UnitNames, g: GetHandoffGraphResponse): HTMLElement {
  const cell = (n: number | undefined, suppressed: boolean) => suppressedCell(tr, n, suppressed);
  const nodeRows = g.nodes.map((n) => [units.name(n.unit), units.kind(n.unit), tr.code("role.", n.role), cell(n.patients, n.suppressed), cell(n.dropped, n.droppedSuppressed)]);
  const label = (n: Node | undefined) => `${units.name(n?.unit)} · ${tr.code("role.", n?.role ?? "")}`;
  const edgeRows = g.edges.map((e) => [
    label(e.from), label(e.to), cell(e.handoffs, e.suppressed),
    e.suppressed ? suppressedCell(tr, undefined, true) : e.warmShare === undefined ? "–" : formatShare(tr, e.warmShare),
    e.suppressed ? suppressedCell(tr, undefined, true) : formatDays(tr, e.medianGapDays ?? 0),
  ]);
  const t = (caption: string, head: string[], rows: (string | Node | HTMLElement)[][]) =>
    h("table", {}, h("caption", {}, caption),
      h("thead", {}, h("tr", {}, ...head.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", {}, c as string | HTMLElement))))));
  return h(
    "details",
    { class: "graph-tables" },
    h("summary", {}, tr.t("graph.tables")),
    t(tr.t("graph.nodes.caption"), [tr.t("col.unit"), tr.t("col.kind"), tr.t("col.role"), tr.t("col.patients"), tr.t("col.dropped")], nodeRows),
    t(tr.t("graph.edges.caption"), [tr.t("col.from"), tr.t("col.to"), tr.t("col.handoffs"), tr.t("col.warm"), tr.t("col.gap")], edgeRows),
  );
}

/** A count cell: the number, or a visible mark with its meaning spelt out for screen readers. */
export function suppressedCell(tr: Translator, n: number | undefined, suppressed: boolean): HTMLElement {
  if (suppressed || n === undefined) {
    return h("span", { class: "suppressed-mark", title: tr.t("suppressed.long") }, tr.t("suppressed"),
      h("span", { class: "visually-hidden" }, ` (${tr.t("suppressed.long")})`));
  }
  return h("span", {}, formatCount(tr, n, false));
}
