/**
 * The single-node cluster's configuration, as pure functions of its layout: where its files are,
 * its addresses, the certificates it needs, and the configuration files of containerd, CNI, the
 * kubelet, kube-proxy and CoreDNS. JSON where the program reads YAML (YAML is a superset of JSON).
 */
import * as path from "path";

/** Where the cluster's files are and the addresses it uses. */
export interface ClusterLayout {
    /** <runDir>/kubernetes: certificates, configs, etcd's data, containerd's root and state, the kubelet's root. */
    base: string;
    nodeName: string;
    /** The node's address (the API server advertises it; NodePorts listen on it). Not loopback. */
    nodeIP: string;
    apiPort: number;
    etcdClientPort: number;
    etcdPeerPort: number;
    serviceCIDR: string;
    /** The API server's own Service address (the first of serviceCIDR). */
    apiServiceIP: string;
    /** The cluster DNS Service address. */
    dnsServiceIP: string;
    podCIDR: string;
    clusterDomain: string;
    /** The sandbox ("pause") image the node has imported. */
    pauseImage: string;
    /** Local PersistentVolumes the node offers (no dynamic provisioner): how many, and the capacity each declares. */
    localVolumes: { count: number; capacityGiB: number };
}

export function clusterLayout(runDir: string, nodeIP: string, pauseVersion: string): ClusterLayout {
    return {
        base: path.join(runDir, "kubernetes"),
        nodeName: "lakehouse-node",
        nodeIP,
        apiPort: 6443,
        etcdClientPort: 2379,
        etcdPeerPort: 2380,
        serviceCIDR: "10.96.0.0/16",
        apiServiceIP: "10.96.0.1",
        dnsServiceIP: "10.96.0.10",
        podCIDR: "10.244.0.0/24",
        clusterDomain: "cluster.local",
        pauseImage: `registry.k8s.io/pause:${pauseVersion}`,
        localVolumes: { count: 16, capacityGiB: 100 },
    };
}

/** Paths of everything the cluster writes. */
export function clusterPaths(l: ClusterLayout) {
    const pki = path.join(l.base, "pki");
    return {
        pki,
        etcdData: path.join(l.base, "etcd"),
        containerdRoot: path.join(l.base, "containerd", "root"),
        containerdState: path.join(l.base, "containerd", "state"),
        containerdSocket: path.join(l.base, "containerd", "containerd.sock"),
        containerdConfig: path.join(l.base, "containerd", "config.toml"),
        cniConfDir: path.join(l.base, "cni", "net.d"),
        /** host-local IPAM's allocations: under the run directory, so a `reset` frees every pod address. */
        cniIpamDir: path.join(l.base, "cni", "networks"),
        kubeletRoot: path.join(l.base, "kubelet"),
        kubeletConfig: path.join(l.base, "kubelet-config.json"),
        proxyConfig: path.join(l.base, "kube-proxy-config.json"),
        corefile: path.join(l.base, "Corefile"),
        kubeconfig: (user: string) => path.join(l.base, `${user}.kubeconfig`),
        cert: (name: string) => path.join(pki, `${name}.crt`),
        key: (name: string) => path.join(pki, `${name}.key`),
        serviceAccountKey: path.join(pki, "service-account.key"),
        serviceAccountPub: path.join(pki, "service-account.pub"),
        /** The directory behind the node's local PersistentVolume `lakehouse-local-<i>`. */
        volume: (i: number) => path.join(l.base, "volumes", `pv-${String(i).padStart(2, "0")}`),
    };
}

/** One certificate signed by the cluster's CA. */
export interface CertSpec {
    name: string;
    commonName: string;
    organization?: string;
    /** DNS names and IP addresses (`DNS:` / `IP:` prefixes, as openssl's subjectAltName). */
    altNames: string[];
    usage: "server" | "client" | "both";
}

/** The certificates of the control plane and the node (one CA signs all of them). */
export function certSpecs(l: ClusterLayout): CertSpec[] {
    const apiNames = [
        "DNS:kubernetes",
        "DNS:kubernetes.default",
        "DNS:kubernetes.default.svc",
        `DNS:kubernetes.default.svc.${l.clusterDomain}`,
        "DNS:localhost",
        `DNS:${l.nodeName}`,
        "IP:127.0.0.1",
        `IP:${l.nodeIP}`,
        `IP:${l.apiServiceIP}`,
    ];
    return [
        { name: "apiserver", commonName: "kube-apiserver", altNames: apiNames, usage: "server" },
        { name: "apiserver-kubelet-client", commonName: "kube-apiserver-kubelet-client", organization: "system:masters", altNames: [], usage: "client" },
        { name: "etcd", commonName: "etcd", altNames: ["DNS:localhost", "IP:127.0.0.1"], usage: "both" },
        { name: "admin", commonName: "lakehouse-admin", organization: "system:masters", altNames: [], usage: "client" },
        { name: "controller-manager", commonName: "system:kube-controller-manager", altNames: [], usage: "client" },
        { name: "scheduler", commonName: "system:kube-scheduler", altNames: [], usage: "client" },
        { name: "proxy", commonName: "system:kube-proxy", altNames: [], usage: "client" },
        { name: "coredns", commonName: "system:coredns", altNames: [], usage: "client" },
        {
            name: "kubelet",
            commonName: `system:node:${l.nodeName}`,
            organization: "system:nodes",
            altNames: [`DNS:${l.nodeName}`, "IP:127.0.0.1", `IP:${l.nodeIP}`],
            usage: "both",
        },
    ];
}

/** The openssl extension section of a leaf certificate. */
export function certExtensions(c: CertSpec): string {
    const eku = c.usage === "server" ? "serverAuth" : c.usage === "client" ? "clientAuth" : "serverAuth,clientAuth";
    return [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        `extendedKeyUsage=${eku}`,
        ...(c.altNames.length ? [`subjectAltName=${c.altNames.join(",")}`] : []),
    ].join("\n");
}

/** `-subj` of a certificate. */
export function certSubject(c: Pick<CertSpec, "commonName" | "organization">): string {
    return `${c.organization ? `/O=${c.organization}` : ""}/CN=${c.commonName}`;
}

/** A kubeconfig for one user (client certificate) of the cluster at `server`. */
export function kubeconfig(l: ClusterLayout, user: string, server = `https://127.0.0.1:${l.apiPort}`): string {
    const p = clusterPaths(l);
    return JSON.stringify(
        {
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "lakehouse", cluster: { server, "certificate-authority": p.cert("ca") } }],
            users: [{ name: user, user: { "client-certificate": p.cert(user), "client-key": p.key(user) } }],
            contexts: [{ name: "lakehouse", context: { cluster: "lakehouse", user } }],
            "current-context": "lakehouse",
        },
        null,
        2,
    );
}

/**
 * containerd of the cluster's own (beside any Docker engine's, never touching it): its own root,
 * state and socket; the CRI plugin on, runc with cgroupfs (no systemd here), the imported pause image
 * as the sandbox image, CNI from Debian's containernetworking-plugins and the cluster's conf dir.
 */
export function containerdConfig(l: ClusterLayout, cniBinDir: string): string {
    const p = clusterPaths(l);
    return [
        "version = 2",
        `root = ${JSON.stringify(p.containerdRoot)}`,
        `state = ${JSON.stringify(p.containerdState)}`,
        "",
        "[grpc]",
        `  address = ${JSON.stringify(p.containerdSocket)}`,
        "",
        '[plugins."io.containerd.grpc.v1.cri"]',
        `  sandbox_image = ${JSON.stringify(l.pauseImage)}`,
        // Without CAP_SYS_RESOURCE (this kind of machine lacks it) runc cannot lower a container's
        // oom_score_adj below its own; the kubelet asks -998 for sandboxes, and every pod failed with
        // "runc create failed: ... can't get final child's PID from pipe: EOF". Clamp to containerd's own.
        "  restrict_oom_score_adj = true",
        '[plugins."io.containerd.grpc.v1.cri".containerd]',
        '  snapshotter = "overlayfs"',
        '  default_runtime_name = "runc"',
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
        '  runtime_type = "io.containerd.runc.v2"',
        '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
        "  SystemdCgroup = false",
        '[plugins."io.containerd.grpc.v1.cri".cni]',
        `  bin_dir = ${JSON.stringify(cniBinDir)}`,
        `  conf_dir = ${JSON.stringify(p.cniConfDir)}`,
        "",
    ].join("\n");
}

/**
 * The pod network: one Linux bridge with host-local addresses from the pod CIDR, masquerading out,
 * host ports, and the `firewall` plugin (a Docker engine's FORWARD DROP policy would drop pod traffic).
 */
export function cniConflist(l: ClusterLayout): string {
    return JSON.stringify(
        {
            cniVersion: "0.4.0",
            name: "lakehouse",
            plugins: [
                {
                    type: "bridge",
                    bridge: "lakehouse0",
                    isGateway: true,
                    ipMasq: true,
                    hairpinMode: true,
                    ipam: {
                        type: "host-local",
                        ranges: [[{ subnet: l.podCIDR }]],
                        routes: [{ dst: "0.0.0.0/0" }],
                        dataDir: clusterPaths(l).cniIpamDir,
                    },
                },
                { type: "portmap", capabilities: { portMappings: true } },
                { type: "firewall" },
            ],
        },
        null,
        2,
    );
}

/**
 * The kubelet: cgroupfs (PID 1 is not systemd), cgroup v1 allowed (this kind of machine has v1 only),
 * CPU limits not enforced, no swap check, x509 client auth from the cluster CA and webhook authorization, the cluster DNS,
 * and image garbage collection off (imported images cannot be pulled again).
 */
export function kubeletConfig(l: ClusterLayout): Record<string, unknown> {
    const p = clusterPaths(l);
    return {
        apiVersion: "kubelet.config.k8s.io/v1beta1",
        kind: "KubeletConfiguration",
        address: l.nodeIP,
        port: 10250,
        healthzBindAddress: "127.0.0.1",
        healthzPort: 10248,
        authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: p.cert("ca") } },
        authorization: { mode: "Webhook" },
        tlsCertFile: p.cert("kubelet"),
        tlsPrivateKeyFile: p.key("kubelet"),
        cgroupDriver: "cgroupfs",
        failCgroupV1: false,
        failSwapOn: false,
        containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
        clusterDNS: [l.dnsServiceIP],
        clusterDomain: l.clusterDomain,
        resolvConf: "/etc/resolv.conf",
        podCIDR: l.podCIDR,
        imageGCHighThresholdPercent: 100,
        imageGCLowThresholdPercent: 99,
        evictionHard: { "memory.available": "100Mi", "nodefs.available": "1%", "imagefs.available": "1%" },
        protectKernelDefaults: false,
        maxPods: 60,
        // One node of two cores runs the whole lakehouse: pods request a slice each (so they all fit), and
        // CPU limits are not enforced (no CFS quota), so a starting JVM may use an idle core.
        cpuCFSQuota: false,
        serializeImagePulls: false,
    };
}

/** kube-proxy in iptables mode; conntrack left as the machine has it (its sysctls may be read-only). */
export function kubeProxyConfig(l: ClusterLayout): Record<string, unknown> {
    return {
        apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
        kind: "KubeProxyConfiguration",
        clientConnection: { kubeconfig: clusterPaths(l).kubeconfig("proxy") },
        mode: "iptables",
        clusterCIDR: l.podCIDR,
        bindAddress: "0.0.0.0",
        healthzBindAddress: "127.0.0.1:10256",
        metricsBindAddress: "127.0.0.1:10249",
        conntrack: { maxPerCore: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
    };
}

/**
 * CoreDNS as a process on the node, serving the cluster domain from the API server and forwarding
 * the rest to the node's resolver; it listens on the node address, which the `kube-dns` Service's
 * endpoints point at.
 */
export function corefile(l: ClusterLayout, port = 53): string {
    const p = clusterPaths(l);
    return [
        `.:${port} {`,
        `    bind ${l.nodeIP}`,
        "    errors",
        "    health 127.0.0.1:8180",
        "    ready 127.0.0.1:8181",
        `    kubernetes ${l.clusterDomain} in-addr.arpa ip6.arpa {`,
        `        kubeconfig ${p.kubeconfig("coredns")} lakehouse`,
        "        pods insecure",
        "        fallthrough in-addr.arpa ip6.arpa",
        "    }",
        "    forward . /etc/resolv.conf",
        "    cache 30",
        "    loop",
        "}",
        "",
    ].join("\n");
}
