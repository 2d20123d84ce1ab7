// A drill's report: the JSON as recorded, and a self-contained HTML page (Chart.js inlined, the
// data embedded) with a timeline per gateway: when the fault began, when each gateway stopped
// using the zone, the restore, when each was back, and probe success per second.
import * as fs from "node:fs";
import * as path from "node:path";
import type { DrillReport } from "./drill";
import { successPerSecond } from "./timeline";

// The UMD build (not in the package's exports map) sits beside its main file.
const CHART_JS = path.join(path.dirname(require.resolve("chart.js")), "chart.umd.min.js");

const seconds = (ms: number | undefined) => (ms === undefined ? "not observed" : `${(ms / 1000).toFixed(2)} s`);

/** The datasets of the chart, computed here so the tests can compare them with the report. */
export function chartData(r: DrillReport) {
    const zone = r.zone;
    const sec = (t: number) => Number(((t - r.faultAt) / 1000).toFixed(3));
    const end = sec(r.endedAt);
    const lanes = r.gateways.map((g, i) => {
        const mine = r.samples.filter(s => s.gateway === g.gateway);
        // Lane i: i + 0.8 while the gateway routes to the faulted zone, i without it, a gap without config.
        const y = (listing: string[] | null) =>
            listing === null ? null : listing.some(e => e.endsWith(`:${zone}`)) ? i + 0.8 : i;
        const points = mine.map(s => ({ x: sec(s.t), y: y(s.listing) }));
        if (mine.length) points.push({ x: end, y: y(mine[mine.length - 1].listing) });
        return { label: `${g.gateway}'s gateway routes to ${zone}`, gateway: g.gateway, points };
    });
    const events = r.gateways.flatMap((g, i) => [
        ...(g.leftAt !== undefined ? [{ label: `${g.gateway} left ${zone}`, x: sec(g.leftAt), y: i + 0.4 }] : []),
        ...(g.backAt !== undefined ? [{ label: `${g.gateway} back`, x: sec(g.backAt), y: i + 0.4 }] : []),
    ]);
    const traffic = [
        ...(r.trafficFailoverMs !== undefined
            ? [
                  {
                      label: "traffic answered by another zone",
                      x: sec(r.faultAt + r.trafficFailoverMs),
                      y: r.gateways.length - 0.5,
                  },
              ]
            : []),
        ...(r.trafficRecoveryMs !== undefined
            ? [
                  {
                      label: `traffic answered by ${zone} again`,
                      x: sec(r.restoredAt + r.trafficRecoveryMs),
                      y: r.gateways.length - 0.5,
                  },
              ]
            : []),
    ];
    const probes = successPerSecond(r.probes.map(p => ({ ...p, t: p.t - r.faultAt }))).map(b => ({
        x: b.second,
        y: Math.round((100 * b.ok) / b.total),
    }));
    return {
        lanes,
        events: [...events, ...traffic],
        probes,
        markers: { fault: 0, restored: sec(r.restoredAt) },
        end,
        start: sec(0),
        laneCount: r.gateways.length,
    };
}

function escapeHtml(s: string): string {
    return s.replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

export function reportHtml(r: DrillReport): string {
    const data = chartData(r);
    // </script> inside the data must not end the element.
    const json = JSON.stringify({ data, zones: r.gateways.map(g => g.gateway) }).replace(/</g, "\\u003c");
    const rows = r.gateways
        .map(
            g =>
                `<tr><td>${escapeHtml(g.gateway)}</td><td>${g.affected ? "yes" : "no"}</td>` +
                `<td>${g.leftAt === undefined ? "—" : seconds(g.leftAt - r.faultAt)}</td><td>${g.backAt === undefined ? "—" : seconds(g.backAt - r.restoredAt)}</td></tr>`,
        )
        .join("\n");
    const title = `Drill: ${r.fault} fault in ${r.zone}, service ${r.service} (stack ${r.stack})`;
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
#chart-box{width:1000px;height:${160 + 90 * r.gateways.length}px}.bad{color:#b00}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Started ${escapeHtml(r.startedAt)}${r.sandbox ? " in the local sandbox (real Kuma control planes, no Envoy: times are the control planes' view)" : ""}.
Fault at 0 s, restored at <span id="restored">${seconds(r.restoredAt - r.faultAt)}</span>.</p>
<p>Time to fail over: <b id="failover">${seconds(r.failoverMs)}</b> · time to recover: <b id="recovery">${seconds(r.recoveryMs)}</b>
· Kuma's model: ≤ ${r.model.sameZoneWorstCaseSeconds} s in the zone, ≤ ${r.model.otherZoneWorstCaseSeconds} s across zones.</p>
${r.probes.length ? `<p>Traffic through the probed gateways: answered by another zone <b id="traffic-failover">${seconds(r.trafficFailoverMs)}</b> after the fault, by ${escapeHtml(r.zone)} again <b id="traffic-recovery">${seconds(r.trafficRecoveryMs)}</b> after the restore (${r.probes.length} requests).</p>` : ""}
${r.problems.map(p => `<p class="bad">${escapeHtml(p)}</p>`).join("\n")}
${r.notes.map(p => `<p class="note">${escapeHtml(p)}</p>`).join("\n")}
<table><tr><th>gateway</th><th>must leave ${escapeHtml(r.zone)}</th><th>stopped using it after the fault</th><th>back after the restore</th></tr>
${rows}</table>
<p>Each gateway's lane: high while its computed config routes to ${escapeHtml(r.zone)}, low while it does not, a gap while it has
no config (gone, or its control plane unreachable); triangles mark when it left the zone and when it was back.</p>
<div id="chart-box"><canvas id="timeline"></canvas></div>
<script>${fs.readFileSync(CHART_JS, "utf8")}</script>
<script id="drill-data" type="application/json">${json}</script>
<script>
const { data, zones } = JSON.parse(document.getElementById("drill-data").textContent);
const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"];
const laneTop = data.laneCount;
const vline = (label, x, color) => ({ type: "line", label, data: [{ x, y: -0.2 }, { x, y: laneTop }], borderColor: color, borderDash: [6, 4], pointRadius: 0, yAxisID: "y" });
const datasets = [
  ...data.lanes.map((l, i) => ({ type: "line", label: l.label, data: l.points, stepped: "before", spanGaps: false, borderColor: colors[i % colors.length], borderWidth: 3, pointRadius: 2, yAxisID: "y" })),
  { type: "scatter", label: "gateway left / back", data: data.events, pointStyle: "triangle", pointRadius: 8, backgroundColor: "#000", yAxisID: "y" },
  vline("fault", data.markers.fault, "#d62728"),
  vline("restored", data.markers.restored, "#2ca02c"),
  ...(data.probes.length ? [{ type: "bar", label: "probe success %", data: data.probes, backgroundColor: "rgba(100,100,100,0.3)", yAxisID: "probe" }] : []),
];
window.drillChart = new Chart(document.getElementById("timeline"), {
  data: { datasets },
  options: {
    animation: false, maintainAspectRatio: false, parsing: true,
    scales: {
      x: { type: "linear", min: data.start, max: data.end, title: { display: true, text: "seconds since the fault" } },
      y: { min: -0.2, max: laneTop, ticks: { stepSize: 1, callback: v => Number.isInteger(v) && zones[v] ? zones[v] + "'s gateway" : "" } },
      ...(data.probes.length ? { probe: { position: "right", min: 0, max: 100, title: { display: true, text: "probe success %" } } } : {}),
    },
    plugins: { legend: { position: "bottom" }, tooltip: { callbacks: { label: c => c.raw.label ?? c.dataset.label } } },
  },
});
document.body.dataset.rendered = "yes";
</script>
</body></html>
`;
}

/** Writes report.json and report.html into `dir`; returns their paths. */
export function writeReport(r: DrillReport, dir: string): { json: string; html: string } {
    const json = path.join(dir, "report.json");
    const html = path.join(dir, "report.html");
    fs.writeFileSync(json, JSON.stringify({ ...r, files: undefined }, null, 2));
    fs.writeFileSync(html, reportHtml(r));
    return { json, html };
}
