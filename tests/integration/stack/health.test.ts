/**
 * `npm run health` and `npm run canary` against a real pipeline: a copy of the `local` stack (its own
 * schema, publication, CDC role, topics, bucket, namespace and Dremio source) deployed through the real
 * Pulumi engine on the harness's services, read back with the real CLI (`--stack`). The canary measures
 * a latency and leaves no marker row; then every health check PASSes; then FAIL paths: a connector
 * paused out of band, and an outputs file naming a job that is not running, each giving a FAIL line and
 * exit code 1. The stack is destroyed at the end.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main as canaryMain } from "../../../scripts/canary";
import { main as healthMain } from "../../../scripts/health";
import { REPO_DIR } from "../../../harness/pulumi/cli";
import { dropKafkaLeftovers, localStackCopy, pgQuery, pulumiOn, runScriptMain, writeStackFile } from "../../support/e2e";

const id = Date.now().toString(36);
const stack = `health-it-${id}`;
const schema = `health_it_${id}`;
const stackFile = path.join(REPO_DIR, `Pulumi.${stack}.yaml`);
/** The local stack's secrets (Pulumi.local.yaml): none may ever be printed. */
const SECRETS = ["lakehouse-local-pg", "lakehouse-local-cdc", "lakehouse-local-secret", "lakehouse-local-dremio1"];
const CONNECT = "http://127.0.0.1:8083";

let stateDir: string;
let tmpDir: string;
let deployed = false;
const pulumi = pulumiOn(() => stateDir);
let savedBackend: string | undefined;

/** Runs a script's main() and captures what it prints. */
const run = runScriptMain;

async function connectorState(name: string): Promise<string> {
    const r = await fetch(`${CONNECT}/connectors/${name}/status`, { signal: AbortSignal.timeout(10_000) });
    const s = (await r.json()) as { connector?: { state: string }; tasks?: { state: string }[] };
    return [s.connector?.state, ...(s.tasks ?? []).map((t) => t.state)].join(",");
}

/** Bounded, backed-off wait until the connector and its task report `state`. */
async function waitConnector(name: string, state: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 250;
    let seen: string;
    while ((seen = await connectorState(name)) !== `${state},${state}`) {
        if (Date.now() + delay > deadline) throw new Error(`connector ${name} not ${state} within ${timeoutMs / 1000} s (last: ${seen})`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
    }
}

beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-health-state-"));
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-health-"));
    // The scripts read the outputs with the offline CLI; point it at this test's backend.
    savedBackend = process.env.PULUMI_BACKEND_URL;
    process.env.PULUMI_BACKEND_URL = `file://${stateDir}`;
    writeStackFile(
        stack,
        localStackCopy({
            bucket: `health-it-${id}`,
            schema,
            tag: `hi_${id}`,
            config: { "lakehouse:dremio": { enabled: true, sourceName: `health_it_${id}` } },
        }),
    );
    await pulumi(["stack", "init", stack]);
    deployed = true;
    await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
});

afterAll(async () => {
    try {
        if (deployed) await pulumi(["destroy", "-s", stack, "--yes", "--skip-preview"], false);
        await pulumi(["stack", "rm", stack, "--yes", "--force"], false);
    } finally {
        if (savedBackend === undefined) delete process.env.PULUMI_BACKEND_URL;
        else process.env.PULUMI_BACKEND_URL = savedBackend;
        fs.rmSync(stackFile, { force: true });
        fs.rmSync(tmpDir, { recursive: true, force: true });
        fs.rmSync(stateDir, { recursive: true, force: true });
        await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
        // Destroy keeps CDC topics (KafkaTopic deleteOnDestroy is off): remove this test's topics and groups.
        await dropKafkaLeftovers(`health_it_${id}.`, `cdc-lakehouse-${stack}-`).catch((err) => console.warn(`Kafka cleanup: ${(err as Error).message}`));
    }
});

test("canary: the marker row reaches both Iceberg tables, the latency is measured, and the row is deleted", async () => {
    const r = await run(canaryMain, ["--stack", stack, "--json", "--timeout", "120"]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result).toMatchObject({
        stack,
        ok: true,
        source: `${schema}.demographics`,
        cleanedUp: true,
        marker: { name: expect.stringMatching(/^canary-[0-9a-f]{12}$/) },
    });
    expect(result.marker.id).toBeLessThan(0);
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(result.tables.map((t: any) => [t.identifier, t.kind])).toEqual([
        [`nessie.health_it_${id}.demographics`, "upsert"],
        [`nessie.health_it_${id}.demographics_changes`, "changelog"],
    ]);
    for (const t of result.tables) expect(t.visibleAfterMs).toBeGreaterThan(0);
    // Progress went to stderr, saying what it waited for.
    expect(r.err).toMatch(/inserted marker canary-[0-9a-f]{12} \(id -\d+\) into health_it_\w+\.demographics; waiting up to 120 s/);
    expect(r.err).toMatch(/deleted marker canary-/);
    expect(await pgQuery(`SELECT * FROM ${schema}.demographics WHERE id = $1 OR name LIKE 'canary-%'`, [result.marker.id])).toEqual([]);
    for (const s of SECRETS) expect(r.out + r.err).not.toContain(s);
    console.log(`canary latency ${result.latencyMs} ms: ${JSON.stringify(result.tables)}`);
});

/**
 * Flink commits the Kafka offsets of a checkpoint asynchronously after the checkpoint (and the Iceberg
 * commit the canary saw), so right after the canary the groups may have no committed offset yet:
 * health rightly WARNs then. Waits (bounded, backed off) until both groups have committed.
 */
async function waitForCommittedOffsets(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 500;
    for (;;) {
        const report = JSON.parse((await run(healthMain, ["--stack", stack, "--json"])).out);
        const lag = report.checks.filter((c: any) => c.name.startsWith("kafka.lag."));
        if (lag.length === 2 && lag.every((c: any) => c.metrics.uncommittedPartitions === 0)) return;
        if (Date.now() + delay > deadline)
            throw new Error(`the job's consumer groups committed no offsets within ${timeoutMs / 1000} s: ${lag.map((c: any) => c.detail).join("; ")}`);
        console.log(`waiting for the Flink job to commit its Kafka offsets: ${lag.map((c: any) => `${c.status} ${c.name}`).join(", ")}`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
    }
}

test("canary: a timeout fails with exit code 1, says what it waited for, and still deletes the marker row", async () => {
    const r = await run(canaryMain, ["--stack", stack, "--json", "--timeout", "1"]);
    expect(r.code).toBe(1);
    const result = JSON.parse(r.out);
    expect(result).toMatchObject({
        ok: false,
        latencyMs: null,
        cleanedUp: true,
        error: expect.stringMatching(/^timed out after 1 s waiting for marker canary-[0-9a-f]{12}/),
    });
    // Said before the first poll, however long that poll takes (a 1 s bound may end before any progress line).
    expect(r.err).toMatch(
        /inserted marker canary-[0-9a-f]{12} \(id -\d+\) into \w+\.demographics; waiting up to 1 s for it in nessie\.health_it_\w+\.demographics and nessie\.health_it_\w+\.demographics_changes/,
    );
    expect(await pgQuery(`SELECT * FROM ${schema}.demographics WHERE id = $1`, [result.marker.id])).toEqual([]);
});

test("health: every check PASSes on the running pipeline (human lines and --json)", async () => {
    await waitForCommittedOffsets(90_000);
    const r = await run(healthMain, ["--stack", stack]);
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^health of stack ${stack} at `));
    const checks = lines.slice(1, -1);
    expect(checks.filter((l) => !l.startsWith("PASS  "))).toEqual([]);
    for (const name of [
        "flink.cluster",
        "flink.job.demographics",
        "kafka.broker",
        "kafka.topic.demographics",
        "connect.connector",
        "s3.bucket",
        "nessie.server",
        "postgres.slot",
        "dremio.source",
    ]) {
        expect(checks.some((l) => l.startsWith(`PASS  ${name} `))).toBe(true);
    }
    expect(checks.filter((l) => /^PASS {2}kafka\.lag\./.test(l))).toHaveLength(2);
    expect(checks.filter((l) => /^PASS {2}s3\.data\./.test(l))).toHaveLength(2);
    expect(checks.filter((l) => /^PASS {2}nessie\.table\./.test(l))).toHaveLength(2);
    expect(lines[lines.length - 1]).toBe(`${checks.length} checks: ${checks.length} PASS, 0 WARN, 0 FAIL`);
    expect(r.code).toBe(0);

    const j = await run(healthMain, ["--stack", stack, "--json"]);
    expect(j.code).toBe(0);
    const report = JSON.parse(j.out);
    expect(report).toMatchObject({ stack, ok: true, summary: { fail: 0, warn: 0 } });
    const byName = Object.fromEntries(report.checks.map((c: any) => [c.name, c]));
    expect(byName["flink.job.demographics"].metrics).toMatchObject({ state: "RUNNING", staleJobId: false, checkpointAgeSeconds: expect.any(Number) });
    expect(byName["flink.job.demographics"].metrics.checkpointAgeSeconds).toBeLessThan(60);
    // The canary's insert and delete went through the topic.
    expect(byName["kafka.topic.demographics"].metrics.messages).toBeGreaterThanOrEqual(2);
    expect(byName["postgres.slot"].metrics).toMatchObject({ active: true, lagBytes: expect.any(Number) });
    expect(byName[`s3.data.nessie.health_it_${id}.demographics`].metrics.dataFiles).toBeGreaterThan(0);
    expect(byName[`nessie.table.nessie.health_it_${id}.demographics`].metrics.lastCommitHash).toMatch(/^[0-9a-f]{64}$/);
    for (const s of SECRETS) expect(r.out + r.err + j.out + j.err).not.toContain(s);
    console.log(r.out);
});

test("health: a connector paused out of band is a FAIL line and exit code 1", async () => {
    const name = `cdc-lakehouse-${stack}-postgres-cdc`;
    const paused = await fetch(`${CONNECT}/connectors/${name}/pause`, { method: "PUT", signal: AbortSignal.timeout(10_000) });
    expect(paused.status).toBe(202);
    try {
        await waitConnector(name, "PAUSED", 60_000);
        const r = await run(healthMain, ["--stack", stack]);
        expect(r.code).toBe(1);
        expect(r.out).toMatch(
            new RegExp(
                `^FAIL {2}connect\\.connector +connector ${name} is PAUSED \\(the stack declares RUNNING\\): no changes are captured; run \`pulumi up --refresh\` to put it back in the declared state \\(or resume it: curl -X PUT 'http[^']+/connectors/${name}/resume'\\)$`,
                "m",
            ),
        );
        expect(r.out).toMatch(/\d+ checks: \d+ PASS, \d+ WARN, 1 FAIL {2}\(unhealthy\)$/);
    } finally {
        await fetch(`${CONNECT}/connectors/${name}/resume`, { method: "PUT", signal: AbortSignal.timeout(10_000) });
        await waitConnector(name, "RUNNING", 60_000);
    }
});

test("health --outputs-file: a job id that is not running, with no job of its name, is a FAIL and exit code 1", async () => {
    const shown = await pulumi(["stack", "output", "-s", stack, "--json", "--show-secrets"]);
    const outputs = JSON.parse(shown.stdout);
    outputs.flinkJobs.demographics = { ...outputs.flinkJobs.demographics, jobId: "0123456789abcdef0123456789abcdef", name: `no-such-job-${id}` };
    outputs.pipelineTables.demographics.job = `no-such-job-${id}`;
    const file = path.join(tmpDir, "outputs.json");
    // It holds the stack's credentials: readable by this user only, deleted with tmpDir.
    fs.writeFileSync(file, JSON.stringify(outputs), { mode: 0o600 });
    const r = await run(healthMain, ["--outputs-file", file, "--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ stack: null, ok: false, summary: { fail: 1 } });
    const job = report.checks.find((c: any) => c.name === "flink.job.demographics");
    expect(job).toMatchObject({ status: "FAIL", metrics: { state: "MISSING", exportedJobId: "0123456789abcdef0123456789abcdef" } });
    expect(job.detail).toBe(
        `job "no-such-job-${id}" 0123456789abcdef0123456789abcdef is unknown to Flink, and no running job is named "no-such-job-${id}"; run \`pulumi up --refresh\` to resubmit it from its last savepoint or checkpoint (a plain \`pulumi up\` does not notice a job that is gone)`,
    );
    // Everything else is still measured and healthy.
    expect(report.checks.filter((c: any) => c.status !== "PASS").map((c: any) => c.name)).toEqual(["flink.job.demographics"]);
    for (const s of SECRETS) expect(r.out + r.err).not.toContain(s);
});
