/**
 * The pipeline's Flink SQL: templates under `jobs/` rendered from stack config. `jobs/catalog.sql`
 * (the Iceberg catalog on Nessie and the namespace) runs first in every job's session, then
 * `jobs/<table>.sql` (sources, sinks and the job's INSERT / STATEMENT SET) for each captured table.
 *
 * Placeholders are `{{name}}`; `{{secret.name}}` stays in the text and is filled in by the Flink job
 * resource only when it sends the SQL. Rendering is pure; only `readJobTemplates` touches files.
 */
import * as fs from "fs";
import * as path from "path";
import { splitSqlStatements } from "./dynamic/flink-job";

/** Where the templates live, relative to the repository root. */
export const JOBS_DIR = "jobs";
export const CATALOG_TEMPLATE = "catalog.sql";

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
export const JOB_SECRETS = ["s3SecretAccessKey"] as const;

/** The templates of the captured tables, as text. */
export interface JobTemplates {
    catalog: string;
    /** Table name -> its template text. */
    tables: Record<string, string>;
}

/**
 * Renders one template: every `{{name}}` must be a known value (values are escaped for SQL string
 * literals; identifiers were validated by the config module), every `{{secret.name}}` a known secret.
 */
export function renderSqlTemplate(template: string, values: Record<string, string>, file: string): string {
    const problems: string[] = [];
    const rendered = template.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (match, key: string) => {
        if (key.startsWith("secret.")) {
            if (!(JOB_SECRETS as readonly string[]).includes(key.slice("secret.".length))) problems.push(`${match} is not a known secret (known: ${JOB_SECRETS.map((s) => `secret.${s}`).join(", ")})`);
            return match;
        }
        const value = values[key];
        if (value === undefined) {
            problems.push(`${match} is not a known value (known: ${Object.keys(values).sort().join(", ")})`);
            return match;
        }
        return value.replace(/'/g, "''");
    });
    if (problems.length) throw new Error(`${file}: ${problems.join("; ")}`);
    return rendered;
}

/** The statements of one table's job: the catalog first, then the table's own; the last submits the job. */
export function renderTableJob(templates: JobTemplates, values: JobTemplateValues): string[] {
    const own = templates.tables[values.table];
    if (own === undefined) throw new Error(`${JOBS_DIR}/${values.table}.sql: no job template for table "${values.table}"`);
    const vars = values as unknown as Record<string, string>;
    return [
        ...splitSqlStatements(renderSqlTemplate(templates.catalog, vars, `${JOBS_DIR}/${CATALOG_TEMPLATE}`)),
        ...splitSqlStatements(renderSqlTemplate(own, vars, `${JOBS_DIR}/${values.table}.sql`)),
    ];
}

/** The Flink job name of a table's job: stable, so the resource finds its job after a crash. */
export function jobName(namePrefix: string, table: string): string {
    return `${namePrefix}-${table}-to-iceberg`;
}

/**
 * Reads `jobs/catalog.sql` and `jobs/<table>.sql` for each captured table. A table without a template
 * is a config error naming the key and the fix, raised before any resource is registered.
 */
export function readJobTemplates(repoRoot: string, tables: string[]): JobTemplates {
    const dir = path.join(repoRoot, JOBS_DIR);
    const read = (file: string) => fs.readFileSync(path.join(dir, file), "utf8");
    const missing = tables.filter((t) => !fs.existsSync(path.join(dir, `${t}.sql`)));
    if (missing.length) {
        throw new Error(
            `lakehouse:source.tables: found ${missing.map((t) => `"${t}"`).join(", ")} without a Flink job; expected a template ${missing.map((t) => `${JOBS_DIR}/${t}.sql`).join(", ")} for each captured table (start from ${JOBS_DIR}/demographics.sql)`,
        );
    }
    return { catalog: read(CATALOG_TEMPLATE), tables: Object.fromEntries(tables.map((t) => [t, read(`${t}.sql`)])) };
}
