/**
 * Drives the source table with a mix of single-row INSERT/UPDATE/DELETE changes at a target rate,
 * on one PostgreSQL connection, one transaction at a time, so the commit order is the order they were
 * issued, which is the order of the changes in a single-partition topic and in the Iceberg changelog;
 * or on several connections side by side (WriterPool), each on its own rows. Each change's commit time is taken on this
 * host's clock right after its COMMIT returns (the services run on the same host and clock).
 */
import { performance } from "perf_hooks";
import { Client } from "pg";
import { BenchEndpoints, harnessBenchEndpoints } from "./endpoints";

export type Op = "INSERT" | "UPDATE" | "DELETE";

export interface WriteResult {
    /** Commit time of each change in commit order (epoch ms, sub-ms precision); a transaction's changes share one. */
    commitAtMs: number[];
    ops: Record<Op, number>;
    transactions: number;
    startedAtMs: number;
    endedAtMs: number;
    /** pg_current_wal_lsn() right after the last commit: the slot has caught up once it confirms this. */
    endLsn: string;
}

export interface WriteOptions {
    /** Changes to write (stops at whichever of changes/durationMs comes first). */
    changes?: number;
    durationMs?: number;
    /** Target changes per second; 0 = as fast as the connection allows. */
    rate: number;
    /** Changes per transaction (1 = single-row autocommit transactions). */
    batch: number;
    /** Transactions issued before the oldest returns (node-pg queues them on the one connection; default 1). */
    maxInFlight?: number;
}

export const now = (): number => performance.timeOrigin + performance.now();
const CITIES = ["London", "Paris", "Lagos", "Lima", "Osaka", "Oslo", "Pune", "Quito"];

/** Next operations for a batch, keeping a pool of live ids (explicit ids, so no round trip is needed to learn them). */
export class OpPlanner {
    private live: number[] = [];
    private nextId: number;
    constructor(firstId: number, seed = 42) {
        this.nextId = firstId;
        this.state = seed;
    }
    private state: number;
    private rand(): number {
        // xorshift32: deterministic mix per run.
        let x = this.state || 1;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        this.state = x >>> 0;
        return this.state / 2 ** 32;
    }
    /** The live rows the steady mix keeps the table at (undefined: the growing mix). */
    private steadyRows: number | undefined;
    /**
     * From now on, the steady mix: INSERT until `rows` rows are live, then 50% UPDATE, 25% INSERT and
     * 25% DELETE, so the table stays about that size (a random walk of the INSERT/DELETE balance: about
     * 700 rows either way, one standard deviation, over a million changes) rather than growing with every change written.
     */
    steady(rows: number): void {
        if (!Number.isInteger(rows) || rows < 1) throw new Error(`a steady table needs a whole number of rows above 0, got ${rows}`);
        this.steadyRows = rows;
    }
    /** How many rows this planner's changes have left live. */
    get liveRows(): number {
        return this.live.length;
    }
    /**
     * The growing mix: 50% INSERT, 30% UPDATE, 20% DELETE of an existing row (INSERT when fewer than 10
     * rows are live); or the steady mix (see {@link steady}).
     */
    next(): { op: Op; id: number; age: number; city: string } {
        const r = this.rand();
        const age = 18 + Math.floor(this.rand() * 70);
        const city = CITIES[Math.floor(this.rand() * CITIES.length)];
        const insertBelow = this.steadyRows === undefined ? 0.5 : this.live.length < this.steadyRows ? 1 : 0.25;
        const updateBelow = this.steadyRows === undefined ? 0.8 : 0.75;
        if (this.live.length < 10 || r < insertBelow) {
            const id = this.nextId++;
            this.live.push(id);
            return { op: "INSERT", id, age, city };
        }
        const k = Math.floor(this.rand() * this.live.length);
        const id = this.live[k];
        if (r < updateBelow) return { op: "UPDATE", id, age, city };
        this.live[k] = this.live[this.live.length - 1];
        this.live.pop();
        return { op: "DELETE", id, age, city };
    }
    /** A batch whose row ids are all distinct (each statement then touches exactly one row of its own). */
    batch(n: number): { op: Op; id: number; age: number; city: string }[] {
        const out: { op: Op; id: number; age: number; city: string }[] = [];
        const used = new Set<number>();
        while (out.length < n) {
            const c = this.next();
            if (used.has(c.id)) {
                // Drawn again in this batch: skip it (a skipped DELETE puts the row back in the pool).
                if (c.op === "DELETE") this.live.push(c.id);
                continue;
            }
            used.add(c.id);
            out.push(c);
        }
        return out;
    }
}

function statement(table: string, c: { op: Op; id: number; age: number; city: string }): string {
    switch (c.op) {
        case "INSERT":
            return `INSERT INTO ${table} (id, name, age, city) VALUES (${c.id}, 'bench-${c.id}', ${c.age}, '${c.city}')`;
        case "UPDATE":
            return `UPDATE ${table} SET age = ${c.age}, city = '${c.city}' WHERE id = ${c.id}`;
        case "DELETE":
            return `DELETE FROM ${table} WHERE id = ${c.id}`;
    }
}

/** A connection to the stack's PostgreSQL (default: the harness's). */
export async function pgClient(p: BenchEndpoints["postgres"] = harnessBenchEndpoints().postgres): Promise<Client> {
    const client = new Client({ host: p.host, port: p.port, user: p.user, password: p.password, database: p.database, ...(p.ssl ? { ssl: p.ssl } : {}) });
    await client.connect();
    return client;
}

/** What a bench writes through: one connection (ChangeWriter) or several (WriterPool). */
export interface Writer {
    write(o: WriteOptions): Promise<WriteResult>;
    /** From now on, the steady mix (OpPlanner.steady) over `rows` rows in all, split between the connections. */
    steady(rows: number): void;
    query(sql: string): Promise<any[]>;
    close(): Promise<void>;
}

/** Ids of writer `index` start this far apart, so several writers never touch one row (the table's id is an INT). */
export const WRITER_ID_SPACING = 100_000_000;

/** A writer on one connection to `schema.demographics`; ids start above anything already in the table. */
export class ChangeWriter implements Writer {
    private constructor(
        private readonly client: Client,
        private readonly table: string,
        private readonly planner: OpPlanner,
    ) {}

    /** @param index which of several writers this is: its ids are its own (WRITER_ID_SPACING apart). */
    static async open(schema: string, postgres?: BenchEndpoints["postgres"], index = 0): Promise<ChangeWriter> {
        const client = await pgClient(postgres);
        const table = `${schema}.demographics`;
        const max = (await client.query(`SELECT COALESCE(MAX(id), 0) AS m FROM ${table}`)).rows[0].m;
        return new ChangeWriter(client, table, new OpPlanner(Number(max) + 1_000_000 + index * WRITER_ID_SPACING, (Date.now() + index) % 2 ** 31));
    }

    async close(): Promise<void> {
        await this.client.end().catch(() => undefined);
    }

    async query(sql: string): Promise<any[]> {
        return (await this.client.query(sql)).rows;
    }

    steady(rows: number): void {
        this.planner.steady(rows);
    }

    async write(o: WriteOptions): Promise<WriteResult> {
        if (o.changes === undefined && o.durationMs === undefined) throw new Error("write needs changes or durationMs");
        const maxInFlight = o.maxInFlight ?? 1;
        const limit = o.changes ?? Number.POSITIVE_INFINITY;
        const commitAtMs: number[] = [];
        const ops: Record<Op, number> = { INSERT: 0, UPDATE: 0, DELETE: 0 };
        const startedAtMs = now();
        const endBy = o.durationMs === undefined ? Number.POSITIVE_INFINITY : startedAtMs + o.durationMs;
        let issued = 0;
        let transactions = 0;
        let inFlight: Promise<void>[] = [];
        let failure: unknown;
        // Slots in commitAtMs are reserved at issue time (commit order = issue order on one connection).
        while (issued < limit && failure === undefined) {
            const t = now();
            if (t >= endBy) break;
            const due = o.rate > 0 ? Math.floor(((t - startedAtMs) / 1000) * o.rate) + 1 : Number.POSITIVE_INFINITY;
            if (issued >= due) {
                const waitMs = (issued / o.rate) * 1000 + startedAtMs - t;
                await new Promise((r) => setTimeout(r, Math.max(0, Math.min(waitMs, 50))));
                continue;
            }
            if (inFlight.length >= maxInFlight) {
                await Promise.race(inFlight);
                continue;
            }
            const n = Math.min(o.batch, limit - issued);
            const changes = this.planner.batch(n);
            const first = issued;
            issued += n;
            transactions++;
            for (const c of changes) ops[c.op]++;
            const sql = n === 1 ? statement(this.table, changes[0]) : `BEGIN; ${changes.map((c) => statement(this.table, c)).join("; ")}; COMMIT`;
            const p: Promise<void> = this.client
                .query(sql)
                .then((res: any) => {
                    const at = now();
                    const results = Array.isArray(res) ? res.filter((r: any) => r.command !== "BEGIN" && r.command !== "COMMIT") : [res];
                    const touched = results.reduce((s: number, r: any) => s + (r.rowCount ?? 0), 0);
                    if (touched !== n)
                        throw new Error(`a transaction of ${n} planned changes touched ${touched} rows: the change count would not match the changelog`);
                    for (let k = 0; k < n; k++) commitAtMs[first + k] = at;
                })
                .catch((e: unknown) => {
                    failure = failure ?? e;
                })
                .finally(() => {
                    inFlight = inFlight.filter((x) => x !== p);
                });
            inFlight.push(p);
        }
        await Promise.all(inFlight);
        if (failure !== undefined) throw failure;
        const endedAtMs = now();
        const endLsn = (await this.client.query("SELECT pg_current_wal_lsn()::text AS lsn")).rows[0].lsn;
        return { commitAtMs, ops, transactions, startedAtMs, endedAtMs, endLsn };
    }
}

/** `total` split into `parts` whole shares that differ by at most one (the first ones get the remainder). */
export function splitEvenly(total: number, parts: number): number[] {
    return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/**
 * The results of writers that ran side by side, as one: their commit times in time order, their
 * operations and transactions summed, the earliest start and the latest end; `endLsn` is given (read
 * once every writer has finished).
 */
export function mergeWrites(results: readonly WriteResult[], endLsn: string): WriteResult {
    const ops: Record<Op, number> = { INSERT: 0, UPDATE: 0, DELETE: 0 };
    for (const r of results) for (const k of Object.keys(ops) as Op[]) ops[k] += r.ops[k];
    return {
        commitAtMs: results.flatMap((r) => r.commitAtMs).sort((a, b) => a - b),
        ops,
        transactions: results.reduce((n, r) => n + r.transactions, 0),
        startedAtMs: Math.min(...results.map((r) => r.startedAtMs)),
        endedAtMs: Math.max(...results.map((r) => r.endedAtMs)),
        endLsn,
    };
}

/**
 * Several writers, each on its own connection and its own ids, writing side by side: a run's rate
 * and change count are split evenly between them. One row's changes come from one connection, so
 * they commit in the order issued; changes of different rows interleave as PostgreSQL commits them.
 */
export class WriterPool implements Writer {
    private constructor(private readonly writers: ChangeWriter[]) {}

    static async open(schema: string, postgres: BenchEndpoints["postgres"] | undefined, count: number): Promise<Writer> {
        if (count === 1) return ChangeWriter.open(schema, postgres);
        const writers: ChangeWriter[] = [];
        try {
            for (let i = 0; i < count; i++) writers.push(await ChangeWriter.open(schema, postgres, i));
        } catch (e) {
            await Promise.all(writers.map((w) => w.close()));
            throw e;
        }
        return new WriterPool(writers);
    }

    async write(o: WriteOptions): Promise<WriteResult> {
        const n = this.writers.length;
        const changes = o.changes === undefined ? undefined : splitEvenly(o.changes, n);
        const results = await Promise.all(this.writers.map((w, i) => w.write({ ...o, rate: o.rate / n, ...(changes ? { changes: changes[i] } : {}) })));
        const endLsn = (await this.writers[0].query("SELECT pg_current_wal_lsn()::text AS lsn"))[0].lsn;
        return mergeWrites(results, endLsn);
    }

    query(sql: string): Promise<any[]> {
        return this.writers[0].query(sql);
    }

    steady(rows: number): void {
        const shares = splitEvenly(rows, this.writers.length);
        if (shares.some((n) => n < 1)) throw new Error(`a steady table of ${rows} rows cannot be split between ${this.writers.length} writers`);
        this.writers.forEach((w, i) => w.steady(shares[i]));
    }

    async close(): Promise<void> {
        await Promise.all(this.writers.map((w) => w.close()));
    }
}
