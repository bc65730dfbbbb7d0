/**
 * The lakehouse's policy rules as pure functions: a resource (type, name, URN, properties in wire
 * form, see wire.ts) in, violation messages out. No @pulumi/policy here: `policies.ts` wraps them for
 * the pack, and the tests call them on what the program registers under Pulumi's mocks.
 *
 * Each rule is something this field learned the hard way (docs/policy.md says why, one by one).
 * Values not known yet (preview) are skipped, never guessed: the same rule runs again on `up`.
 */
import { catalogDeclarations, option, parseFlinkDurationMs, parseFlinkProperties, stripComments } from "./flink-sql";
import { ResourceView, formatPath, isSecretValue, isUnknownValue, leaves, unwrap } from "./wire";
import { EnvVar, Workload, envNamed, isFlinkWorkload, isNessieWorkload, workloadsOf } from "./workloads";

export const FLINK_JOB_TYPE = "pulumi-nodejs:dynamic/lakehouse:FlinkSqlJob";
export const CONNECTOR_TYPE = "pulumi-nodejs:dynamic/lakehouse:DebeziumConnector";
export const STACK_TYPE = "pulumi:pulumi:Stack";
export const KUBERNETES_SECRET_TYPE = "kubernetes:core/v1:Secret";
export const NESSIE_CATALOG_IMPL = "org.apache.iceberg.nessie.NessieCatalog";
export const CHECKPOINT_INTERVAL_KEY = "execution.checkpointing.interval";

/** What the secret rules may rely on. */
export interface SecretRuleOptions {
    /**
     * True when secret values reach the rules still marked (the pack's deserializer hook is in place,
     * or the input came from the program's serialized registrations). When false, only the checks that
     * do not need to know what is a secret run (Kubernetes literal env values, SQL literals).
     */
    secretsVisible: boolean;
}

const DYNAMIC = /^pulumi-nodejs:dynamic(\/[^:]+)?:/;

/** The Flink SQL job resource: by its type token, or any dynamic resource of its shape (statements sent to a SQL Gateway). */
export function isFlinkSqlJob(r: ResourceView): boolean {
    if (r.type === FLINK_JOB_TYPE) return true;
    return DYNAMIC.test(r.type) && r.props.statements !== undefined && r.props.gatewayUrl !== undefined;
}

/** The Debezium connector resource: by its type token, or any dynamic resource whose config runs Debezium's PostgreSQL connector. */
export function isDebeziumConnector(r: ResourceView): boolean {
    if (r.type === CONNECTOR_TYPE) return true;
    const config = unwrap(r.props.config);
    return DYNAMIC.test(r.type) && !!config && typeof config === "object" && /postgresql\.PostgresConnector$/.test(String(config["connector.class"] ?? ""));
}

/** The job's statements that are known (preview may hold unknowns), with their index and whether they are secret. */
function knownStatements(r: ResourceView): { index: number; text: string; secret: boolean }[] {
    const listSecret = isSecretValue(r.props.statements);
    const list = listSecret ? (r.props.statements as { value: unknown }).value : r.props.statements;
    if (!Array.isArray(list)) return [];
    const out: { index: number; text: string; secret: boolean }[] = [];
    list.forEach((s, index) => {
        const secret = listSecret || isSecretValue(s);
        const text = isSecretValue(s) ? s.value : s;
        if (typeof text === "string" && !isUnknownValue(text)) out.push({ index, text, secret });
    });
    return out;
}

/** Iceberg catalogs declared by a Flink job (`CREATE CATALOG ... WITH ('type'='iceberg', ...)`). */
function icebergCatalogs(r: ResourceView) {
    return knownStatements(r).flatMap((s) =>
        catalogDeclarations(s.text)
            .filter((c) => (option(c.options, "type") ?? "").toLowerCase() === "iceberg")
            .map((c) => ({ ...c, statement: s.index })),
    );
}

const jobLabel = (r: ResourceView) => `Flink job ${r.name}`;

// ---------------------------------------------------------------------------------------------
// 1. AWS_REGION on every Flink process (the seed's failure), and a region on S3FileIO catalogs.
// ---------------------------------------------------------------------------------------------

/**
 * Every Flink workload (JobManager, TaskManager, SQL Gateway; Docker or Kubernetes) sets `AWS_REGION`.
 * Iceberg's S3FileIO uses AWS SDK v2, whose region chain reads `AWS_REGION` (not `AWS_DEFAULT_REGION`)
 * and fails the job with "Unable to load region" when it finds none, even against MinIO. A Flink job
 * whose Iceberg catalog uses S3FileIO through `catalog-impl` also sets `client.region`, so the job
 * does not depend on the environment of a cluster the stack may not own (an external Flink).
 */
export function flinkAwsRegion(r: ResourceView): string[] {
    const out: string[] = [];
    for (const w of workloadsOf(r).filter(isFlinkWorkload)) {
        const region = envNamed(w, "AWS_REGION");
        if (!region) {
            if (!w.envIncomplete) {
                out.push(
                    `${w.label} is a Flink process without AWS_REGION: Iceberg's S3FileIO (AWS SDK v2) finds no region and the job fails with ` +
                        `"Unable to load region from any of the providers in the chain". Set AWS_REGION on every JobManager, TaskManager and SQL Gateway (lakehouse:awsRegion).`,
                );
            }
        } else if (!region.fromRef && !region.unknown && (region.value ?? "").trim() === "") {
            out.push(`${w.label} sets AWS_REGION to an empty value: S3 clients in Flink need a region (lakehouse:awsRegion).`);
        }
    }
    if (isFlinkSqlJob(r)) {
        for (const c of icebergCatalogs(r)) {
            const impl = option(c.options, "catalog-impl");
            const usesS3FileIO = /S3FileIO$/.test(option(c.options, "io-impl") ?? "") || /^s3a?:\/\//.test(option(c.options, "warehouse") ?? "");
            if (impl && usesS3FileIO && !(option(c.options, "client.region") ?? "").trim()) {
                out.push(
                    `${jobLabel(r)}: catalog ${c.name} (statements[${c.statement}]) uses S3FileIO without 'client.region': its S3 client then depends on AWS_REGION ` +
                        `in every Flink JVM, which the stack cannot check on a cluster it does not run. Add 'client.region' = '<region>' to the catalog's WITH options.`,
                );
            }
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// 2. The Iceberg catalog is declared with catalog-impl (or Flink's REST catalog type).
// ---------------------------------------------------------------------------------------------

/**
 * An Iceberg catalog in a Flink job's SQL names its implementation: `'catalog-impl'` (for Nessie,
 * `org.apache.iceberg.nessie.NessieCatalog` with a `uri` on Nessie's API v2), or `'catalog-type'='rest'`
 * with a `uri` (an Iceberg REST endpoint, e.g. Nessie's). Flink's Iceberg connector knows only the
 * catalog types `hive`, `hadoop` and `rest`: `'catalog-type'='nessie'` fails, no type at all means a
 * Hive metastore, and `hive`/`hadoop` are not this lakehouse's catalog. Both keys at once are refused
 * by Iceberg.
 */
export function icebergCatalogImpl(r: ResourceView): string[] {
    if (!isFlinkSqlJob(r)) return [];
    const out: string[] = [];
    for (const c of icebergCatalogs(r)) {
        const where = `${jobLabel(r)}: catalog ${c.name} (statements[${c.statement}])`;
        const impl = (option(c.options, "catalog-impl") ?? "").trim();
        const type = (option(c.options, "catalog-type") ?? "").trim();
        const uri = (option(c.options, "uri") ?? "").trim();
        if (c.malformed && !impl && !type) {
            out.push(`${where}: its WITH options could not be read; declare them as 'key' = 'value' pairs with 'catalog-impl' = '${NESSIE_CATALOG_IMPL}'.`);
        } else if (impl && type) {
            out.push(`${where} sets both 'catalog-impl' and 'catalog-type': Iceberg refuses the catalog. Keep 'catalog-impl' = '${NESSIE_CATALOG_IMPL}'.`);
        } else if (type) {
            if (type.toLowerCase() !== "rest") {
                out.push(
                    `${where} is declared with 'catalog-type' = '${type}': Flink's Iceberg catalog types are hive, hadoop and rest, and neither hive nor hadoop is ` +
                        `this lakehouse's Nessie catalog. Declare 'catalog-impl' = '${NESSIE_CATALOG_IMPL}' (or 'catalog-type' = 'rest' against an Iceberg REST endpoint).`,
                );
            } else if (!uri) {
                out.push(`${where} is an Iceberg REST catalog without 'uri'.`);
            }
        } else if (!impl) {
            out.push(
                `${where} names no implementation: without 'catalog-impl' (or 'catalog-type') Flink's Iceberg connector falls back to a Hive metastore. ` +
                    `Declare 'catalog-impl' = '${NESSIE_CATALOG_IMPL}'.`,
            );
        } else if (impl === NESSIE_CATALOG_IMPL && !/\/api\/v2\/?$/.test(uri)) {
            out.push(`${where}: the Nessie catalog's 'uri' ${uri ? `'${uri}'` : "is missing; it"} must be Nessie's REST API v2 (ending in /api/v2).`);
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// 3. Checkpointing on: the Iceberg sink commits only on checkpoints.
// ---------------------------------------------------------------------------------------------

function intervalProblem(value: string | undefined): string | undefined {
    if (value === undefined) return "is not set";
    const ms = parseFlinkDurationMs(value);
    if (ms === undefined) return `is '${value}', which is not a Flink duration`;
    if (!(ms > 0)) return `is '${value}' (checkpointing off)`;
    return undefined;
}

/**
 * Checkpointing is on: a Flink SQL job's settings hold `execution.checkpointing.interval` > 0, and
 * every Flink workload configured through FLINK_PROPERTIES (the official image's hook) sets it too, so
 * a job submitted by hand gets it as well. The Iceberg sink commits only on checkpoints: without
 * them no row ever reaches the tables, and a restart replays from the start of the topic.
 */
export function flinkCheckpointing(r: ResourceView): string[] {
    const out: string[] = [];
    if (isFlinkSqlJob(r)) {
        const settings = unwrap(r.props.settings);
        if (!isUnknownValue(settings)) {
            const value = settings && typeof settings === "object" ? settings[CHECKPOINT_INTERVAL_KEY] : undefined;
            if (!isUnknownValue(value)) {
                const problem = intervalProblem(value === undefined || value === null ? undefined : String(value));
                if (problem) {
                    out.push(
                        `${jobLabel(r)}: settings["${CHECKPOINT_INTERVAL_KEY}"] ${problem}. The Iceberg sink commits only on checkpoints: no checkpoints, no data. ` +
                            `Set it above zero (lakehouse:flink.checkpointIntervalMs).`,
                    );
                }
            }
        }
    }
    for (const w of workloadsOf(r).filter(isFlinkWorkload)) {
        const props = envNamed(w, "FLINK_PROPERTIES");
        if (!props) {
            if (!w.envIncomplete) {
                out.push(
                    `${w.label} is a Flink process without FLINK_PROPERTIES, so its configuration has no ${CHECKPOINT_INTERVAL_KEY} (Flink's default is off). ` +
                        `Set '${CHECKPOINT_INTERVAL_KEY}: <interval>' in FLINK_PROPERTIES.`,
                );
            }
            continue;
        }
        if (props.fromRef || props.unknown || props.value === undefined) continue;
        const problem = intervalProblem(parseFlinkProperties(props.value)[CHECKPOINT_INTERVAL_KEY]);
        if (problem)
            out.push(`${w.label}: ${CHECKPOINT_INTERVAL_KEY} in FLINK_PROPERTIES ${problem}. The Iceberg sink commits only on checkpoints: set it above zero.`);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// 4. No in-memory Nessie (outside dev).
// ---------------------------------------------------------------------------------------------

/**
 * Nessie keeps its commits in a persistent version store: `NESSIE_VERSION_STORE_TYPE` is set and is
 * not `IN_MEMORY`. The image's default is in-memory, so a restart of the pod or container loses every
 * table of the catalog (the data files stay in S3, unreachable). Applied outside dev stacks.
 */
export function nessiePersistentVersionStore(r: ResourceView): string[] {
    const out: string[] = [];
    for (const w of workloadsOf(r).filter(isNessieWorkload)) {
        const store = envNamed(w, "NESSIE_VERSION_STORE_TYPE");
        if (!store) {
            if (!w.envIncomplete) {
                out.push(
                    `${w.label} is a Nessie server without NESSIE_VERSION_STORE_TYPE: the image's default store is IN_MEMORY, and a restart loses the catalog. ` +
                        `Use lakehouse:nessie.versionStore jdbc (or rocksdb).`,
                );
            }
        } else if (!store.fromRef && !store.unknown && (store.value ?? "").trim().toUpperCase().replace(/-/g, "_") === "IN_MEMORY") {
            out.push(
                `${w.label} runs Nessie with the IN_MEMORY version store: a restart loses every table of the catalog. Use lakehouse:nessie.versionStore jdbc (or rocksdb).`,
            );
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// 5. No plaintext secret in any env, input or output.
// ---------------------------------------------------------------------------------------------

const SECRET_WORDS = /(password|passwd|passphrase|secret|token|privatekey|apikey|credential)/;
const NOT_SECRET_SUFFIX =
    /(name|names|ref|refs|id|ids|file|files|path|paths|arn|url|uri|endpoint|type|mode|enabled|length|user|username|policy|version|count|ttl|timeout|seconds|ms|dir|location|provider|selector|mount|hash|header|field|env|required|expiry|expiration|rotation|validation|check|checks)$/;
/** Flags and switches named after a secret (`skipCredentialsValidation: "false"`) are not secrets. */
const NOT_SECRET_VALUE = /^(true|false)$/i;
/** A PEM private key is a secret under any name (`REST_TLS_KEY`, `clientKey`). */
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** True for a value that holds a PEM private key. */
export function holdsPrivateKey(value: string): boolean {
    return PRIVATE_KEY_PEM.test(value);
}

/** True for a name that carries a secret: `POSTGRES_PASSWORD`, `AWS_SECRET_ACCESS_KEY`, `databasePassword`, `s3.secret-access-key`; not `AWS_ACCESS_KEY_ID`, `secretName`, `passwordFile`. */
export function looksSecret(name: string): boolean {
    const k = name.toLowerCase().replace(/[^a-z0-9]/g, "");
    return SECRET_WORDS.test(k) && !NOT_SECRET_SUFFIX.test(k);
}

/**
 * A stand-in for a secret that is not the secret: `{{secret.name}}` (filled only when sent), Dremio's redaction
 * marker, a Kafka config-provider reference (`${env:NAME}`, `${file:path:key}`: Connect's worker resolves it).
 */
export function isPlaceholder(value: string): boolean {
    return (
        /^\s*(\{\{\s*secret\.[A-Za-z0-9_]+\s*\}\}\s*)+$/.test(value) ||
        value === "$DREMIO_EXISTING_VALUE$" ||
        /^\$\{[A-Za-z0-9_-]+:(?:[^:{}\s]+:)?[^:{}\s]+\}$/.test(value)
    );
}

function plaintextEnv(w: Workload, e: EnvVar, opts: SecretRuleOptions): string | undefined {
    if (e.unknown || e.value === undefined || e.value === "" || isPlaceholder(e.value)) return undefined;
    if (!looksSecret(e.name) && !holdsPrivateKey(e.value)) return undefined;
    if (w.platform === "kubernetes") {
        if (e.fromRef) return undefined;
        return `${w.label}: env ${e.name} is a literal value in the pod spec, readable by anyone who can read the workload. Reference a Secret (valueFrom.secretKeyRef).`;
    }
    if (opts.secretsVisible && !e.secret)
        return `${w.label}: env ${e.name} is plain text in the stack's state and diffs. Make the entry a secret (pulumi.secret).`;
    return undefined;
}

/**
 * No secret in plain text among a resource's inputs:
 * - a container env variable whose name looks like a secret (PASSWORD, SECRET, TOKEN, ...), or whose value
 *   is a PEM private key, is a
 *   Pulumi secret on Docker, and a `secretKeyRef` on Kubernetes (a literal there is plain text in the cluster);
 * - a Kubernetes Secret's `data`/`stringData` are Pulumi secrets;
 * - any other property whose name looks like a secret, or that holds a PEM private key, is a Pulumi
 *   secret (e.g. the connector's `databasePassword`, a job's `secrets`), or a `{{secret.*}}` placeholder;
 * - a Flink job's SQL has no secret literal in its WITH options (`'s3.secret-access-key'` = a placeholder).
 */
export function plaintextSecretInputs(r: ResourceView, opts: SecretRuleOptions = { secretsVisible: true }): string[] {
    const out: string[] = [];
    const workloads = workloadsOf(r);
    for (const w of workloads)
        for (const e of w.env) {
            const problem = plaintextEnv(w, e, opts);
            if (problem) out.push(problem);
        }
    if (isFlinkSqlJob(r)) {
        for (const s of knownStatements(r)) {
            if (s.secret) continue;
            const sql = stripComments(s.text);
            for (const m of sql.matchAll(/'((?:[^']|'')*)'\s*=\s*'((?:[^']|'')*)'/g)) {
                const key = m[1].replace(/''/g, "'");
                const value = m[2].replace(/''/g, "'");
                if (looksSecret(key) && value !== "" && !isPlaceholder(value)) {
                    out.push(
                        `${jobLabel(r)}: statements[${s.index}] holds '${key}' as a literal, in plain text in state, diffs and errors. Use a {{secret.<name>}} placeholder filled from the job's secret \`secrets\`.`,
                    );
                }
            }
        }
    }
    if (!opts.secretsVisible) return out;
    const k8sSecret = r.type === KUBERNETES_SECRET_TYPE;
    for (const leaf of leaves(r.props)) {
        const top = leaf.path[0];
        if (typeof top === "string" && top.startsWith("__")) continue; // engine-internal (a dynamic resource's serialized provider)
        if (typeof leaf.value !== "string" || leaf.value === "" || leaf.secret || isUnknownValue(leaf.value) || isPlaceholder(leaf.value)) continue;
        if (NOT_SECRET_VALUE.test(leaf.value) && !k8sSecret) continue;
        if (k8sSecret && (top === "data" || top === "stringData")) {
            out.push(`Kubernetes Secret ${r.name}: ${formatPath(leaf.path)} is plain text in the stack's state. Pass the value as a secret (pulumi.secret).`);
            continue;
        }
        if (isFlinkSqlJob(r) && top === "statements") continue; // judged above, option by option
        if (workloads.length && (top === "envs" || leaf.path.includes("env"))) continue; // judged above, variable by variable
        const key = [...leaf.path].reverse().find((p): p is string => typeof p === "string");
        if ((key !== undefined && looksSecret(key)) || holdsPrivateKey(leaf.value)) {
            out.push(
                `${r.type.split(":").pop()} ${r.name}: ${formatPath(leaf.path)} is plain text in the stack's state and diffs. Make it a secret (pulumi.secret).`,
            );
        }
    }
    return out;
}

/** A plaintext-secret finding on the stack, with the resource it is about. */
export interface StackFinding {
    message: string;
    urn?: string;
}

/** Secret values the stack holds (secret properties whose own names look secret, generated passwords, secret env entries, Kubernetes Secret data), for the leak check. */
function knownSecretValues(resources: ResourceView[]): Map<string, string> {
    const values = new Map<string, string>();
    const add = (value: unknown, from: string) => {
        if (typeof value === "string" && value.length >= 8 && !isUnknownValue(value) && !isPlaceholder(value) && !values.has(value)) values.set(value, from);
    };
    for (const r of resources) {
        if (r.type === STACK_TYPE) continue;
        const generated = /^random:index\/random(Password|String):/.test(r.type);
        for (const leaf of leaves(r.props)) {
            if (!leaf.secret || typeof leaf.value !== "string") continue;
            const where = `${r.name} ${formatPath(leaf.path)}`;
            // The leaf's own name decides: inside a secret `credentials` object, `username` is not a secret value.
            const key = [...leaf.path].reverse().find((p): p is string => typeof p === "string");
            if (generated && leaf.path[0] === "result") add(leaf.value, where);
            else if (key !== undefined && looksSecret(key)) add(leaf.value, where);
            else if (r.type === KUBERNETES_SECRET_TYPE && (leaf.path[0] === "data" || leaf.path[0] === "stringData")) add(leaf.value, where);
            else {
                const env = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(leaf.value);
                if (env && looksSecret(env[1])) add(env[2], `${r.name} env ${env[1]}`);
            }
        }
    }
    return values;
}

/**
 * Stack outputs carry no secret in plain text: an output value under a secret-looking name
 * (`credentials.postgres.password`) is a Pulumi secret, and no output repeats in plain text a value
 * that the stack holds as a secret elsewhere (a generated password exported under another name).
 * Messages name the output, never the value.
 */
export function plaintextSecretOutputs(resources: ResourceView[], opts: SecretRuleOptions = { secretsVisible: true }): StackFinding[] {
    if (!opts.secretsVisible) return [];
    const stack = resources.find((r) => r.type === STACK_TYPE);
    if (!stack) return [];
    const secrets = knownSecretValues(resources);
    const out: StackFinding[] = [];
    for (const leaf of leaves(stack.props)) {
        if (
            leaf.secret ||
            typeof leaf.value !== "string" ||
            leaf.value === "" ||
            isUnknownValue(leaf.value) ||
            isPlaceholder(leaf.value) ||
            NOT_SECRET_VALUE.test(leaf.value)
        )
            continue;
        const output = formatPath(leaf.path);
        const key = [...leaf.path].reverse().find((p): p is string => typeof p === "string");
        if ((key !== undefined && looksSecret(key)) || holdsPrivateKey(leaf.value)) {
            out.push({
                message: `Stack output ${output} looks like a secret and is exported in plain text. Export it with pulumi.secret(...).`,
                urn: stack.urn,
            });
        } else if (secrets.has(leaf.value)) {
            out.push({
                message: `Stack output ${output} exports in plain text the value of a secret (${secrets.get(leaf.value)}). Export it with pulumi.secret(...) or drop it.`,
                urn: stack.urn,
            });
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// 6. Replication slot cleanup stays on (outside dev).
// ---------------------------------------------------------------------------------------------

/**
 * The Debezium connector drops its replication slot when it is deleted (`dropSlotOnDelete` true, the
 * default; `lakehouse:pipeline.dropSlotOnDelete`). A slot left behind by a deleted connector pins WAL
 * on the source database until its disk fills (or `max_slot_wal_keep_size` invalidates the slot).
 * Applied outside dev stacks.
 */
export function replicationSlotCleanup(r: ResourceView): string[] {
    if (!isDebeziumConnector(r)) return [];
    const drop = unwrap(r.props.dropSlotOnDelete);
    if (drop !== false) return []; // true, absent (the resource's default is true) or not known yet
    const slot = unwrap(r.props.config)?.["slot.name"];
    return [
        `Debezium connector ${r.name}: dropSlotOnDelete is false, so deleting the connector leaves its replication slot${typeof slot === "string" ? ` ${slot}` : ""} ` +
            `on the source database, holding WAL until the disk fills. Set lakehouse:pipeline.dropSlotOnDelete to true (or remove it: true is the default).`,
    ];
}

// ---------------------------------------------------------------------------------------------
// 8. What holds data is protected outside dev stacks.
// ---------------------------------------------------------------------------------------------

/** Resources that hold data, by type token, with the `lakehouse:allowDataLoss` kind that covers them. */
export const DATA_BEARING: Record<string, { kind: string; what: string }> = {
    "pulumi-nodejs:dynamic/lakehouse:WarehouseBucket": { kind: "bucket", what: "the warehouse bucket (every Iceberg file)" },
    "aws:s3/bucket:Bucket": { kind: "bucket", what: "the warehouse bucket on AWS S3 (every Iceberg file)" },
    "pulumi-nodejs:dynamic/lakehouse:NessieNamespace": { kind: "tables", what: "the Iceberg namespace and its tables" },
    "pulumi-nodejs:dynamic/lakehouse:NessieBranch": { kind: "tables", what: "the Nessie branch the tables are on" },
    [CONNECTOR_TYPE]: { kind: "slot", what: "the replication slot and offsets the change history resumes from" },
};

/**
 * A resource that holds data is `protect`ed, so a plan that deletes or replaces it stops at preview.
 * The program protects them unless the stack lists their kind in `lakehouse:allowDataLoss`. Applied
 * outside dev stacks. (Volumes are kept with `retainOnDelete`, which the engine does not show a policy.)
 */
export function dataBearingProtected(r: ResourceView): string[] {
    const bearing = DATA_BEARING[r.type];
    if (!bearing || r.protect !== false) return []; // not data-bearing, protected, or not told
    return [
        `${r.name} holds ${bearing.what} and is not protected: a change or destroy could lose it without a word at preview. ` +
            `Remove "${bearing.kind}" from lakehouse:allowDataLoss (or remove the key: protected is the default), or list this stack in the policy's devStacks.`,
    ];
}
