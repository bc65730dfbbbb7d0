import { COMMIT_IN_FLIGHT_MS, ListedObject, ObjectLedger } from "../../support/edit-invariants";

/** A listing of `[key, age in ms at `at`]`. */
function listing(at: number, objects: [string, number][]): Map<string, ListedObject> {
    return new Map(objects.map(([key, age]) => [key, { size: 1, modified: at - age }]));
}

const table = "ns/demographics_0a1b/";
const dataFile = `${table}data/00000-0-aaaa-00001.parquet`;
const mergedAway = `${table}metadata/8c547de7-afac-403e-8e09-e46ed2558131-m0.avro`;
const manifest = `${table}metadata/11111111-2222-3333-4444-555555555555-m0.avro`;
const flinkTemporary = `${table}metadata/${"a".repeat(32)}-${"b".repeat(32)}-00000-0-7-00001.avro`;

describe("the edit matrix's ledger of objects that must never go", () => {
    test("a table metadata file seen only while young and gone later is a commit's own scratch, not a loss", () => {
        // The CI failure of 2026-12-02: a manifest listed during a commit that merged it into another and deleted it.
        const ledger = new ObjectLedger();
        ledger.record(
            listing(1_000_000, [
                [dataFile, 5_000],
                [mergedAway, 200],
            ]),
            1_000_000,
        );
        expect(ledger.lost(listing(1_030_000, [[dataFile, 35_000]]), [])).toEqual([]);
        expect(ledger.size).toBe(1);
    });

    test("a data file is held from its first listing, however young", () => {
        const ledger = new ObjectLedger();
        ledger.record(listing(1_000_000, [[dataFile, 10]]), 1_000_000);
        expect(ledger.lost(listing(1_001_000, []), [])).toEqual([dataFile]);
    });

    test("a metadata file is held once a listing sees it older than a commit lasts, and then its going is a loss", () => {
        const ledger = new ObjectLedger();
        ledger.record(listing(1_000_000, [[manifest, 100]]), 1_000_000);
        const later = 1_000_000 + COMMIT_IN_FLIGHT_MS;
        ledger.record(listing(later, [[manifest, COMMIT_IN_FLIGHT_MS + 100]]), later);
        expect(ledger.lost(listing(later + 10_000, []), [])).toEqual([manifest]);
    });

    test("checkpoints Flink no longer retains and the sink's temporary manifests may go", () => {
        const ledger = new ObjectLedger();
        const checkpoint = "checkpoints/job/chk-7/_metadata";
        ledger.record(
            listing(2_000_000, [
                [checkpoint, 120_000],
                [flinkTemporary, 120_000],
                [dataFile, 120_000],
            ]),
            2_000_000,
        );
        expect(ledger.lost(listing(2_010_000, [[dataFile, 130_000]]), ["checkpoints/"])).toEqual([]);
    });
});
