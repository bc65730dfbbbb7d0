/**
 * A writer that keeps changing rows of `<schema>.demographics` (single-row INSERT/UPDATE/DELETE, one
 * transaction each, on one connection) and records every change PostgreSQL committed, in commit
 * order. Every INSERT and UPDATE writes a name no other change writes (`<tag>-<seq>`), so each change
 * is one distinct changelog row. When the connection is lost (PostgreSQL killed), the change in
 * flight is in doubt: the writer reconnects with backoff and reads the row back to learn whether it
 * committed (it is the only writer of its rows), then goes on.
 */
import { Client } from "pg";
import { endpoints } from "../../harness/cli";
import { backoff, Change, inDoubtCommitted, Op } from "./model";

type Log = (msg: string) => void;
const CITIES = ["London", "Paris", "Lagos", "Lima", "Osaka", "Oslo", "Pune", "Quito"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A PostgreSQL client on the harness database that never throws an unhandled 'error' event (a killed server emits one). */
export async function connectPg(): Promise<Client> {
    const p = endpoints().postgres;
    const client = new Client({ host: p.host, port: Number(p.port), user: p.user, password: p.password, database: p.database, connectionTimeoutMillis: 5000 });
    client.on("error", () => undefined);
    await client.connect();
    return client;
}

/** One query on a short-lived connection. */
export async function pgRows(sql: string, params: unknown[] = []): Promise<any[]> {
    const c = await connectPg();
    try {
        return (await c.query(sql, params)).rows;
    } finally {
        await c.end().catch(() => undefined);
    }
}

interface Live {
    name: string;
    age: number;
    city: string;
}

export class FaultWriter {
    /** Every committed change, in commit order, over the writer's life. */
    readonly changes: Change[] = [];
    inDoubt = 0;
    private client?: Client;
    private readonly live = new Map<number, Live>();
    private nextId: number;
    private seq = 0;
    private rand: number;
    private running = false;
    private loop?: Promise<void>;
    private failure?: Error;
    tag = "w";

    private constructor(
        private readonly table: string,
        firstId: number,
        private readonly log: Log,
    ) {
        this.nextId = firstId;
        this.rand = (Date.now() % 2 ** 31) | 1;
    }

    static async open(schema: string, log: Log): Promise<FaultWriter> {
        const table = `${schema}.demographics`;
        const [{ m }] = await pgRows(`SELECT COALESCE(MAX(id), 0) AS m FROM ${table}`);
        const w = new FaultWriter(table, Number(m) + 1_000_000, log);
        // Rows already there (none on a fresh stack) are not ours to change.
        return w;
    }

    private random(): number {
        let x = this.rand;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        this.rand = x >>> 0;
        return this.rand / 2 ** 32;
    }

    /** The next change: 50% INSERT, 30% UPDATE, 20% DELETE (INSERT while fewer than 10 rows live). */
    private plan(): { op: Op; id: number; name: string; age: number; city: string; sql: string; params: unknown[] } {
        const r = this.random();
        const age = 18 + Math.floor(this.random() * 70);
        const city = CITIES[Math.floor(this.random() * CITIES.length)];
        const name = `${this.tag}-${++this.seq}`;
        const ids = [...this.live.keys()];
        if (ids.length < 10 || r < 0.5) {
            const id = this.nextId++;
            return {
                op: "INSERT",
                id,
                name,
                age,
                city,
                sql: `INSERT INTO ${this.table} (id, name, age, city) VALUES ($1, $2, $3, $4)`,
                params: [id, name, age, city],
            };
        }
        const id = ids[Math.floor(this.random() * ids.length)];
        if (r < 0.8)
            return {
                op: "UPDATE",
                id,
                name,
                age,
                city,
                sql: `UPDATE ${this.table} SET name = $2, age = $3, city = $4 WHERE id = $1`,
                params: [id, name, age, city],
            };
        const before = this.live.get(id)!;
        return { op: "DELETE", id, name: before.name, age: before.age, city: before.city, sql: `DELETE FROM ${this.table} WHERE id = $1`, params: [id] };
    }

    private record(c: { op: Op; id: number; name: string; age: number; city: string }, at: number): void {
        this.changes.push({ id: c.id, name: c.name, age: c.age, city: c.city, op: c.op, committedAtMs: at });
        if (c.op === "DELETE") this.live.delete(c.id);
        else this.live.set(c.id, { name: c.name, age: c.age, city: c.city });
    }

    private async reconnect(): Promise<void> {
        await this.client?.end().catch(() => undefined);
        this.client = undefined;
        const started = Date.now();
        for (let attempt = 0; ; attempt++) {
            try {
                this.client = await connectPg();
                if (attempt > 0) this.log(`writer: reconnected to PostgreSQL after ${((Date.now() - started) / 1000).toFixed(1)} s`);
                return;
            } catch (e) {
                if (Date.now() - started > 300_000) throw new Error(`writer: PostgreSQL unreachable for 300 s: ${e}`);
                if (attempt === 0) this.log(`writer: waiting for PostgreSQL (${(e as Error).message})`);
                await sleep(backoff(attempt, 250, 3000));
            }
        }
    }

    /** Starts writing `rate` changes per second under `tag` until `stop()`. */
    start(rate: number, tag: string): void {
        if (this.running) throw new Error("writer already running");
        this.tag = tag;
        this.running = true;
        this.failure = undefined;
        const every = 1000 / rate;
        this.loop = (async () => {
            let next = Date.now();
            while (this.running) {
                const wait = next - Date.now();
                if (wait > 0) await sleep(wait);
                next = Math.max(next + every, Date.now() - every);
                if (!this.client) await this.reconnect();
                const c = this.plan();
                try {
                    const res = await this.client!.query(c.sql, c.params);
                    if (res.rowCount !== 1) throw new Error(`writer: ${c.op} of id ${c.id} touched ${res.rowCount} rows`);
                    this.record(c, Date.now());
                } catch (e) {
                    if ((e as Error).message.startsWith("writer:")) throw e;
                    // The connection broke with the change in flight: learn whether it committed.
                    this.inDoubt++;
                    this.log(`writer: ${c.op} of id ${c.id} in doubt (${(e as Error).message}); reconnecting`);
                    let rows: { name: string }[] | undefined;
                    for (let attempt = 0; rows === undefined; attempt++) {
                        await this.reconnect();
                        try {
                            rows = (await this.client!.query(`SELECT name FROM ${this.table} WHERE id = $1`, [c.id])).rows;
                        } catch (again) {
                            if (attempt >= 10) throw new Error(`writer: could not read back the change in doubt: ${again}`);
                        }
                    }
                    const committed = inDoubtCommitted(c, rows[0]);
                    this.log(`writer: the ${c.op} in doubt ${committed ? "had committed" : "had not committed"}`);
                    if (committed) this.record(c, Date.now());
                }
            }
        })().catch((e) => {
            this.failure = e instanceof Error ? e : new Error(String(e));
            this.running = false;
        });
    }

    /** Stops writing; returns pg_current_wal_lsn() after the last commit. Throws if the writer failed. */
    async stop(): Promise<string> {
        this.running = false;
        await this.loop;
        if (this.failure) throw this.failure;
        if (!this.client) await this.reconnect();
        return (await this.client!.query("SELECT pg_current_wal_lsn()::text AS lsn")).rows[0].lsn;
    }

    get failed(): Error | undefined {
        return this.failure;
    }

    async close(): Promise<void> {
        this.running = false;
        await this.loop?.catch(() => undefined);
        await this.client?.end().catch(() => undefined);
    }
}
