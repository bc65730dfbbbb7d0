/**
 * Sink-table schema evolution of the Flink job resource: before a (re)submission, the declared
 * columns an existing Iceberg table lacks are added (`ALTER TABLE ... ADD`, nullable), so a column
 * added to the config reaches tables created before it. Columns are never dropped or retyped.
 *
 * Serialization-safe (see ../toolkit/README.md): functions and literals only.
 */
import { icebergStoredType } from "../../column-types";
import { PROVIDER_DEFAULTS } from "../../defaults";
import { backoffDelay, sleep } from "../toolkit/backoff";
import { HttpTarget } from "../toolkit/http";
import { redact } from "../toolkit/redact";
import { gatewayQuery, isResultTimeout, withSession } from "./gateway";
import { flinkGatewayTarget } from "./request";
import { fillSecrets, statementLabel } from "./sql";

/** An Iceberg table a job writes: `<catalog>.<database>.<table>` and its declared columns (Flink SQL types). */
export interface FlinkSinkTable {
    identifier: string;
    columns: { name: string; type: string }[];
}

/** How many times an ALTER that lost the race with the running job's commit is tried. */
const ALTER_ATTEMPTS = 6;

export { icebergStoredType };

/** A quoted Flink SQL identifier. */
function quoteIdentifier(name: string): string {
    return `\`${name.replace(/`/g, "``")}\``;
}

/** What evolving one table found: columns added, or declared types that differ from the table's. */
type TableEvolution = { added: string[] } | { mismatch: { identifier: string; mismatches: string[] } };

/**
 * Adds one table's missing declared columns in `session`. Declared columns whose types differ from
 * the table's are returned instead (nothing is added to such a table: it is recreated or the change refused).
 */
async function evolveTable(gateway: HttpTarget, session: string, table: FlinkSinkTable, timeoutMs: number): Promise<TableEvolution> {
    const path = table.identifier.split(".").map(quoteIdentifier).join(".");
    const found = new Map((await gatewayQuery(gateway, session, `DESCRIBE ${path}`, timeoutMs)).map((row) => [String(row[0]), String(row[1])]));
    const mismatches = table.columns
        .filter((c) => found.has(c.name) && icebergStoredType(found.get(c.name)!) !== icebergStoredType(c.type))
        .map((c) => `column ${c.name} is ${found.get(c.name)} in ${table.identifier} but declared ${c.type}`);
    if (mismatches.length) return { mismatch: { identifier: table.identifier, mismatches } };
    const missing = table.columns.filter((c) => !found.has(c.name));
    if (!missing.length) return { added: [] };
    // New columns are nullable: rows written before them read as NULL.
    await gatewayQuery(
        gateway,
        session,
        `ALTER TABLE ${path} ADD (${missing.map((c) => `${quoteIdentifier(c.name)} ${c.type.replace(/\s+NOT NULL$/i, "")}`).join(", ")})`,
        timeoutMs,
    );
    return { added: missing.map((c) => `${table.identifier}.${c.name}`) };
}

/** What the sink tables' evolution did and found: columns added, tables whose declared types differ from theirs. */
export interface SinkEvolution {
    added: string[];
    mismatched: { identifier: string; mismatches: string[] }[];
}

/** Why a declared type change is refused for tables that hold rows, and the fixes. */
export function typeChangeRefusal(tables: { mismatches: string[]; rows: number }[]): string {
    return (
        `${tables.map((t) => `${t.mismatches.join("; ")}, and the table holds ${t.rows} row(s)`).join("; ")}: declare the table's type in lakehouse:source.tables, ` +
        "or change the Iceberg column first (Iceberg widens INT to BIGINT, FLOAT to DOUBLE and a DECIMAL's precision: ALTER TABLE ... MODIFY in Flink SQL), " +
        'or allow the program to recreate the tables and refill them from the CDC topic (rows older than the topic\'s retention are lost): list "tables" under lakehouse:allowDataLoss'
    );
}

/**
 * Adds the declared columns an existing sink table lacks (`ALTER TABLE ... ADD`), after the setup
 * statements (catalog, tables) ran in a session of their own. Runs while the old job still writes:
 * adding a nullable column is compatible with it. A declared column whose type differs from the
 * table's is an error naming both types and the fix; nothing is dropped. Returns what was added.
 */
export async function evolveSinkTables(inputs: Record<string, any>): Promise<SinkEvolution> {
    const tables: FlinkSinkTable[] = inputs.sinkTables ?? [];
    if (!tables.length) return { added: [], mismatched: [] };
    const gateway = flinkGatewayTarget(inputs);
    const secrets: Record<string, string> = inputs.secrets ?? {};
    const secretValues = Object.values(secrets);
    const timeoutMs = (inputs.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds) * 1000;
    const setup: string[] = inputs.statements.slice(0, -1);
    // The running job commits to these tables on every checkpoint: an ALTER can lose the race to one
    // of its commits (Iceberg's CommitFailedException). Retry, in a fresh session (a fresh catalog,
    // no cached table metadata), re-reading what is there. What an attempt added before it failed stays added.
    const added: string[] = [];
    for (let attempt = 1; ; attempt++) {
        try {
            return await withSession(
                gateway,
                { name: `${inputs.name}-schema`, properties: { "execution.runtime-mode": "batch" } },
                async (session) => {
                    for (const statement of setup) {
                        await gatewayQuery(gateway, session, fillSecrets(statement, secrets), timeoutMs, {
                            secrets: secretValues,
                            what: `the SQL Gateway to finish ${statementLabel(statement)}`,
                        });
                    }
                    const mismatched: SinkEvolution["mismatched"] = [];
                    for (const table of tables) {
                        const evolution = await evolveTable(gateway, session, table, timeoutMs);
                        if ("mismatch" in evolution) mismatched.push(evolution.mismatch);
                        else added.push(...evolution.added);
                    }
                    return { added, mismatched };
                },
                { secrets: secretValues },
            );
        } catch (err) {
            const message = (err as Error).message;
            if (attempt < ALTER_ATTEMPTS && /CommitFailedException/.test(message)) {
                await sleep(backoffDelay(attempt, { initialMs: 500, maxMs: 8000 }));
                continue;
            }
            throw new Error(
                redact(`Flink SQL job "${inputs.name}": evolving its Iceberg tables failed${attempt > 1 ? ` (attempt ${attempt})` : ""}: ${message}`, secrets),
            );
        }
    }
}

/** Runs `use` in a batch session that declares the job's catalog and database (not its tables). */
async function inCatalogSession<T>(
    inputs: Record<string, any>,
    purpose: string,
    use: (run: (sql: string) => Promise<unknown[][]>) => Promise<T>,
    timeoutMs: number = (inputs.waitTimeoutSeconds ?? PROVIDER_DEFAULTS.waitTimeoutSeconds) * 1000,
): Promise<T> {
    const gateway = flinkGatewayTarget(inputs);
    const secrets: Record<string, string> = inputs.secrets ?? {};
    const setup: string[] = inputs.statements.slice(0, -1).filter((s: string) => !/^\s*CREATE\s+(TEMPORARY\s+)?TABLE/i.test(s));
    try {
        return await withSession(
            gateway,
            { name: `${inputs.name}-${purpose}`, properties: { "execution.runtime-mode": "batch" } },
            async (session) => {
                for (const statement of setup)
                    await gatewayQuery(gateway, session, fillSecrets(statement, secrets), timeoutMs, { secrets: Object.values(secrets) });
                return use((sql) => gatewayQuery(gateway, session, sql, timeoutMs, { what: `the SQL Gateway to finish ${statementLabel(sql)}` }));
            },
            { secrets: Object.values(secrets) },
        );
    } catch (err) {
        // A wait that reached its bound stays marked as one (countSinkRows tells it from a failure).
        throw Object.assign(new Error(redact(`Flink SQL job "${inputs.name}": ${purpose} failed: ${(err as Error).message}`, secrets)), {
            timedOut: isResultTimeout(err),
        });
    }
}

const tablePath = (identifier: string) => identifier.split(".").map(quoteIdentifier).join(".");

/**
 * Each table's row count (a batch COUNT, which reads no column values but needs a free Flink slot).
 * With `timeoutMs`, a count that does not finish in time (no free slot) resolves undefined.
 */
export async function countSinkRows(inputs: Record<string, any>, identifiers: string[], timeoutMs?: number): Promise<number[] | undefined> {
    try {
        return await inCatalogSession(
            inputs,
            "counting rows",
            async (run) => {
                const counts: number[] = [];
                for (const identifier of identifiers) counts.push(Number((await run(`SELECT COUNT(*) FROM ${tablePath(identifier)}`))[0]?.[0] ?? 0));
                return counts;
            },
            timeoutMs,
        );
    } catch (err) {
        if (timeoutMs !== undefined && isResultTimeout(err)) return undefined;
        throw err;
    }
}

/**
 * Drops the tables (their data and metadata files stay in the bucket, unreferenced) so the job's
 * `CREATE TABLE IF NOT EXISTS` creates them again with the declared columns. Runs with no job writing them.
 */
export async function dropSinkTables(inputs: Record<string, any>, identifiers: string[]): Promise<void> {
    await inCatalogSession(inputs, "recreating tables", async (run) => {
        for (const identifier of identifiers) await run(`DROP TABLE IF EXISTS ${tablePath(identifier)}`);
    });
}
