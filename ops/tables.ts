/**
 * `npm run tables -- describe <schema>.<table> [--json] [--mode both|upsert|append]`: reads a live
 * table from PostgreSQL's catalog and prints its `lakehouse:source.tables` entry (YAML to paste under
 * `lakehouse:source:` -> `tables:`, or JSON), with a comment per column mapped with a caveat or left
 * out. The mapping is components/source-types.ts; the catalog query components/source-check.ts.
 * Exit code: 0 printed, 1 no such table, 2 usage error or PostgreSQL unreachable.
 */
import { redact } from "../components/dynamic/toolkit/redact";
import { readLiveTable } from "../components/source-check";
import { declarationJson, declarationYaml, declareTable } from "../components/source-types";
import { TABLE_MODES, TableMode } from "../components/tables";
import { OptionTable, Printer, UsageError, formatUsage, parseCommandLine, readCommandLine, runMain } from "./args";

/** The options of `npm run tables`. */
export const TABLES_OPTIONS = {
    json: { type: "flag", description: "print the entry as JSON (notes go to stderr)" },
    mode: { type: "string", default: "both", value: "mode", description: "the entry's mode: both, upsert or append" },
    host: { type: "string", value: "host", description: "PostgreSQL host (default $PGHOST, else 127.0.0.1)" },
    port: { type: "number", integer: true, min: 1, value: "port", description: "PostgreSQL port (default $PGPORT, else 5432)" },
    user: { type: "string", value: "user", description: "PostgreSQL user (default $PGUSER, else postgres)" },
    database: { type: "string", value: "name", description: "database (default $PGDATABASE, else postgres)" },
} as const satisfies OptionTable;

export const TABLES_USAGE = `${formatUsage(
    "usage: npm run tables -- describe <schema>.<table> [--json] [--mode both|upsert|append] [--host h] [--port p] [--user u] [--database d]\n\n" +
        "Prints the lakehouse:source.tables entry of a live PostgreSQL table, read from its catalog.\n" +
        "The password is read from $PGPASSWORD only. Exit code: 0 printed, 1 no such table, 2 usage error or PostgreSQL unreachable.",
    TABLES_OPTIONS,
)}`;

/** What `npm run tables` was asked. */
export interface TablesArgs {
    schema: string;
    table: string;
    json: boolean;
    mode: TableMode;
    host: string;
    port: number;
    user: string;
    database: string;
}

/** Parses `npm run tables` arguments, the connection defaulting to the PG* variables of `env`; UsageError on anything wrong. */
export function parseTablesArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): TablesArgs {
    const { options: o, positionals } = parseCommandLine(argv, TABLES_OPTIONS, { positionals: true });
    const [command, target, ...rest] = positionals;
    if (command !== "describe") throw new UsageError(command === undefined ? "a command is required: describe" : `unknown command "${command}" (try describe)`);
    if (target === undefined) throw new UsageError("describe needs <schema>.<table>, e.g. public.orders");
    if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}"`);
    const m = /^([^.]+)\.([^.]+)$/.exec(target);
    if (!m) throw new UsageError(`"${target}" is not <schema>.<table>, e.g. public.orders`);
    if (!TABLE_MODES.includes(o.mode as TableMode)) throw new UsageError(`--mode must be one of ${TABLE_MODES.join(", ")}, got "${o.mode}"`);
    const port = o.port ?? Number(env.PGPORT ?? 5432);
    if (!Number.isInteger(port) || port < 1) throw new UsageError(`PGPORT must be a port number, got ${JSON.stringify(env.PGPORT)}`);
    return {
        schema: m[1],
        table: m[2],
        json: o.json,
        mode: o.mode as TableMode,
        host: o.host ?? env.PGHOST ?? "127.0.0.1",
        port,
        user: o.user ?? env.PGUSER ?? "postgres",
        database: o.database ?? env.PGDATABASE ?? "postgres",
    };
}

const CONSOLE: Printer = { out: (text) => console.log(text), err: (text) => console.error(text) };

/** Runs `npm run tables` with `argv` (the arguments after `--`); resolves with the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, printer: Printer = CONSOLE): Promise<number> {
    const command = readCommandLine(argv, TABLES_USAGE, (a) => parseTablesArgs(a, env), printer);
    if ("exitCode" in command) return command.exitCode;
    const args = command.args;
    const password = env.PGPASSWORD;
    const { Client } = require("pg") as typeof import("pg");
    const client = new Client({
        host: args.host,
        port: args.port,
        user: args.user,
        database: args.database,
        ...(password !== undefined ? { password } : {}),
        connectionTimeoutMillis: 10_000,
        statement_timeout: 30_000,
    });
    const where = `PostgreSQL at ${args.host}:${args.port} (database ${args.database}, user ${args.user})`;
    try {
        await client.connect();
        const live = await readLiveTable(client, args.schema, args.table);
        if (!live) {
            printer.err(`tables: ${args.schema}.${args.table} is not a table in ${where}`);
            return 1;
        }
        const declaration = declareTable(live, args.mode);
        if (args.mode !== declaration.entry.mode) printer.err(`tables: --mode ${args.mode} needs a primary key: printing mode append`);
        if (args.json) {
            printer.out(declarationJson(declaration));
            for (const n of declaration.notes) printer.err(`# ${n}`);
        } else {
            printer.out(`# ${args.schema}.${args.table}: paste under lakehouse:source: -> tables: (npm run tables -- describe ${args.schema}.${args.table})`);
            printer.out(declarationYaml(declaration));
        }
        return 0;
    } catch (err) {
        printer.err(`tables: ${where}: ${redact((err as Error).message || String((err as NodeJS.ErrnoException).code), [password])}`);
        return 2;
    } finally {
        await client.end().catch(() => undefined);
    }
}

if (require.main === module) runMain("tables", (argv) => main(argv));
