/**
 * The pipeline's Flink SQL: templates under `jobs/` rendered from stack config. `jobs/catalog.sql`
 * (the Iceberg catalog on Nessie and the namespace) runs first in every job's session, then, for each
 * captured table, the template of each mode it is written in (`jobs/upsert.sql`, `jobs/append.sql`);
 * the modes' INSERTs become one job (a statement set when there are two).
 *
 * Placeholders are `{{name}}`: stack values (escaped for SQL string literals) and SQL fragments built
 * from the table's declared columns (components/tables.ts; validated identifiers and types, inserted
 * as is). `{{secret.name}}` stays in the text and is filled in by the Flink job resource only when it
 * sends the SQL. Rendering is pure; only `readJobTemplates` touches files.
 */
import * as fs from "fs";
import * as path from "path";
import { splitSqlStatements } from "./dynamic/flink-job";
import { TableDefinition, icebergTableNames, modeWrites, tableSqlFragments } from "./tables";

/** Where the templates live, relative to the repository root. */
export const JOBS_DIR = "jobs";
export const CATALOG_TEMPLATE = "catalog.sql";
/** The template of each write mode. */
export const MODE_TEMPLATES = { upsert: "upsert.sql", append: "append.sql" } as const;

/** The values a job template may use. */
export interface JobTemplateValues {
    /** Flink catalog name, e.g. `lakehouse`. */
    catalog: string;
    /** Iceberg namespace (Nessie namespace). */
    namespace: string;
    /** Captured table (unqualified). */
    table: string;
    /** Schema of the captured table in PostgreSQL. */
    sourceSchema: string;
    /** Nessie REST API v2 URI as Flink reaches it. */
    nessieUri: string;
    nessieBranch: string;
    /** `s3://<bucket>/<path>`. */
    warehouse: string;
    /** S3 endpoint as Flink reaches it. */
    s3Endpoint: string;
    /** "true" for MinIO. */
    s3PathStyle: string;
    s3AccessKeyId: string;
    awsRegion: string;
    /** The table's Debezium topic. */
    topic: string;
    /** Kafka bootstrap servers as Flink reaches them. */
    bootstrapServers: string;
    /** Consumer group prefix of the job's Kafka sources. */
    consumerGroup: string;
}

/** The `{{secret.*}}` names a rendered job may use, and what fills them. */
export const JOB_SECRETS = ["s3SecretAccessKey", "kafkaJaasConfig", "kafkaClientKey", "nessieToken"] as const;

/** The job templates, as text. */
export interface JobTemplates {
    catalog: string;
    upsert: string;
    append: string;
}

/**
 * Renders one template: every `{{name}}` must be a known value (values are escaped for SQL string
 * literals; identifiers were validated by the config module), every `{{secret.name}}` a known secret.
 */
export function renderSqlTemplate(template: string, values: Record<string, string>, file: string, fragments: Record<string, string> = {}): string {
    const problems: string[] = [];
    const rendered = template.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (match, key: string) => {
        if (key.startsWith("secret.")) {
            if (!(JOB_SECRETS as readonly string[]).includes(key.slice("secret.".length)))
                problems.push(`${match} is not a known secret (known: ${JOB_SECRETS.map((s) => `secret.${s}`).join(", ")})`);
            return match;
        }
        if (fragments[key] !== undefined) return fragments[key];
        const value = values[key];
        if (value === undefined) {
            problems.push(`${match} is not a known value (known: ${[...Object.keys(values), ...Object.keys(fragments)].sort().join(", ")})`);
            return match;
        }
        return value.replace(/'/g, "''");
    });
    if (problems.length) throw new Error(`${file}: ${problems.join("; ")}`);
    return rendered;
}

/**
 * The statements of one table's job: the catalog first, then each mode's source and sink tables, and
 * last the job: the mode's INSERT, or both INSERTs in one statement set (one job, one consumer of
 * each source, one checkpoint committing both tables). `kafkaSecurityOptions` fills `{{kafkaSecurityOptions}}`
 * (components/secured-clients.ts `flinkKafkaSecurityOptions`; empty for PLAINTEXT), `nessieAuthOptions`
 * the catalog's `{{nessieAuthOptions}}` (`nessieCatalogAuthOptions`; empty without a Nessie token).
 */
export function renderTableJob(
    templates: JobTemplates,
    values: JobTemplateValues,
    table: TableDefinition,
    kafkaSecurityOptions = "",
    nessieAuthOptions = "",
): string[] {
    const vars = values as unknown as Record<string, string>;
    const names = icebergTableNames(values.table, table.mode);
    const fragments = { ...tableSqlFragments(table), upsertTable: names.upsert ?? "", changelogTable: names.changelog ?? "", kafkaSecurityOptions };
    const writes = modeWrites(table.mode);
    const setup: string[] = [];
    const inserts: string[] = [];
    for (const mode of ["upsert", "append"] as const) {
        if (!writes[mode]) continue;
        const statements = splitSqlStatements(renderSqlTemplate(templates[mode], vars, `${JOBS_DIR}/${MODE_TEMPLATES[mode]}`, fragments));
        setup.push(...statements.slice(0, -1));
        inserts.push(statements[statements.length - 1]);
    }
    return [
        ...splitSqlStatements(renderSqlTemplate(templates.catalog, vars, `${JOBS_DIR}/${CATALOG_TEMPLATE}`, { nessieAuthOptions })),
        ...setup,
        inserts.length === 1 ? inserts[0] : `EXECUTE STATEMENT SET\nBEGIN\n${inserts.map((i) => `${i};`).join("\n\n")}\nEND`,
    ];
}

/** The Flink job name of a table's job: stable, so the resource finds its job after a crash. */
export function jobName(namePrefix: string, table: string): string {
    return `${namePrefix}-${table}-to-iceberg`;
}

/** Reads `jobs/catalog.sql` and the mode templates. */
export function readJobTemplates(repoRoot: string): JobTemplates {
    const read = (file: string) => fs.readFileSync(path.join(repoRoot, JOBS_DIR, file), "utf8");
    return { catalog: read(CATALOG_TEMPLATE), upsert: read(MODE_TEMPLATES.upsert), append: read(MODE_TEMPLATES.append) };
}
