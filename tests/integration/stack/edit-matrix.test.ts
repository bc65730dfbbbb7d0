/**
 * Editing a live stack never destroys data: every row of tests/support/edit-matrix.ts (a stack-config
 * edit) on a throwaway copy of the `local` stack (its own bucket, namespace, schema, publication, CDC
 * role, topic prefix, Dremio source, database for the guard row), through the real Pulumi engine
 * (the harness's offline CLI on a temporary file backend) against the harness's real services, with
 * a writer changing rows of PostgreSQL at 10 changes/s the whole time.
 *
 * Each row: `pulumi preview --json` with the edited config (a config file of its own; the stack file
 * keeps the applied config) classified per resource (no change / update / replace / refused at
 * preview) against the row. Rows marked for `up` then run it (only when the preview planned no
 * replace, create or delete: running one would destroy what the following rows check) and check the
 * data invariants (tests/support/edit-invariants.ts): the Iceberg mirror equals PostgreSQL; the
 * changelog holds every change exactly once and no second snapshot; the replication slot the same
 * slot (never missing, positions and counters only forward) and the connector's offsets never reset;
 * every object of the warehouse bucket still there; the Iceberg tables the same tables (Nessie
 * content ids); the job and connector running, and the job kept or resubmitted from its savepoint as
 * the row says. The writer pauses only while a check compares (an exact comparison needs a quiet
 * source); it runs through every preview and up.
 *
 * A JSON of what each row observed goes to $EDIT_MATRIX_RESULTS (default <tmp>/edit-matrix-results.json);
 * `npx ts-node --transpile-only scripts/edit-matrix-doc.ts --results <file>` puts it in docs/edit-matrix.md.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { Kafka, logLevel } from "kafkajs";
import { ConfigValidationError, parseLakehouseConfig } from "../../../components/config";
import { Change } from "../../../bench/faults/model";
import { connectorStatus, flinkJobs, jobRestoredFrom } from "../../../bench/faults/probes";
import { FaultWriter, pgRows } from "../../../bench/faults/writer";
import { endpoints } from "../../../harness/cli";
import { REPO_DIR, RunPulumiResult, runPulumi } from "../../../harness/pulumi/cli";
import {
    applyEdits,
    between,
    classificationMismatches,
    classifySteps,
    CopyNames,
    describeClassification,
    MATRIX,
    MatrixResults,
    MatrixRow,
    renderMatrixTable,
    RESOURCE_KINDS,
    resourceKind,
    ResourceKind,
    RowResult,
    TABLE_BEGIN,
    TABLE_END,
    unsafeSteps,
} from "../../support/edit-matrix";
import {
    changedKeys,
    connectorConfig,
    connectorOffsets,
    IcebergReader,
    listBucket,
    ObjectLedger,
    nessieContentId,
    PipelineTable,
    readSlot,
    SlotReading,
    slotRegressions,
    SlotWatch,
    waitLagZero,
    waitMirrorAndChangelog,
} from "../../support/edit-invariants";

const TABLE = "demographics";
const RATE = 10;
const started = Date.now();
const RESULTS_FILE = process.env.EDIT_MATRIX_RESULTS || path.join(os.tmpdir(), "edit-matrix-results.json");

/** Progress on stderr as it happens (jest holds console output until a test ends). */
const log = (msg: string) => process.stderr.write(`[edit-matrix ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

interface Outputs {
    warehouse: string;
    connector: { name: string; state: string; replicationSlot: string };
    flinkJobs: Record<string, { name: string; jobId: string; state: string; lastSavepoint?: string }>;
    pipelineTables: Record<string, PipelineTable>;
}

/** True when the program accepts `lakehouse:allowDataLoss` (checked with its own pure config parser). */
function programKnowsAllowDataLoss(config: Record<string, any>): boolean {
    const values: Record<string, string> = {};
    const secrets = new Set<string>();
    for (const [k, v] of Object.entries(config)) {
        if (!k.startsWith("lakehouse:")) continue;
        const key = k.slice("lakehouse:".length);
        if (v && typeof v === "object" && "secure" in v) {
            values[key] = "not-the-password";
            secrets.add(key);
        } else values[key] = typeof v === "string" ? v : JSON.stringify(v);
    }
    try {
        parseLakehouseConfig(values, secrets, { project: "cdc-lakehouse", stack: "edit-matrix" });
        return true;
    } catch (e) {
        if (e instanceof ConfigValidationError) return !e.problems.some((p) => p.key.startsWith("lakehouse:allowDataLoss"));
        throw e;
    }
}

describe("editing a live stack never destroys data (edit matrix: real engine, real services, a writer throughout)", () => {
    const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
    const stack = `edit-matrix-${id}`;
    const names: CopyNames = {
        id,
        bucket: `edit-matrix-${id}`,
        namespace: `edit_matrix_${id}`,
        schema: `edit_matrix_${id}`,
        prefix: `edit_matrix_${id}`,
        database: `edit_matrix_${id}_db`,
    };
    const stackFile = path.join(REPO_DIR, `Pulumi.${stack}.yaml`);
    let stateDir = "";
    let workDir = "";
    /**
     * The offline CLI on the copy's file backend, each run bounded at 10 minutes (previews take 30-60 s
     * here, more when five engineers share the two cores); a non-zero exit throws unless `expectOk` is false.
     */
    const pulumi = async (args: string[], expectOk = true): Promise<RunPulumiResult> => {
        const r = await runPulumi(args, { cwd: REPO_DIR, env: { PULUMI_BACKEND_URL: `file://${stateDir}` }, timeoutMs: 600_000 });
        if (expectOk && r.code !== 0)
            throw new Error(
                `pulumi ${args.join(" ")} exited ${r.code}${r.timedOut ? " (timed out after 10 min)" : ""}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`,
            );
        return r;
    };
    /** What the rows observed so far, written after every row (a run cut short still leaves them). */
    const saveResults = () => {
        const out: MatrixResults = { startedAt: new Date(started).toISOString(), totalMs: Date.now() - started, rows: results, notes };
        fs.writeFileSync(RESULTS_FILE, JSON.stringify(out, null, 2));
    };
    const results: RowResult[] = [];
    const notes: string[] = [];

    let base: Record<string, any> = {};
    /** The stack file's `config` as last applied by `up`. */
    let applied: Record<string, any> = {};
    let allowDataLossKnown = false;
    let initialized = false;
    let deployed = false;
    let outputs: Outputs | undefined;
    let writer: FaultWriter | undefined;
    let reader: IcebergReader | undefined;
    let watch: SlotWatch | undefined;
    let deployError: Error | undefined;

    // What the invariants compare against: every key ever listed, the last slot and offsets, the content ids.
    const everyObject = new ObjectLedger();
    let lastSlot: SlotReading | undefined;
    let lastOffsetLsn: number | undefined;
    let contentIds: Record<string, string | undefined> = {};
    let baselineSnapshotRows = 0;
    let checkNo = 0;

    const writeFile = (file: string, config: Record<string, any>) => fs.writeFileSync(file, yaml.dump({ ...base, config }));
    const readOutputs = async (): Promise<Outputs> => JSON.parse((await pulumi(["stack", "output", "-s", stack, "--json"])).stdout);
    const pt = () => outputs!.pipelineTables[TABLE];
    const slotName = () => outputs!.connector.replicationSlot;
    const checkpointsPrefix = () => "flink/checkpoints/";

    /** Starts the writer again under a tag naming the phase (its names say which phase wrote a change). */
    const write = (tag: string) => writer!.start(RATE, tag.replace(/[^A-Za-z0-9]+/g, "_").slice(0, 30));

    /**
     * The data invariants (see the file comment). Pauses the writer while it compares; restarts it
     * under `nextTag`. Returns every problem found.
     */
    async function checkInvariants(label: string, nextTag: string, full = true): Promise<string[]> {
        const t = Date.now();
        const problems: string[] = [];
        checkNo++;
        const lsn = await writer!.stop();
        const changes: Change[] = writer!.changes;
        try {
            // The pipeline runs: one live job under the name, RUNNING; the connector and its tasks RUNNING.
            const jobs = await flinkJobs(pt().job);
            if (jobs.live.length !== 1 || jobs.live[0].state !== "RUNNING")
                problems.push(`Flink job ${pt().job}: live ${JSON.stringify(jobs.live)} (want exactly one, RUNNING)`);
            const c = await connectorStatus(outputs!.connector.name).catch((e) => ({
                connector: `unreadable (${(e as Error).message})`,
                tasks: [] as string[],
            }));
            if (c.connector !== "RUNNING" || !c.tasks.length || c.tasks.some((s) => s !== "RUNNING"))
                problems.push(`connector ${c.connector} [${c.tasks.join(",")}]`);

            await waitLagZero(pt(), slotName(), lsn, 240_000, log).catch((e) => problems.push((e as Error).message));
            // The whole-table comparison (Iceberg read back through Flink) on the baseline, the incident rows and
            // at the end; every other row checks the cheap invariants below (slot, offsets, objects, Nessie ids).
            const { mirror, changelog, error } = full
                ? await waitMirrorAndChangelog(reader!, names.schema, pt(), changes, 300_000, log)
                : { mirror: undefined, changelog: undefined, error: undefined };
            if (error) problems.push(error);
            if (mirror && !mirror.equal)
                problems.push(
                    `mirror differs from PostgreSQL: ${mirror.missing} missing, ${mirror.extra} extra, ${mirror.differing} differing (${mirror.examples.slice(0, 3).join("; ")})`,
                );
            if (changelog) {
                if (changelog.lost) problems.push(`changelog: ${changelog.lost} of ${changelog.expected} changes lost (${changelog.examples.join("; ")})`);
                if (changelog.duplicates) problems.push(`changelog: ${changelog.duplicates} duplicate rows`);
                if (changelog.unexpected)
                    problems.push(`changelog: ${changelog.unexpected} rows that are no change the writer made (${changelog.examples.join("; ")})`);
                if (checkNo === 1) baselineSnapshotRows = changelog.snapshotRows;
                else if (changelog.snapshotRows !== baselineSnapshotRows)
                    problems.push(
                        `changelog: ${changelog.snapshotRows} SNAPSHOT (read) rows, ${baselineSnapshotRows} after the first deploy: Debezium snapshotted again`,
                    );
            }

            // The slot: the same slot, never gone, only forward.
            const slot = await readSlot(slotName());
            if (lastSlot) problems.push(...slotRegressions(lastSlot, slot));
            else if (!slot.exists) problems.push(`replication slot ${slotName()} does not exist`);
            if (slot.exists) lastSlot = slot;
            if (watch?.problems.length) problems.push(...watch.problems.map((p) => `slot watch: ${p}`));

            // The connector's offsets: never reset.
            const off = await connectorOffsets(outputs!.connector.name).catch(
                (e) => ({ lsn: undefined, error: String(e) }) as { lsn?: number; error?: string },
            );
            if (off.lsn === undefined) {
                if (lastOffsetLsn !== undefined)
                    problems.push(`connector offsets are gone (were at lsn ${lastOffsetLsn})${"error" in off ? `: ${off.error}` : ""}`);
            } else {
                if (lastOffsetLsn !== undefined && off.lsn < lastOffsetLsn)
                    problems.push(`connector offsets went back: lsn ${lastOffsetLsn} -> ${off.lsn} (reset)`);
                lastOffsetLsn = off.lsn;
            }

            // Every object of the warehouse bucket ever seen (outside Flink's checkpoint retention) still there.
            const listedAt = Date.now();
            const now = await listBucket(names.bucket).catch((e) => {
                problems.push(`listing bucket ${names.bucket}: ${(e as Error).message}`);
                return undefined;
            });
            if (now) {
                const lost = everyObject.lost(now, [checkpointsPrefix()]);
                if (lost.length)
                    problems.push(
                        `${lost.length} of ${everyObject.size} objects of bucket ${names.bucket} gone: ${lost.slice(0, 8).join(", ")}${lost.length > 8 ? ", ..." : ""}`,
                    );
                everyObject.record(now, listedAt);
            }

            // The same namespace and tables in Nessie (a drop and re-create gives new content ids).
            const keys = [names.namespace, `${names.namespace}.${TABLE}`, `${names.namespace}.${TABLE}_changes`];
            const ids = Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await nessieContentId(k).catch(() => undefined)] as const)));
            for (const k of keys) {
                if (!ids[k]) problems.push(`Nessie: ${k} does not exist on main`);
                else if (contentIds[k] && contentIds[k] !== ids[k])
                    problems.push(`Nessie: ${k} is another object now (content id ${contentIds[k]} -> ${ids[k]})`);
            }
            contentIds = { ...contentIds, ...Object.fromEntries(Object.entries(ids).filter(([, v]) => v)) };
            log(
                `invariants [${label}] in ${((Date.now() - t) / 1000).toFixed(0)} s: ${changes.length} changes, ${changelog?.snapshotRows ?? "?"} snapshot rows, slot ${slot.confirmedFlushLsn} (${slot.totalTxns} txns), offsets lsn ${lastOffsetLsn}, ${everyObject.size} objects: ${problems.length ? problems.join(" | ") : "kept"}`,
            );
        } finally {
            write(nextTag);
        }
        return problems;
    }

    /** `pulumi preview --json` of a config (in a file of its own); the steps' classification or the failure's text. */
    async function preview(
        config: Record<string, any>,
        rowId: string,
    ): Promise<{ code: number; text: string; classification?: ReturnType<typeof classifySteps>; ms: number }> {
        const file = path.join(workDir, `preview-${rowId.replace(/[^A-Za-z0-9]+/g, "_")}.yaml`);
        writeFile(file, config);
        const t = Date.now();
        const r = await pulumi(["preview", "-s", stack, "--json", "--config-file", file], false);
        const ms = Date.now() - t;
        let json: any;
        try {
            json = JSON.parse(r.stdout);
        } catch {
            json = undefined;
        }
        const diagnostics = (json?.diagnostics ?? []).map((d: any) => String(d.message ?? "")).join("\n");
        const text = `${diagnostics}\n${r.stdout}\n${r.stderr}`;
        log(`preview [${rowId}] exited ${r.code} after ${(ms / 1000).toFixed(1)} s`);
        return { code: r.code, text, classification: r.code === 0 && json?.steps ? classifySteps(json.steps) : undefined, ms };
    }

    /**
     * The no-op keys are previewed together first (one CLI run instead of eight); only when that
     * preview plans anything is each key previewed alone, so a change is attributed to its key.
     */
    let noOpTogether: Promise<{ clean: boolean; ms: number }> | undefined;
    const previewNoOpsTogether = () =>
        (noOpTogether ??= (async () => {
            const rows = MATRIX.filter((r) => r.group === "no-op");
            const p = await preview(
                applyEdits(
                    applied,
                    rows.flatMap((r) => r.edits),
                    names,
                ),
                "no-op keys together",
            );
            const clean = p.code === 0 && !!p.classification && describeClassification(p.classification) === "no changes";
            log(`preview [no-op keys together]: ${clean ? "no changes" : "changes or a failure: each key is previewed alone"}`);
            return { clean, ms: p.ms };
        })());

    /** One row: preview, classify, and (rows marked for it) up and the invariants. */
    async function runRow(row: MatrixRow): Promise<void> {
        if (deployError) throw new Error(`the stack copy was not deployed: ${deployError.message}`);
        const result: RowResult = { id: row.id, observed: "", ok: false, problems: [] };
        results.push(result);
        const problems = result.problems;
        const next = applyEdits(applied, row.edits, names);
        if (row.group === "no-op") {
            const together = await previewNoOpsTogether();
            if (together.clean) {
                result.observed = "no changes (previewed together with the other no-op keys)";
                result.previewMs = together.ms;
                result.ok = true;
                log(`row [${row.id}]: as expected: ${result.observed}`);
                saveResults();
                expect(together).toMatchObject({ clean: true });
                return;
            }
        }
        try {
            const p = await preview(next, row.id);
            result.previewMs = p.ms;
            const firstError =
                (p.text.match(/error: .*/g) ?? []).map((l) => l.trim()).filter((l) => !/^error: preview failed$/i.test(l))[0] ??
                p.text.trim().split("\n").slice(-3).join(" ");
            if ("refused" in row.expect) {
                if (p.code === 0) {
                    result.observed = `NOT refused: ${describeClassification(p.classification ?? { byKind: {}, others: [] })}`;
                    problems.push(`the preview succeeded; it must stop with a message naming ${row.expect.refused.mentions.join(" and ")}`);
                } else {
                    result.observed = `refused at preview: ${firstError.slice(0, 400)}`;
                    for (const m of row.expect.refused.mentions) if (!p.text.includes(m)) problems.push(`the refusal does not name ${m}`);
                    if (!row.expect.refused.lost.test(p.text)) problems.push(`the refusal does not say what would be lost (${row.expect.refused.lost})`);
                }
            } else if (p.code !== 0 || !p.classification) {
                result.observed = `preview failed: ${firstError.slice(0, 400)}`;
                problems.push(`preview exited ${p.code}: ${firstError.slice(0, 1000)}`);
            } else {
                const c = p.classification;
                result.observed = describeClassification(c);
                const reasons = c.details
                    .filter((d) => d.step !== "same")
                    .map(
                        (d) =>
                            `${d.name} ${d.step}${d.replace.length ? ` (replace: ${d.replace.join(", ")})` : d.diff.length ? ` (${d.diff.join(", ")})` : ""}`,
                    );
                if (reasons.length) log(`preview [${row.id}]: ${reasons.join("; ")}`);
                if ("safe" in row.expect) problems.push(...unsafeSteps(c).map((s) => `a data-bearing resource would be lost: ${s}`));
                else problems.push(...classificationMismatches(c, row.expect.steps));

                if (row.up) {
                    const destructive = RESOURCE_KINDS.filter((k) => ["replace", "delete", "create"].includes(c.byKind[k] ?? "same"));
                    if (destructive.length || c.others.some((o) => !o.startsWith("update"))) {
                        problems.push(
                            `up not run: the preview plans ${destructive.map((k) => `${k} ${c.byKind[k]}`).join(", ")}${c.others.length ? ` ${c.others.join(", ")}` : ""}; running it would destroy what the following rows check`,
                        );
                    } else {
                        await applyRow(row, next, result);
                    }
                }
            }
        } finally {
            result.ok = problems.length === 0;
            log(`row [${row.id}]: ${result.ok ? "as expected" : "DIFFERS"}: observed ${result.observed}${problems.length ? `; ${problems.join(" | ")}` : ""}`);
            saveResults();
        }
        expect(problems).toEqual([]);
    }

    /** `up` of the row's config, then the remote effects the row names and the data invariants. */
    async function applyRow(row: MatrixRow, next: Record<string, any>, result: RowResult): Promise<void> {
        const problems = result.problems;
        const before = { job: outputs!.flinkJobs[TABLE], connector: await connectorConfig(outputs!.connector.name) };
        // Every key before the up (the invariants compare against every key ever seen).
        const listedAt = Date.now();
        everyObject.record(await listBucket(names.bucket), listedAt);
        writeFile(stackFile, next);
        applied = next;
        const t = Date.now();
        const up = await pulumi(["up", "-s", stack, "--yes", "--skip-preview"], false);
        result.upMs = Date.now() - t;
        log(`up [${row.id}] exited ${up.code} after ${(result.upMs / 1000).toFixed(1)} s`);
        if (up.code !== 0)
            problems.push(
                `up exited ${up.code}: ${(up.stdout + up.stderr)
                    .split("\n")
                    .filter((l) => /error/i.test(l))
                    .slice(0, 5)
                    .join(" ")
                    .slice(0, 1500)}`,
            );
        if (/\d+ (replaced|deleted|created)/.test(up.stdout))
            problems.push(
                `up: ${up.stdout
                    .split("\n")
                    .filter((l) => /\d+ (replaced|deleted|created)/.test(l))
                    .map((l) => l.trim())
                    .join(", ")}`,
            );
        outputs = await readOutputs();
        const job = outputs.flinkJobs[TABLE];
        if (row.up!.job === "same") {
            if (job.jobId !== before.job.jobId) problems.push(`the Flink job was resubmitted (${before.job.jobId} -> ${job.jobId}); the row keeps it`);
        } else if (job.jobId === before.job.jobId) {
            problems.push(`the Flink job was not resubmitted (still ${job.jobId})`);
        } else {
            const restored = await jobRestoredFrom(job.jobId);
            const norm = (s?: string) => (s ?? "").replace(/^s3a?:\/\//, "").replace(/\/$/, "");
            if (!restored) problems.push(`the new Flink job ${job.jobId} started without state (not restored from a savepoint)`);
            else if (job.lastSavepoint && norm(restored) !== norm(job.lastSavepoint))
                problems.push(`the new Flink job restored from ${restored}, not from the savepoint the update took (${job.lastSavepoint})`);
        }
        const after = await connectorConfig(outputs.connector.name);
        const changed = changedKeys(before.connector, after);
        const want = row.up!.connector === "unchanged" ? [] : [...row.up!.connector.changed].sort();
        if (JSON.stringify(changed) !== JSON.stringify(want))
            problems.push(`connector config in Connect: changed ${JSON.stringify(changed)}, expected ${JSON.stringify(want)}`);
        problems.push(...(await checkInvariants(`after ${row.id}`, `after_${row.id}`, !!row.incident)));
    }

    beforeAll(async () => {
        stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-edit-matrix-"));
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-edit-matrix-files-"));
        const local = yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.local.yaml"), "utf8")) as any;
        base = { ...local };
        delete base.config;
        const cfg = JSON.parse(JSON.stringify(local.config)) as Record<string, any>;
        Object.assign((cfg["lakehouse:storage"] ??= {}), { bucket: names.bucket, forceDestroy: true });
        cfg["lakehouse:iceberg"] = { namespace: names.namespace };
        Object.assign((cfg["lakehouse:source"] ??= {}), { schema: names.schema, publication: `pub_${id}`, replicationUser: `dbz_${id}` });
        cfg["lakehouse:kafka"] = { topicPrefix: names.prefix };
        cfg["lakehouse:flink"] = { checkpointIntervalMs: 2000 };
        cfg["lakehouse:dremio"] = { enabled: true, sourceName: `edit_matrix_${id}` };
        cfg["lakehouse:allowDataLoss"] = false;
        allowDataLossKnown = programKnowsAllowDataLoss(cfg);
        if (!allowDataLossKnown) {
            // The rows still run, to report what the program does today; the test below fails on it.
            delete cfg["lakehouse:allowDataLoss"];
            notes.push("the program refuses the key lakehouse:allowDataLoss (unknown key): the copy ran without it");
            log("the program does not know lakehouse:allowDataLoss yet: deploying the copy without it");
        }
        applied = cfg;
        try {
            // The database the `source.database` guard row points at (the external check connects to it).
            await pgRows(`CREATE DATABASE ${names.database}`);
            writeFile(stackFile, applied);
            await pulumi(["stack", "init", stack]);
            initialized = true;
            deployed = true;
            const t = Date.now();
            await pulumi(["up", "-s", stack, "--yes", "--skip-preview"]);
            log(`deployed ${stack} in ${((Date.now() - t) / 1000).toFixed(0)} s`);
            notes.push(`initial deploy: ${((Date.now() - t) / 1000).toFixed(0)} s`);
            outputs = await readOutputs();
            reader = new IcebergReader(outputs.warehouse);
            watch = new SlotWatch(slotName());
            watch.start();
            writer = await FaultWriter.open(names.schema, log);
            write("deploy");
            // Some changes through the whole pipeline, then the baseline of every invariant.
            await new Promise((r) => setTimeout(r, 8000));
            const problems = await checkInvariants("baseline", "previews");
            if (problems.length) throw new Error(`the pipeline does not work before any edit: ${problems.join(" | ")}`);
        } catch (e) {
            deployError = e as Error;
            log(`deploy failed: ${deployError.message.slice(0, 3000)}`);
        }
    }, 900_000);

    afterAll(async () => {
        const problems: string[] = [];
        watch?.stop();
        await writer?.close();
        await reader?.close();
        if (initialized) {
            // Protected resources (allowDataLoss off) must be unprotected before the copy can go.
            await pulumi(["state", "unprotect", "--all", "--yes", "-s", stack], false).catch(() => undefined);
            for (let attempt = 1; attempt <= 2 && deployed; attempt++) {
                const r = await pulumi(["destroy", "-s", stack, "--yes", "--skip-preview", ...(attempt === 2 ? ["--refresh"] : [])], false).catch((e) => ({
                    code: -1,
                    stdout: "",
                    stderr: String(e),
                }));
                if (r.code === 0) deployed = false;
                else problems.push(`destroy (attempt ${attempt}) exited ${r.code}: ${(r.stdout + r.stderr).slice(-1500)}`);
            }
            if (!deployed) await pulumi(["stack", "rm", stack, "--yes", "--force"], false).catch((e) => problems.push(String(e)));
        }
        const admin = new Kafka({ clientId: stack, brokers: [endpoints().kafka.bootstrapServers], logLevel: logLevel.NOTHING }).admin();
        try {
            await admin.connect();
            const topics = (await admin.listTopics()).filter((t) => t.startsWith(names.prefix));
            if (topics.length) await admin.deleteTopics({ topics });
            const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(stack));
            if (groups.length) await admin.deleteGroups(groups).catch((e) => problems.push(`consumer groups kept (Kafka expires them): ${e}`));
        } catch (e) {
            problems.push(`topics ${names.prefix}*: ${e}`);
        } finally {
            await admin.disconnect().catch(() => undefined);
        }
        await pgRows(`DROP SCHEMA IF EXISTS ${names.schema} CASCADE`).catch((e) => problems.push(`schema: ${e}`));
        await pgRows(`DROP DATABASE IF EXISTS ${names.database}`).catch((e) => problems.push(`database: ${e}`));
        if (deployed) problems.push(`LEFT BEHIND: stack ${stack} is still deployed; state in ${stateDir}, config ${stackFile}`);
        else {
            fs.rmSync(stackFile, { force: true });
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
        fs.rmSync(workDir, { recursive: true, force: true });
        const totalMs = Date.now() - started;
        const out: MatrixResults = {
            startedAt: new Date(started).toISOString(),
            totalMs,
            rows: results,
            notes: [...notes, ...problems.map((p) => `teardown: ${p}`)],
        };
        fs.writeFileSync(RESULTS_FILE, JSON.stringify(out, null, 2));
        log(`done in ${(totalMs / 60000).toFixed(1)} min; results in ${RESULTS_FILE}${problems.length ? `; teardown problems: ${problems.join(" | ")}` : ""}`);
    }, 900_000);

    it("docs/edit-matrix.md holds the table generated from the rows (scripts/edit-matrix-doc.ts)", () => {
        const doc = fs.readFileSync(path.join(REPO_DIR, "docs", "edit-matrix.md"), "utf8");
        expect(between(doc, TABLE_BEGIN, TABLE_END)).toBe(renderMatrixTable());
    });

    it("deploys the copy with lakehouse:allowDataLoss false, the pipeline running under the writer", () => {
        expect(deployError?.message).toBeUndefined();
        expect(allowDataLossKnown).toBe(true);
    });

    it("with allowDataLoss off, the data-bearing resources are protected and pulumi destroy is refused", async () => {
        if (deployError) throw new Error(`the stack copy was not deployed: ${deployError.message}`);
        const state = JSON.parse((await pulumi(["stack", "export", "-s", stack])).stdout);
        const protectedKinds = new Set<ResourceKind>();
        for (const r of state.deployment?.resources ?? []) {
            const kind = resourceKind(String(r.urn));
            if (kind && r.protect) protectedKinds.add(kind);
        }
        const destroy = await pulumi(["destroy", "-s", stack, "--preview-only"], false);
        const missing = (["WarehouseBucket", "NessieNamespace", "DebeziumConnector"] as ResourceKind[]).filter((k) => !protectedKinds.has(k));
        const problems = [...missing.map((k) => `${k} not protected`), ...(destroy.code === 0 ? ["pulumi destroy (preview) was not refused"] : [])];
        const observed = `protected: ${[...protectedKinds].join(", ") || "none"}; destroy --preview-only exited ${destroy.code}`;
        results.push({ id: "protect", observed, ok: problems.length === 0, problems });
        log(`protect: ${observed}`);
        saveResults();
        expect(missing).toEqual([]);
        expect(destroy.code).not.toBe(0);
        expect(destroy.stdout + destroy.stderr).toMatch(/protect/i);
    });

    for (const row of MATRIX) {
        const title = row.incident
            ? `${row.incident.split(":")[0]} (regression): ${row.id} ${row.edits.map((e) => `-> ${JSON.stringify(e.value)}`).join(" ")} keeps every object, the slot and the offsets`
            : `[${row.group}] ${row.id}`;
        // A preview and an up (each bounded at 10 min) and the invariants' bounded waits.
        it(title, () => runRow(row), 1_800_000);
    }

    it("at the end: the slot, the offsets, every object and the tables are the same after all rows and the revert, and the slot was never missing", async () => {
        if (deployError) throw new Error(`the stack copy was not deployed: ${deployError.message}`);
        // The cheap invariants (slot, offsets, every object, Nessie ids, job and connector RUNNING): the
        // whole-table comparison ran on the baseline and the incident rows; at the end, after ~10k changes
        // into an upsert table nothing compacts yet (issue 18), one read of it takes minutes here.
        const problems = await checkInvariants("end", "end", false);
        log(`slot watch: ${watch?.samples} samples, ${watch?.problems.length} problems`);
        notes.push(
            `slot watch: ${watch?.samples} samples of pg_replication_slots, ${watch?.problems.length} problems; ${writer?.changes.length} changes written`,
        );
        results.push({ id: "invariants at the end", observed: problems.length ? "violated" : "kept", ok: problems.length === 0, problems });
        saveResults();
        expect(watch!.samples).toBeGreaterThan(10);
        expect(problems).toEqual([]);
    });
});
