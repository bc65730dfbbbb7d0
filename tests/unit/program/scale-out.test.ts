/**
 * Scale-out settings under mocks: the CDC topics' partitions (`lakehouse:kafka.topicPartitions`) and
 * the jobs' parallelism (`lakehouse:flink.parallelism`) as the program registers them, and the
 * preview's warning when a job has more Kafka source subtasks than its topic has partitions.
 */
import * as pulumi from "@pulumi/pulumi";
import { idleSourceWarning } from "../../../components/pipeline";
import { parseConfigValues as parse } from "../../support/lakehouse-config";
import { TWO_TABLE_SOURCE, dynamicType as DYNAMIC, renderLakehouse as render } from "../../support/render-lakehouse";

describe("scale-out", () => {
    it("creates every CDC topic with the declared partitions, ordered by key, and runs the jobs at the declared parallelism", async () => {
        const resources = await render({
            source: TWO_TABLE_SOURCE,
            kafka: { topicPartitions: 4 },
            flink: { parallelism: 4 },
        });
        const topics = resources.filter((r) => r.type === DYNAMIC("KafkaTopic"));
        expect(topics.map((t) => [t.inputs.topic, t.inputs.partitions, t.inputs.keyOrdered])).toEqual([
            ["demographics_server.public.demographics", 4, true],
            ["demographics_server.public.orders", 4, true],
        ]);
        const jobs = resources.filter((r) => r.type === DYNAMIC("FlinkSqlJob"));
        expect(jobs).toHaveLength(2);
        for (const job of jobs) expect(job.inputs.settings["parallelism.default"]).toBe("4");
    });

    it("keeps one partition per topic by default", async () => {
        const topics = (await render({})).filter((r) => r.type === DYNAMIC("KafkaTopic"));
        expect(topics.map((t) => t.inputs.partitions)).toEqual([1]);
    });

    it("warns at preview when a job has more Kafka source subtasks than its topic has partitions, naming both keys and the fix", () => {
        expect(idleSourceWarning(parse({ flink: { parallelism: 4 }, kafka: { topicPartitions: 1 } }))).toBe(
            "lakehouse:flink.parallelism is 4 but each CDC topic has 1 partition(s) (lakehouse:kafka.topicPartitions): a partition is read by one " +
                "source subtask, so 3 of each job's 4 Kafka source subtasks read nothing. A new stack can set lakehouse:kafka.topicPartitions to 4; " +
                "an existing topic keeps its count (growing it would reorder a row's changes).",
        );
        expect(idleSourceWarning(parse({ flink: { parallelism: 2 }, kafka: { topicPartitions: 2 } }))).toBeUndefined();
        expect(idleSourceWarning(parse({ flink: { parallelism: 2 }, kafka: { topicPartitions: 8 } }))).toBeUndefined();
        expect(idleSourceWarning(parse({}))).toBeUndefined();
    });

    it("logs that warning when the program registers such a stack, and not otherwise", async () => {
        const warn = jest.spyOn(pulumi.log, "warn");
        try {
            await render({ flink: { parallelism: 2 } });
            const idle = (calls: unknown[][]) => calls.filter(([message]) => String(message).startsWith("lakehouse:flink.parallelism is 2 but"));
            expect(idle(warn.mock.calls)).toHaveLength(1);
            warn.mockClear();
            await render({ flink: { parallelism: 2 }, kafka: { topicPartitions: 2 } });
            expect(warn.mock.calls.filter(([message]) => String(message).startsWith("lakehouse:flink.parallelism"))).toEqual([]);
        } finally {
            warn.mockRestore();
        }
    });
});
