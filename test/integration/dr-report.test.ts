// The DR tool's drill report as a reader's browser shows it: written to disk and rendered in
// headless Chromium (Debian's package), offline, with the drill's numbers.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chartData, writeReport } from "../../dr/report";
import { renderPage } from "../browser";
import { report } from "../fixtures/drill";

describe("drill report", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-dr-report-"));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("renders in headless Chromium, offline, with the drill's numbers", async () => {
        const files = writeReport(report, dir);
        expect(JSON.parse(fs.readFileSync(files.json, "utf8")).failoverMs).toBe(5000);
        const page = await renderPage(files.html, { ids: ["failover", "recovery", "restored"] });
        expect(page.errors).toEqual([]);
        expect(page.rendered).toBe("yes");
        expect(page.text).toEqual({ failover: "5.00 s", recovery: "5.00 s", restored: "6.00 s" });
        const lane = page.datasets.find(d => d.label === "zone2's gateway routes to zone1")!;
        expect(lane.data).toEqual(chartData(report).lanes[1].points);
        expect(page.datasets.find(d => d.label === "probe success %")!.data).toEqual([{ x: 0, y: 50 }]);
        expect(page.paintedPixels).toBeGreaterThan(5000);
    });
});
