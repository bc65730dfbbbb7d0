/**
 * evolveSinkTables against a scripted stand-in of the SQL Gateway's REST API (a local HTTP server):
 * the retry when an ALTER loses the race with the running job's Iceberg commit, seen on the real
 * services (CommitFailedException: Table metadata refresh is required), which the real-service tests
 * cannot trigger at will.
 */
import * as http from "http";
import { AddressInfo } from "net";
import { evolveSinkTables } from "../../../components/dynamic/flink-job";

interface Script {
    /** Columns DESCRIBE returns, by call (the last repeats). */
    describe: string[][][];
    /** How many ALTERs fail with a commit conflict before one succeeds. */
    alterConflicts: number;
}

async function gateway(script: Script) {
    const statements: string[] = [];
    const sessions: string[] = [];
    const results = new Map<string, { status: number; body: unknown }[]>();
    let describes = 0;
    let op = 0;
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            const send = (status: number, json: unknown) => {
                res.writeHead(status, { "Content-Type": "application/json" });
                res.end(JSON.stringify(json));
            };
            const url = req.url ?? "";
            if (req.method === "POST" && url === "/v1/sessions") {
                sessions.push(`s${sessions.length}`);
                return send(200, { sessionHandle: sessions[sessions.length - 1] });
            }
            if (req.method === "POST" && /\/statements$/.test(url)) {
                const statement: string = JSON.parse(body).statement;
                statements.push(statement);
                const handle = `op${op++}`;
                if (statement.startsWith("DESCRIBE")) {
                    const cols = script.describe[Math.min(describes++, script.describe.length - 1)];
                    results.set(handle, [
                        {
                            status: 200,
                            body: { resultType: "PAYLOAD", results: { data: cols.map((c) => ({ fields: [c[0], c[1], true, null, null, null] })) } },
                        },
                        { status: 200, body: { resultType: "EOS" } },
                    ]);
                } else if (statement.startsWith("ALTER") && script.alterConflicts-- > 0) {
                    // The shape the real gateway answers with: the Java trace, the Iceberg exception as its deepest cause.
                    const trace =
                        "<Exception on server side:\norg.apache.flink.table.gateway.api.utils.SqlGatewayException: Failed to fetchResults.\n\tat org.apache.flink.table.gateway.rest.handler.statement.FetchResultsHandler.handleRequest(FetchResultsHandler.java:91)\nCaused by: org.apache.flink.table.api.TableException: Could not execute AlterTable\nCaused by: org.apache.iceberg.exceptions.CommitFailedException: Table metadata refresh is required\n\tat org.apache.iceberg.nessie.NessieUtil.handleExceptionsForCommits(NessieUtil.java:209)\n>";
                    results.set(handle, [{ status: 500, body: { errors: ["Internal server error.", trace] } }]);
                } else {
                    results.set(handle, [{ status: 200, body: { resultType: "EOS" } }]);
                }
                return send(200, { operationHandle: handle });
            }
            const m = /operations\/(op\d+)\/result\/(\d+)/.exec(url);
            if (req.method === "GET" && m) {
                const pages = results.get(m[1])!;
                const page = pages[Math.min(Number(m[2]), pages.length - 1)];
                return send(page.status, page.body);
            }
            return send(200, {});
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, statements, sessions, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const inputs = (gatewayUrl: string, columns: { name: string; type: string }[]) => ({
    gatewayUrl,
    name: "job",
    statements: ["CREATE CATALOG c WITH ('s3.secret-access-key' = '{{secret.s3SecretAccessKey}}')", "INSERT INTO c.ns.t SELECT 1"],
    secrets: { s3SecretAccessKey: "very-secret-value" },
    sinkTables: [{ identifier: "c.ns.t", columns }],
    waitTimeoutSeconds: 10,
});

describe("evolveSinkTables", () => {
    test("an ALTER that loses the race with a job commit is retried in a fresh session, re-reading the table", async () => {
        const gw = await gateway({ describe: [[["id", "INT"]]], alterConflicts: 1 });
        try {
            const added = await evolveSinkTables(
                inputs(gw.url, [
                    { name: "id", type: "INT" },
                    { name: "email", type: "STRING" },
                ]),
            );
            expect(added).toEqual({ added: ["c.ns.t.email"], mismatched: [] });
            expect(gw.statements.filter((s) => s.startsWith("ALTER"))).toEqual([
                "ALTER TABLE `c`.`ns`.`t` ADD (`email` STRING)",
                "ALTER TABLE `c`.`ns`.`t` ADD (`email` STRING)",
            ]);
            expect(gw.sessions).toHaveLength(2);
            // The secret is filled only in what is sent, and each session declares the catalog first.
            expect(gw.statements.filter((s) => s.startsWith("CREATE CATALOG"))).toEqual(
                Array(2).fill("CREATE CATALOG c WITH ('s3.secret-access-key' = 'very-secret-value')"),
            );
        } finally {
            await gw.close();
        }
    });

    test("a column already there is not added again, and a declared type that differs is reported, not altered", async () => {
        const gw = await gateway({
            describe: [
                [
                    ["id", "INT"],
                    ["email", "STRING"],
                ],
            ],
            alterConflicts: 0,
        });
        try {
            expect(
                await evolveSinkTables(
                    inputs(gw.url, [
                        { name: "id", type: "INT" },
                        { name: "email", type: "VARCHAR(320)" },
                    ]),
                ),
            ).toEqual({ added: [], mismatched: [] });
            // The job resource decides: recreate an empty table, or refuse (tests/integration/flink/sink-recreate.test.ts).
            expect(await evolveSinkTables(inputs(gw.url, [{ name: "id", type: "BIGINT" }]))).toEqual({
                added: [],
                mismatched: [{ identifier: "c.ns.t", mismatches: ["column id is INT in c.ns.t but declared BIGINT"] }],
            });
            expect(gw.statements.filter((s) => s.startsWith("ALTER"))).toEqual([]);
            expect(gw.sessions).toHaveLength(2);
        } finally {
            await gw.close();
        }
    });
});
