/**
 * How long the whole program takes to register every resource for the dev stack under Pulumi's
 * mocks (module loading included): a stand-in for the program's share of `pulumi preview`.
 *
 *   npm run bench:preview              # 5 runs, each in a fresh Node process
 *   npm run bench:preview -- --runs 10 --json
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { formatUsage, OptionTable, ParsedOptions, parseCommandLine } from "../ops/args";
import { runBench } from "./lib/cli";

/** The options of `npm run bench:preview`. */
export const PREVIEW_OPTIONS = {
    runs: { type: "number", default: 5, min: 1, integer: true, description: "runs, each in a fresh Node process" },
    json: { type: "flag", description: "print one JSON object instead of the lines" },
    once: { type: "flag", description: "measure once in this process and print the sample as JSON (what each run does)" },
} as const satisfies OptionTable;

/** The text `npm run bench:preview -- --help` prints. */
export const PREVIEW_USAGE = formatUsage("usage: npm run bench:preview -- [--runs <n>] [--json]", PREVIEW_OPTIONS);

/** Parses `npm run bench:preview` arguments; UsageError on anything wrong. */
export function parsePreviewArgs(argv: readonly string[]): ParsedOptions<typeof PREVIEW_OPTIONS> {
    return parseCommandLine(argv, PREVIEW_OPTIONS).options;
}

interface Sample {
    loadMs: number;
    registerMs: number;
    totalMs: number;
    resources: number;
    rssMiB: number;
}

async function measureOnce(): Promise<Sample> {
    const start = process.hrtime.bigint();
    const { runWithMocks } = await import("../tests/support/mocks");
    const { stackConfig } = await import("../tests/support/stack-config");
    const loaded = process.hrtime.bigint();
    const run = await runWithMocks(() => require("../index")(), { config: stackConfig("dev"), stack: "dev" });
    const done = process.hrtime.bigint();
    const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
    return {
        loadMs: ms(start, loaded),
        registerMs: ms(loaded, done),
        totalMs: ms(start, done),
        resources: run.resources.length,
        rssMiB: process.memoryUsage().rss / 2 ** 20,
    };
}

function stats(values: number[]): { min: number; median: number; max: number } {
    const sorted = [...values].sort((a, b) => a - b);
    return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
}

async function main(opts: ParsedOptions<typeof PREVIEW_OPTIONS>): Promise<void> {
    if (opts.once) {
        process.stdout.write(JSON.stringify(await measureOnce()));
        return;
    }
    const runs = opts.runs;
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) {
        const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "preview.ts"), "--once"], {
            encoding: "utf8",
        });
        samples.push(JSON.parse(out));
    }
    const summary = {
        runs,
        resources: samples[0].resources,
        totalMs: stats(samples.map((s) => s.totalMs)),
        loadMs: stats(samples.map((s) => s.loadMs)),
        registerMs: stats(samples.map((s) => s.registerMs)),
        rssMiB: stats(samples.map((s) => s.rssMiB)),
    };
    if (opts.json) {
        console.log(JSON.stringify(summary, null, 2));
        return;
    }
    const f = (s: { min: number; median: number; max: number }, unit: string) =>
        `median ${s.median.toFixed(0)} ${unit} (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})`;
    console.log(`Full-program registration, dev stack, under mocks: ${runs} runs in fresh processes, ${summary.resources} resources`);
    console.log(`  total (load + register): ${f(summary.totalMs, "ms")}`);
    console.log(`  module load:             ${f(summary.loadMs, "ms")}`);
    console.log(`  registration:            ${f(summary.registerMs, "ms")}`);
    console.log(`  resident memory:         ${f(summary.rssMiB, "MiB")}`);
}

if (require.main === module) runBench(process.argv.slice(2), PREVIEW_USAGE, parsePreviewArgs, main);
