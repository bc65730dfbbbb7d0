import * as fs from "fs";
import * as path from "path";
import { parseDeployArgs, upsWithoutAsking } from "../../../ops/deploy/args";
import { checkCommands, closingLines, endpointLines } from "../../../ops/deploy/output";
import { fallbackNotice, nonInteractiveStop, planDeploy, platformOfStackFile, probesNeeded, targetOf } from "../../../ops/deploy/plan";
import {
    conflictMessage,
    harnessPortHolders,
    parseDockerPorts,
    parseListening,
    portConfigOf,
    portConflicts,
    publishedPorts,
    suggestedOffset,
} from "../../../ops/deploy/ports";
import {
    Exec,
    ExecResult,
    dockerAvailability,
    missingPlugins,
    pluginInstallFailure,
    pluginRequirementOf,
    pluginRequirements,
    probePlugins,
} from "../../../ops/deploy/probes";
import { services as harnessServices } from "../../../harness/registry";

const REPO = path.resolve(__dirname, "..", "..", "..");
const ok = { ok: true as const };
const res = (over: Partial<ExecResult>): ExecResult => ({ code: 0, stdout: "", stderr: "", timedOut: false, ...over });

/** What `pulumi plugin install resource random 4.21.2` printed on this machine (no route to the plugin host). */
const PLUGIN_INSTALL_STDERR = [
    'warning: Error downloading plugin: Get "https://get.pulumi.com/releases/plugins/pulumi-resource-random-v4.21.2-linux-amd64.tar.gz": dial tcp: lookup get.pulumi.com on 10.255.255.53:53: no such host',
    "Will retry in 80ms [1/5]",
    'warning: Error downloading plugin: Get "https://get.pulumi.com/releases/plugins/pulumi-resource-random-v4.21.2-linux-amd64.tar.gz": dial tcp: lookup get.pulumi.com on 10.255.255.53:53: no such host',
    "Will retry in 1.28s [5/5]",
    "error: [resource plugin random-4.21.2] downloading from : failed to download plugin: random-4.21.2: failed all 5 attempts",
].join("\n");

describe("npm run deploy: arguments", () => {
    it("chooses the stack itself without --stack, and passes other flags to pulumi up", () => {
        expect(parseDeployArgs([])).toEqual({ upFlags: [] });
        expect(parseDeployArgs(["--yes", "--diff"])).toEqual({ upFlags: ["--yes", "--diff"] });
        expect(parseDeployArgs(["--stack", "local", "--yes"])).toEqual({ stack: "local", upFlags: ["--yes"] });
        expect(parseDeployArgs(["-s", "prod"]).stack).toBe("prod");
        expect(() => parseDeployArgs(["--stack=a b"])).toThrow('stack name "a b"');
        expect(() => parseDeployArgs(["--stack"])).toThrow("--stack needs a value");
    });

    it("knows when pulumi up will apply without asking", () => {
        expect(upsWithoutAsking(["--yes"])).toBe(true);
        expect(upsWithoutAsking(["--diff", "-y"])).toBe(true);
        expect(upsWithoutAsking(["--yes=true"])).toBe(true);
        expect(upsWithoutAsking(["--diff"])).toBe(false);
        expect(upsWithoutAsking([])).toBe(false);
    });

    it("stops a run without a terminal and without --yes, naming the flag", () => {
        expect(nonInteractiveStop(false, false)).toMatch(/not a terminal.*add --yes \(npm run deploy -- --yes\)/);
        expect(nonInteractiveStop(false, true)).toBeUndefined();
        expect(nonInteractiveStop(true, false)).toBeUndefined();
    });
});

describe("npm run deploy: which stack", () => {
    const noEngine = { ok: false as const, reason: "no Docker engine answers (`docker version`: Cannot connect to the Docker daemon)" };
    const noPlugins = { ok: false as const, reason: "`pulumi plugin install resource docker 5.2.0`: no download in 5 attempts: no such host" };

    it("deploys dev on Docker when the engine and the plugins are there", () => {
        expect(planDeploy(undefined, { docker: ok, plugins: ok })).toEqual({ ok: true, stack: "dev", target: "docker" });
    });

    it("falls back to the local stack on the harness with one line naming the missing plugins", () => {
        const plan = planDeploy(undefined, { docker: ok, plugins: noPlugins });
        expect(plan).toEqual({ ok: true, stack: "local", target: "harness", notice: expect.any(String) });
        const notice = (plan as { notice: string }).notice;
        expect(notice).toBe(
            "No dev stack: the docker and random provider plugins cannot be installed here (`pulumi plugin install resource docker 5.2.0`: no download in 5 attempts: no such host); " +
                "deploying the pipeline on the embedded default: the harness's real services and the `local` stack",
        );
        expect(notice).not.toContain("\n");
    });

    it("falls back when no engine answers, saying so (the plugins were not probed)", () => {
        const plan = planDeploy(undefined, { docker: noEngine });
        expect(plan.ok && plan.stack).toBe("local");
        expect(fallbackNotice({ docker: noEngine })).toMatch(
            /^No dev stack: no Docker engine answers \(`docker version`: Cannot connect to the Docker daemon\); deploying the pipeline on the embedded default/,
        );
    });

    it("fails a forced Docker stack with the reason and the way out", () => {
        const noDocker = planDeploy("dev", { docker: noEngine }, "docker");
        expect(noDocker.ok).toBe(false);
        expect(!noDocker.ok && noDocker.error).toMatch(/^stack dev runs on Docker, but no Docker engine answers .*npm run deploy -- --stack local$/);
        const missing = planDeploy("dev", { docker: ok, plugins: noPlugins }, "docker");
        expect(!missing.ok && missing.error).toContain(
            "stack dev needs the docker and random provider plugins, which cannot be installed here (`pulumi plugin install resource docker 5.2.0`",
        );
        expect(planDeploy("dev", { docker: ok, plugins: ok }, "docker")).toEqual({ ok: true, stack: "dev", target: "docker" });
    });

    it("runs a forced local stack on the harness without probing, and leaves other platforms to Pulumi", () => {
        expect(probesNeeded("local", "external")).toEqual({ docker: false, plugins: false });
        expect(planDeploy("local", {}, "external")).toEqual({ ok: true, stack: "local", target: "harness" });
        expect(probesNeeded("prod", "kubernetes")).toEqual({ docker: false, plugins: false });
        expect(planDeploy("prod", {}, "kubernetes")).toEqual({ ok: true, stack: "prod", target: "other" });
        expect(probesNeeded(undefined, undefined)).toEqual({ docker: true, plugins: true });
        expect(targetOf("staging", undefined)).toBe("docker");
    });

    it("reads lakehouse:platform from the repository's stack files", () => {
        const platform = (stack: string) => platformOfStackFile(fs.readFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), "utf8"));
        expect(platform("dev")).toBe("docker");
        expect(platform("local")).toBe("external");
        expect(platform("prod")).toBe("kubernetes");
        expect(platformOfStackFile("config:\n  lakehouse:awsRegion: us-east-1\n")).toBeUndefined();
    });
});

describe("npm run deploy: probes", () => {
    it("reads the plugin versions the SDK packages need from node_modules", () => {
        const want = pluginRequirements(REPO);
        const pkg = (name: string) => JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", "@pulumi", name, "package.json"), "utf8"));
        expect(want).toEqual([
            { name: "docker", version: pkg("docker").pulumi.version },
            { name: "random", version: pkg("random").pulumi.version },
        ]);
        expect(pluginRequirementOf({ version: "v1.2.3" }, "x")).toEqual({ name: "x", version: "1.2.3" });
        expect(() => pluginRequirementOf({}, "x")).toThrow("@pulumi/x's package.json names no version");
        expect(() => pluginRequirements("/nonexistent")).toThrow("run `npm install`");
    });

    it("lists the plugins `pulumi plugin ls --json` lacks", () => {
        const want = [
            { name: "docker", version: "5.2.0" },
            { name: "random", version: "4.21.2" },
        ];
        expect(missingPlugins("[]", want)).toEqual(want);
        const listed = JSON.stringify([
            { name: "random", kind: "resource", version: "4.21.2" },
            { name: "docker", kind: "resource", version: "4.5.0" },
            { name: "nodejs", kind: "language", version: "5.2.0" },
        ]);
        expect(missingPlugins(listed, want)).toEqual([{ name: "docker", version: "5.2.0" }]);
        expect(missingPlugins("not json", want)).toEqual(want);
    });

    it("says in one line why a plugin cannot be installed", () => {
        expect(pluginInstallFailure(res({ code: 255, stderr: PLUGIN_INSTALL_STDERR }))).toBe(
            "no download in 5 attempts: dial tcp: lookup get.pulumi.com on 10.255.255.53:53: no such host",
        );
        expect(pluginInstallFailure(res({ code: 255, stderr: "error: plugin not found\n" }))).toBe("plugin not found");
        expect(pluginInstallFailure(res({ code: 1, timedOut: true }), 120_000)).toBe("no answer within 120 s");
    });

    it("tries to install each missing plugin, bounded, and stops at the first failure", () => {
        const calls: string[][] = [];
        const run: Exec = (cmd, args, opts) => {
            calls.push([cmd, ...args, String(opts.timeoutMs)]);
            if (args[1] === "ls") return res({ stdout: JSON.stringify([{ name: "random", kind: "resource", version: "4.21.2" }]) });
            return res({ code: 255, stderr: PLUGIN_INSTALL_STDERR });
        };
        const want = [
            { name: "docker", version: "5.2.0" },
            { name: "random", version: "4.21.2" },
        ];
        const answer = probePlugins("/bin/pulumi", { PATH: "/nonexistent" }, want, run);
        expect(answer).toEqual({
            ok: false,
            reason: "`pulumi plugin install resource docker 5.2.0`: no download in 5 attempts: dial tcp: lookup get.pulumi.com on 10.255.255.53:53: no such host",
        });
        expect(calls).toEqual([
            ["/bin/pulumi", "plugin", "ls", "--json", "20000"],
            ["/bin/pulumi", "plugin", "install", "resource", "docker", "5.2.0", "120000"],
        ]);
        const allThere: Exec = () => res({ stdout: JSON.stringify(want.map((w) => ({ ...w, kind: "resource" }))) });
        expect(probePlugins("/bin/pulumi", { PATH: "" }, want, allThere)).toEqual({ ok: true, detail: "docker 5.2.0, random 4.21.2" });
    });

    it("judges `docker version`", () => {
        expect(dockerAvailability(res({ stdout: "20.10.24+dfsg1\n" }))).toEqual({ ok: true, detail: "Docker engine 20.10.24+dfsg1" });
        expect(
            dockerAvailability(res({ code: 1, stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n" })),
        ).toEqual({
            ok: false,
            reason: "no Docker engine answers (`docker version`: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?)",
        });
        expect(dockerAvailability(res({ code: 1, timedOut: true }))).toEqual({ ok: false, reason: "no Docker engine answered `docker version` within 10 s" });
        expect(dockerAvailability(res({ code: 1, error: "spawnSync docker ENOENT" }))).toEqual({ ok: false, reason: "no `docker` command on PATH" });
    });
});

describe("npm run deploy: dev ports against the harness", () => {
    const defaults = portConfigOf("{}");
    const holders = harnessPortHolders(harnessServices);

    it("lists the host ports the dev stack publishes, from the program's defaults and the offset", () => {
        expect(publishedPorts(defaults).map((p) => p.port)).toEqual([5432, 9092, 8083, 9000, 9001, 19120, 8081, 8084, 9047, 31010, 32010]);
        const config = JSON.stringify({
            "lakehouse:hostPortOffset": { value: "20000", secret: false },
            "lakehouse:kafka": { value: '{"brokers":2}', objectValue: { brokers: 2 }, secret: false },
            "lakehouse:dremio": { value: '{"enabled":false}', objectValue: { enabled: false }, secret: false },
            "lakehouse:external": { value: '{"postgres":{"address":"db:5432"}}', objectValue: { postgres: { address: "db:5432" } }, secret: false },
        });
        const moved = publishedPorts(portConfigOf(config));
        expect(moved.map((p) => p.port)).toEqual([29092, 29192, 28083, 29000, 29001, 39120, 28081, 28084]);
        expect(moved.find((p) => p.port === 29192)?.what).toBe("kafka-1/external");
        expect(publishedPorts(portConfigOf(JSON.stringify({ "lakehouse:exposePorts": { value: "false" } })))).toEqual([]);
    });

    it("reads listening sockets and docker's published ports", () => {
        const tcp = [
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   999        0 1 1 0 100 0 0 10 0",
            "   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0",
            "   2: 0100007F:1538 0100007F:D431 01 00000000:00000000 00:00000000 00000000   999        0 3 1 0 100 0 0 10 0",
        ].join("\n");
        expect([...parseListening(tcp)]).toEqual([5432, 8080]);
        expect([...parseDockerPorts("127.0.0.1:5432->5432/tcp, 0.0.0.0:9000-9001->9000-9001/tcp\n6123/tcp\n")]).toEqual([5432, 9000, 9001]);
    });

    it("names each conflicting port, the harness service holding it, and both fixes", () => {
        const wanted = publishedPorts(defaults);
        const listening = new Set([5432, 8081, 9047, 2024]);
        const conflicts = portConflicts(wanted, listening, new Set(), holders);
        expect(conflicts).toEqual([
            { port: 5432, what: "postgres/postgres", holder: "the harness's postgres (postgres)" },
            { port: 8081, what: "flink-jobmanager/rest", holder: "the harness's flink-jobmanager (rest)" },
            { port: 9047, what: "dremio/http", holder: "the harness's dremio (http)" },
        ]);
        const message = conflictMessage("dev", conflicts, suggestedOffset(wanted, 0, listening));
        expect(message.split("\n")).toEqual([
            "Stack dev would publish host ports that are in use:",
            "  5432 (postgres/postgres): held by the harness's postgres (postgres)",
            "  8081 (flink-jobmanager/rest): held by the harness's flink-jobmanager (rest)",
            "  9047 (dremio/http): held by the harness's dremio (http)",
            "Free them or move the stack's ports, then run the deploy again:",
            "  npm run harness -- down                                   # stops the harness's services",
            "  npm run pulumi -- config set lakehouse:hostPortOffset 20000 --stack dev   # publishes every port + 20000",
        ]);
    });

    it("lets the stack's own containers hold its ports, and names unknown holders", () => {
        const wanted = publishedPorts(defaults);
        expect(portConflicts(wanted, new Set([5432, 9092]), new Set([5432, 9092]), holders)).toEqual([]);
        const [foreign] = portConflicts(wanted, new Set([31010]), new Set(), holders);
        expect(foreign).toEqual({ port: 31010, what: "dremio/jdbc", holder: "a process outside this stack" });
        expect(conflictMessage("dev", [foreign])).toContain("  stop the processes holding them");
        expect(suggestedOffset(wanted, 0, new Set([25432]))).toBe(21_000);
    });
});

describe("npm run deploy: where to look", () => {
    const outputs = JSON.stringify({
        platform: "external",
        endpoints: {
            postgres: { internal: "127.0.0.1:5432", host: "127.0.0.1:5432" },
            "flink-jobmanager": { internal: "flink-jobmanager:8081", host: "localhost:8081" },
            kafka: { internal: "kafka-0:9092" },
        },
        icebergTables: { "public.demographics": "lakehouse.cdc.demographics" },
        credentials: "[secret]",
    });

    it("lists the endpoints from the stack outputs, then the health and canary commands", () => {
        expect(closingLines("local", outputs)).toEqual([
            "Deployed stack local.",
            "Endpoints (stack outputs):",
            "  postgres                   127.0.0.1:5432",
            "  flink-jobmanager           localhost:8081",
            "  kafka                      kafka-0:9092 (inside the stack's network)",
            "  table public.demographics  lakehouse.cdc.demographics",
            "Check it:",
            ...checkCommands("local").map((c) => `  ${c}`),
        ]);
        expect(checkCommands("dev")[0]).toMatch(/^npm run health -- --stack dev /);
        expect(checkCommands("dev")[1]).toMatch(/^npm run canary -- --stack dev /);
    });

    it("still says where to look when the outputs cannot be read", () => {
        expect(endpointLines("not json")).toEqual([]);
        const lines = closingLines("dev", undefined);
        expect(lines[1]).toBe("Endpoints: npm run pulumi -- stack output -s dev");
        expect(lines.at(-2)).toMatch(/npm run canary -- --stack dev/);
    });
});
