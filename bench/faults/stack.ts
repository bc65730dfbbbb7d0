/**
 * The pipeline the fault scenarios run on: a throwaway copy of the `local` stack deployed through the
 * real Pulumi engine (the harness's offline CLI, `pulumiOn` on a temporary file backend), as
 * tests/integration/stack/review-workflow.test.ts does: its own bucket, Iceberg namespace, schema, publication,
 * CDC role and topic prefix, Dremio left out. `up` runs `pulumi up` again (with `--refresh`, so the
 * resources read the services and repair drift: a Flink job that is gone or FAILED is resubmitted
 * from its last restore point); `teardown` destroys it and removes what destroy keeps (topics,
 * consumer groups, the schema).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { Kafka, logLevel } from "kafkajs";
import { endpoints } from "../../harness/cli";
import { REPO_DIR } from "../../harness/pulumi/cli";
import { pulumiOn } from "../../tests/support/e2e";
import { pgRows } from "./writer";

type Log = (msg: string) => void;

export interface PipelineTable {
    mode: string;
    topic: string;
    upsertTable?: string;
    changelogTable?: string;
    job: string;
    consumerGroups: string[];
}

export interface FaultStackOutputs {
    pipelineTables: Record<string, PipelineTable>;
    connector: { name: string; state: string; replicationSlot: string };
    flinkJobs: Record<string, { name: string; jobId: string; state: string; lastSavepoint?: string }>;
    warehouse: string;
    [k: string]: unknown;
}

export interface FaultStack {
    name: string;
    schema: string;
    namespace: string;
    bucket: string;
    topicPrefix: string;
    outputs: FaultStackOutputs;
    /** `pulumi up --refresh`; returns its output and duration. */
    up(): Promise<{ ms: number; stdout: string }>;
    teardown(): Promise<string[]>;
}

export async function deployFaultStack(checkpointIntervalMs: number, log: Log): Promise<FaultStack> {
    const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
    const name = `faults-${id}`;
    const ids = { bucket: `faults-${id}`, namespace: `faults_${id}`, schema: `faults_${id}`, topicPrefix: `faults_${id}` };
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-faults-"));
    const file = path.join(REPO_DIR, `Pulumi.${name}.yaml`);
    const cfg = yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.local.yaml"), "utf8")) as any;
    Object.assign(cfg.config["lakehouse:storage"], { bucket: ids.bucket, forceDestroy: true });
    cfg.config["lakehouse:iceberg"] = { namespace: ids.namespace };
    Object.assign(cfg.config["lakehouse:source"], { schema: ids.schema, publication: `pub_${id}`, replicationUser: `dbz_${id}` });
    cfg.config["lakehouse:kafka"] = { topicPrefix: ids.topicPrefix };
    cfg.config["lakehouse:flink"] = { checkpointIntervalMs };
    // Dremio (the harness's stand-in) reads Iceberg; it is not part of the CDC path under test.
    cfg.config["lakehouse:dremio"] = { enabled: false };
    cfg.config["lakehouse:pipeline"] = { ...cfg.config["lakehouse:pipeline"], jobDeleteMode: "cancel" };
    fs.writeFileSync(file, yaml.dump(cfg));

    const run = pulumiOn(() => stateDir);
    const pulumi = async (args: string[], expectOk = true) => {
        const t = Date.now();
        log(`pulumi ${args.join(" ")} ...`);
        const r = await run(args, expectOk);
        log(`pulumi ${args[0]} exited ${r.code} after ${((Date.now() - t) / 1000).toFixed(1)} s`);
        return r;
    };
    const readOutputs = async () => JSON.parse((await pulumi(["stack", "output", "-s", name, "--json"])).stdout) as FaultStackOutputs;
    let initialized = false;
    let deployed = false;
    let tornDown = false;

    const teardown = async (): Promise<string[]> => {
        if (tornDown) return [];
        tornDown = true;
        const problems: string[] = [];
        if (initialized) {
            // Retry once: a destroy right after a fault can meet a service still settling.
            for (let attempt = 1; attempt <= 2 && deployed; attempt++) {
                const r = await pulumi(["destroy", "-s", name, "--yes", "--skip-preview", ...(attempt === 2 ? ["--refresh"] : [])], false).catch((e) => ({
                    code: -1,
                    stdout: "",
                    stderr: String(e),
                }));
                if (r.code === 0) deployed = false;
                else problems.push(`pulumi destroy -s ${name} (attempt ${attempt}) exited ${r.code}: ${(r.stdout + r.stderr).slice(-1500)}`);
            }
            if (!deployed) await pulumi(["stack", "rm", name, "--yes", "--force"], false).catch((e) => problems.push(String(e)));
        }
        const admin = new Kafka({ clientId: name, brokers: [endpoints().kafka.bootstrapServers], logLevel: logLevel.NOTHING }).admin();
        try {
            await admin.connect();
            const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${ids.topicPrefix}.`) || t === ids.topicPrefix);
            if (topics.length) await admin.deleteTopics({ topics });
            const ours = async () => (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(name));
            // The job was just cancelled: its consumer may still count as a member for a moment.
            for (let attempt = 1; attempt <= 5; attempt++) {
                const groups = await ours();
                if (!groups.length) break;
                try {
                    await admin.deleteGroups(groups);
                    break;
                } catch (e) {
                    const detail = ((e as { groups?: { groupId: string; error?: { type?: string } }[] }).groups ?? [])
                        .map((g) => `${g.groupId}: ${g.error?.type ?? "ok"}`)
                        .join(", ");
                    if (attempt === 5) problems.push(`deleting consumer groups (kept; Kafka expires them): ${e} ${detail}`);
                    else await new Promise((r) => setTimeout(r, 3000));
                }
            }
        } catch (e) {
            problems.push(`deleting topics ${ids.topicPrefix}.*: ${e}`);
        } finally {
            await admin.disconnect().catch(() => undefined);
        }
        await pgRows(`DROP SCHEMA IF EXISTS ${ids.schema} CASCADE`).catch((e) => problems.push(`dropping schema ${ids.schema}: ${e}`));
        if (deployed) {
            problems.push(
                `LEFT BEHIND: stack ${name} is still deployed; state in ${stateDir}, config ${file}. Destroy with: PULUMI_BACKEND_URL=file://${stateDir} npm run pulumi -- destroy -s ${name} --yes`,
            );
        } else {
            fs.rmSync(file, { force: true });
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
        for (const p of problems) log(`teardown: ${p}`);
        return problems;
    };

    try {
        await pulumi(["stack", "init", name]);
        initialized = true;
        deployed = true;
        await pulumi(["up", "-s", name, "--yes", "--skip-preview"]);
        const stack: FaultStack = {
            name,
            ...ids,
            outputs: await readOutputs(),
            async up() {
                const t = Date.now();
                const r = await pulumi(["up", "-s", name, "--yes", "--skip-preview", "--refresh"]);
                stack.outputs = await readOutputs();
                return { ms: Date.now() - t, stdout: r.stdout };
            },
            teardown,
        };
        return stack;
    } catch (e) {
        await teardown();
        throw e;
    }
}
