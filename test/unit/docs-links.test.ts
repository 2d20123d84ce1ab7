// The docs' relative links: every link and anchor in README.md and docs/*.md must resolve, to a
// file that exists and, for `#anchor`, to a heading of that file by GitHub's slug rules. Code
// (fenced blocks, inline code) is not searched for links. Also keeps the README short.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const README_MAX_LINES = 250;

/** GitHub's heading slug: lower-case, punctuation other than '-' and '_' removed, each space a '-'. */
export function slug(heading: string): string {
    const text = heading
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link or image: its text
        .replace(/<[^>]+>/g, "") // inline HTML tags
        .replace(/[*`]/g, ""); // emphasis and code markers
    return text
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
        .replace(/ /g, "-");
}

/** The lines outside fenced code blocks, numbered from 1: as written, and with inline code blanked. */
function proseLines(text: string): { line: number; raw: string; text: string }[] {
    const out: { line: number; raw: string; text: string }[] = [];
    let fence: string | undefined;
    text.split("\n").forEach((l, i) => {
        const m = /^\s*(`{3,}|~{3,})/.exec(l);
        if (m) {
            if (fence === undefined) fence = m[1][0];
            else if (m[1][0] === fence) fence = undefined;
            return;
        }
        if (fence === undefined)
            out.push({ line: i + 1, raw: l, text: l.replace(/`[^`]*`/g, s => " ".repeat(s.length)) });
    });
    return out;
}

/** The anchors a Markdown text offers: its headings' slugs (repeats get -1, -2, … as on GitHub). */
export function anchors(text: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    for (const { raw } of proseLines(text)) {
        const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
        if (!m) continue;
        const base = slug(m[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n === 0 ? base : `${base}-${n}`);
    }
    return out;
}

export interface Link {
    file: string;
    line: number;
    target: string;
}

/** Every inline link and image `[text](target)` and reference definition `[id]: target` in prose. */
export function links(file: string, text: string): Link[] {
    const out: Link[] = [];
    for (const { line, text: l } of proseLines(text)) {
        for (const m of l.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
            out.push({ file, line, target: m[1] });
        const def = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(\s.*)?$/.exec(l);
        if (def) out.push({ file, line, target: def[1] });
    }
    return out;
}

const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i; // http:, https:, mailto:, …

/**
 * The broken relative links of `files` (path relative to the repository → text), each as
 * `<file>:<line>: <link>: <what is wrong>`. `read` gives another file's text, or undefined when
 * it does not exist; `isDir` says whether a path is a directory.
 */
export function brokenLinks(
    files: Map<string, string>,
    read: (rel: string) => string | undefined,
    isDir: (rel: string) => boolean,
): string[] {
    const problems: string[] = [];
    const anchorCache = new Map<string, Set<string>>();
    const anchorsOf = (rel: string, text: string) => {
        if (!anchorCache.has(rel)) anchorCache.set(rel, anchors(text));
        return anchorCache.get(rel)!;
    };
    for (const [file, text] of files) {
        for (const link of links(file, text)) {
            if (EXTERNAL.test(link.target)) continue;
            const hash = link.target.indexOf("#");
            const filePart = decodeURIComponent(hash < 0 ? link.target : link.target.slice(0, hash));
            const anchor = hash < 0 ? undefined : decodeURIComponent(link.target.slice(hash + 1));
            const rel =
                filePart === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), filePart));
            const where = `${file}:${link.line}: ${link.target}`;
            if (rel.startsWith("../") || path.posix.isAbsolute(rel)) {
                problems.push(`${where}: points outside the repository`);
                continue;
            }
            const target = files.get(rel) ?? read(rel);
            if (target === undefined && !isDir(rel)) {
                problems.push(`${where}: no such file (${rel})`);
                continue;
            }
            if (anchor === undefined || anchor === "") continue;
            if (target === undefined || !rel.endsWith(".md")) {
                problems.push(`${where}: an anchor into ${rel}, which is not a Markdown file`);
            } else if (!anchorsOf(rel, target).has(anchor)) {
                problems.push(`${where}: ${rel} has no heading #${anchor}`);
            }
        }
    }
    return problems;
}

/** `wc -l`: the number of lines of a text that ends with a newline. */
const lineCount = (text: string) => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

function repoDocs(): Map<string, string> {
    const names = [
        "README.md",
        ...fs
            .readdirSync(path.join(ROOT, "docs"))
            .filter(f => f.endsWith(".md"))
            .sort()
            .map(f => `docs/${f}`),
    ];
    return new Map(names.map(n => [n, fs.readFileSync(path.join(ROOT, n), "utf8")]));
}

const readRepo = (rel: string) => {
    const p = path.join(ROOT, rel);
    return fs.existsSync(p) && fs.statSync(p).isFile() ? fs.readFileSync(p, "utf8") : undefined;
};
const isRepoDir = (rel: string) =>
    fs.existsSync(path.join(ROOT, rel)) && fs.statSync(path.join(ROOT, rel)).isDirectory();

describe("the docs' links", () => {
    it("every relative link and anchor in README.md and docs/*.md resolves", () => {
        const docs = repoDocs();
        expect(docs.size).toBeGreaterThan(1);
        expect(brokenLinks(docs, readRepo, isRepoDir)).toEqual([]);
    });

    it("the README is at most 250 lines", () => {
        expect(lineCount(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"))).toBeLessThanOrEqual(README_MAX_LINES);
    });

    it("the control: a link to a missing file and one to a missing heading fail, naming file, line and link", () => {
        const files = new Map([
            ["README.md", "# Title\n\nSee [the guide](docs/guide.md#set-up) and [gone](docs/gone.md).\n"],
            ["docs/guide.md", "# Guide\n\n## Set up\n\nBack to [the top](../README.md#title), [here](#nowhere).\n"],
        ]);
        expect(
            brokenLinks(
                files,
                () => undefined,
                () => false,
            ),
        ).toEqual([
            "README.md:3: docs/gone.md: no such file (docs/gone.md)",
            "docs/guide.md:5: #nowhere: docs/guide.md has no heading #nowhere",
        ]);
    });

    it("the control: links in code are not links; external links are not checked", () => {
        const text =
            "# T\n\n`[a](missing.md)`\n\n```md\n[b](missing.md)\n```\n\n[c](https://example.com/x.md#y) [d](mailto:a@b.c)\n";
        expect(
            brokenLinks(
                new Map([["README.md", text]]),
                () => undefined,
                () => false,
            ),
        ).toEqual([]);
    });

    it("slugs follow GitHub's rules: lower case, punctuation but '-' and '_' removed, spaces to '-', repeats numbered", () => {
        expect(slug("Operating DR: the `dr` tool")).toBe("operating-dr-the-dr-tool");
        expect(slug("Promoting a change: dev → staging → prod")).toBe("promoting-a-change-dev--staging--prod");
        expect(slug("`drill --zone Z --fault KIND`")).toBe("drill---zone-z---fault-kind");
        expect(slug("Reviewing a pull request's preview diff")).toBe("reviewing-a-pull-requests-preview-diff");
        expect(slug("snake_case and [a link](x.md)")).toBe("snake_case-and-a-link");
        expect([...anchors("# A\n## A\n```\n# not a heading\n```\n## A\n")]).toEqual(["a", "a-1", "a-2"]);
    });
});
