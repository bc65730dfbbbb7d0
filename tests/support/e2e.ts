/**
 * Helpers shared by the end-to-end tests on the real engine and the harness's real services:
 * a PostgreSQL query on the harness database, and the offline Pulumi CLI on a test's own file backend.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { Kafka, logLevel } from "kafkajs";
import { Client } from "pg";
import { endpoints } from "../../harness/cli";
import { REPO_DIR, RunPulumiResult, runPulumi } from "../../harness/pulumi/cli";

/** Runs one query on the harness's PostgreSQL and returns its rows. */
export async function pgQuery(query: string, params: unknown[] = []): Promise<any[]> {
    const p = endpoints().postgres;
    const client = new Client({ host: p.host, port: Number(p.port), user: p.user, password: p.password, database: p.database });
    await client.connect();
    try {
        return (await client.query(query, params)).rows;
    } finally {
        await client.end();
    }
}

/**
 * The Pulumi CLI in the repository, on the file backend `stateDir()` names (read at each call, so a
 * test can create the directory in `beforeAll`); each step bounded at 5 minutes. A non-zero exit
 * throws with the output unless `expectOk` is false.
 */
export function pulumiOn(stateDir: () => string, env: () => Record<string, string> = () => ({})) {
    return async (args: string[], expectOk = true): Promise<RunPulumiResult> => {
        const result = await runPulumi(args, { cwd: REPO_DIR, env: { PULUMI_BACKEND_URL: `file://${stateDir()}`, ...env() }, timeoutMs: 300_000 });
        if (expectOk && result.code !== 0)
            throw new Error(`pulumi ${args.join(" ")} exited ${result.code}${result.timedOut ? " (timed out)" : ""}:\n${result.stdout}\n${result.stderr}`);
        return result;
    };
}

/** What makes a copy of the `local` stack its own on the shared harness services. */
export interface LocalStackCopy {
    /** Bucket name (also the topic prefix and namespace, with `_` for `-`). */
    bucket: string;
    /** PostgreSQL schema of the captured tables. */
    schema: string;
    /** Short tag in the publication and CDC role names (`pub_<tag>`, `dbz_<tag>`). */
    tag: string;
    /** Config keys merged over the copy's, per key (e.g. `lakehouse:source`, `lakehouse:dremio`). */
    config?: Record<string, Record<string, unknown>>;
}

/**
 * The `local` stack's config (its secrets included) with its own bucket (emptied on destroy), Iceberg
 * namespace, schema, publication, CDC role and topic prefix, and 2 s checkpoints: what each end-to-end
 * test deploys. Returns the config object, to write as `Pulumi.<stack>.yaml` (and rewrite for an edit).
 */
export function localStackCopy(copy: LocalStackCopy): any {
    const local = yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.local.yaml"), "utf8")) as any;
    const underscored = copy.bucket.replace(/-/g, "_");
    Object.assign(local.config["lakehouse:storage"], { bucket: copy.bucket, forceDestroy: true });
    local.config["lakehouse:iceberg"] = { namespace: underscored };
    Object.assign(local.config["lakehouse:source"], { schema: copy.schema, publication: `pub_${copy.tag}`, replicationUser: `dbz_${copy.tag}` });
    local.config["lakehouse:kafka"] = { topicPrefix: underscored };
    local.config["lakehouse:flink"] = { checkpointIntervalMs: 2000 };
    for (const [key, value] of Object.entries(copy.config ?? {})) local.config[key] = { ...(local.config[key] ?? {}), ...value };
    return local;
}

/** Writes a stack config as `Pulumi.<stack>.yaml` in the repository; returns the file's path. */
export function writeStackFile(stack: string, config: unknown): string {
    const file = path.join(REPO_DIR, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, yaml.dump(config));
    return file;
}

/** One step of `pulumi preview --json`: the operation and the resource's type and name. */
export interface PreviewStep {
    op: string;
    type: string;
    name: string;
}

/**
 * What `pulumi preview --json` plans: its steps (the stack itself and the providers left out; a
 * resource with nothing to change is not among them) and its change summary (operation -> count,
 * `same` included). Pure.
 */
export function previewPlan(json: string): { steps: PreviewStep[]; summary: Record<string, number> } {
    const parsed = JSON.parse(json);
    const steps = (parsed.steps ?? [])
        .map((s: { op: string; urn: string }) => {
            const [type, name] = s.urn.split("::").slice(-2);
            return { op: s.op, type: type.split("$").pop()!, name };
        })
        .filter((s: PreviewStep) => s.type !== "pulumi:pulumi:Stack" && !s.type.startsWith("pulumi:providers:") && s.op !== "same");
    return { steps, summary: parsed.changeSummary ?? {} };
}

/**
 * Removes what a destroyed test stack leaves in the harness's Kafka: its CDC topics (destroy keeps them:
 * the topic resource never deletes on destroy) and its Flink jobs' consumer groups ("not found" is fine).
 */
export async function dropKafkaLeftovers(topicPrefix: string, groupPrefix: string): Promise<void> {
    const kafka = new Kafka({
        clientId: "test-stack-cleanup",
        brokers: [endpoints().kafka.bootstrapServers],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 10_000,
        requestTimeout: 30_000,
        retry: { retries: 2 },
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
        const topics = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix));
        if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
        // Deleting the topics drops the groups' offsets; groups still listed are deleted, "not found" is fine.
        const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(groupPrefix));
        if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    } finally {
        await admin.disconnect();
    }
}

/** Runs a script's `main(argv)` (scripts/health, scripts/canary) and captures what it prints to stdout and stderr. */
export async function runScriptMain(main: (argv: string[]) => Promise<number>, argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const log = jest.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.map(String).join(" ")));
    const error = jest.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.map(String).join(" ")));
    try {
        return { code: await main(argv), out: out.join("\n"), err: err.join("\n") };
    } finally {
        log.mockRestore();
        error.mockRestore();
    }
}
