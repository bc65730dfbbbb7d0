/**
 * Sink-table schema evolution of the Flink job resource: before a (re)submission, the declared
 * columns an existing Iceberg table lacks are added (`ALTER TABLE ... ADD`, nullable), so a column
 * added to the config reaches tables created before it. Columns are never dropped or retyped.
 *
 * Serialization-safe (see ../toolkit/README.md): functions and literals only.
 */
import { PROVIDER_DEFAULTS } from "../../defaults";
import { backoffDelay, sleep } from "../toolkit/backoff";
import { redact } from "../toolkit/redact";
import { gatewayQuery, withSession } from "./gateway";
import { fillSecrets, statementLabel } from "./sql";

/** An Iceberg table a job writes: `<catalog>.<database>.<table>` and its declared columns (Flink SQL types). */
export interface FlinkSinkTable {
    identifier: string;
    columns: { name: string; type: string }[];
}

/** How many times an ALTER that lost the race with the running job's commit is tried. */
const ALTER_ATTEMPTS = 6;

/** A Flink type as Iceberg stores it (Iceberg has one string, one int below BIGINT): for comparing declared with found. */
export function icebergStoredType(type: string): string {
    const t = type
        .toUpperCase()
        .replace(/\s+NOT NULL$/, "")
        .replace(/\s+/g, " ")
        .trim();
    if (/^(VARCHAR|CHAR)\(\d+\)$/.test(t) || t === "STRING") return "STRING";
    if (["TINYINT", "SMALLINT", "INT", "INTEGER"].includes(t)) return "INT";
    if (/^(VARBINARY|BINARY)\(\d+\)$/.test(t) || t === "BYTES") return "BYTES";
    return t.replace(/\(\s*(\d+)\s*,\s*(\d+)\s*\)/, "($1, $2)");
}

/** A quoted Flink SQL identifier. */
function quoteIdentifier(name: string): string {
    return `\`${name.replace(/`/g, "``")}\``;
}

/**
 * Adds one table's missing declared columns in `session`; returns them as `<table identifier>.<column>`.
 * A declared column whose type differs from the table's is an error naming both types and the fix.
 */
async function addMissingColumns(gateway: string, session: string, table: FlinkSinkTable, timeoutMs: number): Promise<string[]> {
    const path = table.identifier.split(".").map(quoteIdentifier).join(".");
    const found = new Map((await gatewayQuery(gateway, session, `DESCRIBE ${path}`, timeoutMs)).map((row) => [String(row[0]), String(row[1])]));
    const problems = table.columns
        .filter((c) => found.has(c.name) && icebergStoredType(found.get(c.name)!) !== icebergStoredType(c.type))
        .map((c) => `column ${c.name} is ${found.get(c.name)} in ${table.identifier} but declared ${c.type}`);
    if (problems.length) {
        throw new Error(
            `${problems.join("; ")}: declare the table's type in lakehouse:source.tables, or change the Iceberg column first (Iceberg widens INT to BIGINT, FLOAT to DOUBLE and a DECIMAL's precision: ALTER TABLE ... MODIFY in Flink SQL)`,
        );
    }
    const missing = table.columns.filter((c) => !found.has(c.name));
    if (!missing.length) return [];
    // New columns are nullable: rows written before them read as NULL.
    await gatewayQuery(
        gateway,
        session,
        `ALTER TABLE ${path} ADD (${missing.map((c) => `${quoteIdentifier(c.name)} ${c.type.replace(/\s+NOT NULL$/i, "")}`).join(", ")})`,
        timeoutMs,
    );
    return missing.map((c) => `${table.identifier}.${c.name}`);
}

/**
 * Adds the declared columns an existing sink table lacks (`ALTER TABLE ... ADD`), after the setup
 * statements (catalog, tables) ran in a session of their own. Runs while the old job still writes:
 * adding a nullable column is compatible with it. A declared column whose type differs from the
 * table's is an error naming both types and the fix; nothing is dropped. Returns what was added.
 */
export async function evolveSinkTables(inputs: Record<string, any>): Promise<string[]> {
    const tables: FlinkSinkTable[] = inputs.sinkTables ?? [];
    if (!tables.length) return [];
    const gateway: string = inputs.gatewayUrl;
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
                    for (const table of tables) added.push(...(await addMissingColumns(gateway, session, table, timeoutMs)));
                    return added;
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
