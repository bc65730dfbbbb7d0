/**
 * Lag of the pipeline: Kafka consumer-group lag of the Flink job's groups (Flink commits its offsets
 * to Kafka on each completed checkpoint) and the replication slot's lag (WAL bytes not yet confirmed
 * by Debezium, which confirms when Connect flushes its offsets).
 */
import { Admin, Kafka, logLevel } from "kafkajs";
import { Client } from "pg";
import { LagSample } from "./stats";
import { pgClient } from "./writer";
import { BenchEndpoints, harnessBenchEndpoints } from "./endpoints";

export class LagProbe {
    private constructor(
        private readonly admin: Admin | undefined,
        private readonly pg: Client,
        readonly topic: string,
        private readonly groupPrefix: string,
        readonly slot: string,
        public groups: string[],
    ) {}

    /**
     * @param topic the CDC topic the job reads; undefined for a job that reads the slot itself (Flink
     *   CDC): its consumer lag is then always 0 and only the slot's lag is measured.
     */
    static async open(topic: string | undefined, jobName: string, slot: string, ep: BenchEndpoints = harnessBenchEndpoints()): Promise<LagProbe> {
        const pg = await pgClient(ep.postgres);
        if (topic === undefined) return new LagProbe(undefined, pg, "(none: the job reads the slot)", jobName, slot, []);
        const brokers = ep.kafkaBootstrapServers.split(",");
        const admin = new Kafka({ clientId: `bench-lag-${process.pid}`, brokers, logLevel: logLevel.NOTHING, ...(ep.kafkaClient ?? {}) }).admin();
        await admin.connect();
        const probe = new LagProbe(admin, pg, topic, jobName, slot, []);
        await probe.refreshGroups();
        return probe;
    }

    /** The Flink job's consumer groups: every group named after the job (`<job>-changes`, `<job>-current`). */
    async refreshGroups(): Promise<string[]> {
        if (!this.admin) return this.groups;
        const listed = await this.admin.listGroups();
        this.groups = listed.groups
            .map((g) => g.groupId)
            .filter((g) => g.startsWith(this.groupPrefix))
            .sort();
        return this.groups;
    }

    async consumerLag(): Promise<{ total: number; byGroup: Record<string, number> }> {
        if (!this.admin) return { total: 0, byGroup: {} };
        if (this.groups.length < 2) await this.refreshGroups();
        if (this.groups.length === 0) throw new Error(`no consumer group of ${this.groupPrefix} has committed offsets yet`);
        const high = await this.admin.fetchTopicOffsets(this.topic);
        const byGroup: Record<string, number> = {};
        for (const groupId of this.groups) byGroup[groupId] = groupLag(high, await this.admin.fetchOffsets({ groupId, topics: [this.topic] }));
        return { total: Object.values(byGroup).reduce((s, v) => s + v, 0), byGroup };
    }

    async slotLag(): Promise<{ bytes: number; confirmedFlushLsn: string | null }> {
        const r = await this.pg.query(
            "SELECT confirmed_flush_lsn::text AS lsn, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS bytes FROM pg_replication_slots WHERE slot_name = $1",
            [this.slot],
        );
        if (!r.rows.length) throw new Error(`replication slot ${this.slot} does not exist`);
        return { bytes: Number(r.rows[0].bytes), confirmedFlushLsn: r.rows[0].lsn };
    }

    /** True once the slot has confirmed everything up to `lsn`. */
    async slotConfirmed(lsn: string): Promise<boolean> {
        const r = await this.pg.query("SELECT pg_wal_lsn_diff(confirmed_flush_lsn, $2::pg_lsn) >= 0 AS ok FROM pg_replication_slots WHERE slot_name = $1", [
            this.slot,
            lsn,
        ]);
        return Boolean(r.rows[0]?.ok);
    }

    async sample(): Promise<LagSample> {
        const [c, s] = await Promise.all([this.consumerLag(), this.slotLag()]);
        return { atMs: Date.now(), consumerLag: c.total, slotLagBytes: s.bytes };
    }

    /** Samples every `everyMs` until stopped; returns the samples. */
    startSampling(everyMs = 1000): { stop(): Promise<LagSample[]> } {
        const samples: LagSample[] = [];
        let running = true;
        const loop = (async () => {
            while (running) {
                const t = Date.now();
                try {
                    samples.push(await this.sample());
                } catch {
                    /* a missed sample is not a failure of the bench */
                }
                await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - t))));
            }
        })();
        return {
            async stop() {
                running = false;
                await loop;
                return samples;
            },
        };
    }

    async close(): Promise<void> {
        await this.admin?.disconnect().catch(() => undefined);
        await this.pg.end().catch(() => undefined);
    }
}

/** A partition's offsets as kafkajs's `fetchTopicOffsets` gives them. */
export interface PartitionOffsets {
    partition: number;
    low: string;
    high: string;
}

/**
 * A consumer group's lag on one topic: per partition, the high watermark minus the group's committed
 * offset (the low watermark where the group has committed none), summed.
 */
export function groupLag(high: PartitionOffsets[], committed: Array<{ partitions: Array<{ partition: number; offset: string }> }>): number {
    let lag = 0;
    for (const p of high) {
        const c = committed[0]?.partitions.find((x) => x.partition === p.partition);
        const off = c && Number(c.offset) >= 0 ? Number(c.offset) : Number(p.low);
        lag += Math.max(0, Number(p.high) - off);
    }
    return lag;
}
