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
import { clusterPaths } from "../../harness/kubernetes/config";
import { ctr } from "../../harness/kubernetes/images";
import { layout } from "../../harness/kubernetes/index";
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

/** Brings the bench copy of the `k8s` stack up on the harness's cluster and returns it as a bench stack. */
export async function deployKubernetesBenchStack(settings: BenchStackSettings, log: Log, name = KUBERNETES_BENCH_STACK): Promise<BenchStack> {
    const ctx = createContext({ log });
    const l = layout(ctx);
    const kubeconfig = clusterPaths(l).kubeconfig("admin");
    if (!fs.existsSync(kubeconfig)) throw new Error(`no cluster at ${kubeconfig}: start it with npm run harness -- up k8s`);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-k8sbench-"));
    const file = path.join(REPO_DIR, `Pulumi.${name}.yaml`);
    const env = { PULUMI_BACKEND_URL: `file://${stateDir}`, KUBECONFIG: kubeconfig };
    const base = (yaml.load(fs.readFileSync(path.join(REPO_DIR, "Pulumi.k8s.yaml"), "utf8")) as any).config;
    const namespace = `lakehouse-${name}`;
    let deployed = false;
    let tornDown = false;

    const pulumi = (args: string[], opts: { input?: string; expectOk?: boolean } = {}) => pulumiStep(args, { env, log, timeoutMs: 900_000, ...opts });
    const readOutputs = async () => JSON.parse((await pulumi(["stack", "output", "-s", name, "--json", "--show-secrets"])).stdout);

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
                await pulumi(["stack", "rm", name, "--yes", "--force"], { expectOk: false });
                const released = await releaseVolumes(ctx, l);
                log(`volumes released after the destroy: ${released.map((v) => v.name).join(", ") || "none"}`);
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
        fs.writeFileSync(file, yaml.dump({ config: kubernetesBenchConfig(base, settings, name) }));
        await pulumi(["stack", "init", name]);
        deployed = true;
        for (const key of PASSWORD_KEYS)
            await pulumi(["config", "set", "--secret", "-s", name, `lakehouse:${key}`], { input: crypto.randomBytes(18).toString("base64url") });
        const upMs = await up();
        const raw = await readOutputs();
        const parsed = parseStackOutputs(raw);
        if (parsed.problems.length) throw new Error(`stack ${name}: malformed outputs: ${parsed.problems.join("; ")}`);
        const outputs = benchOutputs(raw, name);
        const stack: BenchStack = {
            platform: "kubernetes",
            description: `stack ${name} (the k8s stack on the harness's single-node cluster, namespace ${namespace}, node ports from ${KUBERNETES_BENCH_NODE_PORT_BASE}; pulumi up ${(upMs / 1000).toFixed(0)} s)`,
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
                const ms = await up();
                stack.settings = next;
                stack.outputs = benchOutputs(await readOutputs(), name);
                return ms;
            },
            teardown,
        };
        return stack;
    } catch (e) {
        await teardown();
        throw e;
    }
}
