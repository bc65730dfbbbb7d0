/**
 * Table maintenance as code (issue 18): `lakehouse:maintenance` parsed and defaulted, the maintenance
 * job's arguments as the program renders them, the jar's identity (its sources and versions), the
 * FlinkJarJob resource's check and diff, its serialized form, and the Flink setting that lets the
 * program run the jar.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULTS } from "../../../components/defaults";
import { checkFlinkJarJobInputs, diffFlinkJarJob, flinkJarJobProvider, needsRerun } from "../../../components/dynamic/flink-jar-job";
import { mavenPackageArgs } from "../../../components/dynamic/flink/jar";
import { flinkProperties } from "../../../components/flink";
import { versionTable } from "../../../components/images";
import {
    MAINTENANCE_ARTIFACT,
    MaintenanceVersions,
    compactionCadenceWarning,
    maintainedTables,
    maintenanceJarBuild,
    maintenanceJobName,
    maintenanceMavenProperties,
    maintenanceProgramArgs,
    maintenanceSourceFiles,
} from "../../../components/maintenance";
import { loadSerializedProvider } from "../../support/dynamic";
import { expectProblemAt, parseConfigValues } from "../../support/lakehouse-config";
import { CATALOG_VALUES } from "../../support/job-values";

const REPO = path.resolve(__dirname, "../../..");
const CATALOG = CATALOG_VALUES;
const mavenProperties = () => maintenanceMavenProperties(versionTable(REPO) as MaintenanceVersions);

describe("lakehouse:maintenance", () => {
    test("is off by default, with the documented schedules", () => {
        const cfg = parseConfigValues({});
        expect(cfg.maintenance).toEqual(DEFAULTS.maintenance);
        expect(cfg.maintenance.enabled).toBe(false);
        expect(cfg.maintenance.expireSnapshots).toEqual({ intervalSeconds: 600, maxSnapshotAgeSeconds: 3600, retainLast: 10 });
        expect(cfg.maintenance.deleteOrphanFiles.minAgeSeconds).toBe(3 * 24 * 3600);
    });

    test("takes each task's settings, and 0 turns a task off", () => {
        const cfg = parseConfigValues({
            maintenance: {
                enabled: true,
                expireSnapshots: { maxSnapshotAgeSeconds: 7200 },
                rewriteDataFiles: { intervalSeconds: 60, commitCount: "30" },
                deleteOrphanFiles: { intervalSeconds: 0 },
            },
        });
        expect(cfg.maintenance.enabled).toBe(true);
        expect(cfg.maintenance.expireSnapshots).toEqual({ ...DEFAULTS.maintenance.expireSnapshots, maxSnapshotAgeSeconds: 7200 });
        expect(cfg.maintenance.rewriteDataFiles).toEqual({ ...DEFAULTS.maintenance.rewriteDataFiles, intervalSeconds: 60, commitCount: 30 });
        expect(cfg.maintenance.deleteOrphanFiles.intervalSeconds).toBe(0);
    });

    test.each([
        ["an unknown key", { maintenance: { enable: true } }, "lakehouse:maintenance.enable", /no such key.*enabled/],
        ["an unknown task key", { maintenance: { expireSnapshots: { maxAge: 60 } } }, "lakehouse:maintenance.expireSnapshots.maxAge", /no such key/],
        ["a task that is not an object", { maintenance: { rewriteDataFiles: 300 } }, "lakehouse:maintenance.rewriteDataFiles", /an object of intervalSeconds/],
        [
            "an interval under 10 s",
            { maintenance: { expireSnapshots: { intervalSeconds: 5 } } },
            "lakehouse:maintenance.expireSnapshots.intervalSeconds",
            /0 \(the task is off\) or 10 to 604800/,
        ],
        [
            "an orphan age under an hour",
            { maintenance: { deleteOrphanFiles: { minAgeSeconds: 60 } } },
            "lakehouse:maintenance.deleteOrphanFiles.minAgeSeconds",
            /from 3600/,
        ],
        ["retainLast 0", { maintenance: { expireSnapshots: { retainLast: 0 } } }, "lakehouse:maintenance.expireSnapshots.retainLast", /from 1 to/],
        [
            "a commit count for a task that is off",
            { maintenance: { enabled: true, rewriteDataFiles: { intervalSeconds: 0, commitCount: 10 } } },
            "lakehouse:maintenance.rewriteDataFiles.commitCount",
            /give the task an interval too/,
        ],
    ])("refuses %s, naming the key", (_title, values, key, expected) => expectProblemAt(values, key, expected));
});

describe("the compaction cadence warning", () => {
    const tables = {
        orders: { mode: "both", primaryKey: ["id"], columns: ["id BIGINT"] },
        people: { mode: "upsert", primaryKey: ["id"], columns: ["id BIGINT"] },
        audit: { mode: "append", primaryKey: ["id"], columns: ["id BIGINT"] },
    };
    const cfg = (maintenance: object, checkpointIntervalMs: number, t: object = tables) =>
        parseConfigValues({ maintenance, flink: { checkpointIntervalMs }, source: { createSeedTable: false, tables: t } });

    test("names the key, the interval and the upsert tables when compaction is on and the writer commits more often than every second", () => {
        const warning = compactionCadenceWarning(cfg({ enabled: true }, 500));
        expect(warning).toMatch(
            /^lakehouse:flink\.checkpointIntervalMs is 500 ms with compaction on \(lakehouse:maintenance\.rewriteDataFiles\) for the upsert tables orders, people:/,
        );
        expect(warning).not.toContain("audit");
        expect(warning).toContain("measured to keep up with a continuous stream of changes at 1000 ms checkpoints, not shorter ones");
        expect(warning).toContain("set flink.checkpointIntervalMs to 1000 or more");
        expect(compactionCadenceWarning(cfg({ enabled: true }, 500, { people: tables.people }))).toMatch(/for the upsert table people:/);
    });

    test("is silent at 1 s and longer (the default is 5 s), with maintenance or compaction off, and for append-only tables", () => {
        expect(DEFAULTS.flink.checkpointIntervalMs).toBe(5000);
        expect(compactionCadenceWarning(cfg({ enabled: true }, 999))).toMatch(/is 999 ms/);
        expect(compactionCadenceWarning(cfg({ enabled: true }, 1000))).toBeUndefined();
        expect(compactionCadenceWarning(cfg({ enabled: true }, 5000))).toBeUndefined();
        expect(compactionCadenceWarning(cfg({ enabled: false }, 500))).toBeUndefined();
        expect(compactionCadenceWarning(cfg({ enabled: true, rewriteDataFiles: { intervalSeconds: 0 } }, 500))).toBeUndefined();
        expect(compactionCadenceWarning(cfg({ enabled: true }, 500, { audit: tables.audit }))).toBeUndefined();
    });
});

describe("the maintenance job's arguments", () => {
    test("name the catalog, every table the pipeline writes and each task that is on; the S3 secret stays a placeholder", () => {
        const cfg = parseConfigValues({
            maintenance: { enabled: true, deleteOrphanFiles: { intervalSeconds: 0 } },
            source: {
                createSeedTable: false,
                tables: {
                    orders: { mode: "both", primaryKey: ["id"], columns: ["id BIGINT"] },
                    people: { mode: "upsert", primaryKey: ["id"], columns: ["id BIGINT"] },
                },
            },
        });
        const tables = maintainedTables(cfg);
        expect(tables).toEqual(["cdc.orders", "cdc.orders_changes", "cdc.people"]);
        const args = maintenanceProgramArgs(maintenanceJobName(cfg.namePrefix), CATALOG, tables, cfg.maintenance);
        expect(args).toEqual([
            "--job-name=cdc-lakehouse-dev-table-maintenance",
            "--catalog.catalog-impl=org.apache.iceberg.nessie.NessieCatalog",
            "--catalog.uri=http://nessie:19120/api/v2",
            "--catalog.ref=main",
            "--catalog.warehouse=s3://warehouse/",
            "--catalog.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
            "--catalog.s3.endpoint=http://minio:9000",
            "--catalog.s3.path-style-access=true",
            "--catalog.s3.access-key-id=lakehouse",
            "--catalog.s3.secret-access-key={{secret.s3SecretAccessKey}}",
            "--catalog.client.region=us-east-1",
            "--table=cdc.orders",
            "--table=cdc.orders_changes",
            "--table=cdc.people",
            "--rate-limit-seconds=60",
            "--lock-check-delay-seconds=5",
            "--checkpoint-interval-seconds=60",
            "--expire-snapshots.interval-seconds=600",
            "--expire-snapshots.max-age-seconds=3600",
            "--expire-snapshots.retain-last=10",
            "--rewrite-data-files.interval-seconds=300",
            "--rewrite-data-files.target-file-size-bytes=134217728",
            "--rewrite-data-files.min-input-files=5",
            "--rewrite-data-files.delete-file-threshold=1",
        ]);
        const withCount = maintenanceProgramArgs("j", CATALOG, tables, {
            ...cfg.maintenance,
            rewriteDataFiles: { ...cfg.maintenance.rewriteDataFiles, commitCount: 20 },
        });
        expect(withCount).toContain("--rewrite-data-files.commit-count=20");
    });
});

describe("the maintenance job's jar", () => {
    test("is named by the hash of its sources and versions, built in the cache outside the repository", () => {
        const build = maintenanceJarBuild(REPO, mavenProperties(), { LAKEHOUSE_CACHE: "/cache" });
        expect(build).toMatchObject({
            projectDirectory: path.join(REPO, "jobs/maintenance"),
            artifact: MAINTENANCE_ARTIFACT,
            cacheDirectory: "/cache/flink-jobs",
        });
        expect(build.sourceHash).toMatch(/^[0-9a-f]{16}$/);
        // Stable: the same sources and versions give the same hash (no diff at preview).
        expect(maintenanceJarBuild(REPO, mavenProperties(), { LAKEHOUSE_CACHE: "/elsewhere" }).sourceHash).toBe(build.sourceHash);
        // Another version is another jar.
        expect(maintenanceJarBuild(REPO, { ...mavenProperties(), "iceberg.version": "9.9.9" }, { LAKEHOUSE_CACHE: "/cache" }).sourceHash).not.toBe(
            build.sourceHash,
        );
        expect(maintenanceSourceFiles(build.projectDirectory)).toEqual(
            expect.arrayContaining(["pom.xml", "src/main/java/lakehouse/maintenance/TableMaintenanceJob.java"]),
        );
        expect(mavenProperties()).toEqual({
            "flink.version": versionTable(REPO).flink.version,
            "flink.minor": versionTable(REPO).flink.minor,
            "iceberg.version": versionTable(REPO).iceberg.version,
            "hadoop.version": versionTable(REPO).iceberg.hadoopVersion,
        });
    });

    test("a source change changes the hash", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "maint-hash-"));
        try {
            fs.mkdirSync(path.join(dir, "jobs/maintenance/src/main/java"), { recursive: true });
            fs.writeFileSync(path.join(dir, "jobs/maintenance/pom.xml"), "<project/>");
            fs.writeFileSync(path.join(dir, "jobs/maintenance/src/main/java/A.java"), "class A {}");
            const first = maintenanceJarBuild(dir, {}).sourceHash;
            fs.writeFileSync(path.join(dir, "jobs/maintenance/src/main/java/A.java"), "class A { int x; }");
            expect(maintenanceJarBuild(dir, {}).sourceHash).not.toBe(first);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("Maven builds it into a scratch directory with the versions as properties, sorted", () => {
        const build = {
            projectDirectory: "/repo/jobs/maintenance",
            sourceHash: "abc",
            mavenProperties: { "iceberg.version": "1.10.1", "flink.version": "1.20.3" },
            artifact: "x.jar",
            cacheDirectory: "/c",
        };
        expect(mavenPackageArgs(build, "/c/abc.build-1")).toEqual([
            "-q",
            "-B",
            "-f",
            "/repo/jobs/maintenance/pom.xml",
            "package",
            "-Djob.build.directory=/c/abc.build-1",
            "-Dflink.version=1.20.3",
            "-Diceberg.version=1.10.1",
        ]);
    });
});

describe("FlinkJarJob", () => {
    const inputs = (extra: Record<string, any> = {}) => ({
        restUrl: "http://127.0.0.1:8081",
        name: "stack-table-maintenance",
        jar: maintenanceJarBuild(REPO, mavenProperties(), { LAKEHOUSE_CACHE: "/cache" }),
        entryClass: "lakehouse.maintenance.TableMaintenanceJob",
        programArgs: ["--job-name=stack-table-maintenance", "--catalog.s3.secret-access-key={{secret.s3SecretAccessKey}}"],
        secrets: { s3SecretAccessKey: "s" },
        ...extra,
    });

    test("check names each bad input", () => {
        expect(checkFlinkJarJobInputs(inputs())).toEqual([]);
        expect(
            checkFlinkJarJobInputs(inputs({ restUrl: "127.0.0.1:8081", name: "-bad", entryClass: "not a class", secrets: {}, waitTimeoutSeconds: 5 })),
        ).toEqual([
            { property: "restUrl", reason: '"127.0.0.1:8081" must be an http(s) URL' },
            { property: "name", reason: expect.stringMatching(/must start with a letter or digit/) },
            { property: "waitTimeoutSeconds", reason: "5 must be a whole number of seconds from 10 to 3600" },
            { property: "entryClass", reason: '"not a class" must be a Java class name' },
            { property: "secrets", reason: "has no value for {{secret.s3SecretAccessKey}} used by the arguments" },
        ]);
        expect(checkFlinkJarJobInputs(inputs({ jar: { projectDirectory: "/x" } })).map((f) => f.property)).toEqual([
            "jar.sourceHash",
            "jar.artifact",
            "jar.cacheDirectory",
        ]);
    });

    test("diff: exactly the changed paths; where the jar is built does not count, a URL leaves the job alone; nothing replaces", () => {
        const olds = inputs();
        expect(diffFlinkJarJob(olds, inputs()).changedKeys).toEqual([]);
        expect(diffFlinkJarJob(olds, inputs({ jar: { ...olds.jar, cacheDirectory: "/other", projectDirectory: "/elsewhere" } })).changedKeys).toEqual([]);
        // A new URL is recorded (read and delete use it) and leaves the running job alone.
        const moved = diffFlinkJarJob(olds, inputs({ restUrl: "http://localhost:8081" })).changedKeys;
        expect(moved).toEqual(["restUrl"]);
        expect(needsRerun(moved)).toBe(false);
        const changed = diffFlinkJarJob(
            olds,
            inputs({ programArgs: ["--job-name=stack-table-maintenance"], jar: { ...olds.jar, sourceHash: "0123456789abcdef" } }),
        );
        expect(changed.changedKeys).toEqual(["programArgs", "jar.sourceHash"]);
        expect(changed.replaces).toEqual([]);
        expect(needsRerun(changed.changedKeys)).toBe(true);
        // How the job is waited for or ended leaves the running job alone.
        const waits = diffFlinkJarJob(olds, inputs({ waitTimeoutSeconds: 600, deleteMode: "cancel" })).changedKeys;
        expect(waits).toEqual(["deleteMode", "waitTimeoutSeconds"]);
        expect(needsRerun(waits)).toBe(false);
        expect(diffFlinkJarJob(olds, inputs({ secrets: { s3SecretAccessKey: "t" } })).changedKeys).toEqual(["secrets"]);
    });

    test("the provider survives serialization", async () => {
        const { provider, text } = await loadSerializedProvider(flinkJarJobProvider);
        expect(typeof provider.create).toBe("function");
        expect(text).toContain("ensureJobJar");
        expect((await provider.check!({}, inputs())).failures).toEqual([]);
    });
});

describe("the Flink cluster the program deploys", () => {
    test("lets the REST API run jars only when the stack runs the maintenance job", () => {
        const base = parseConfigValues({});
        const args = {
            image: base.images.flink,
            zookeeperImage: base.images.zookeeper,
            clusterId: "x-flink",
            flink: base.flink,
            awsRegion: "us-east-1",
            s3Endpoint: "http://minio:9000",
            s3AccessKey: "lakehouse",
            dependsOn: [],
            resources: base.resources.flink,
        };
        expect(flinkProperties(args)).not.toContain("web.submit.enable");
        expect(flinkProperties({ ...args, jarSubmission: true }).split("\n")).toContain("web.submit.enable: true");
    });
});
