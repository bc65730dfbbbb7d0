/**
 * `npm run canary`: the I/O. Inserts the marker row in PostgreSQL, waits (bounded, backed off, saying
 * what it waits for) until a batch SELECT through the Flink SQL Gateway finds it in each Iceberg table
 * the captured table is written to, and deletes the marker row in every case (success, failure,
 * timeout, abort). Nessie's log of each table is polled between SELECTs so a (comparatively costly)
 * Flink batch query runs only when a new commit touched the table.
 */
import * as fs from "fs";
import * as path from "path";
import { Client } from "pg";
import { closeSession, gatewayQuery, isResultTimeout, openSession } from "../components/dynamic/flink/gateway";
import { httpTarget } from "../components/dynamic/toolkit/http";
import { CATALOG_TEMPLATE, JOBS_DIR } from "../components/jobs";
import {
    CanaryResult,
    Marker,
    SourceColumn,
    TableVisibility,
    canaryLatency,
    canaryTargets,
    checkCanaryColumns,
    chooseCanaryTable,
    makeMarker,
    markerSelect,
    markerSql,
    nextDelay,
    stackCatalogStatement,
} from "./canary";
import { requestJson } from "./http";
import { REPO_DIR } from "../harness/pulumi/cli";
import { StackOutputs, parseHostPort, postgresTls, redact, secretValues, useStackAccess } from "./outputs";
import { postgresConnectFix, postgresSsl } from "../components/dynamic/postgres-client";
import { commitFilter } from "./probes";

/** How the canary runs. */
export interface CanaryOptions {
    stack: string | null;
    timeoutSeconds: number;
    table?: string;
    /** Progress lines ("waiting for ..."); secrets are redacted before they get here. */
    log: (line: string) => void;
    /** Aborts the wait (Ctrl-C); the marker row is still deleted. */
    signal?: AbortSignal;
    /** Repository root holding jobs/catalog.sql (default: this repository). */
    repoRoot?: string;
    /** For tests: the marker to use. */
    marker?: Marker;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(new Error("aborted"));
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(new Error("aborted"));
        };
        signal?.addEventListener("abort", onAbort, { once: true });
    });
}

/** The newest commit that touched `key` on `branch` (undefined when none or Nessie fails). */
async function lastCommit(api: string, branch: string, key: string): Promise<{ hash: string; time: number } | undefined> {
    const query = new URLSearchParams({ fetch: "ALL", maxRecords: "1", filter: commitFilter(key) });
    const log = await requestJson("Nessie", api, "GET", `/trees/${encodeURIComponent(branch)}/history?${query}`, { timeoutMs: 10_000 }).catch(() => undefined);
    const meta = log?.logEntries?.[0]?.commitMeta;
    return meta?.hash ? { hash: String(meta.hash), time: Date.parse(meta.commitTime) } : undefined;
}

/** The captured table's columns, as information_schema shows them. */
async function sourceColumns(client: Client, schema: string, table: string): Promise<SourceColumn[]> {
    const r = await client.query(
        `SELECT column_name, data_type, is_nullable, column_default, is_identity, is_generated, character_maximum_length
           FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
        [schema, table],
    );
    return r.rows.map((c) => ({
        name: c.column_name,
        dataType: c.data_type,
        nullable: c.is_nullable === "YES",
        fillsItself: c.column_default !== null || c.is_identity === "YES" || c.is_generated === "ALWAYS",
        maxLength: c.character_maximum_length,
    }));
}

/**
 * Runs the canary against the stack. Never throws for a pipeline problem: the result says what
 * happened (ok false, error); it throws only when nothing was inserted yet and the inputs are unusable.
 */
export async function runCanary(outputs: StackOutputs, opts: CanaryOptions): Promise<CanaryResult> {
    const secrets = secretValues(outputs);
    const log = (line: string) => opts.log(redact(line, secrets));
    useStackAccess(outputs);
    const tp = chooseCanaryTable(outputs, opts.table);
    const targets = canaryTargets(tp);

    // Everything the canary needs, checked before anything is written.
    const pgAddress = outputs.endpoints?.postgres?.host;
    if (!pgAddress) throw new Error("stack output endpoints.postgres.host missing: PostgreSQL is not published to this machine");
    const pgCreds = outputs.credentials?.postgres;
    if (!pgCreds) throw new Error("stack output credentials.postgres missing: read the outputs with --show-secrets");
    if (!outputs.source?.database)
        throw new Error("stack output source missing: the source database is unknown (deploy the stack with a program that exports `source`)");
    const schema = outputs.source.schema;
    const gatewayUrl = outputs.flinkSqlGatewayUrl?.host;
    if (!gatewayUrl) throw new Error("stack output flinkSqlGatewayUrl.host missing: the Flink SQL Gateway is not published to this machine");
    // Over https with the CA of connectionSecurity.flink when the stack gives one.
    const gateway = httpTarget(gatewayUrl, outputs.connectionSecurity?.flink?.caCert);
    const s3Secret = outputs.credentials?.s3?.secretAccessKey;
    if (s3Secret === undefined) throw new Error("stack output credentials.s3 missing: read the outputs with --show-secrets");
    const nessie = outputs.nessieApiUri?.host;
    const branch = outputs.nessieBranch ?? "main";
    const template = fs.readFileSync(path.join(opts.repoRoot ?? REPO_DIR, JOBS_DIR, CATALOG_TEMPLATE), "utf8");
    const catalogSql = stackCatalogStatement(outputs, tp, template);
    const source = `${schema}.${tp.table}`;
    const sql = markerSql(schema, tp.table);

    const { host, port } = parseHostPort(pgAddress, 5432);
    // TLS as the stack's connectionSecurity.postgres says (sslmode disable when it says nothing).
    const tls = postgresTls(outputs);
    const connect = async () => {
        const c = new Client({
            host,
            port,
            user: pgCreds.username,
            password: pgCreds.password,
            database: outputs.source!.database,
            connectionTimeoutMillis: 15_000,
            statement_timeout: 30_000,
            ssl: postgresSsl(tls),
        });
        c.on("error", () => undefined);
        await c.connect().catch((err: Error) => {
            const fix = postgresConnectFix(err.message, tls);
            throw new Error(`PostgreSQL at ${pgAddress} (sslmode ${tls?.sslmode ?? "disable"}): ${err.message}${fix ? `; ${fix}` : ""}`);
        });
        return c;
    };

    let marker: Marker = opts.marker ?? makeMarker("integer");
    const tables: TableVisibility[] = targets.map((t) => ({ identifier: t.identifier, kind: t.kind, visibleAfterMs: null, notVisibleAtMs: null, queries: 0 }));
    const result: CanaryResult = { stack: opts.stack, ok: false, source, marker, insertedAt: null, tables, latencyMs: null, cleanedUp: true };

    let client: Client | undefined;
    let session: string | undefined;
    let inserted = false;
    try {
        client = await connect();
        const columns = await sourceColumns(client, schema, tp.table);
        const problems = checkCanaryColumns(source, columns);
        if (problems.length) throw new Error(`the canary cannot use ${source}: ${problems.join("; ")}`);
        const idType = columns.find((c) => c.name === "id")!.dataType;
        if (!opts.marker) marker = makeMarker(idType);
        // A marker left by a canary that could not clean up must not be taken for this one.
        for (let attempt = 0; (await client.query(sql.exists, [marker.id])).rowCount; attempt++) {
            if (attempt === 5 || opts.marker) throw new Error(`id ${marker.id} is taken in ${source}`);
            marker = makeMarker(idType);
        }
        result.marker = marker;

        log(`opening a Flink SQL Gateway session at ${gatewayUrl} (batch) with the stack's Iceberg catalog`);
        // Every wait for a statement's rows says what it waits for in the canary's log, and stops on Ctrl-C.
        const wait = { progress: log, sleep: (ms: number) => sleep(ms, opts.signal), secrets };
        const query = (statement: string, timeoutMs: number, what: string) =>
            gatewayQuery(gateway, session!, statement, Math.max(timeoutMs, 1), { ...wait, what });
        session = await openSession(gateway, { name: "lakehouse-canary", properties: { "execution.runtime-mode": "batch" } });
        await query(catalogSql, 60_000, "the SQL Gateway to create the stack's Iceberg catalog");

        const lastQueried: (string | undefined)[] = targets.map(() => undefined);
        if (nessie) for (const [i, t] of targets.entries()) lastQueried[i] = (await lastCommit(nessie, branch, t.key))?.hash;

        // Marked before the INSERT returns: if the answer is lost, the DELETE still runs (harmless when nothing was inserted).
        inserted = true;
        await client.query(sql.insert, [marker.id, marker.name]);
        const insertedAt = Date.now();
        result.insertedAt = new Date(insertedAt).toISOString();
        log(
            `inserted marker ${marker.name} (id ${marker.id}) into ${source}; waiting up to ${opts.timeoutSeconds} s for it in ${targets.map((t) => t.identifier).join(" and ")}`,
        );

        const deadline = insertedAt + opts.timeoutSeconds * 1000;
        let delay: number | undefined;
        for (;;) {
            // The pending tables with a new commit since their last SELECT (all of them without Nessie):
            // a SELECT on an unchanged table would read the same snapshot again.
            const heads = new Map<number, { hash: string; time: number } | undefined>();
            for (const [i, t] of targets.entries()) {
                if (tables[i].visibleAfterMs !== null) continue;
                const head = nessie ? await lastCommit(nessie, branch, t.key) : undefined;
                if (!head || head.hash !== lastQueried[i]) heads.set(i, head);
            }
            if (heads.size) {
                // One batch query over every such table, so each is read at the same moment.
                const fresh = [...heads.keys()];
                const startedMs = Date.now() - insertedAt;
                let rows: unknown[][];
                try {
                    rows = await query(
                        markerSelect(
                            fresh.map((i) => targets[i].identifier),
                            marker,
                        ),
                        deadline - Date.now(),
                        `a batch SELECT from ${fresh.map((i) => targets[i].identifier).join(", ")}`,
                    );
                } catch (err) {
                    if (!isResultTimeout(err)) throw err;
                    throw new Error(
                        `timed out after ${opts.timeoutSeconds} s waiting for marker ${marker.name}: the batch SELECT had not finished (${(err as Error).message}; are Flink slots free?)`,
                    );
                }
                const seen = new Set(rows.map((r) => Number(r[0])));
                for (const [n, i] of fresh.entries()) {
                    const vis = tables[i];
                    const before = heads.get(i);
                    vis.queries++;
                    lastQueried[i] = before?.hash;
                    if (!seen.has(n)) {
                        vis.notVisibleAtMs = startedMs;
                        continue;
                    }
                    vis.visibleAfterMs = startedMs;
                    const after = nessie ? await lastCommit(nessie, branch, targets[i].key) : undefined;
                    // The commit that brought the row is known when no other commit landed during the SELECT.
                    if (before && after && before.hash === after.hash && before.time >= insertedAt - 1000) {
                        vis.commit = { hash: before.hash, time: new Date(before.time).toISOString(), afterInsertMs: Math.max(0, before.time - insertedAt) };
                    }
                    log(
                        `marker visible in ${targets[i].identifier} (SELECT started ${(startedMs / 1000).toFixed(1)} s after the insert${vis.commit ? `; committed to Nessie ${(vis.commit.afterInsertMs / 1000).toFixed(1)} s after it` : ""})`,
                    );
                }
            }
            const pending = targets.filter((_, i) => tables[i].visibleAfterMs === null);
            if (!pending.length) break;
            const remaining = deadline - Date.now();
            if (remaining <= 0) {
                const why = pending.map((t) => {
                    const v = tables[targets.indexOf(t)];
                    return v.queries
                        ? `${t.identifier}: not found by ${v.queries} SELECT(s)`
                        : `${t.identifier}: no new Nessie commit on ${t.key} since the insert (is the job running and checkpointing?)`;
                });
                throw new Error(`timed out after ${opts.timeoutSeconds} s waiting for marker ${marker.name}: ${why.join("; ")}`);
            }
            delay = nextDelay(delay, remaining);
            const elapsed = ((Date.now() - insertedAt) / 1000).toFixed(1);
            log(
                `waiting for marker ${marker.name} (id ${marker.id}) in ${pending.map((t) => t.identifier).join(" and ")}: ${nessie ? "a new Nessie commit on the table, then a batch SELECT" : "a batch SELECT"}; ${elapsed} s of ${opts.timeoutSeconds} s, next poll in ${(delay / 1000).toFixed(1)} s`,
            );
            await sleep(delay, opts.signal);
        }
        result.latencyMs = canaryLatency(tables);
        result.ok = true;
    } catch (err) {
        result.ok = false;
        result.error = redact(opts.signal?.aborted ? "interrupted" : (err as Error).message, secrets);
    } finally {
        if (session) await closeSession(gateway, session).catch(() => undefined);
        if (inserted) {
            // Always remove the marker, on a fresh connection if the first one broke.
            result.cleanedUp = false;
            for (let attempt = 0; attempt < 3 && !result.cleanedUp; attempt++) {
                try {
                    if (attempt > 0 || !client) {
                        await client?.end().catch(() => undefined);
                        client = await connect();
                    }
                    await client.query(sql.remove, [marker.id, marker.name]);
                    result.cleanedUp = true;
                } catch (err) {
                    log(`deleting the marker row failed (attempt ${attempt + 1} of 3): ${(err as Error).message}`);
                    await sleep(1000 * (attempt + 1)).catch(() => undefined);
                }
            }
            if (result.cleanedUp) log(`deleted marker ${marker.name} (id ${marker.id}) from ${source}`);
            else result.ok = false;
        }
        await client?.end().catch(() => undefined);
    }
    return result;
}
