/** The Flink CDC side-by-side bench (bench/peer.ts), the mirror's change count (bench/lib/stats.ts) and the benches' waits (bench/lib/iceberg.ts): the pure parts. */
import { DESIGN_SERVICES, FLINK_CDC_POSTGRES, designUsage, parsePeerArgs, peerJobStatements } from "../../../bench/peer";
import { waitFor } from "../../../bench/lib/iceberg";
import { changelogChanges, mirrorChanges, visibilityPoints } from "../../../bench/lib/stats";

test("the peer job: the jar, a Flink CDC source on its own slot and the stack's publication, a mirror declared as ours, the INSERT", () => {
    const statements = peerJobStatements({
        jar: "/cache/flink-sql-connector-postgres-cdc-3.5.0.jar",
        postgres: { host: "127.0.0.1", port: 5432, user: "postgres", database: "postgres" },
        schema: "bench_peer_x",
        publication: "pub_x",
        slot: "peer_x",
        mirror: "bench_peer_x.demographics_peer",
    });
    expect(statements).toHaveLength(4);
    expect(statements[0]).toBe("ADD JAR '/cache/flink-sql-connector-postgres-cdc-3.5.0.jar'");
    expect(statements[1]).toContain("'connector' = 'postgres-cdc'");
    expect(statements[1]).toContain("'slot.name' = 'peer_x'");
    expect(statements[1]).toContain("'debezium.publication.name' = 'pub_x'");
    expect(statements[1]).toContain("'debezium.publication.autocreate.mode' = 'disabled'");
    expect(statements[1]).toContain("'schema-name' = 'bench_peer_x'");
    // The password is filled in only when the statement is sent.
    expect(statements[1]).toContain("'password' = '{{password}}'");
    expect(statements[2]).toBe(
        "CREATE TABLE IF NOT EXISTS lake.bench_peer_x.demographics_peer (id INT, name STRING, age INT, city STRING, PRIMARY KEY (id) NOT ENFORCED) " +
            "WITH ('format-version' = '2', 'write.upsert.enabled' = 'true')",
    );
    expect(statements[3]).toBe("INSERT INTO lake.bench_peer_x.demographics_peer SELECT id, name, age, city FROM peer_source");
    expect(FLINK_CDC_POSTGRES).toMatch(/^org\.apache\.flink:flink-sql-connector-postgres-cdc:\d+\.\d+\.\d+$/);
});

test("each design is charged the CPU and memory of the services it runs", () => {
    const run = {
        changes: 2000,
        services: [
            { service: "postgres", pid: 1, cpuSeconds: 2, cpuPercent: 10, rssMiBMax: 50, groupRssMiBMax: 200 },
            { service: "kafka", pid: 2, cpuSeconds: 3, cpuPercent: 10, rssMiBMax: 400, groupRssMiBMax: 400 },
            { service: "connect", pid: 3, cpuSeconds: 4, cpuPercent: 10, rssMiBMax: 300, groupRssMiBMax: 300 },
            { service: "flink-taskmanager", pid: 4, cpuSeconds: 5, cpuPercent: 10, rssMiBMax: 600, groupRssMiBMax: 600 },
            { service: "flink-jobmanager", pid: 5, cpuSeconds: 1, cpuPercent: 10, rssMiBMax: 350, groupRssMiBMax: 350 },
            { service: "minio", pid: 6, cpuSeconds: 9, cpuPercent: 10, rssMiBMax: 100, groupRssMiBMax: 100 },
        ],
    };
    expect(designUsage(run, DESIGN_SERVICES.ours)).toEqual({ cpuSecondsPer1000: 7.5, rssMiB: 1850 });
    expect(designUsage(run, DESIGN_SERVICES.peer)).toEqual({ cpuSecondsPer1000: 4, rssMiB: 1150 });
});

test("an upsert mirror counts its changes by its delete records; a changelog by its rows", () => {
    const snap = (id: number, summary: Record<string, string>) => ({ "snapshot-id": id, "timestamp-ms": 0, summary });
    const snapshots = [
        snap(1, { "total-records": "10", "total-equality-deletes": "4", "total-position-deletes": "1" }),
        snap(2, { "total-records": "12", "total-equality-deletes": "9", "total-position-deletes": "3" }),
    ];
    expect(snapshots.map(mirrorChanges)).toEqual([5, 12]);
    expect(snapshots.map(changelogChanges)).toEqual([10, 12]);
    expect(mirrorChanges(snap(3, {}))).toBe(0);
    const commits = [
        { snapshotId: "1", commitTimeMs: 1000 },
        { snapshotId: "2", commitTimeMs: 2000 },
    ];
    expect(visibilityPoints(commits, snapshots, 5, 0, mirrorChanges)).toEqual([
        { cumulative: 0, visibleAtMs: 1000 },
        { cumulative: 7, visibleAtMs: 2000 },
    ]);
    expect(visibilityPoints(commits, snapshots, 10, 0)).toEqual([
        { cumulative: 0, visibleAtMs: 1000 },
        { cumulative: 2, visibleAtMs: 2000 },
    ]);
});

test("bench:peer's options", () => {
    expect(parsePeerArgs([])).toEqual({
        json: false,
        changes: 1000,
        rate: 50,
        "checkpoint-ms": 1000,
        "throughput-seconds": 30,
        "throughput-batch": 1,
        out: [],
    });
    expect(() => parsePeerArgs(["--checkpoint-ms", "50"])).toThrow(/--checkpoint-ms/);
});

test("a bench wait says what it waits for while it waits, and gives up naming it", async () => {
    const lines: string[] = [];
    let calls = 0;
    const ms = await waitFor("the thing", async () => ++calls >= 6, 10_000, 20, 20, { everyMs: 30, report: (l) => lines.push(l) });
    expect(ms).toBeGreaterThanOrEqual(90);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toMatch(/^waiting for the thing \(\d+ s of 10 s\)$/);
    await expect(waitFor("nothing", async () => false, 100, 20, 20, { everyMs: 1_000_000 })).rejects.toThrow("gave up waiting for nothing after 0 s");
});
