/// <reference lib="dom" />
// Headless Chromium (Debian's package, driven by puppeteer-core) to render drill reports the way a
// reader's browser does: the chart's datasets as Chart.js holds them, and a screenshot.
import { execFileSync } from "node:child_process";
import puppeteer from "puppeteer-core";

/** Chromium on PATH, or CHROMIUM; fails with the fix, so a test never passes without a browser. */
export function chromiumPath(): string {
    if (process.env.CHROMIUM) return process.env.CHROMIUM;
    try {
        return execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" })
            .trim()
            .split("\n")[0];
    } catch {
        throw new Error(
            "Chromium is not installed. Fix: bash scripts/deps.sh chromium (as root it runs apt-get install chromium), or set CHROMIUM=/path/to/chromium",
        );
    }
}

export interface Rendered {
    /** Set by the page's script once the chart was built. */
    rendered: string | undefined;
    datasets: { label: string; data: { x: number; y: number | null; label?: string }[] }[];
    /** The texts of the elements with these ids. */
    text: Record<string, string>;
    /** Canvas pixels that are not blank: the chart was drawn. */
    paintedPixels: number;
    errors: string[];
}

export async function renderPage(file: string, opts: { ids?: string[]; screenshot?: string } = {}): Promise<Rendered> {
    const browser = await puppeteer.launch({
        executablePath: chromiumPath(),
        // Root (CI, this machine) cannot use Chromium's sandbox; the page is our own file.
        args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
    });
    try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on("pageerror", e => errors.push(String((e as Error).message ?? e)));
        await page.setViewport({ width: 1100, height: 700 });
        // The page is self-contained: any request to the network is a bug.
        await page.setRequestInterception(true);
        page.on("request", r =>
            r.url().startsWith("file:") ? r.continue() : (errors.push(`network request: ${r.url()}`), r.abort()),
        );
        await page.goto(`file://${file}`, { waitUntil: "load" });
        const result = await page.evaluate((ids: string[]) => {
            const chart = (window as any).drillChart;
            const canvas = document.querySelector("canvas") as HTMLCanvasElement | null;
            let painted = 0;
            if (canvas) {
                const px = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
                for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) painted++;
            }
            return {
                rendered: document.body.dataset.rendered,
                datasets: chart ? chart.data.datasets.map((d: any) => ({ label: d.label, data: d.data })) : [],
                text: Object.fromEntries(ids.map(id => [id, document.getElementById(id)?.textContent ?? ""])),
                paintedPixels: painted,
            };
        }, opts.ids ?? []);
        if (opts.screenshot) await page.screenshot({ path: opts.screenshot as `${string}.png`, fullPage: true });
        return { ...result, errors };
    } finally {
        await browser.close();
    }
}
