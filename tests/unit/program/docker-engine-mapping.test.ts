/**
 * The Docker end-to-end harness (tests/support/docker-engine.ts) turns the inputs the Docker renderer
 * registers into Engine API requests the way the Docker provider does. Checked here on the dev stack's
 * real registrations (under mocks, no engine): every container, network and volume maps, each field
 * lands where the provider puts it, and a field the harness does not know fails loudly.
 */
import { renderStack } from "../../support/kubernetes";
import { RecordedResource } from "../../support/mocks";
import { containerPlan, demuxLogs, networkCreateBody, parseCpus, parseGoDuration, tarOfFile, volumeCreateBody } from "../../support/docker-engine";
import { randomPassword } from "../../support/docker-stack";

const CONTAINER = "docker:index/container:Container";

/** Reads back a ustar header field: NUL-terminated text. */
const field = (header: Buffer, offset: number, length: number) =>
    header
        .subarray(offset, offset + length)
        .toString("utf8")
        .replace(/\0.*$/s, "");

describe("Docker engine harness: pulumi-docker inputs -> Engine API", () => {
    let resources: RecordedResource[];
    const one = (type: string, name: string) => {
        const found = resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}`);
        return found[0];
    };

    beforeAll(async () => {
        resources = (await renderStack("dev", { dremio: { standIn: true } })).resources;
    });

    it("maps every container, network and volume the dev stack registers", () => {
        const containers = resources.filter((r) => r.type === CONTAINER);
        expect(containers.length).toBe(10);
        for (const c of containers) {
            const plan = containerPlan(c.inputs);
            expect(plan.name).toBe(c.inputs.name);
            expect(plan.body.Image).toBe(c.inputs.image);
            expect(plan.body.Hostname).toBe(c.inputs.hostname);
            expect(plan.body.Env).toEqual(c.inputs.envs);
            expect(plan.body.HostConfig.RestartPolicy).toEqual({ Name: "unless-stopped", MaximumRetryCount: 0 });
            expect(plan.wait).toEqual({ timeoutSeconds: c.inputs.waitTimeout });
            expect(plan.networks).toEqual(c.inputs.networksAdvanced.map((n: any) => ({ name: n.name, aliases: n.aliases })));
        }
        const network = one("docker:index/network:Network", "lakehouse-docker-network");
        expect(networkCreateBody(network.inputs)).toEqual({
            Name: "cdc-lakehouse-dev",
            CheckDuplicate: true,
            Driver: "bridge",
            Labels: { "lakehouse.managed-by": "pulumi", "lakehouse.stack": "dev" },
        });
        for (const v of resources.filter((r) => r.type === "docker:index/volume:Volume"))
            expect(volumeCreateBody(v.inputs)).toEqual({ Name: v.inputs.name, Labels: expect.objectContaining({ "lakehouse.stack": "dev" }) });
    });

    it("PostgreSQL: command, ports, volume binds, health check in ns, memory in bytes, NanoCpus, labels, the init script as an upload", () => {
        const pg = one(CONTAINER, "cdc-lakehouse-dev-postgres");
        const plan = containerPlan(pg.inputs);
        expect(plan.body.Cmd).toEqual(pg.inputs.command);
        expect(plan.body.Cmd[0]).toBe("postgres");
        expect(plan.body.Entrypoint).toBeUndefined();
        expect(plan.body.ExposedPorts).toEqual({ "5432/tcp": {} });
        expect(plan.body.HostConfig.PortBindings).toEqual({ "5432/tcp": [{ HostIp: "127.0.0.1", HostPort: "5432" }] });
        expect(plan.body.Volumes).toEqual({ "/var/lib/postgresql/data": {} });
        expect(plan.body.HostConfig.Binds).toEqual(["cdc-lakehouse-dev-postgres-data:/var/lib/postgresql/data:rw"]);
        expect(plan.body.Healthcheck).toEqual({
            Test: pg.inputs.healthcheck.tests,
            Interval: 5e9,
            Timeout: 5e9,
            StartPeriod: 10e9,
            Retries: 12,
        });
        expect(plan.body.HostConfig.Memory).toBe(1024 * 1024 * 1024);
        expect(plan.body.HostConfig.NanoCpus).toBe(1e9);
        expect(plan.body.Labels).toEqual({
            "lakehouse.managed-by": "pulumi",
            "lakehouse.service": "postgres",
            "lakehouse.stack": "dev",
            "lakehouse.workload": "postgres",
        });
        expect(plan.uploads).toEqual([{ file: "/docker-entrypoint-initdb.d/10-lakehouse-cdc.sh", content: pg.inputs.uploads[0].content, mode: 0o744 }]);
    });

    it("the Flink TaskManager: 2 CPUs as NanoCpus, its memory, and the JobManager it follows", () => {
        const tm = one(CONTAINER, "cdc-lakehouse-dev-flink-taskmanager");
        const plan = containerPlan(tm.inputs);
        expect(plan.body.HostConfig.NanoCpus).toBe(Number(tm.inputs.cpus) * 1e9);
        expect(plan.body.HostConfig.Memory).toBe(tm.inputs.memory * 1024 * 1024);
        expect(plan.body.Cmd).toEqual(tm.inputs.command);
    });

    it("fails loudly on an input field it does not map, at any depth", () => {
        const pg = one(CONTAINER, "cdc-lakehouse-dev-postgres").inputs;
        expect(() => containerPlan({ ...pg, user: "root" })).toThrow(/input field\(s\) user not mapped/);
        expect(() => containerPlan({ ...pg, ports: [{ ...pg.ports[0], hostIp: "0.0.0.0" }] })).toThrow(/ports\[\]: input field\(s\) hostIp/);
        expect(() => containerPlan({ ...pg, healthcheck: { ...pg.healthcheck, startInterval: "1s" } })).toThrow(/healthcheck: input field\(s\) startInterval/);
        expect(() => containerPlan({ ...pg, volumes: [{ ...pg.volumes[0], readOnly: true }] })).toThrow(/volumes\[\]: input field\(s\) readOnly/);
        expect(() => containerPlan({ ...pg, healthcheck: undefined })).toThrow(/'wait' without a 'healthcheck'/);
        expect(() => networkCreateBody({ name: "n", ipamConfigs: [] })).toThrow(/ipamConfigs/);
        expect(() => volumeCreateBody({ name: "v", driver: "local" })).toThrow(/driver/);
    });

    it("parses Go durations and CPU counts as the provider does", () => {
        expect(parseGoDuration("5s")).toBe(5e9);
        expect(parseGoDuration("1m30s")).toBe(90e9);
        expect(parseGoDuration("1.5s")).toBe(1.5e9);
        expect(parseGoDuration("250ms")).toBe(250e6);
        expect(() => parseGoDuration("5")).toThrow(/invalid Go duration/);
        expect(parseCpus("0.5")).toBe(5e8);
        expect(parseCpus("2")).toBe(2e9);
        expect(() => parseCpus("0.0000000001")).toThrow(/too precise/);
    });

    it("writes the upload as a ustar archive: owner 0:0, the provider's mode, a valid checksum, the content, two zero blocks", () => {
        const tar = tarOfFile({ file: "/docker-entrypoint-initdb.d/10-x.sh", content: "echo hi\n", mode: 0o744 }, 1_700_000_000);
        expect(tar.length).toBe(512 + 512 + 1024);
        const header = tar.subarray(0, 512);
        expect(field(header, 0, 100)).toBe("/docker-entrypoint-initdb.d/10-x.sh");
        expect(parseInt(field(header, 100, 8), 8)).toBe(0o744);
        expect(parseInt(field(header, 108, 8), 8)).toBe(0);
        expect(parseInt(field(header, 116, 8), 8)).toBe(0);
        expect(parseInt(field(header, 124, 12), 8)).toBe(8);
        expect(parseInt(field(header, 136, 12), 8)).toBe(1_700_000_000);
        expect(field(header, 156, 1)).toBe("0");
        expect(field(header, 257, 6)).toBe("ustar");
        const stored = parseInt(field(header, 148, 8), 8);
        const blank = Buffer.from(header);
        blank.write("        ", 148, 8, "ascii");
        expect(stored).toBe(blank.reduce((s, b) => s + b, 0));
        expect(tar.subarray(512, 520).toString("utf8")).toBe("echo hi\n");
        expect(tar.subarray(1024).every((b) => b === 0)).toBe(true);
    });

    it("decodes a container's multiplexed log stream", () => {
        const frame = (stream: number, text: string) => {
            const head = Buffer.alloc(8);
            head[0] = stream;
            head.writeUInt32BE(Buffer.byteLength(text), 4);
            return Buffer.concat([head, Buffer.from(text)]);
        };
        expect(demuxLogs(Buffer.concat([frame(1, "out\n"), frame(2, "err\n")]))).toBe("out\nerr\n");
    });

    it("generates a RandomPassword as the stack asks for it: letters and digits, its length and minimums", () => {
        const password = randomPassword({ length: 24, special: false, minLower: 2, minUpper: 2, minNumeric: 2 });
        expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
        expect(password.match(/[a-z]/g)!.length).toBeGreaterThanOrEqual(2);
        expect(password.match(/[A-Z]/g)!.length).toBeGreaterThanOrEqual(2);
        expect(password.match(/[0-9]/g)!.length).toBeGreaterThanOrEqual(2);
        expect(() => randomPassword({ length: 8, special: true })).toThrow(/special: false/);
    });
});
