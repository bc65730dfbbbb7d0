/**
 * The `k8s` stack (Pulumi.k8s.yaml: the prod stack scaled to this machine) as a bench stack, on the
 * harness's single-node cluster (`npm run harness -- up k8s`), through the real Pulumi engine and the
 * kubernetes provider plugin built here (harness/pulumi/kubernetes-plugin.ts). A throwaway copy:
 * its own stack name, namespace and node ports, a temporary file backend, passwords made for the run
 * and set as secrets, and `allowDataLoss` with `storage.forceDestroy` so that teardown can remove it.
 * Teardown (also on failure and on SIGINT/SIGTERM) destroys it, makes the volumes its claims left
 * Released available again (harness/kubernetes/volumes.ts), and removes the stack.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseStackOutputs } from "../../ops/outputs";
import { createContext } from "../../harness/lib/context";
import { HarnessContext } from "../../harness/lib/types";
import { ClusterLayout, clusterPaths } from "../../harness/kubernetes/config";
import { ctr } from "../../harness/kubernetes/images";
import { layout } from "../../harness/kubernetes/index";
import { kubectl, kubectlItems } from "../../harness/kubernetes/kubectl";
import { releaseVolumes } from "../../harness/kubernetes/volumes";
import { REPO_DIR } from "../../harness/pulumi/cli";
import { benchOutputs } from "./docker-stack";
import { stackBenchEndpoints } from "./endpoints";
import { ServicePid } from "./procs";
import { BenchStack, BenchStackSettings, finishTeardown, pulumiStep, teardownOnSignal } from "./stack";

/** The bench stack's name: namespace `lakehouse-k8sbench`, resources `cdc-lakehouse-k8sbench-*`. */
export const KUBERNETES_BENCH_STACK = "k8sbench";
/** Node ports from here (20 per stack): the `k8s` stack keeps the default block. */
export const KUBERNETES_BENCH_NODE_PORT_BASE = 31200;
/** The stack's passwords: made for each run and set with `pulumi config set --secret`. */
export const PASSWORD_KEYS = ["postgresPassword", "replicationPassword", "minioRootPassword", "dremioAdminPassword"] as const;

type Log = (msg: string) => void;

/**
 * The bench copy of Pulumi.k8s.yaml's `config` (parsed): its own namespace and node ports, the
 * checkpoint interval and parallelism asked for, Dremio off (no part in change-to-queryable), data
 * loss allowed and the bucket force-destroyed (a throwaway stack), jobs cancelled on destroy; the
 * encrypted passwords left out (another stack cannot read them). Pure.
 */
export function kubernetesBenchConfig(base: Record<string, any>, settings: BenchStackSettings, name = KUBERNETES_BENCH_STACK): Record<string, unknown> {
    const cfg: Record<string, any> = JSON.parse(JSON.stringify(base));
    for (const key of PASSWORD_KEYS) delete cfg[`lakehouse:${key}`];
    cfg["lakehouse:kubernetes"] = { ...cfg["lakehouse:kubernetes"], namespace: `lakehouse-${name}`, nodePortBase: KUBERNETES_BENCH_NODE_PORT_BASE };
    cfg["lakehouse:flink"] = {
        ...cfg["lakehouse:flink"],
        checkpointIntervalMs: settings.checkpointIntervalMs,
        ...(settings.parallelism ? { parallelism: settings.parallelism } : {}),
    };
    cfg["lakehouse:dremio"] = { enabled: false };
    cfg["lakehouse:allowDataLoss"] = true;
    cfg["lakehouse:storage"] = { ...cfg["lakehouse:storage"], forceDestroy: true };
    cfg["lakehouse:pipeline"] = {
        ...cfg["lakehouse:pipeline"],
        jobDeleteMode: "cancel",
        ...(settings.connectorConfig && Object.keys(settings.connectorConfig).length ? { connectorConfig: settings.connectorConfig } : {}),
    };
    return cfg;
}

/**
 * The running containers of the stack's pods (not their sandboxes), from `ctr tasks ls` and each
 * container's labels: `<pod>/<container>` and the host pid whose /proc the bench samples. Pure.
 */
export function podProcesses(tasksTable: string, labelsOf: (id: string) => Record<string, string> | undefined, namespace: string): ServicePid[] {
    const out: ServicePid[] = [];
    for (const line of tasksTable.split("\n").slice(1)) {
        const [id, pid, status] = line.trim().split(/\s+/);
        if (!id || status !== "RUNNING" || !/^\d+$/.test(pid ?? "")) continue;
        const labels = labelsOf(id);
        const container = labels?.["io.kubernetes.container.name"];
        if (!container || labels?.["io.kubernetes.pod.namespace"] !== namespace) continue;
        out.push({ name: `${labels["io.kubernetes.pod.name"]}/${container}`, pid: Number(pid), pgid: Number(pid) });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** A throwaway stack on the harness's cluster, deployed through the real engine (the bench's and the tests'). */
export interface KubernetesStackRun {
    name: string;
    namespace: string;
    ctx: HarnessContext;
    layout: ClusterLayout;
    /** One Pulumi command on this stack's backend and cluster; throws with the output's tail unless `expectOk` is false. */
    pulumi(args: string[], opts?: { input?: string; expectOk?: boolean }): Promise<{ code: number; stdout: string; stderr: string }>;
    /** `pulumi stack output --json --show-secrets`, as printed. */
    rawOutputs(): Promise<Record<string, any>>;
    /** `pulumi up --yes --skip-preview`; how long it took, in ms. */
    up(): Promise<number>;
    /**
     * Destroys the stack, deletes its namespace when the destroy kept it (a stack that keeps its
     * volumes), makes the volumes its claims left Released available again, and removes the stack.
     * Also runs on SIGINT/SIGTERM; idempotent.
     */
    teardown(): Promise<void>;
}

/**
 * Deletes a throwaway stack's namespace when it is there (with the volume claims a destroy keeps), then
 * wipes and frees every Released volume of the harness's: what a teardown, or a run after an
 * interrupted one, leaves the cluster as it found it with.
 */
export async function removeThrowawayNamespace(ctx: HarnessContext, l: ClusterLayout, namespace: string, log: Log): Promise<void> {
    if ((await kubectlItems(ctx, l, ["namespaces"])).some((n) => n.metadata?.name === namespace)) {
        log(`deleting namespace ${namespace} and the volume claims in it`);
        await kubectl(ctx, l, ["delete", "namespace", namespace, "--wait=true", "--timeout=300s"], 330_000);
    }
    const released = await releaseVolumes(ctx, l);
    log(`volumes released: ${released.map((v) => v.name).join(", ") || "none"}`);
}

/**
 * Writes `Pulumi.<name>.yaml` with `config`, creates the stack on a temporary file backend, sets the
 * passwords as secrets (`secrets`, by config key, as given; each of PASSWORD_KEYS not given, made for the
 * run) and runs `pulumi up`. On failure it tears down what it made.
 */
export async function deployKubernetesStack(
    name: string,
    config: Record<string, unknown>,
    log: Log,
    secrets: Record<string, string> = {},
): Promise<KubernetesStackRun & { upMs: number }> {
    const ctx = createContext({ log });
    const l = layout(ctx);
    const kubeconfig = clusterPaths(l).kubeconfig("admin");
    if (!fs.existsSync(kubeconfig)) throw new Error(`no cluster at ${kubeconfig}: start it with npm run harness -- up k8s`);
    const namespace = (config["lakehouse:kubernetes"] as { namespace?: string } | undefined)?.namespace;
    if (!namespace) throw new Error(`stack ${name}: lakehouse:kubernetes.namespace is not set; a throwaway stack needs a namespace of its own`);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `lakehouse-${name}-`));
    const file = path.join(REPO_DIR, `Pulumi.${name}.yaml`);
    const env = { PULUMI_BACKEND_URL: `file://${stateDir}`, KUBECONFIG: kubeconfig };
    let deployed = false;
    let tornDown = false;

    const pulumi = (args: string[], opts: { input?: string; expectOk?: boolean } = {}) => pulumiStep(args, { env, log, timeoutMs: 900_000, ...opts });

    const teardown = async () => {
        if (tornDown) return;
        tornDown = true;
        removeSignalHandlers();
        const problems: string[] = [];
        try {
            if (deployed) {
                const r = await pulumi(["destroy", "-s", name, "--yes", "--skip-preview"], { expectOk: false });
                if (r.code !== 0) problems.push(`pulumi destroy -s ${name} exited ${r.code}: ${(r.stdout + r.stderr).slice(-2000)}`);
                else deployed = false;
            }
            if (!deployed) {
                // A stack that keeps its volumes keeps its namespace (and the claims in it): a throwaway one goes.
                await pulumi(["stack", "rm", name, "--yes", "--force"], { expectOk: false });
                await removeThrowawayNamespace(ctx, l, namespace, log);
            }
        } catch (e) {
            problems.push(String(e));
        }
        finishTeardown({
            destroyed: !deployed,
            what: `stack ${name} (namespace ${namespace})`,
            stateDir,
            file,
            destroyCommand: `PULUMI_BACKEND_URL=file://${stateDir} KUBECONFIG=${kubeconfig} npm run pulumi -- destroy -s ${name} --yes`,
            problems,
            log,
        });
    };
    const removeSignalHandlers = teardownOnSignal(name, log, () => teardown());

    const up = async () => {
        const started = Date.now();
        await pulumi(["up", "-s", name, "--yes", "--skip-preview"]);
        return Date.now() - started;
    };
    try {
        fs.writeFileSync(file, yaml.dump({ config }));
        await pulumi(["stack", "init", name]);
        deployed = true;
        const made = Object.fromEntries(PASSWORD_KEYS.map((key) => [`lakehouse:${key}`, crypto.randomBytes(18).toString("base64url")]));
        for (const [key, value] of Object.entries({ ...made, ...secrets })) await pulumi(["config", "set", "--secret", "-s", name, key], { input: value });
        const upMs = await up();
        return {
            name,
            namespace,
            ctx,
            layout: l,
            pulumi,
            rawOutputs: async () => JSON.parse((await pulumi(["stack", "output", "-s", name, "--json", "--show-secrets"])).stdout),
            up,
            teardown,
            upMs,
        };
    } catch (e) {
        await teardown();
        throw e;
    }
}

/** Brings the bench copy of the `k8s` stack up on the harness's cluster and returns it as a bench stack. */
export async function deployKubernetesBenchStack(settings: BenchStackSettings, log: Log, name = KUBERNETES_BENCH_STACK): Promise<BenchStack> {
    const base = (yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.k8s.yaml"), "utf8")) as any).config;
    const run = await deployKubernetesStack(name, kubernetesBenchConfig(base, settings, name), log);
    const { layout: l, namespace, pulumi } = run;
    try {
        const raw = await run.rawOutputs();
        const parsed = parseStackOutputs(raw);
        if (parsed.problems.length) throw new Error(`stack ${name}: malformed outputs: ${parsed.problems.join("; ")}`);
        const outputs = benchOutputs(raw, name);
        const stack: BenchStack = {
            platform: "kubernetes",
            description: `stack ${name} (the k8s stack on the harness's single-node cluster, namespace ${namespace}, node ports from ${KUBERNETES_BENCH_NODE_PORT_BASE}; pulumi up ${(run.upMs / 1000).toFixed(0)} s)`,
            name,
            id: name,
            schema: parsed.outputs.source!.schema,
            namespace: outputs.icebergChangeTables.demographics.split(".").slice(1, -1).join("."),
            bucket: /^s3a?:\/\/([^/]+)/.exec(outputs.warehouse)?.[1] ?? outputs.warehouse,
            topicPrefix: outputs.cdcTopics.demographics.split(".")[0],
            settings,
            outputs,
            endpoints: stackBenchEndpoints(parsed.outputs),
            async servicePids(): Promise<ServicePid[]> {
                const tasks = await ctr(l, ["tasks", "ls"], 30_000);
                const labels = new Map<string, Record<string, string>>();
                for (const line of tasks.split("\n").slice(1)) {
                    const id = line.trim().split(/\s+/)[0];
                    if (!id) continue;
                    const info = JSON.parse(await ctr(l, ["containers", "info", id], 30_000).catch(() => "{}"));
                    labels.set(id, info.Labels ?? {});
                }
                return podProcesses(tasks, (id) => labels.get(id), namespace);
            },
            async reconfigure(next: BenchStackSettings): Promise<number> {
                await pulumi(["config", "set", "--path", "-s", name, "lakehouse:flink.checkpointIntervalMs", String(next.checkpointIntervalMs)]);
                const ms = await run.up();
                stack.settings = next;
                stack.outputs = benchOutputs(await run.rawOutputs(), name);
                return ms;
            },
            teardown: run.teardown,
        };
        return stack;
    } catch (e) {
        await run.teardown();
        throw e;
    }
}
