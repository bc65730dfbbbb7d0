/**
 * The pure parts of a table added to a running pipeline: the CDC source's record of added tables, the
 * snapshot signal (id, data), the progress read from Debezium's committed offset, the diff, the input
 * checks, the connector's signal keys, and that the provider survives serialization.
 */
import { checkCdcSourceInputs, diffCdcSource, driftedInputs, nextAddedTables, signalTableName } from "../../../components/dynamic/cdc-source";
import {
    TABLE_SNAPSHOT_WAIT_SECONDS,
    checkTableSnapshotInputs,
    committedOffset,
    diffTableSnapshot,
    executeSnapshotData,
    lsnToNumber,
    snapshotProgress,
    snapshotSignalId,
    tableSnapshotProvider,
} from "../../../components/dynamic/table-snapshot";
import { isOwnedConnectorKey } from "../../../components/config";
import { ownedConnectorKeyFix } from "../../../components/config/connector-owned-keys";
import { debeziumConnectorConfig } from "../../../components/pipeline";
import { loadSerializedProvider } from "../../support/dynamic";
import { parseConfigValues } from "../../support/lakehouse-config";

describe("the CDC source's record of tables added to a live source", () => {
    it("records nothing on create, stamps new tables on update, keeps earlier stamps and forgets removed tables", () => {
        expect(nextAddedTables(undefined, ["a", "b"], "T1")).toEqual({});
        const afterAdd = nextAddedTables({ tables: ["a"] }, ["a", "b"], "T1");
        expect(afterAdd).toEqual({ b: "T1" });
        // Another update later (a third table): b keeps its stamp, c gets the new one.
        expect(nextAddedTables({ tables: ["a", "b"], addedTables: afterAdd }, ["a", "b", "c"], "T2")).toEqual({ b: "T1", c: "T2" });
        // b removed, then added again: a new addition with a new stamp.
        const removed = nextAddedTables({ tables: ["a", "b"], addedTables: afterAdd }, ["a"], "T3");
        expect(removed).toEqual({});
        expect(nextAddedTables({ tables: ["a"], addedTables: removed }, ["a", "b"], "T4")).toEqual({ b: "T4" });
        // State of provider version 1 (no addedTables): the tables it had are not additions.
        expect(nextAddedTables({ tables: ["a", "b"] }, ["a", "b"], "T5")).toEqual({});
    });

    it("names the signal table after the publication, refuses one that is a captured table, and shows signal table drift on signalTable", () => {
        expect(signalTableName("lakehouse_cdc")).toBe("lakehouse_cdc_signal");
        const base = {
            address: "127.0.0.1:5432",
            database: "postgres",
            schema: "public",
            tables: ["t", "u"],
            publication: "pub",
            replicationUser: "dbz",
            replicationPassword: "r",
            adminUser: "pg",
            adminPassword: "a",
        };
        expect(checkCdcSourceInputs({ ...base, signalTable: "pub_signal" })).toEqual([]);
        expect(checkCdcSourceInputs({ ...base, signalTable: "u" })).toEqual([
            { property: "signalTable", reason: expect.stringContaining("is a captured table") },
        ]);
        expect(checkCdcSourceInputs({ ...base, signalTable: "Bad-Name" })[0].property).toBe("signalTable");
        expect(driftedInputs(["signal table public.pub_signal is missing", "table public.t is missing"])).toEqual(["signalTable", "tables"]);
        // Adding the signal table to a stack of provider version 1 is an update, never a replacement.
        const diff = diffCdcSource({ ...base, version: 1 }, { ...base, signalTable: "pub_signal", version: 2 });
        expect(diff).toMatchObject({ changes: true, replaces: [], changedKeys: ["signalTable", "version"] });
    });
});

describe("the snapshot signal", () => {
    it("has a deterministic id of at most 42 characters, new for a new addition", () => {
        const id = snapshotSignalId("stack-postgres-cdc", "public", "orders", "2026-11-30T16:00:00.000Z");
        expect(id).toMatch(/^lh-snap-[0-9a-f]{24}$/);
        expect(id.length).toBeLessThanOrEqual(42 - 9); // room for the marker's "-<8 hex>"
        expect(snapshotSignalId("stack-postgres-cdc", "public", "orders", "2026-11-30T16:00:00.000Z")).toBe(id);
        expect(snapshotSignalId("stack-postgres-cdc", "public", "orders", "2026-11-30T17:00:00.000Z")).not.toBe(id);
        expect(snapshotSignalId("other-postgres-cdc", "public", "orders", "2026-11-30T16:00:00.000Z")).not.toBe(id);
    });

    it("asks for an incremental snapshot of <schema>.<table>", () => {
        expect(JSON.parse(executeSnapshotData("public", "orders"))).toEqual({ "data-collections": ["public.orders"], type: "incremental" });
    });

    it("reads LSNs as numbers", () => {
        expect(lsnToNumber("0/16B3748")).toBe(0x16b3748);
        expect(lsnToNumber("1/0")).toBe(2 ** 32);
        expect(() => lsnToNumber("nope")).toThrow(/not a PostgreSQL LSN/);
    });
});

describe("progress from Debezium's committed offset", () => {
    const id = "lh-snap-0123456789abcdef01234567";
    const answer = (offset: Record<string, unknown> | undefined) => ({ offsets: offset ? [{ partition: { server: "p" }, offset }] : [] });

    it("finds the connector's offset in Connect's answer", () => {
        expect(committedOffset(answer(undefined))).toBeUndefined();
        expect(committedOffset({})).toBeUndefined();
        expect(committedOffset(answer({ lsn: 5 }))).toEqual({ lsn: 5 });
    });

    it("is unread before the offset passes the marker, running while the offset names the snapshot, finished after", () => {
        expect(snapshotProgress(undefined, id, "public.orders", 100).phase).toBe("unread");
        expect(snapshotProgress({ lsn: 90, lsn_commit: 90 }, id, "public.orders", 100)).toMatchObject({
            phase: "unread",
            seen: expect.stringContaining("<= marker 100"),
        });
        expect(snapshotProgress({ lsn: 120, lsn_commit: 95, incremental_snapshot_correlation_id: id }, id, "public.orders", 100).phase).toBe("running");
        expect(
            snapshotProgress(
                { lsn: 120, lsn_commit: 120, incremental_snapshot_collections: '[{"incremental_snapshot_collections_id":"public.orders"}]' },
                "other",
                "public.orders",
                100,
            ).phase,
        ).toBe("running");
        expect(snapshotProgress({ lsn: 130, lsn_commit: 130 }, id, "public.orders", 100).phase).toBe("finished");
        // A commit ending exactly at the marker's position is one before it (Debezium's lsn_commit can be a commit's end).
        expect(snapshotProgress({ lsn: 100, lsn_commit: 100 }, id, "public.orders", 100).phase).toBe("unread");
        expect(snapshotProgress({ lsn: 101, lsn_commit: 101 }, id, "public.orders", 100).phase).toBe("finished");
        // Another table's snapshot running does not hold this one.
        expect(
            snapshotProgress(
                { lsn_commit: 130, incremental_snapshot_collections: '[{"incremental_snapshot_collections_id":"public.other"}]' },
                id,
                "public.orders",
                100,
            ).phase,
        ).toBe("finished");
    });
});

describe("the TableSnapshot diff and checks", () => {
    const base = {
        address: "127.0.0.1:5432",
        database: "postgres",
        schema: "public",
        table: "orders",
        signalTable: "pub_signal",
        adminUser: "pg",
        adminPassword: "a",
        connectUrl: "http://127.0.0.1:8083",
        connectorName: "stack-postgres-cdc",
        addedAt: "2026-11-30T16:00:00.000Z",
        waitTimeoutSeconds: TABLE_SNAPSHOT_WAIT_SECONDS,
        version: 1,
    };

    it("replaces for another target, updates for access paths, ignores addedAt, and resumes a snapshot in progress", () => {
        expect(diffTableSnapshot({ ...base, outcome: "snapshotted" }, base)).toMatchObject({ changes: false });
        expect(diffTableSnapshot({ ...base, outcome: "snapshotted" }, { ...base, addedAt: undefined })).toMatchObject({ changes: false });
        expect(diffTableSnapshot({ ...base, outcome: "snapshotted" }, { ...base, address: "localhost:5432" })).toMatchObject({
            changes: true,
            replaces: [],
            changedKeys: ["address"],
        });
        expect(diffTableSnapshot(base, { ...base, table: "other" })).toMatchObject({ replaces: ["table"] });
        expect(diffTableSnapshot(base, { ...base, connectorName: "x" })).toMatchObject({ replaces: ["connectorName"] });
        expect(diffTableSnapshot({ ...base, outcome: "in progress" }, base)).toMatchObject({ changes: true, replaces: [], changedKeys: ["outcome"] });
    });

    it("an update of an access path (a new address) returns outputs the engine can carry: no undefined value", async () => {
        // What the engine does with a provider's outputs; it refuses undefined ("Unexpected struct type").
        const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
        const covered = { ...base, addedAt: undefined, signalId: null, outcome: "covered by the initial snapshot" };
        delete covered.addedAt;
        const { outs } = await tableSnapshotProvider.update!("id", covered, { ...base, address: "localhost:5432" });
        expect(outs).toMatchObject({ address: "localhost:5432", outcome: "covered by the initial snapshot", addedAt: null, finishedAt: null, signalId: null });
        expect(() => Struct.fromJavaScript(outs)).not.toThrow();
    });

    it("validates identifiers, URLs and the password", () => {
        expect(checkTableSnapshotInputs(base)).toEqual([]);
        const failures = checkTableSnapshotInputs({ ...base, table: "Orders; DROP", connectUrl: "ftp://x", adminPassword: "", address: "nohost" });
        expect(failures.map((f) => f.property).sort()).toEqual(["address", "adminPassword", "connectUrl", "table"]);
    });

    it("survives closure serialization (as Pulumi stores it)", async () => {
        const { provider, text } = await loadSerializedProvider(tableSnapshotProvider);
        expect(typeof provider.create).toBe("function");
        expect(text).toContain("execute-snapshot");
        const diff = await provider.diff!("id", { ...base, outcome: "snapshotted" }, { ...base, address: "localhost:5432" });
        expect(diff).toMatchObject({ changes: true, replaces: [] });
    });
});

describe("the connector's signal keys", () => {
    it("points Debezium at the CDC source's signal table and owns the key", () => {
        const cfg = parseConfigValues({});
        const config = debeziumConnectorConfig(cfg, "postgres:5432");
        expect(config["signal.data.collection"]).toBe(`${cfg.source.schema}.${signalTableName(cfg.source.publication)}`);
        expect(config["signal.enabled.channels"]).toBe("source");
        expect(isOwnedConnectorKey("signal.data.collection")).toBe(true);
        expect(ownedConnectorKeyFix("signal.data.collection")).toMatch(/signal table/);
    });
});
