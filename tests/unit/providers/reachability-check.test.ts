/**
 * The reachability check (components/dynamic/reachability-check.ts) and the toolkit's TCP probe, against
 * real sockets on loopback, in the provider's live and serialized forms.
 */
import * as net from "net";
import { AddressInfo } from "net";
import { checkReachabilityInputs, diffReachability } from "../../../components/dynamic/reachability-check";
import { reachabilityCheckProvider } from "../../../components/dynamic/reachability-check";
import { splitHostPort, tcpConnectProblem } from "../../../components/dynamic/toolkit/tcp";
import { bothForms } from "../../support/dynamic";

/** A server accepting connections on a loopback port of its own. */
async function listening(port = 0): Promise<net.Server> {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
    return server;
}
const portOf = (server: net.Server) => (server.address() as AddressInfo).port;
const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
    const s = await listening();
    const port = portOf(s);
    await close(s);
    return port;
}

describe("tcpConnectProblem and splitHostPort", () => {
    it("splits host names, IPv4 and bracketed IPv6 addresses; refuses what is not host:port", () => {
        expect(splitHostPort("kafka-0.lakehouse.svc.cluster.local:9094")).toEqual({ host: "kafka-0.lakehouse.svc.cluster.local", port: 9094 });
        expect(splitHostPort("10.0.0.21:31004")).toEqual({ host: "10.0.0.21", port: 31004 });
        expect(splitHostPort("[::1]:5432")).toEqual({ host: "::1", port: 5432 });
        for (const bad of ["nessie", "nessie:", ":19120", "::1:5432", "host:0", "host:65536", "a b:1"]) expect(splitHostPort(bad)).toBeUndefined();
    });

    it("says nothing for an address that accepts, the error code for one that refuses", async () => {
        const server = await listening();
        try {
            expect(await tcpConnectProblem(`127.0.0.1:${portOf(server)}`, 2000)).toBeUndefined();
        } finally {
            await close(server);
        }
        expect(await tcpConnectProblem(`127.0.0.1:${await closedPort()}`, 2000)).toBe("ECONNREFUSED");
        expect(await tcpConnectProblem("no port", 2000)).toBe('"no port" is not host:port');
    });
});

describe("ReachabilityCheck inputs", () => {
    it("names the input and the fix", () => {
        expect(checkReachabilityInputs({ workload: "nessie", addresses: ["10.0.0.21:31004"], timeoutSeconds: 600 })).toEqual([]);
        expect(checkReachabilityInputs({ workload: "", addresses: [], timeoutSeconds: 0 })).toEqual([
            { property: "workload", reason: "is required (the workload's name)" },
            { property: "addresses", reason: "must list at least one host:port" },
            { property: "timeoutSeconds", reason: "0 must be a whole number of seconds from 1" },
        ]);
        expect(checkReachabilityInputs({ workload: "minio", addresses: ["minio"], timeoutSeconds: 5 })[0]).toMatchObject({
            property: "addresses",
            reason: expect.stringContaining('"minio" is not host:port'),
        });
    });

    it("changes in place, never replaces: a check holds nothing", () => {
        const olds = { workload: "nessie", addresses: ["10.0.0.21:31004"], timeoutSeconds: 600 };
        expect(diffReachability(olds, { ...olds })).toMatchObject({ changes: false, replaces: [] });
        expect(diffReachability(olds, { ...olds, addresses: ["10.0.0.22:31004"] })).toMatchObject({ changes: true, replaces: [], changedKeys: ["addresses"] });
    });
});

describe("ReachabilityCheck provider, live and serialized", () => {
    it("create returns at once when an address accepts (one of several is enough); read keeps the state; delete does nothing", async () => {
        const a = await listening();
        const refusing = await closedPort();
        try {
            for (const [form, provider] of await bothForms(reachabilityCheckProvider)) {
                const inputs = { workload: "dremio", addresses: [`127.0.0.1:${refusing}`, `127.0.0.1:${portOf(a)}`], timeoutSeconds: 10 };
                const created = await provider.create!(inputs);
                expect([form, created]).toEqual([form, { id: "dremio", outs: inputs }]);
                expect(await provider.read!("dremio", inputs)).toEqual({ id: "dremio", props: inputs });
                await expect(provider.delete!("dremio", inputs)).resolves.toBeUndefined();
            }
        } finally {
            await close(a);
        }
    });

    it("create waits until a refusing address starts accepting (pollUntil prints what it waits for past the first 15 s)", async () => {
        for (const [form, provider] of await bothForms(reachabilityCheckProvider)) {
            const port = await closedPort();
            let server: net.Server | undefined;
            let openedAt = 0;
            const opened = new Promise<void>((resolve) => setTimeout(resolve, 1500))
                .then(() => listening(port))
                .then((s) => {
                    server = s;
                    openedAt = Date.now();
                });
            try {
                const created = await provider.create!({ workload: "nessie", addresses: [`127.0.0.1:${port}`], timeoutSeconds: 30 });
                const createdAt = Date.now();
                await opened;
                expect([form, created.id, createdAt >= openedAt]).toEqual([form, "nessie", true]);
            } finally {
                await opened;
                if (server) await close(server);
            }
        }
    });

    it("gives up after its bound, naming each address and why it refused", async () => {
        const [p1, p2] = [await closedPort(), await closedPort()];
        for (const [form, provider] of await bothForms(reachabilityCheckProvider)) {
            const err = await provider.create!({ workload: "minio", addresses: [`127.0.0.1:${p1}`, `127.0.0.1:${p2}`], timeoutSeconds: 1 }).catch(
                (e: Error) => e,
            );
            expect([form, (err as Error).message]).toEqual([
                form,
                `timed out after 1 s waiting for minio to accept connections at 127.0.0.1:${p1} or 127.0.0.1:${p2} (last seen: 127.0.0.1:${p1}: ECONNREFUSED; 127.0.0.1:${p2}: ECONNREFUSED)`,
            ]);
        }
    });
});
