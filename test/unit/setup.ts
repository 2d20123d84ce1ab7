// Runs before each unit test file, in the worker that runs it.
import { enableCompileCache } from "node:module";
import * as path from "node:path";

// V8's compiled code of the modules a worker loads (@pulumi/pulumi, its gRPC and protobuf code),
// kept between runs: a worker loads them about a third faster. Node checks each entry against the
// module's source, so a changed module is compiled again.
enableCompileCache(path.resolve(__dirname, "../../node_modules/.cache/node-compile-cache"));

// The unit suite shares its workers among files (vitest.config.mts: isolate false), so
// @pulumi/pulumi loads once per worker rather than once per file; each file still starts from fresh
// Pulumi runtime state, made here. Pulumi keeps that state in one global store (the settings and
// mocks, the config, the stack resource, the registrations in flight) and makes a new one on first
// use when there is none.
delete (globalThis as { globalStore?: unknown }).globalStore;

// Pulumi takes a stack trace for every promise it makes (runtime/debuggable.js: for the leak report
// it prints at exit, if any) and for every resource (Resource.callsites: the source position it
// sends the engine, which the mocks drop). Under vitest each such trace went through the module
// runner's source mapping, frame by frame: a quarter of the suite's CPU. Those two get V8's own
// format instead, a promise's only when the leak report reads it; every other stack is
// source-mapped as before.
type PrepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => unknown;
const PLAIN = Symbol.for("mesh-dr:plain-pulumi-stack-traces");
const current = Error.prepareStackTrace as (PrepareStackTrace & { [PLAIN]?: true }) | undefined;
if (current && !current[PLAIN]) {
    const plain = (error: Error, frames: NodeJS.CallSite[]) =>
        [String(error), ...frames.map(f => `    at ${f}`)].join("\n");
    const pulumis = (frame: NodeJS.CallSite | undefined, name: string) =>
        frame?.getFunctionName() === name && /[/\\]@pulumi[/\\]pulumi[/\\]/.test(frame.getFileName() ?? "");
    const prepare: PrepareStackTrace & { [PLAIN]?: true } = (error, frames) => {
        if (pulumis(frames[0], "debuggablePromise")) return { toString: () => plain(error, frames) };
        if (pulumis(frames[0], "callsites")) return plain(error, frames);
        return current.call(Error, error, frames);
    };
    prepare[PLAIN] = true;
    Error.prepareStackTrace = prepare;
}
