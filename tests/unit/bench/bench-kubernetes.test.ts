/** The Kubernetes bench stack's pure parts (bench/lib/kubernetes-stack.ts): its config and the pods' processes. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { KUBERNETES_BENCH_NODE_PORT_BASE, PASSWORD_KEYS, kubernetesBenchConfig, podProcesses } from "../../../bench/lib/kubernetes-stack";
import { finishTeardown } from "../../../bench/lib/stack";
import { parseLakehouseConfig } from "../../../components/config";

const k8s = (yaml.load(fs.readFileSync(path.resolve(__dirname, "../../../Pulumi.k8s.yaml"), "utf8")) as any).config;

test("a throwaway copy of the k8s stack: its own namespace and node ports, the interval asked for, removable, no encrypted password", () => {
    const cfg = kubernetesBenchConfig(k8s, { checkpointIntervalMs: 1000, parallelism: 1 }) as Record<string, any>;
    for (const key of PASSWORD_KEYS) expect(cfg).not.toHaveProperty(`lakehouse:${key}`);
    expect(cfg["lakehouse:kubernetes"]).toMatchObject({ namespace: "lakehouse-k8sbench", nodePortBase: KUBERNETES_BENCH_NODE_PORT_BASE, access: "node-port" });
    expect(cfg["lakehouse:flink"]).toMatchObject({ checkpointIntervalMs: 1000, parallelism: 1, taskManagers: 2 });
    expect(cfg["lakehouse:dremio"]).toEqual({ enabled: false });
    expect(cfg["lakehouse:allowDataLoss"]).toBe(true);
    expect(cfg["lakehouse:storage"]).toMatchObject({ forceDestroy: true });
    expect(cfg["lakehouse:pipeline"]).toMatchObject({ jobDeleteMode: "cancel" });
    // The base is not changed, and the copy is a stack config the program accepts (passwords come from secrets).
    expect(k8s["lakehouse:kubernetes"].namespace).toBe("lakehouse-k8s");
    const raw = Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k.replace(/^lakehouse:/, ""), typeof v === "string" ? v : JSON.stringify(v)]));
    const parsed = parseLakehouseConfig(raw, new Set(PASSWORD_KEYS), { project: "cdc-lakehouse", stack: "k8sbench" });
    expect(parsed.kubernetes).toMatchObject({ namespace: "lakehouse-k8sbench", nodePortBase: KUBERNETES_BENCH_NODE_PORT_BASE });
});

test("the pods' processes: running containers of the stack's namespace, named pod/container; sandboxes and other namespaces left out", () => {
    const tasks = [
        "TASK    PID     STATUS",
        "aaa     101     RUNNING",
        "bbb     102     RUNNING",
        "ccc     103     STOPPED",
        "ddd     104     RUNNING",
        "eee     105     RUNNING",
        "",
    ].join("\n");
    const labels: Record<string, Record<string, string>> = {
        aaa: { "io.kubernetes.pod.name": "kafka-0-0", "io.kubernetes.pod.namespace": "lakehouse-k8sbench", "io.kubernetes.container.name": "kafka" },
        bbb: { "io.kubernetes.pod.name": "kafka-0-0", "io.kubernetes.pod.namespace": "lakehouse-k8sbench", "io.cri-containerd.kind": "sandbox" },
        ccc: { "io.kubernetes.pod.name": "minio-0", "io.kubernetes.pod.namespace": "lakehouse-k8sbench", "io.kubernetes.container.name": "minio" },
        ddd: { "io.kubernetes.pod.name": "postgres-0", "io.kubernetes.pod.namespace": "lakehouse-k8s", "io.kubernetes.container.name": "postgres" },
        eee: {
            "io.kubernetes.pod.name": "connect-5d4f8-h7jfm",
            "io.kubernetes.pod.namespace": "lakehouse-k8sbench",
            "io.kubernetes.container.name": "connect",
        },
    };
    expect(podProcesses(tasks, (id) => labels[id], "lakehouse-k8sbench")).toEqual([
        { name: "connect-5d4f8-h7jfm/connect", pid: 105, pgid: 105 },
        { name: "kafka-0-0/kafka", pid: 101, pgid: 101 },
    ]);
});

test("a throwaway stack's teardown ends by removing its files once destroyed, or by saying how to destroy it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-teardown-"));
    try {
        const file = path.join(dir, "Pulumi.k8sbench.yaml");
        const stateDir = path.join(dir, "state");
        const lines: string[] = [];
        const make = () => {
            fs.writeFileSync(file, "config: {}\n");
            fs.mkdirSync(stateDir, { recursive: true });
        };
        make();
        finishTeardown({
            destroyed: false,
            what: "stack k8sbench",
            stateDir,
            file,
            destroyCommand: "npm run pulumi -- destroy -s k8sbench",
            problems: ["x"],
            log: (m) => lines.push(m),
        });
        expect([fs.existsSync(file), fs.existsSync(stateDir)]).toEqual([true, true]);
        expect(lines).toEqual([
            `LEFT BEHIND: stack k8sbench is still deployed; its state is in ${stateDir} and its config in ${file}. Destroy it with: npm run pulumi -- destroy -s k8sbench`,
            "teardown problems:\n  x",
        ]);
        finishTeardown({ destroyed: true, what: "stack k8sbench", stateDir, file, destroyCommand: "-", problems: [], log: (m) => lines.push(m) });
        expect([fs.existsSync(file), fs.existsSync(stateDir), lines.length]).toEqual([false, false, 2]);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
