/**
 * A single-node Kubernetes cluster as harness services, started only when asked for
 * (`npm run harness -- up k8s`): containerd of its own, etcd, the API server, the controller manager,
 * the scheduler, the kubelet, kube-proxy and CoreDNS, each a process on this machine gated on its own
 * health check. Programs are built by ./install.ts, configuration comes from ./config.ts, certificates
 * from ./pki.ts; everything the cluster writes is under <runDir>/kubernetes.
 */
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { loadVersions } from "../lib/context";
import { HarnessContext, ServiceDefinition } from "../lib/types";
import { run } from "../pulumi/gobuild";
import { ClusterLayout, clusterLayout, clusterPaths, cniConflist, containerdConfig, corefile, kubeProxyConfig, kubeconfig, kubeletConfig } from "./config";
import { clusterObjects } from "./objects";
import { installKubernetes, kubernetesBinDir } from "./install";
import { ensurePauseImage } from "./images";
import { kubectl } from "./kubectl";
import { stopNode } from "./node-stop";
import { ensurePki } from "./pki";

/** Debian's containernetworking-plugins put the CNI plugins here. */
export const CNI_BIN_DIR = "/usr/lib/cni";
/** The group name `up`, `down` and `status` accept for every service of the cluster. */
export const CLUSTER_GROUP = "k8s";

/** The node's address: `$LAKEHOUSE_K8S_NODE_IP`, else the first non-loopback IPv4 address. */
export function nodeAddress(env: NodeJS.ProcessEnv = process.env, interfaces = os.networkInterfaces()): string {
    if (env.LAKEHOUSE_K8S_NODE_IP) return env.LAKEHOUSE_K8S_NODE_IP;
    for (const addrs of Object.values(interfaces)) {
        for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
    }
    throw new Error("no non-loopback IPv4 address for the Kubernetes node: set LAKEHOUSE_K8S_NODE_IP");
}

export function layout(ctx: Pick<HarnessContext, "runDir" | "versions">): ClusterLayout {
    return clusterLayout(ctx.runDir, nodeAddress(), ctx.versions.kubernetes.pause);
}

const bin = (ctx: HarnessContext, name: string) => path.join(kubernetesBinDir(ctx.cacheDir), name);

/** GET on the API server (or another TLS endpoint of the cluster) with the cluster CA; status and body. */
export function clusterGet(
    l: ClusterLayout,
    url: string,
    opts: { user?: string; timeoutMs?: number; selfSigned?: boolean } = {},
): Promise<{ status: number; body: string }> {
    const p = clusterPaths(l);
    return new Promise((resolve, reject) => {
        const req = https.get(
            url,
            {
                // A control-plane component's serving certificate is self-signed by it: loopback answers are trusted.
                ...(opts.selfSigned ? { rejectUnauthorized: false } : { ca: fs.readFileSync(p.cert("ca")) }),
                ...(opts.user ? { cert: fs.readFileSync(p.cert(opts.user)), key: fs.readFileSync(p.key(opts.user)) } : {}),
                timeout: opts.timeoutMs ?? 3000,
            },
            (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
        );
        req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer within ${opts.timeoutMs ?? 3000} ms`)));
        req.on("error", reject);
    });
}

/** True when a plain-HTTP health endpoint on this machine answers 200 within 3 s. */
async function answersOk(url: string): Promise<boolean> {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return res.status === 200;
}

async function requirePrograms(ctx: HarnessContext): Promise<void> {
    const missing = ["containerd", "runc", "ctr", "iptables", "conntrack"].filter(
        (p) => !["/usr/bin", "/usr/sbin", "/sbin", "/bin"].some((d) => fs.existsSync(path.join(d, p))),
    );
    if (!fs.existsSync(path.join(CNI_BIN_DIR, "bridge"))) missing.push("containernetworking-plugins");
    if (missing.length)
        throw new Error(
            `the Kubernetes node needs Debian packages that are missing (${missing.join(", ")}): apt-get install -y containerd runc containernetworking-plugins conntrack iptables`,
        );
    await installKubernetes(ctx);
}

const v = loadVersions();
const l0 = () => clusterLayout(path.join(os.tmpdir(), "unused"), "0.0.0.0", v.kubernetes.pause);

const containerd: ServiceDefinition = {
    name: "k8s-containerd",
    ports: {},
    dependsOn: [],
    onDemand: true,
    startTimeoutMs: 60_000,
    install: requirePrograms,
    async prepare(ctx) {
        const l = layout(ctx);
        const p = clusterPaths(l);
        for (const d of [p.containerdRoot, p.containerdState, p.cniConfDir]) fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(p.containerdConfig, containerdConfig(l, CNI_BIN_DIR));
        fs.writeFileSync(path.join(p.cniConfDir, "10-lakehouse.conflist"), cniConflist(l));
    },
    start(ctx) {
        return { command: "containerd", args: ["--config", clusterPaths(layout(ctx)).containerdConfig] };
    },
    health: {
        describe: "the cluster's containerd answers on its own socket (`ctr version`)",
        async check(ctx) {
            const r = await run("ctr", ["--address", clusterPaths(layout(ctx)).containerdSocket, "version"], { timeoutMs: 5000 });
            return r.code === 0;
        },
    },
    async afterHealthy(ctx) {
        await ensurePauseImage(ctx, layout(ctx));
    },
    stop(ctx) {
        return stopNode(ctx, layout(ctx), "k8s-containerd");
    },
    endpoints(ctx) {
        return { socket: clusterPaths(layout(ctx)).containerdSocket };
    },
};

const etcd: ServiceDefinition = {
    name: "k8s-etcd",
    ports: { client: l0().etcdClientPort, peer: l0().etcdPeerPort },
    dependsOn: [],
    onDemand: true,
    startTimeoutMs: 60_000,
    install: requirePrograms,
    async prepare(ctx) {
        fs.mkdirSync(clusterPaths(layout(ctx)).etcdData, { recursive: true, mode: 0o700 });
    },
    start(ctx) {
        const l = layout(ctx);
        return {
            command: bin(ctx, "etcd"),
            args: [
                "--name=lakehouse",
                `--data-dir=${clusterPaths(l).etcdData}`,
                `--listen-client-urls=http://127.0.0.1:${l.etcdClientPort}`,
                `--advertise-client-urls=http://127.0.0.1:${l.etcdClientPort}`,
                `--listen-peer-urls=http://127.0.0.1:${l.etcdPeerPort}`,
                `--initial-advertise-peer-urls=http://127.0.0.1:${l.etcdPeerPort}`,
                `--initial-cluster=lakehouse=http://127.0.0.1:${l.etcdPeerPort}`,
                "--quota-backend-bytes=2147483648",
                "--log-level=warn",
            ],
        };
    },
    health: {
        describe: `etcd on 127.0.0.1:${l0().etcdClientPort} answers GET /health with health true`,
        async check(ctx) {
            const res = await fetch(`http://127.0.0.1:${layout(ctx).etcdClientPort}/health`, { signal: AbortSignal.timeout(3000) });
            return res.ok && ((await res.json()) as { health?: string }).health === "true";
        },
    },
    endpoints(ctx) {
        return { client: `http://127.0.0.1:${layout(ctx).etcdClientPort}` };
    },
};

const apiserver: ServiceDefinition = {
    name: "k8s-apiserver",
    ports: { https: l0().apiPort },
    dependsOn: ["k8s-etcd"],
    onDemand: true,
    startTimeoutMs: 120_000,
    install: requirePrograms,
    async prepare(ctx) {
        const l = layout(ctx);
        await ensurePki(l);
        const p = clusterPaths(l);
        for (const user of ["admin", "controller-manager", "scheduler", "proxy", "kubelet", "coredns"])
            fs.writeFileSync(p.kubeconfig(user), kubeconfig(l, user));
    },
    start(ctx) {
        const l = layout(ctx);
        const p = clusterPaths(l);
        return {
            command: bin(ctx, "kube-apiserver"),
            args: [
                `--advertise-address=${l.nodeIP}`,
                "--bind-address=0.0.0.0",
                `--secure-port=${l.apiPort}`,
                `--etcd-servers=http://127.0.0.1:${l.etcdClientPort}`,
                `--service-cluster-ip-range=${l.serviceCIDR}`,
                "--service-node-port-range=30000-32767",
                `--tls-cert-file=${p.cert("apiserver")}`,
                `--tls-private-key-file=${p.key("apiserver")}`,
                `--client-ca-file=${p.cert("ca")}`,
                `--kubelet-client-certificate=${p.cert("apiserver-kubelet-client")}`,
                `--kubelet-client-key=${p.key("apiserver-kubelet-client")}`,
                `--kubelet-certificate-authority=${p.cert("ca")}`,
                "--kubelet-preferred-address-types=InternalIP,Hostname",
                `--service-account-key-file=${p.serviceAccountPub}`,
                `--service-account-signing-key-file=${p.serviceAccountKey}`,
                `--service-account-issuer=https://kubernetes.default.svc.${l.clusterDomain}`,
                "--authorization-mode=Node,RBAC",
                "--enable-admission-plugins=NodeRestriction",
                "--allow-privileged=true",
                "--profiling=false",
                "--v=1",
            ],
        };
    },
    health: {
        describe: `the API server on https://127.0.0.1:${l0().apiPort} answers /readyz with ok`,
        async check(ctx) {
            const l = layout(ctx);
            const r = await clusterGet(l, `https://127.0.0.1:${l.apiPort}/readyz`);
            return r.status === 200 && r.body.trim() === "ok";
        },
    },
    async afterHealthy(ctx) {
        // The cluster's own objects: CoreDNS's role and the kube-dns Service (idempotent: kubectl apply).
        const l = layout(ctx);
        for (let i = 0; i < l.localVolumes.count; i++) fs.mkdirSync(clusterPaths(l).volume(i), { recursive: true });
        const file = path.join(l.base, "cluster-objects.json");
        fs.writeFileSync(file, JSON.stringify(clusterObjects(l), null, 2));
        await kubectl(ctx, l, ["apply", "--server-side", "-f", file]);
    },
    endpoints(ctx) {
        const l = layout(ctx);
        return { server: `https://${l.nodeIP}:${l.apiPort}`, kubeconfig: clusterPaths(l).kubeconfig("admin"), version: `v${v.kubernetes.version}` };
    },
};

/** A control-plane component: kubeconfig of its own, bound to loopback, health on its secure port. */
function controlPlane(name: string, program: string, user: string, port: number, extra: (l: ClusterLayout) => string[]): ServiceDefinition {
    return {
        name,
        ports: { https: port },
        dependsOn: ["k8s-apiserver"],
        onDemand: true,
        startTimeoutMs: 90_000,
        install: requirePrograms,
        start(ctx) {
            const l = layout(ctx);
            const kc = clusterPaths(l).kubeconfig(user);
            return {
                command: bin(ctx, program),
                args: [
                    `--kubeconfig=${kc}`,
                    `--authentication-kubeconfig=${kc}`,
                    `--authorization-kubeconfig=${kc}`,
                    "--bind-address=127.0.0.1",
                    "--leader-elect=false",
                    ...extra(l),
                ],
            };
        },
        health: {
            describe: `${program} answers https://127.0.0.1:${port}/healthz with ok`,
            async check(ctx) {
                const r = await clusterGet(layout(ctx), `https://127.0.0.1:${port}/healthz`, { selfSigned: true });
                return r.status === 200 && r.body.trim() === "ok";
            },
        },
        endpoints() {
            return { healthz: `https://127.0.0.1:${port}/healthz` };
        },
    };
}

const controllerManager = controlPlane("k8s-controller-manager", "kube-controller-manager", "controller-manager", 10257, (l) => {
    const p = clusterPaths(l);
    return [
        `--cluster-signing-cert-file=${p.cert("ca")}`,
        `--cluster-signing-key-file=${p.key("ca")}`,
        `--root-ca-file=${p.cert("ca")}`,
        `--service-account-private-key-file=${p.serviceAccountKey}`,
        "--use-service-account-credentials=true",
        `--service-cluster-ip-range=${l.serviceCIDR}`,
        "--controllers=*,bootstrapsigner,tokencleaner",
        "--v=1",
    ];
});

const scheduler = controlPlane("k8s-scheduler", "kube-scheduler", "scheduler", 10259, () => ["--v=1"]);

const kubelet: ServiceDefinition = {
    name: "k8s-kubelet",
    ports: { https: 10250 },
    dependsOn: ["k8s-apiserver", "k8s-containerd"],
    onDemand: true,
    startTimeoutMs: 120_000,
    install: requirePrograms,
    async prepare(ctx) {
        const l = layout(ctx);
        const p = clusterPaths(l);
        fs.mkdirSync(p.kubeletRoot, { recursive: true });
        fs.writeFileSync(p.kubeletConfig, JSON.stringify(kubeletConfig(l), null, 2));
    },
    start(ctx) {
        const l = layout(ctx);
        const p = clusterPaths(l);
        return {
            command: bin(ctx, "kubelet"),
            args: [
                `--config=${p.kubeletConfig}`,
                `--kubeconfig=${p.kubeconfig("kubelet")}`,
                `--root-dir=${p.kubeletRoot}`,
                `--hostname-override=${l.nodeName}`,
                `--node-ip=${l.nodeIP}`,
                "--v=1",
            ],
        };
    },
    health: {
        describe: "the kubelet answers http://127.0.0.1:10248/healthz and its node is Ready in the API server",
        async check(ctx) {
            const l = layout(ctx);
            // The node's Ready condition outlives a stopped kubelet by up to 40 s: ask the kubelet itself first.
            if (!(await answersOk("http://127.0.0.1:10248/healthz"))) return false;
            const r = await clusterGet(l, `https://127.0.0.1:${l.apiPort}/api/v1/nodes/${l.nodeName}`, { user: "admin" });
            if (r.status !== 200) return false;
            const ready = (JSON.parse(r.body).status?.conditions ?? []).find((c: { type: string }) => c.type === "Ready");
            return ready?.status === "True";
        },
    },
    endpoints(ctx) {
        return { node: layout(ctx).nodeName };
    },
};

const proxy: ServiceDefinition = {
    name: "k8s-proxy",
    ports: {},
    dependsOn: ["k8s-apiserver"],
    onDemand: true,
    startTimeoutMs: 60_000,
    install: requirePrograms,
    async prepare(ctx) {
        const l = layout(ctx);
        fs.writeFileSync(clusterPaths(l).proxyConfig, JSON.stringify(kubeProxyConfig(l), null, 2));
    },
    start(ctx) {
        const l = layout(ctx);
        return { command: bin(ctx, "kube-proxy"), args: [`--config=${clusterPaths(l).proxyConfig}`, `--hostname-override=${l.nodeName}`, "--v=1"] };
    },
    health: {
        describe: "kube-proxy answers http://127.0.0.1:10256/healthz",
        check: () => answersOk("http://127.0.0.1:10256/healthz"),
    },
    endpoints() {
        return { healthz: "http://127.0.0.1:10256/healthz" };
    },
};

const dns: ServiceDefinition = {
    name: "k8s-dns",
    ports: {},
    dependsOn: ["k8s-apiserver"],
    onDemand: true,
    startTimeoutMs: 60_000,
    install: requirePrograms,
    async prepare(ctx) {
        const l = layout(ctx);
        fs.writeFileSync(clusterPaths(l).corefile, corefile(l));
    },
    start(ctx) {
        return { command: bin(ctx, "coredns"), args: ["-conf", clusterPaths(layout(ctx)).corefile] };
    },
    health: {
        describe: "CoreDNS answers http://127.0.0.1:8181/ready (its kubernetes plugin has synced)",
        check: () => answersOk("http://127.0.0.1:8181/ready"),
    },
    endpoints(ctx) {
        const l = layout(ctx);
        return { service: `${l.dnsServiceIP}:53`, listens: `${l.nodeIP}:53` };
    },
};

export const definitions: ServiceDefinition[] = [containerd, etcd, apiserver, controllerManager, scheduler, kubelet, proxy, dns];
