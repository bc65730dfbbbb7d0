/** Nessie is the real thing: REST API v2 creates, lists and deletes a branch, with optimistic concurrency. */
import { endpoints } from "../../../harness/cli";

// `testTimeout` in a jest project entry is not applied (it is a global option): bound each test here;
// every wait inside is bounded on its own.
jest.setTimeout(300000);

const api = endpoints().nessie.apiV2;

interface Reference {
    type: string;
    name: string;
    hash: string;
}

async function call(method: string, pathAndQuery: string, body?: unknown): Promise<{ status: number; json: any }> {
    const res = await fetch(`${api}${pathAndQuery}`, {
        method,
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30000),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

describe("nessie (real Nessie server from the harness)", () => {
    test("serves REST API v2 with a default branch", async () => {
        const { status, json } = await call("GET", "/config");
        expect(status).toBe(200);
        expect(json.defaultBranch).toBe("main");
        expect(json.maxSupportedApiVersion).toBeGreaterThanOrEqual(2);
        expect(typeof json.specVersion).toBe("string");
    });

    test("creates and deletes a branch", async () => {
        const branch = `harness-smoke-${Date.now()}-${process.pid}`;
        const main = await call("GET", "/trees/main");
        expect(main.status).toBe(200);
        const source = main.json.reference as Reference;
        expect(source).toMatchObject({ type: "BRANCH", name: "main" });
        expect(source.hash).toMatch(/^[0-9a-f]{16,}$/);

        const created = await call("POST", `/trees?name=${encodeURIComponent(branch)}&type=BRANCH`, source);
        expect(created.status).toBe(200);
        expect(created.json.reference).toMatchObject({ type: "BRANCH", name: branch, hash: source.hash });

        const again = await call("POST", `/trees?name=${encodeURIComponent(branch)}&type=BRANCH`, source);
        expect(again.status).toBe(409);

        const listed = await call("GET", "/trees");
        expect(listed.status).toBe(200);
        expect((listed.json.references as Reference[]).map((r) => r.name)).toContain(branch);

        // Deleting with a wrong expected hash is refused (optimistic concurrency) ...
        const wrongHash = source.hash.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
        const refused = await call("DELETE", `/trees/${encodeURIComponent(`${branch}@${wrongHash}`)}`);
        expect(refused.status).toBeGreaterThanOrEqual(400);

        // ... and with the right one it goes.
        const deleted = await call("DELETE", `/trees/${encodeURIComponent(`${branch}@${source.hash}`)}`);
        expect(deleted.status).toBe(200);
        expect(deleted.json.reference).toMatchObject({ name: branch });

        const gone = await call("GET", `/trees/${encodeURIComponent(branch)}`);
        expect(gone.status).toBe(404);
    });
});
