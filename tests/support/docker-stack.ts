/**
 * Running the whole program (index.ts) on the real Docker engine: under Pulumi's mocks, every
 * registration of a Docker network, volume or container is created on the engine with exactly its
 * inputs (tests/support/docker-engine.ts), generated passwords are generated, and every dynamic
 * resource runs its real provider (deserialized from its `__provider` input, as Pulumi's dynamic
 * provider host does). What the program creates is what `pulumi up` of a docker stack would create,
 * without the Docker provider plugin.
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { closeSession, gatewayQuery, openSession } from "../../components/dynamic/flink/gateway";
import { httpTarget } from "../../components/dynamic/toolkit/http";
import { CATALOG_TEMPLATE, JOBS_DIR } from "../../components/jobs";
import { IMAGE_SERVICES, projectImageOf } from "../../components/config/images";
import { ImageName, projectImageRef } from "../../components/images";
import { chooseCanaryTable, stackCatalogStatement } from "../../ops/canary";
import { StackOutputs, parseStackOutputs } from "../../ops/outputs";
import { createContext } from "../../harness/cli";
import { buildImages } from "../../harness/images/build";
import { REPO_DIR } from "../../harness/pulumi/cli";
import * as fs from "fs";
import * as path from "path";
import { createContainer, createNetwork, createVolume, engine } from "./docker-engine";
import { MockNewResourceResult, ProgramRun, runWithMocks, unwrapSecrets } from "./mocks";
import { stackConfig } from "./stack-config";
import { IcebergSession } from "./iceberg-session";
import { StackPipeline, stackPipeline } from "./stack-pipeline";

const LETTERS_AND_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * What the random provider's RandomPassword yields for `special: false`: `length` letters and digits
 * with at least `minLower`/`minUpper`/`minNumeric` of each kind. Other options fail loudly.
 */
export function randomPassword(inputs: Record<string, any>): string {
    const known = ["length", "special", "minLower", "minUpper", "minNumeric"];
    const unknown = Object.keys(inputs).filter((k) => !known.includes(k) && inputs[k] !== undefined);
    if (unknown.length) throw new Error(`RandomPassword: input(s) ${unknown.join(", ")} not mapped by tests/support/docker-stack.ts`);
    if (inputs.special !== false) throw new Error("RandomPassword: only special: false is generated here");
    const pick = (alphabet: string) => alphabet[crypto.randomInt(alphabet.length)];
    const chars = [
        ...Array.from({ length: inputs.minLower ?? 0 }, () => pick("abcdefghijklmnopqrstuvwxyz")),
        ...Array.from({ length: inputs.minUpper ?? 0 }, () => pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
        ...Array.from({ length: inputs.minNumeric ?? 0 }, () => pick("0123456789")),
    ];
    while (chars.length < inputs.length) chars.push(pick(LETTERS_AND_DIGITS));
    for (let i = chars.length - 1; i > 0; i--) {
        const j = crypto.randomInt(i + 1);
        [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    return chars.join("");
}

const providerCache = new Map<string, pulumi.dynamic.ResourceProvider>();

/** A dynamic resource's provider, loaded from its serialized `__provider` text as the dynamic provider host does. */
export function loadProviderText(text: string): pulumi.dynamic.ResourceProvider {
    let provider = providerCache.get(text);
    if (!provider) {
        const requireFromString = require("require-from-string");
        provider = requireFromString(text).handler() as pulumi.dynamic.ResourceProvider;
        providerCache.set(text, provider);
    }
    return provider;
}

/** Creates a dynamic resource with its real provider: `check({}, inputs)` when it has one, then `create`. */
export async function createDynamic(name: string, inputs: Record<string, any>): Promise<{ id: string; state: Record<string, any> }> {
    const providerText = inputs.__provider;
    if (typeof providerText !== "string") throw new Error(`dynamic resource ${name}: no serialized __provider input`);
    const provider = loadProviderText(providerText);
    let checked = inputs;
    if (provider.check) {
        const result = await provider.check({}, inputs);
        if (result.failures?.length)
            throw new Error(`dynamic resource ${name}: check failed: ${result.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
        checked = { ...(result.inputs ?? inputs), __provider: providerText };
    }
    const created = await provider.create(checked);
    return { id: created.id, state: { ...(created.outs ?? {}), __provider: providerText } };
}

/** One line per created resource, with its time. */
export interface CreationLog {
    type: string;
    name: string;
    seconds: number;
}

/**
 * The `newResource` hook of `runWithMocks` that creates on the real engine: Docker networks, volumes
 * and containers (containers waited healthy), RandomPasswords generated, dynamic resources by their
 * real providers; everything else left to the default mocks. A Docker type not handled here fails.
 */
export function engineHook(created: CreationLog[], log: (line: string) => void = console.log, onError: (err: unknown) => void = () => undefined) {
    const hook = createOnEngine(created, log);
    return async (args: pulumi.runtime.MockResourceArgs): Promise<MockNewResourceResult> => {
        try {
            return await hook(args);
        } catch (err) {
            onError(err);
            throw err;
        }
    };
}

function createOnEngine(created: CreationLog[], log: (line: string) => void) {
    return async (args: pulumi.runtime.MockResourceArgs): Promise<MockNewResourceResult> => {
        const inputs = unwrapSecrets(args.inputs);
        const started = Date.now();
        const done = (result: { id: string; state: Record<string, any> }) => {
            created.push({ type: args.type, name: args.name, seconds: (Date.now() - started) / 1000 });
            return result;
        };
        switch (args.type) {
            case "docker:index/network:Network":
                return done({ id: await createNetwork(inputs), state: inputs });
            case "docker:index/volume:Volume":
                return done({ id: await createVolume(inputs), state: inputs });
            case "docker:index/container:Container":
                log(`creating container ${inputs.name} (${inputs.image})`);
                return done({ id: await createContainer(inputs, log), state: inputs });
            case "random:index/randomPassword:RandomPassword":
                return done({ id: args.name, state: { ...inputs, result: randomPassword(inputs) } });
            default:
                // Dynamic resources: `pulumi-nodejs:dynamic:Resource`, or `pulumi-nodejs:dynamic/<module>:<type>` when they name a type.
                if (/^pulumi-nodejs:dynamic[:/]/.test(args.type)) {
                    log(`creating ${args.name} (${args.type.split(":").pop()}) with its dynamic provider`);
                    const result = await createDynamic(args.name, inputs);
                    log(`created ${args.name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
                    return done(result);
                }
                if (args.type.startsWith("docker:")) throw new Error(`${args.type} (${args.name}) is not created by tests/support/docker-stack.ts`);
                return undefined;
        }
    };
}

/** The label every Docker object of a stack carries (components/platform/docker.ts `dockerLabels`). */
export const STACK_LABEL = "lakehouse.stack";

/** The stack the Docker end-to-end test deploys. */
export const DOCKER_E2E_STACK = "dockere2e";

/** How `dockerStackConfig` changes the dev stack's config. */
export interface DockerStackConfigOptions {
    /** Added to every published host port (the harness owns the defaults; each stack on one machine needs its own). */
    hostPortOffset: number;
    checkpointIntervalMs: number;
    /** `lakehouse:dremio`. */
    dremio: Record<string, unknown>;
    /** `lakehouse:resources`; default the dev stack's (the program's defaults). */
    resources?: Record<string, { memoryMiB: number; cpus: number }>;
}

/** The dev stack's config (Pulumi.dev.yaml) with its host ports moved, its checkpoint interval, Dremio and sizes as given. */
export function dockerStackConfig(o: DockerStackConfigOptions): Record<string, string> {
    const dev = stackConfig("dev");
    const flink = { ...JSON.parse(dev["lakehouse:flink"] ?? "{}"), checkpointIntervalMs: o.checkpointIntervalMs };
    return {
        ...dev,
        "lakehouse:hostPortOffset": String(o.hostPortOffset),
        "lakehouse:dremio": JSON.stringify(o.dremio),
        "lakehouse:flink": JSON.stringify(flink),
        ...(o.resources ? { "lakehouse:resources": JSON.stringify(o.resources) } : {}),
    };
}

/** The sizes of a test stack's containers beside the harness on one machine: smaller than the program's defaults. */
export const TEST_STACK_RESOURCES: Record<string, { memoryMiB: number; cpus: number }> = {
    postgres: { memoryMiB: 512, cpus: 1 },
    kafka: { memoryMiB: 1024, cpus: 1 },
    connect: { memoryMiB: 1024, cpus: 1 },
    minio: { memoryMiB: 512, cpus: 1 },
    nessie: { memoryMiB: 768, cpus: 1 },
    flink: { memoryMiB: 1536, cpus: 2 },
    dremio: { memoryMiB: 512, cpus: 1 },
};

/**
 * The dev stack's config (Pulumi.dev.yaml) for a run beside the harness on one machine: host ports
 * moved by 20000 (the harness owns the defaults), the Dremio stand-in, smaller sizes, 3 s checkpoints,
 * and periodic savepoints at their shortest interval (60 s), so the run sees the job take one.
 */
export function dockerE2eConfig(): Record<string, string> {
    const config = dockerStackConfig({ hostPortOffset: 20000, checkpointIntervalMs: 3000, dremio: { standIn: true }, resources: TEST_STACK_RESOURCES });
    const pipeline = { ...JSON.parse(config["lakehouse:pipeline"] ?? "{}"), periodicSavepoints: { intervalSeconds: 60, kept: 2 } };
    return { ...config, "lakehouse:pipeline": JSON.stringify(pipeline) };
}

/** The project images the stack runs (every service's, the Dremio stand-in's) and the ones missing on this engine. */
export function stackImages(): { name: ImageName; ref: string; present: boolean }[] {
    const names = new Set<ImageName>();
    for (const service of IMAGE_SERVICES) {
        const name = projectImageOf(service, true);
        if (name) names.add(name);
    }
    return [...names].map((name) => {
        const ref = projectImageRef(name);
        let present = true;
        try {
            execFileSync("docker", ["image", "inspect", ref], { stdio: "ignore" });
        } catch {
            present = false;
        }
        return { name, ref, present };
    });
}

/** Builds the stack's missing images with the project's builder (bounded by the builder itself); logs and returns the results. */
export async function ensureStackImages(log: (line: string) => void = console.log): Promise<void> {
    const missing = stackImages().filter((i) => !i.present);
    if (!missing.length) return;
    log(`building missing images: ${missing.map((i) => i.ref).join(", ")}`);
    const results = await buildImages(
        createContext(),
        missing.map((i) => i.name),
    );
    for (const r of results) log(`image ${r.ref}: ${r.outcome}${r.seconds !== undefined ? ` in ${r.seconds.toFixed(1)} s` : ""}`);
}

/**
 * Runs index.ts under mocks with the engine hook; the outputs it returns (secrets in plain) and what was
 * created. `secretKeys`: the config keys given as secrets (as `pulumi config set --secret` would), default none.
 */
export async function runProgramOnEngine(
    stack: string,
    config: Record<string, string>,
    log: (line: string) => void = console.log,
    secretKeys: string[] = [],
): Promise<ProgramRun & { created: CreationLog[]; error?: unknown }> {
    const created: CreationLog[] = [];
    let error: unknown;
    // A resource that fails to be created fails the run at once: under the mocks its error does not end
    // the program, whose outputs would wait for that resource until the test's own timeout.
    let failed!: (err: unknown) => void;
    const firstFailure = new Promise<ProgramRun & { created: CreationLog[]; error: unknown }>((resolve) => {
        failed = (err) => resolve({ resources: [], outputs: {}, created, error: err });
    });
    const run = runWithMocks(
        async () => {
            try {
                return await require("../../index")();
            } catch (err) {
                error = err;
                return {};
            }
        },
        { config, secretKeys, stack, newResource: engineHook(created, log, failed) },
    ).then((r) => ({ ...r, created, ...(error ? { error } : {}) }));
    return Promise.race([run, firstFailure]);
}

/** A stack the program created on the engine, as its end-to-end tests use it. */
export interface DeployedOnEngine {
    outputs: StackOutputs;
    /** A batch session of the stack's SQL Gateway with its Iceberg catalog (close it when done). */
    iceberg: IcebergSession;
    pipeline: StackPipeline;
    /** The program's run: seconds, and each created resource's. */
    seconds: number;
    created: CreationLog[];
}

/**
 * Runs the program on the engine ({@link runProgramOnEngine}) and opens what the tests read the stack
 * with: its outputs (parsed; a problem fails), a batch session of its SQL Gateway, its pipeline. The
 * program's error, if any, is thrown.
 */
export async function deployOnEngine(
    stack: string,
    config: Record<string, string>,
    log: (line: string) => void = console.log,
    secretKeys: string[] = [],
): Promise<DeployedOnEngine> {
    const started = Date.now();
    const run = await runProgramOnEngine(stack, config, log, secretKeys);
    const seconds = (Date.now() - started) / 1000;
    log(`program on the engine: ${seconds.toFixed(0)} s`);
    for (const c of run.created) if (c.seconds >= 1) log(`  ${c.type.split(":").pop()} ${c.name}: ${c.seconds.toFixed(1)} s`);
    if (run.error) throw run.error;
    const parsed = parseStackOutputs(run.outputs);
    if (parsed.problems.length) throw new Error(`the stack's outputs do not parse: ${parsed.problems.join("; ")}`);
    const iceberg = await stackIcebergSession(parsed.outputs);
    return { outputs: parsed.outputs, iceberg, pipeline: stackPipeline(parsed.outputs, iceberg, log), seconds, created: run.created };
}

/**
 * A batch session of the stack's own SQL Gateway (published on the host) with the stack's Iceberg
 * catalog, rendered from jobs/catalog.sql with the stack's outputs exactly as the canary does.
 */
export async function stackIcebergSession(outputs: StackOutputs): Promise<IcebergSession> {
    const gatewayUrl = outputs.flinkSqlGatewayUrl?.host;
    if (!gatewayUrl) throw new Error("the stack exports no flinkSqlGatewayUrl.host");
    // Over https with the CA of the stack's Flink REST certificate when it has one (lakehouse:flink.tls).
    const gateway = httpTarget(gatewayUrl, outputs.connectionSecurity?.flink?.caCert);
    const s3Secret = outputs.credentials?.s3?.secretAccessKey ?? "";
    const tp = chooseCanaryTable(outputs);
    const template = fs.readFileSync(path.join(REPO_DIR, JOBS_DIR, CATALOG_TEMPLATE), "utf8");
    const catalogSql = stackCatalogStatement(outputs, tp, template);
    const session = await openSession(gateway, { properties: { "execution.runtime-mode": "batch" } });
    const query = (sql: string) => gatewayQuery(gateway, session, sql, 120_000, { secrets: [s3Secret] });
    try {
        await query(catalogSql);
    } catch (err) {
        await closeSession(gateway, session).catch(() => undefined);
        throw err;
    }
    return { query, close: () => closeSession(gateway, session).catch(() => undefined) };
}

/** The containers of a stack: name -> { id, state, health, restarts }. */
export async function stackContainers(stack: string): Promise<{ name: string; id: string; state: string; health?: string; restarts: number; pid: number }[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [`${STACK_LABEL}=${stack}`] }));
    const list: any[] = await engine("GET", `/containers/json?all=1&filters=${filters}`);
    const out = [];
    for (const c of list) {
        const info = await engine("GET", `/containers/${c.Id}/json`);
        out.push({
            name: String(info.Name).replace(/^\//, ""),
            id: c.Id,
            state: info.State.Status,
            health: info.State.Health?.Status,
            restarts: info.RestartCount,
            pid: info.State.Pid,
        });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** `docker stats --no-stream` of the stack's containers: one line each (name, memory used / limit, CPU). */
export function dockerStats(stack: string): string {
    const names = execFileSync("docker", ["ps", "-q", "--filter", `label=${STACK_LABEL}=${stack}`], { encoding: "utf8" })
        .trim()
        .split(/\s+/)
        .filter(Boolean);
    if (!names.length) return "(no containers)";
    return execFileSync("docker", ["stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.CPUPerc}}", ...names], {
        encoding: "utf8",
        timeout: 60_000,
    }).trim();
}
