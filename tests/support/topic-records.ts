/** Reads a Kafka topic of the harness from its start to its current end (bounded), for tests that count change events. */
import { Kafka, logLevel } from "kafkajs";
import { endpoints } from "../../harness/cli";

/** Every record's parsed JSON value (null for a tombstone), from the first offset to the end the topic had when called. */
export async function readTopicToEnd(topic: string, timeoutMs = 120_000): Promise<any[]> {
    const kafka = new Kafka({ brokers: [endpoints().kafka.bootstrapServers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const group = `test-read-${topic}-${Date.now().toString(36)}`.slice(0, 200);
    let ends: Map<number, number>;
    try {
        ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    } finally {
        await admin.disconnect();
    }
    const out: any[] = [];
    const remaining = new Map([...ends].filter(([, high]) => high > 0));
    if (remaining.size === 0) return out;
    const consumer = kafka.consumer({ groupId: group });
    await consumer.connect();
    try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`read ${out.length} records of ${topic} within ${timeoutMs / 1000} s, not all`)), timeoutMs);
            consumer
                .run({
                    eachBatch: async ({ batch }) => {
                        const high = ends.get(batch.partition) ?? 0;
                        for (const m of batch.messages) {
                            if (Number(m.offset) >= high) continue;
                            out.push(m.value ? JSON.parse(m.value.toString()) : null);
                        }
                        const last = Number(batch.messages[batch.messages.length - 1]?.offset ?? -1);
                        if (last >= high - 1) remaining.delete(batch.partition);
                        if (remaining.size === 0) {
                            clearTimeout(timer);
                            resolve();
                        }
                    },
                })
                .catch(reject);
        });
    } finally {
        await consumer.disconnect();
        const cleanup = kafka.admin();
        await cleanup.connect();
        await cleanup.deleteGroups([group]).catch(() => undefined);
        await cleanup.disconnect();
    }
    return out;
}

/** Deletes topics of the harness's Kafka (missing ones are fine). */
export async function deleteTopics(topics: string[]): Promise<void> {
    const kafka = new Kafka({ brokers: [endpoints().kafka.bootstrapServers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
        const existing = new Set(await admin.listTopics());
        const gone = topics.filter((t) => existing.has(t));
        if (gone.length) await admin.deleteTopics({ topics: gone });
    } finally {
        await admin.disconnect();
    }
}
