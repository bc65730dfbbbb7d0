/**
 * The edit matrix: every stack-config edit of a live `external` stack that tests/integration/stack/edit-matrix.test.ts
 * applies to a copy of the `local` stack, with what `pulumi preview` must classify for each resource
 * and what must (not) happen to the data. docs/edit-matrix.md is generated from these rows
 * (`npx ts-node --transpile-only scripts/edit-matrix-doc.ts`), and the test fails when the document
 * and the rows disagree. Pure data and pure functions only (no I/O but reading a preview's JSON).
 */

/** What `pulumi preview` plans for a resource (several resources of one kind: the most destructive). */
export type StepKind = "same" | "update" | "create" | "replace" | "delete";

/** The dynamic resources of the pipeline, by the name the program gives them (`lakehouse-<suffix>`). */
export const RESOURCE_KINDS = [
    "WarehouseBucket",
    "NessieBranch",
    "NessieNamespace",
    "CdcSource",
    "KafkaTopic",
    "DebeziumConnector",
    "FlinkSqlJob",
    "DremioAdmin",
    "DremioSource",
] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/**
 * Resources whose replacement or deletion loses data: objects, tables, the slot and its offsets. Not the
 * CdcSource: its role and publication hold no data (a new role takes over the same slot, see
 * docs/data-safety.md), so its replacement is safe.
 */
export const DATA_BEARING: readonly ResourceKind[] = ["WarehouseBucket", "NessieBranch", "NessieNamespace", "DebeziumConnector"];

/** How a resource's URN name maps to its kind (names made in components/lakehouse.ts). */
const NAME_SUFFIXES: [RegExp, ResourceKind][] = [
    [/-warehouse$/, "WarehouseBucket"],
    [/-branch$/, "NessieBranch"],
    [/-namespace$/, "NessieNamespace"],
    [/-cdc-source$/, "CdcSource"],
    [/-topic-[^-]+$/, "KafkaTopic"],
    [/-connector$/, "DebeziumConnector"],
    [/-job-[^-]+$/, "FlinkSqlJob"],
    [/-dremio-admin$/, "DremioAdmin"],
    [/-dremio-source$/, "DremioSource"],
];

/** One config edit: `key` is the path under `lakehouse:` (`external.minio.endpoint`, `awsRegion`). */
export interface Edit {
    key: string;
    /** The new value; strings may hold `{id}`, `{bucket}`, `{namespace}`, `{schema}`, `{prefix}`, `{database}` (the test copy's names). */
    value: unknown;
}

export type RowGroup = "endpoint" | "guard" | "opt-in" | "update" | "no-op" | "extra";

export interface MatrixRow {
    /** Short stable id (test names, the document). */
    id: string;
    group: RowGroup;
    edits: Edit[];
    /** The value before the edit, as the document shows it. */
    from: string;
    /**
     * What the preview must plan. `refused`: the preview stops (non-zero exit) with a message naming
     * each of `mentions` (the changed config key, the opt-in) and matching `lost` (what would be lost).
     * Otherwise `steps`: the step per resource kind (listed: one of those; unlisted: `same`).
     * `safe` (extra rows, flagged for the lead): no target given; the preview must refuse, or plan no
     * replace or delete of a data-bearing resource.
     */
    expect: { refused: { mentions: string[]; lost: RegExp } } | { steps: Partial<Record<ResourceKind, StepKind[]>> } | { safe: true };
    /** Run `up` after the preview and check the data invariants (and these remote effects). */
    up?: {
        /** The Flink job afterwards: the same job id, or a new job restored from the old one's savepoint. */
        job: "same" | "resubmitted";
        /** The connector's config as Connect stores it: unchanged, or changed in the listed keys only. */
        connector: "unchanged" | { changed: string[] };
    };
    /** Kept applied for the following rows (the endpoint spellings, reverted all at once at the end). */
    cumulative?: boolean;
    /** A regression test of an incident, named after it. */
    incident?: string;
    /** What happens to the data, for the document. */
    data: string;
    /** A key the brief did not list, or an expectation inferred here: for the lead to confirm. */
    flag?: string;
}

const upd = (...kinds: ResourceKind[]) => Object.fromEntries(kinds.map((k) => [k, ["update"] as StepKind[]])) as Partial<Record<ResourceKind, StepKind[]>>;
const LOOPBACK = "127.0.0.1";
const LOCALHOST = "localhost";

/** The endpoint spellings (`lakehouse:external.*` as Pulumi.local.yaml has them) and the other spelling of each. */
export const ENDPOINTS: { key: string; local: string; other: string }[] = [
    { key: "external.postgres.address", local: `${LOOPBACK}:5432`, other: `${LOCALHOST}:5432` },
    { key: "external.kafka.bootstrapServers", local: `${LOOPBACK}:9092`, other: `${LOCALHOST}:9092` },
    { key: "external.connect.url", local: `http://${LOOPBACK}:8083`, other: `http://${LOCALHOST}:8083` },
    { key: "external.minio.endpoint", local: `http://${LOOPBACK}:9000`, other: `http://${LOCALHOST}:9000` },
    { key: "external.nessie.url", local: `http://${LOOPBACK}:19120`, other: `http://${LOCALHOST}:19120` },
    { key: "external.flink.restUrl", local: `http://${LOOPBACK}:8081`, other: `http://${LOCALHOST}:8081` },
    { key: "external.flink.sqlGatewayUrl", local: `http://${LOOPBACK}:8084`, other: `http://${LOCALHOST}:8084` },
    { key: "external.dremio.url", local: `http://${LOOPBACK}:9047`, other: `http://${LOCALHOST}:9047` },
];
const endpoint = (key: string) => ENDPOINTS.find((e) => e.key === key)!;
const spell = (key: string): Edit => ({ key, value: endpoint(key).other });

/**
 * The rows, in the order the test runs them (the incidents first: on a shared machine a run may be
 * cut short): the endpoint spellings cumulatively (one `up` each, then one `up` reverting every
 * spelling), the guards, the applied updates, then previews of the plain updates, the no-op keys,
 * the opt-ins and the keys the brief did not list.
 */
export const MATRIX: MatrixRow[] = [
    // Endpoint spellings, applied one after the other (each kept), then all reverted in one up.
    {
        id: "external.postgres.address",
        group: "endpoint",
        edits: [spell("external.postgres.address")],
        from: endpoint("external.postgres.address").local,
        expect: { steps: upd("CdcSource", "DebeziumConnector") },
        up: { job: "same", connector: { changed: ["database.hostname"] } },
        cumulative: true,
        data: "connector tasks restart on the same slot and resume from their offsets",
    },
    {
        id: "external.kafka.bootstrapServers",
        group: "endpoint",
        edits: [spell("external.kafka.bootstrapServers")],
        from: endpoint("external.kafka.bootstrapServers").local,
        expect: { steps: upd("KafkaTopic", "FlinkSqlJob") },
        up: { job: "resubmitted", connector: "unchanged" },
        cumulative: true,
        data: "topic untouched; job stopped with a savepoint, resubmitted from it",
    },
    {
        id: "external.connect.url",
        group: "endpoint",
        edits: [spell("external.connect.url")],
        from: endpoint("external.connect.url").local,
        expect: { steps: upd("DebeziumConnector") },
        up: { job: "same", connector: "unchanged" },
        cumulative: true,
        incident:
            "incident 2: external.connect.url 127.0.0.1 -> localhost replaced the connector delete-first, dropped its slot, reset its offsets and re-snapshotted every table",
        data: "nothing changes in Connect: same connector, slot and offsets, no new snapshot",
    },
    {
        id: "external.minio.endpoint",
        group: "endpoint",
        edits: [spell("external.minio.endpoint")],
        from: endpoint("external.minio.endpoint").local,
        expect: { steps: upd("WarehouseBucket", "FlinkSqlJob", "DremioSource") },
        up: { job: "resubmitted", connector: "unchanged" },
        cumulative: true,
        incident:
            "incident 1: external.minio.endpoint 127.0.0.1 -> localhost replaced WarehouseBucket and the replaced one emptied and deleted the bucket it shared",
        data: "bucket untouched (every object kept); job resubmitted from a savepoint; Dremio source updated",
    },
    {
        id: "external.nessie.url",
        group: "endpoint",
        edits: [spell("external.nessie.url")],
        from: endpoint("external.nessie.url").local,
        expect: { steps: upd("NessieNamespace", "FlinkSqlJob", "DremioSource") },
        up: { job: "resubmitted", connector: "unchanged" },
        cumulative: true,
        data: "namespace and tables untouched; job resubmitted from a savepoint; Dremio source updated",
    },
    {
        id: "external.flink.restUrl",
        group: "endpoint",
        edits: [spell("external.flink.restUrl")],
        from: endpoint("external.flink.restUrl").local,
        expect: { steps: upd("FlinkSqlJob") },
        up: { job: "same", connector: "unchanged" },
        cumulative: true,
        data: "the running job is kept (same job id)",
    },
    {
        id: "external.flink.sqlGatewayUrl",
        group: "endpoint",
        edits: [spell("external.flink.sqlGatewayUrl")],
        from: endpoint("external.flink.sqlGatewayUrl").local,
        expect: { steps: upd("FlinkSqlJob") },
        up: { job: "same", connector: "unchanged" },
        cumulative: true,
        data: "the running job is kept (same job id)",
    },
    {
        id: "external.dremio.url",
        group: "endpoint",
        edits: [spell("external.dremio.url")],
        from: endpoint("external.dremio.url").local,
        expect: { steps: upd("DremioAdmin", "DremioSource") },
        up: { job: "same", connector: "unchanged" },
        cumulative: true,
        data: "no remote change in Dremio",
    },
    {
        id: "revert every external.* spelling",
        group: "endpoint",
        edits: ENDPOINTS.map((e) => ({ key: e.key, value: e.local })),
        from: "localhost (all eight)",
        expect: {
            steps: upd("WarehouseBucket", "NessieNamespace", "CdcSource", "KafkaTopic", "DebeziumConnector", "FlinkSqlJob", "DremioAdmin", "DremioSource"),
        },
        up: { job: "resubmitted", connector: { changed: ["database.hostname"] } },
        cumulative: true,
        data: "every resource updated in place at once; job resubmitted from a savepoint; connector on the same slot",
    },

    // The guard: a change that would replace a data-bearing resource stops at preview.
    {
        id: "guard storage.bucket",
        group: "guard",
        edits: [{ key: "storage.bucket", value: "{bucket}-moved" }],
        from: "{bucket}",
        expect: { refused: { mentions: ["storage.bucket", "allowDataLoss"], lost: /bucket|object|file/i } },
        data: "refused at preview: every Iceberg file is in the old bucket",
    },
    {
        id: "guard iceberg.namespace",
        group: "guard",
        edits: [{ key: "iceberg.namespace", value: "{namespace}_moved" }],
        from: "{namespace}",
        expect: { refused: { mentions: ["iceberg.namespace", "allowDataLoss"], lost: /table|namespace/i } },
        data: "refused at preview: the namespace's tables would be dropped",
    },
    {
        id: "guard nessie.branch",
        group: "guard",
        edits: [{ key: "nessie.branch", value: "edit_matrix_{id}" }],
        from: "main",
        expect: { refused: { mentions: ["nessie.branch", "allowDataLoss"], lost: /table|namespace|branch/i } },
        data: "refused at preview: the tables on the old branch would be dropped",
    },
    {
        id: "guard kafka.topicPrefix",
        group: "guard",
        edits: [{ key: "kafka.topicPrefix", value: "{prefix}_moved" }],
        from: "{prefix}",
        expect: { refused: { mentions: ["kafka.topicPrefix", "allowDataLoss"], lost: /slot|offset|snapshot/i } },
        data: "refused at preview: the slot and offsets would be dropped, every table re-snapshotted",
    },
    {
        id: "guard kafka.topicPartitions",
        group: "guard",
        edits: [{ key: "kafka.topicPartitions", value: 2 }],
        from: "1",
        expect: { refused: { mentions: ["kafka.topicPartitions", "cannot grow topic"], lost: /older change .* applied after a newer one/ } },
        data: "refused at preview (whatever allowDataLoss says): more partitions move keys, and a row's changes could be applied out of order",
    },
    {
        id: "guard source.database",
        group: "guard",
        edits: [{ key: "source.database", value: "{database}" }],
        from: "postgres",
        expect: { refused: { mentions: ["source.database", "allowDataLoss"], lost: /slot|offset|snapshot/i } },
        data: "refused at preview: the slot and offsets would be dropped",
    },
    {
        id: "guard kafka.topicPrefix, allowDataLoss [bucket]",
        group: "guard",
        edits: [
            { key: "kafka.topicPrefix", value: "{prefix}_moved" },
            { key: "allowDataLoss", value: ["bucket"] },
        ],
        from: "{prefix}",
        expect: { refused: { mentions: ["kafka.topicPrefix", "allowDataLoss"], lost: /slot|offset|snapshot/i } },
        data: "refused at preview: the list allows losing the bucket, not the slot",
        flag: "list semantics inferred from the brief",
    },

    // Plain updates, applied.
    {
        id: "pipeline.connectorConfig",
        group: "update",
        edits: [{ key: "pipeline.connectorConfig", value: { "heartbeat.interval.ms": "5000" } }],
        from: "{}",
        expect: { steps: upd("DebeziumConnector") },
        up: { job: "same", connector: { changed: ["heartbeat.interval.ms"] } },
        cumulative: true,
        data: "connector updated in place: same slot, resumes from its offsets",
    },
    {
        id: "flink.checkpointIntervalMs",
        group: "update",
        edits: [{ key: "flink.checkpointIntervalMs", value: 3000 }],
        from: "2000",
        expect: { steps: upd("FlinkSqlJob") },
        up: { job: "resubmitted", connector: "unchanged" },
        cumulative: true,
        data: "job stopped with a savepoint, resubmitted from it",
    },

    // Plain updates, previewed.
    {
        id: "flink.parallelism",
        group: "update",
        edits: [{ key: "flink.parallelism", value: 2 }],
        from: "1",
        expect: { steps: upd("FlinkSqlJob") },
        data: "job stopped with a savepoint, resubmitted from it",
    },
    {
        id: "pipeline.jobDeleteMode",
        group: "update",
        edits: [{ key: "pipeline.jobDeleteMode", value: "cancel" }],
        from: "savepoint",
        expect: { steps: upd("FlinkSqlJob") },
        data: "no remote change (recorded for the next delete)",
    },
    {
        id: "pipeline.dropSlotOnDelete",
        group: "update",
        edits: [{ key: "pipeline.dropSlotOnDelete", value: false }],
        from: "true",
        expect: { steps: upd("DebeziumConnector") },
        data: "no remote change (recorded for the next delete)",
    },
    {
        id: "storage.forceDestroy",
        group: "update",
        edits: [{ key: "storage.forceDestroy", value: false }],
        from: "true",
        expect: { steps: { WarehouseBucket: ["update"], NessieNamespace: ["update", "same"] } },
        data: "no remote change (recorded for the next delete)",
        flag: "NessieNamespace's dropContentsOnDelete follows forceDestroy: update or nothing accepted",
    },
    {
        id: "source.publication",
        group: "update",
        edits: [{ key: "source.publication", value: "pub2_{id}" }],
        from: "pub_{id}",
        expect: { steps: upd("CdcSource", "DebeziumConnector") },
        data: "the publication re-made under the new name, the connector reads it with the same slot",
    },
    {
        id: "awsRegion",
        group: "update",
        edits: [{ key: "awsRegion", value: "eu-west-1" }],
        from: "us-east-1",
        expect: { steps: { WarehouseBucket: ["update"], FlinkSqlJob: ["update"], DremioSource: ["update", "same"] } },
        data: "clients sign for another region; job resubmitted from a savepoint",
    },

    // Keys that do nothing on the external platform.
    {
        id: "images",
        group: "no-op",
        edits: [{ key: "images.flink", value: "registry.example.com/data/flink:1.20.3-0123456789ab" }],
        from: "the project's lakehouse/flink:1.20.3-… (default)",
        expect: { steps: {} },
        data: "nothing changes (no image runs on external)",
    },
    {
        id: "resources",
        group: "no-op",
        edits: [{ key: "resources.flink", value: { memoryMiB: 4096, cpus: 2 } }],
        from: "default 2048 MiB",
        expect: { steps: {} },
        data: "nothing changes",
    },
    {
        id: "kafka.brokers",
        group: "guard",
        edits: [{ key: "kafka.brokers", value: 3 }],
        from: "1",
        expect: { refused: { mentions: ["replicationFactor", "cannot change from 1 to 3 in place"], lost: /partition reassignment|new topic/i } },
        data: "refused at preview: on external Kafka, kafka.brokers sets the CDC topics' replication factor, which Kafka cannot change in place",
    },
    { id: "connect.workers", group: "no-op", edits: [{ key: "connect.workers", value: 2 }], from: "1", expect: { steps: {} }, data: "nothing changes" },
    { id: "flink.taskManagers", group: "no-op", edits: [{ key: "flink.taskManagers", value: 2 }], from: "1", expect: { steps: {} }, data: "nothing changes" },
    { id: "exposePorts", group: "no-op", edits: [{ key: "exposePorts", value: false }], from: "true", expect: { steps: {} }, data: "nothing changes" },
    { id: "hostPortOffset", group: "no-op", edits: [{ key: "hostPortOffset", value: 100 }], from: "0", expect: { steps: {} }, data: "nothing changes" },
    {
        id: "nessie.versionStore",
        group: "no-op",
        edits: [{ key: "nessie.versionStore", value: "rocksdb" }],
        from: "jdbc",
        expect: { steps: {} },
        data: "nothing changes",
    },

    // The opt-in lets a replacement through.
    {
        id: "opt-in storage.bucket, allowDataLoss [bucket]",
        group: "opt-in",
        edits: [
            { key: "storage.bucket", value: "{bucket}-moved" },
            { key: "allowDataLoss", value: ["bucket"] },
        ],
        from: "{bucket}",
        expect: { steps: { WarehouseBucket: ["replace"], FlinkSqlJob: ["update"], DremioSource: ["update"] } },
        data: "previewed only: a new bucket; the old one is deleted with its files (opted in)",
        flag: "the steps of an allowed replacement are inferred here",
    },
    {
        id: "opt-in kafka.topicPrefix, allowDataLoss true",
        group: "opt-in",
        edits: [
            { key: "kafka.topicPrefix", value: "{prefix}_moved" },
            { key: "allowDataLoss", value: true },
        ],
        from: "{prefix}",
        // The opt-in lifts the bucket's and the namespace's guard (an input): an update with no remote change.
        expect: {
            steps: {
                KafkaTopic: ["replace"],
                DebeziumConnector: ["replace"],
                FlinkSqlJob: ["update"],
                WarehouseBucket: ["update"],
                NessieNamespace: ["update"],
            },
        },
        data: "previewed only: a new connector, slot and topics; a new snapshot (opted in); the bucket and namespace only lose their guard",
        flag: "the steps of an allowed replacement are inferred here",
    },

    // Keys the brief did not list (docs/configuration.md, components/config/): observed.
    {
        id: "startTimeoutSeconds",
        group: "extra",
        edits: [{ key: "startTimeoutSeconds", value: 600 }],
        from: "300",
        expect: { safe: true },
        data: "see the observed column",
        flag: "not in the brief",
    },
    {
        id: "externalCheckTimeoutSeconds",
        group: "extra",
        edits: [{ key: "externalCheckTimeoutSeconds", value: 30 }],
        from: "default",
        expect: { safe: true },
        data: "see the observed column",
        flag: "not in the brief",
    },
    {
        id: "source.replicationUser",
        group: "extra",
        edits: [{ key: "source.replicationUser", value: "dbz2_{id}" }],
        from: "dbz_{id}",
        expect: { steps: { CdcSource: ["replace"], DebeziumConnector: ["update"] } },
        data: "a new CDC role first; the connector moves to it on the same slot; the old role is dropped after (no data in a role)",
        flag: "not in the brief",
    },
    {
        id: "source.schema",
        group: "extra",
        edits: [{ key: "source.schema", value: "{schema}_other" }],
        from: "{schema}",
        expect: { safe: true },
        data: "see the observed column",
        flag: "not in the brief: other captured tables, other topics",
    },
    {
        id: "source.createSeedTable",
        group: "extra",
        edits: [{ key: "source.createSeedTable", value: false }],
        from: "true",
        expect: { safe: true },
        data: "see the observed column",
        flag: "not in the brief",
    },
    {
        id: "source.maxSlotWalKeepSize",
        group: "extra",
        edits: [{ key: "source.maxSlotWalKeepSize", value: "5GB" }],
        from: "10GB",
        expect: { safe: true },
        data: "see the observed column",
        flag: "not in the brief (server setting: nothing to do on external)",
    },
    {
        id: "connect.groupId",
        group: "extra",
        edits: [{ key: "connect.groupId", value: "edit-matrix-{id}" }],
        from: "<stack>-connect",
        expect: { safe: true },
        data: "see the observed column",
        flag: "not in the brief (worker setting: nothing to do on external)",
    },
    {
        id: "iceberg.catalog",
        group: "extra",
        edits: [{ key: "iceberg.catalog", value: "lake2" }],
        from: "nessie",
        expect: { safe: true },
        data: "see the observed column",
        flag: "not in the brief (the catalog's name in the job's session)",
    },
    {
        id: "flink.slotsPerTaskManager",
        group: "extra",
        edits: [{ key: "flink.slotsPerTaskManager", value: 8 }],
        from: "4",
        expect: { safe: true },
        data: "see the observed column",
        flag: "not in the brief",
    },
    {
        id: "flink.checkpointsUri",
        group: "extra",
        edits: [{ key: "flink.checkpointsUri", value: "s3://{bucket}/flink/checkpoints2" }],
        from: "s3://{bucket}/flink/checkpoints",
        expect: { safe: true },
        data: "see the observed column",
        flag: "not in the brief",
    },
    {
        id: "dremio.sourceName",
        group: "extra",
        edits: [{ key: "dremio.sourceName", value: "edit_matrix_{id}_2" }],
        from: "edit_matrix_{id}",
        expect: { safe: true },
        data: "see the observed column (a Dremio source holds no data)",
        flag: "not in the brief",
    },
    {
        id: "dremio.enabled",
        group: "extra",
        edits: [{ key: "dremio.enabled", value: false }],
        from: "true",
        expect: { safe: true },
        data: "see the observed column (a Dremio source holds no data)",
        flag: "not in the brief",
    },
    {
        id: "pipeline.connectorState",
        group: "extra",
        edits: [{ key: "pipeline.connectorState", value: "PAUSED" }],
        from: "RUNNING",
        expect: { safe: true },
        data: "see the observed column",
        flag: "not in the brief",
    },
    {
        id: "pipeline.jobState",
        group: "extra",
        edits: [{ key: "pipeline.jobState", value: "STOPPED" }],
        from: "RUNNING",
        expect: { safe: true },
        data: "see the observed column",
        flag: "not in the brief",
    },
];

/** The names of the test copy, for the `{...}` placeholders. */
export interface CopyNames {
    id: string;
    bucket: string;
    namespace: string;
    schema: string;
    prefix: string;
    database: string;
}

export function fill(value: unknown, names: CopyNames): unknown {
    if (typeof value === "string") return value.replace(/\{(id|bucket|namespace|schema|prefix|database)\}/g, (_, k: keyof CopyNames) => names[k]);
    if (Array.isArray(value)) return value.map((v) => fill(v, names));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, names)]));
    return value;
}

/** Applies edits to a stack file's `config` (a deep copy is returned): `a.b.c` sets `config["lakehouse:a"].b.c`. */
export function applyEdits(config: Record<string, any>, edits: readonly Edit[], names: CopyNames): Record<string, any> {
    const out = JSON.parse(JSON.stringify(config)) as Record<string, any>;
    for (const e of edits) {
        const [top, ...rest] = e.key.split(".");
        const value = fill(e.value, names);
        const full = `lakehouse:${top}`;
        if (rest.length === 0) {
            out[full] = value;
            continue;
        }
        let node = (out[full] ??= {});
        for (const part of rest.slice(0, -1)) node = node[part] ??= {};
        node[rest[rest.length - 1]] = value;
    }
    return out;
}

/** The kind of a resource from its URN (the last `::` part is its name), or undefined for the stack and components. */
export function resourceKind(urn: string): ResourceKind | undefined {
    const name = urn.slice(urn.lastIndexOf("::") + 2);
    return NAME_SUFFIXES.find(([re]) => re.test(name))?.[1];
}

const SEVERITY: Record<StepKind, number> = { same: 0, update: 1, create: 2, replace: 3, delete: 4 };

/** A preview step's op as a StepKind (`create-replacement`, `delete-replaced`, `replace` are all `replace`); undefined for reads and refreshes. */
export function stepKind(op: string): StepKind | undefined {
    switch (op) {
        case "same":
            return "same";
        case "update":
            return "update";
        case "create":
            return "create";
        case "delete":
            return "delete";
        case "replace":
        case "create-replacement":
        case "delete-replaced":
        case "discard-replaced":
            return "replace";
        default:
            return undefined;
    }
}

export interface Classification {
    /** Per kind, the most destructive step over its resources (`same` for kinds present and unchanged). */
    byKind: Partial<Record<ResourceKind, StepKind>>;
    /** Steps on resources of no known kind that are not `same` (e.g. `update lakehouse:index:Lakehouse::x`). */
    others: string[];
    /** Per URN name, the step and the properties the provider named (diffReasons/replaceReasons). */
    details: { name: string; kind?: ResourceKind; step: StepKind; diff: string[]; replace: string[] }[];
}

/** Classifies the `steps` of `pulumi preview --json`. */
export function classifySteps(steps: readonly { op: string; urn: string; diffReasons?: string[]; replaceReasons?: string[] }[]): Classification {
    const byKind: Partial<Record<ResourceKind, StepKind>> = {};
    const perUrn = new Map<string, { step: StepKind; diff: Set<string>; replace: Set<string> }>();
    for (const s of steps) {
        const step = stepKind(s.op);
        if (!step) continue;
        const cur = perUrn.get(s.urn) ?? { step: "same" as StepKind, diff: new Set<string>(), replace: new Set<string>() };
        if (SEVERITY[step] > SEVERITY[cur.step]) cur.step = step;
        for (const d of s.diffReasons ?? []) cur.diff.add(d);
        for (const r of s.replaceReasons ?? []) cur.replace.add(r);
        perUrn.set(s.urn, cur);
    }
    const others: string[] = [];
    const details: Classification["details"] = [];
    for (const [urn, v] of perUrn) {
        const kind = resourceKind(urn);
        const name = urn.slice(urn.lastIndexOf("::") + 2);
        details.push({ name, kind, step: v.step, diff: [...v.diff], replace: [...v.replace] });
        if (kind) {
            const prev = byKind[kind];
            if (prev === undefined || SEVERITY[v.step] > SEVERITY[prev]) byKind[kind] = v.step;
        } else if (v.step !== "same") {
            const type = urn.split("::")[2] ?? "";
            others.push(`${v.step} ${type.slice(type.lastIndexOf(":") + 1)} ${name}`);
        }
    }
    return { byKind, others, details };
}

/** The classification as one line: `WarehouseBucket replace, FlinkSqlJob update` (`no changes` when all same). */
export function describeClassification(c: Pick<Classification, "byKind" | "others">): string {
    const parts = RESOURCE_KINDS.filter((k) => c.byKind[k] && c.byKind[k] !== "same").map((k) => `${k} ${c.byKind[k]}`);
    parts.push(...c.others);
    return parts.length ? parts.join(", ") : "no changes";
}

/** Differences between a classification and the row's expected steps (empty: as expected). */
export function classificationMismatches(c: Classification, expected: Partial<Record<ResourceKind, StepKind[]>>): string[] {
    const out: string[] = [];
    for (const kind of RESOURCE_KINDS) {
        const got = c.byKind[kind] ?? "same";
        const want = expected[kind] ?? ["same"];
        if (!want.includes(got)) out.push(`${kind}: expected ${want.join(" or ")}, planned ${got}`);
    }
    // A resource of no known kind (e.g. a check the program added) may update; anything else is a finding.
    for (const o of c.others) if (!o.startsWith("update ")) out.push(`unexpected step: ${o}`);
    return out;
}

/** For `safe` rows: replaces or deletes of data-bearing resources. */
export function unsafeSteps(c: Classification): string[] {
    return DATA_BEARING.filter((k) => c.byKind[k] === "replace" || c.byKind[k] === "delete").map((k) => `${k} ${c.byKind[k]}`);
}

/** The row's expected outcome as the document states it. */
export function describeExpectation(row: MatrixRow): string {
    if ("refused" in row.expect) return "refused at preview";
    if ("safe" in row.expect) return "(no target) refused, or no replace/delete of a data-bearing resource";
    const steps = row.expect.steps;
    const parts = RESOURCE_KINDS.filter((k) => steps[k]).map((k) => `${k} ${steps[k]!.join(" or ")}`);
    return parts.length ? parts.join(", ") : "no changes";
}

/** The edit as the document shows it. */
export function describeEdit(row: MatrixRow): string {
    return row.edits.map((e) => `\`${e.key}\`: ${JSON.stringify(e.value)}`).join("; ");
}

export interface RowResult {
    id: string;
    observed: string;
    ok: boolean;
    problems: string[];
    upMs?: number;
    previewMs?: number;
}

export interface MatrixResults {
    startedAt: string;
    totalMs: number;
    rows: RowResult[];
    notes: string[];
}

const GROUP_TITLES: Record<RowGroup, string> = {
    "no-op": "Keys that do nothing on the external platform (previewed)",
    update: "Plain updates",
    guard: "Changes that would lose data, with `allowDataLoss: false` (previewed)",
    "opt-in": "The opt-in (previewed)",
    extra: "Keys not in the brief (previewed; flagged for the lead)",
    endpoint: "Endpoint spellings of `lakehouse:external.*` (applied one after the other, then reverted in one `up`)",
};

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The generated table of docs/edit-matrix.md (between its markers); the test compares it with the file. */
export function renderMatrixTable(rows: readonly MatrixRow[] = MATRIX): string {
    const out: string[] = [];
    for (const group of ["endpoint", "guard", "opt-in", "update", "no-op", "extra"] as RowGroup[]) {
        const mine = rows.filter((r) => r.group === group);
        if (!mine.length) continue;
        out.push(`### ${GROUP_TITLES[group]}`, "", "| row | edit | from | expected preview | `up` | what happens to the data |", "|---|---|---|---|---|---|");
        for (const r of mine) {
            const up = r.up
                ? `yes (job ${r.up.job}; connector ${r.up.connector === "unchanged" ? "unchanged" : `changes ${r.up.connector.changed.join(", ")}`})`
                : "no";
            const name = r.incident ? `${r.id} (**${r.incident.split(":")[0]}**)` : r.id;
            out.push(
                `| ${cell(name)} | ${cell(describeEdit(r))} | ${cell(r.from)} | ${cell(describeExpectation(r))} | ${cell(up)} | ${cell(r.data)}${r.flag ? ` (flag: ${cell(r.flag)})` : ""} |`,
            );
        }
        out.push("");
    }
    return out.join("\n").trimEnd() + "\n";
}

export const TABLE_BEGIN = "<!-- edit-matrix:rows BEGIN (generated from tests/support/edit-matrix.ts by scripts/edit-matrix-doc.ts) -->";
export const TABLE_END = "<!-- edit-matrix:rows END -->";
export const RESULTS_BEGIN = "<!-- edit-matrix:results BEGIN (written by scripts/edit-matrix-doc.ts --results <file>) -->";
export const RESULTS_END = "<!-- edit-matrix:results END -->";

/** The part of a document between two markers (undefined when a marker is missing). */
export function between(doc: string, begin: string, end: string): string | undefined {
    const a = doc.indexOf(begin);
    const b = doc.indexOf(end);
    if (a < 0 || b < a) return undefined;
    return doc.slice(a + begin.length, b).replace(/^\n/, "");
}

/** The results section from a run's results file. */
export function renderResults(r: MatrixResults, rows: readonly MatrixRow[] = MATRIX): string {
    const out = [
        `Run started ${r.startedAt}; the whole test took **${(r.totalMs / 60000).toFixed(1)} min** (deploy, every row, teardown).`,
        "",
        "| row | observed preview | as expected | preview s | `up` s | problems |",
        "|---|---|---|---|---|---|",
    ];
    const s = (ms?: number) => (ms === undefined ? "-" : (ms / 1000).toFixed(0));
    for (const res of r.rows.filter((x) => !rows.some((row) => row.id === x.id))) {
        out.push(`| ${cell(res.id)} | ${cell(res.observed)} | ${res.ok ? "yes" : "**no**"} | - | - | ${cell(res.problems.join("; ").slice(0, 600))} |`);
    }
    for (const row of rows) {
        const res = r.rows.find((x) => x.id === row.id);
        if (!res) {
            out.push(`| ${cell(row.id)} | (not run) | - | - | - | |`);
            continue;
        }
        out.push(
            `| ${cell(row.id)} | ${cell(res.observed)} | ${res.ok ? "yes" : "**no**"} | ${s(res.previewMs)} | ${s(res.upMs)} | ${cell(res.problems.join("; ").slice(0, 600))} |`,
        );
    }
    if (r.notes.length) out.push("", ...r.notes.map((n) => `- ${n}`));
    return out.join("\n") + "\n";
}
