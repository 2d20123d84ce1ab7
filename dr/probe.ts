// `--probe URL...`: a bounded stream of requests through each gateway during a drill, recording
// each answer's status and the zone that answered (the zone whose echo pod the body names).

export interface ProbeResult {
    /** ms since the drill started. */
    t: number;
    url: string;
    /** HTTP status; 0 when no answer came (refused, reset, timed out). */
    status: number;
    /** The answering zone, when the body names one of the zones' echo pods. */
    zone?: string;
}

export interface ProbeOptions {
    intervalMs: number;
    /** Per URL: the stream stops after this many requests even if the drill goes on. */
    maxRequests: number;
    timeoutMs: number;
}

/** Which zone a body comes from: go-echo names its pod ("Running on Pod <name>"). */
export function answeringZone(body: string, podsByZone: Record<string, string[]>): string | undefined {
    for (const [zone, pods] of Object.entries(podsByZone)) {
        if (pods.some(p => body.includes(p))) return zone;
    }
    return undefined;
}

/** Sends requests to every URL until `stop()` or the bound; `results` fills as answers come. */
export class Probe {
    readonly results: ProbeResult[] = [];
    private stopped = false;
    private readonly loops: Promise<void>[];

    constructor(
        urls: string[],
        private readonly t0: number,
        private readonly podsByZone: () => Record<string, string[]>,
        private readonly opts: ProbeOptions,
    ) {
        this.loops = urls.map(u => this.loop(u));
    }

    private async loop(url: string): Promise<void> {
        for (let i = 0; i < this.opts.maxRequests && !this.stopped; i++) {
            const started = Date.now();
            let status: number, zone: string | undefined;
            try {
                const r = await fetch(url, { signal: AbortSignal.timeout(this.opts.timeoutMs) });
                status = r.status;
                zone = answeringZone(await r.text(), this.podsByZone());
            } catch {
                status = 0;
            }
            this.results.push({ t: started - this.t0, url, status, ...(zone ? { zone } : {}) });
            await new Promise(r => setTimeout(r, Math.max(0, this.opts.intervalMs - (Date.now() - started))));
        }
    }

    async stop(): Promise<ProbeResult[]> {
        this.stopped = true;
        await Promise.all(this.loops);
        return this.results.sort((a, b) => a.t - b.t);
    }
}
