import { UsageError } from "../../../ops/args";
import { parseStackOutputs } from "../../../ops/outputs";
import { parseLatencyArgs } from "../../../bench/latency";
import { DOCKER_BENCH_PORT_OFFSET, benchOutputs, dockerBenchConfig } from "../../../bench/lib/docker-stack";
import { stackBenchEndpoints } from "../../../bench/lib/endpoints";
import { lakeCatalogStatement } from "../../../bench/lib/iceberg";
import type { RunResult } from "../../../bench/lib/run";
import { compareRuns, ratio, ratioTable } from "../../../bench/report";
import { runProgramCatchingFailure } from "../../support/program";

/** A run result with the fields compareRuns reads. */
function run(
    label: string,
    p: { p50: number; p95: number; p99: number; max: number; rate: number; e2e: number; visible: number; changes?: number },
): RunResult {
    return {
        label,
        changes: p.changes ?? 300,
        latency: { count: 300, minMs: 1, p50Ms: p.p50, p95Ms: p.p95, p99Ms: p.p99, maxMs: p.max, meanMs: p.p50 },
        achievedRate: p.rate,
        endToEndRate: p.e2e,
        drain: { visibleMs: p.visible },
    } as unknown as RunResult;
}

describe("npm run bench:latency's platform options", () => {
    it("keeps the local stack and its two intervals by default", () => {
        const o = parseLatencyArgs([]);
        expect(o.platform).toBeUndefined();
        expect(o.compare).toBe(false);
        expect(o.intervals).toEqual([1000, 10000]);
    });

    it("takes kubernetes with several intervals (its stack is updated through the Pulumi engine)", () => {
        expect(parseLatencyArgs(["--platform", "kubernetes"])).toMatchObject({ platform: "kubernetes", intervals: [1000, 10000] });
    });

    it("takes docker and --compare with one checkpoint interval", () => {
        expect(parseLatencyArgs(["--platform", "docker", "--intervals", "1000"]).platform).toBe("docker");
        const c = parseLatencyArgs(["--compare", "--changes", "300", "--rate", "50", "--intervals", "1000", "--throughput-seconds", "20"]);
        expect([c.compare, c.changes, c.rate, c.intervals, c["throughput-seconds"]]).toEqual([true, 300, 50, [1000], 20]);
    });

    it("refuses what it cannot do, naming the fix", () => {
        expect(() => parseLatencyArgs(["--platform", "docker"])).toThrow(/one checkpoint interval.*--intervals <ms>/);
        expect(() => parseLatencyArgs(["--compare"])).toThrow(/--compare measures one checkpoint interval/);
        expect(() => parseLatencyArgs(["--platform", "aws"])).toThrow(UsageError);
        expect(() => parseLatencyArgs(["--platform", "aws"])).toThrow(/local, docker or kubernetes/);
        expect(() => parseLatencyArgs(["--compare", "--platform", "local", "--intervals", "1000"])).toThrow(/leave out --platform/);
    });
});

describe("the ratios docker/local", () => {
    it("divides each percentile, rate and drain of the run with the same label", () => {
        const docker = [
            run("latency @1s", { p50: 3000, p95: 4500, p99: 5000, max: 6000, rate: 50, e2e: 45, visible: 2000 }),
            run("throughput @1s", { p50: 4000, p95: 8000, p99: 9000, max: 9500, rate: 400, e2e: 300, visible: 3000, changes: 8000 }),
        ];
        const local = [
            run("throughput @1s", { p50: 2000, p95: 4000, p99: 6000, max: 9500, rate: 800, e2e: 600, visible: 1500, changes: 16000 }),
            run("latency @1s", { p50: 1500, p95: 3000, p99: 4000, max: 4000, rate: 50, e2e: 50, visible: 0 }),
        ];
        const rows = compareRuns(docker, local);
        expect(rows).toEqual([
            {
                label: "latency @1s",
                changes: { a: 300, b: 300 },
                p50: 2,
                p95: 1.5,
                p99: 1.25,
                max: 1.5,
                writtenRate: 1,
                endToEndRate: 0.9,
                visibleAfter: undefined,
            },
            { label: "throughput @1s", changes: { a: 8000, b: 16000 }, p50: 2, p95: 2, p99: 1.5, max: 1, writtenRate: 0.5, endToEndRate: 0.5, visibleAfter: 2 },
        ]);
        expect(ratioTable(rows).split("\n")).toEqual([
            "run             changes a/b   p50   p95   p99   max  written/s  end-to-end/s  visible after",
            "--------------  -----------  ----  ----  ----  ----  ---------  ------------  -------------",
            "latency @1s     300/300      2.00  1.50  1.25  1.50       1.00          0.90              -",
            "throughput @1s  8000/16000   2.00  2.00  1.50  1.00       0.50          0.50           2.00",
        ]);
    });

    it("says nothing where a ratio would say nothing, and refuses runs of different options", () => {
        expect([ratio(1, 0), ratio(undefined, 2), ratio(3, undefined), ratio(Number.NaN, 1), ratio(3, 2)]).toEqual([
            undefined,
            undefined,
            undefined,
            undefined,
            1.5,
        ]);
        const a = [run("latency @1s", { p50: 1, p95: 1, p99: 1, max: 1, rate: 1, e2e: 1, visible: 1 })];
        const b = [run("latency @10s", { p50: 1, p95: 1, p99: 1, max: 1, rate: 1, e2e: 1, visible: 1 })];
        expect(() => compareRuns(a, b)).toThrow(/measured different things \(latency @1s against latency @10s\)/);
        expect(() => compareRuns(a, [...a, ...b])).toThrow(/same options/);
    });
});

describe("the Docker bench stack's program and endpoints", () => {
    it("renders the dev stack with its ports moved, Dremio off and the checkpoint interval, and the bench reaches it through its outputs", async () => {
        const config = dockerBenchConfig({ checkpointIntervalMs: 1000 });
        expect(config["lakehouse:hostPortOffset"]).toBe(String(DOCKER_BENCH_PORT_OFFSET));
        expect(JSON.parse(config["lakehouse:dremio"])).toEqual({ enabled: false });
        expect(JSON.parse(config["lakehouse:flink"]).checkpointIntervalMs).toBe(1000);
        expect(config["lakehouse:platform"]).toBe("docker");

        const result = await runProgramCatchingFailure({ config, stack: "dockerbench" });
        expect(result.error).toBeUndefined();
        const containers = result.resources.filter((r) => r.type === "docker:index/container:Container").map((r) => r.inputs.name);
        expect(containers.every((n: string) => n.startsWith("cdc-lakehouse-dockerbench-"))).toBe(true);
        expect(containers.some((n: string) => /dremio/.test(n))).toBe(false);
        for (const r of result.resources.filter((x) => x.type === "docker:index/container:Container"))
            expect(r.inputs.labels).toEqual(expect.arrayContaining([{ label: "lakehouse.stack", value: "dockerbench" }]));

        const outputs = benchOutputs(result.outputs, "dockerbench");
        expect(outputs.flinkJobs.demographics.name).toEqual(expect.any(String));
        const parsed = parseStackOutputs(result.outputs);
        expect(parsed.problems).toEqual([]);
        const ep = stackBenchEndpoints(parsed.outputs);
        expect(ep.postgres).toEqual(
            expect.objectContaining({ host: "localhost", port: 5432 + DOCKER_BENCH_PORT_OFFSET, database: parsed.outputs.source!.database }),
        );
        expect(ep.postgres.password).toBe(parsed.outputs.credentials!.postgres!.password);
        expect(ep.kafkaBootstrapServers).toMatch(/^localhost:3\d{4}$/);
        expect(new URL(ep.nessieApiV2).port).toBe(String(19120 + DOCKER_BENCH_PORT_OFFSET));
        expect(new URL(ep.sqlGatewayUrl).port).toBe(String(8083 + DOCKER_BENCH_PORT_OFFSET + 1));
        // The SQL Gateway runs on the stack's network: its catalog uses the internal addresses.
        expect(ep.gatewayCatalog).toEqual({ nessieUri: parsed.outputs.nessieApiUri!.internal, s3Endpoint: parsed.outputs.s3Endpoint!.internal });
        expect(ep.gatewayCatalog.nessieUri).not.toMatch(/localhost|127\.0\.0\.1/);
        const statement = lakeCatalogStatement(outputs.warehouse, ep);
        expect(statement).toContain(`'uri' = '${ep.gatewayCatalog.nessieUri}'`);
        expect(statement).toContain(`'s3.endpoint' = '${ep.gatewayCatalog.s3Endpoint}'`);
        expect(statement).toContain(`'s3.access-key-id' = '${ep.s3.accessKeyId}'`);
    }, 120_000);

    it("names every output the bench misses", () => {
        expect(() => benchOutputs({ cdcTopics: { demographics: "t" } }, "s")).toThrow(
            /stack s: the program's outputs lack icebergTables.demographics, icebergChangeTables.demographics, flinkJobs.demographics.name, connector.replicationSlot, warehouse, source.schema/,
        );
        expect(() => stackBenchEndpoints({ source: { database: "d", schema: "public", publication: "p", tables: [] } })).toThrow(
            /lack what the bench reaches its services by: endpoints.postgres.host, credentials.postgres.username, credentials.postgres.password, kafkaBootstrapServers.host/,
        );
    });
});
