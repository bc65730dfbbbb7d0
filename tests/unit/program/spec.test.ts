import { execFile } from "child_process";
import * as http from "http";
import * as net from "net";
import { AddressInfo } from "net";
import { WorkloadSpec, bashHttpProbe, bashTcpProbe, endpointsOf, validateSpecs } from "../../../components/platform/spec";

function workload(name: string, extra: Partial<WorkloadSpec> = {}): WorkloadSpec {
    return {
        name,
        service: name,
        image: { ref: "busybox:1.36", pull: true },
        env: {},
        secretEnv: {},
        ports: [],
        volumes: [],
        files: [],
        health: { exec: ["CMD", "true"], intervalSeconds: 1, timeoutSeconds: 1, retries: 1, startPeriodSeconds: 0, describe: "up" },
        dependsOn: [],
        replicas: 1,
        stateful: false,
        resources: { memoryMiB: 256, cpus: 1 },
        ...extra,
    };
}

/** Runs a Docker-style health test (["CMD", ...argv]) the way the engine would, returning the exit code. */
function runHealthTest(test: string[]): Promise<number> {
    expect(test[0]).toBe("CMD");
    const [command, ...args] = test.slice(1);
    return new Promise((resolve) => {
        execFile(command, args, { timeout: 5000 }, (err) => resolve(err ? ((err as any).code ?? 1) : 0));
    });
}

describe("bash health probes, run for real", () => {
    let server: http.Server;
    let port: number;
    beforeAll(async () => {
        server = http.createServer((req, res) => {
            res.statusCode = req.url === "/healthy" ? 200 : 503;
            res.end(req.url === "/healthy" ? "ok" : "starting");
        });
        await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
        port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((done) => server.close(() => done())));

    it("passes on a 2xx answer", async () => {
        expect(await runHealthTest(bashHttpProbe(port, "/healthy"))).toBe(0);
    });

    it("fails on a non-2xx answer", async () => {
        expect(await runHealthTest(bashHttpProbe(port, "/starting"))).not.toBe(0);
    });

    it("fails when nothing listens", async () => {
        const closed = await new Promise<number>((done) => {
            const probe = net.createServer().listen(0, "127.0.0.1", () => {
                const p = (probe.address() as AddressInfo).port;
                probe.close(() => done(p));
            });
        });
        expect(await runHealthTest(bashHttpProbe(closed, "/healthy"))).not.toBe(0);
        expect(await runHealthTest(bashTcpProbe(closed))).not.toBe(0);
    });

    it("TCP probe passes when something listens", async () => {
        expect(await runHealthTest(bashTcpProbe(port))).toBe(0);
    });

    it("refuses paths and ports that would break the shell command", () => {
        expect(() => bashHttpProbe(8080, "/x'; rm -rf /")).toThrow(/URL-safe/);
        expect(() => bashHttpProbe(70000, "/")).toThrow(/not a TCP port/);
    });
});

describe("endpointsOf", () => {
    const spec = workload("nessie", {
        ports: [
            { name: "http", port: 19120, hostPort: 19120 },
            { name: "management", port: 9000 },
        ],
    });

    it("publishes only ports with a host port, shifted by the offset", () => {
        expect(endpointsOf(spec, "nessie", true, 100)).toEqual({
            http: { internal: "nessie:19120", host: "localhost:19220" },
            management: { internal: "nessie:9000" },
        });
    });

    it("has no host side when ports are not exposed", () => {
        expect(endpointsOf(spec, "nessie", false, 0)).toEqual({ http: { internal: "nessie:19120" }, management: { internal: "nessie:9000" } });
    });
});

describe("validateSpecs", () => {
    it("accepts a consistent set", () => {
        expect(validateSpecs([workload("a"), workload("b", { dependsOn: ["a"] })])).toEqual([]);
    });

    it("finds duplicate names, unknown dependencies, env set twice and host port clashes", () => {
        const problems = validateSpecs([
            workload("a", { ports: [{ name: "http", port: 80, hostPort: 8080 }] }),
            workload("a"),
            workload("b", { dependsOn: ["missing"], env: { X: "1" }, secretEnv: { X: { secret: "x" } }, ports: [{ name: "web", port: 81, hostPort: 8080 }] }),
        ]);
        expect(problems).toEqual([
            'workload "a" is defined twice',
            'workload "b" sets X both as plain and as secret env',
            'workload "b" depends on unknown workload "missing"',
            'host port 8080 is published by both "a" and "b"',
        ]);
    });
});
