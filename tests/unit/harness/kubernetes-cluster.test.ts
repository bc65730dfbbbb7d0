/**
 * The harness's single-node Kubernetes cluster as pure configuration (harness/kubernetes/config.ts,
 * objects.ts, images.ts) and its place among the harness's services (on demand, the `k8s` group).
 */
import * as path from "path";
import { expandGroups, withDependencies, withDependents } from "../../../harness/cli";
import {
    certExtensions,
    certSpecs,
    certSubject,
    clusterLayout,
    clusterPaths,
    cniConflist,
    containerdConfig,
    corefile,
    kubeconfig,
    kubeletConfig,
} from "../../../harness/kubernetes/config";
import { hasImage, imageArchiveManifest } from "../../../harness/kubernetes/images";
import { definitions, nodeAddress } from "../../../harness/kubernetes/index";
import { clusterObjects, localVolumes } from "../../../harness/kubernetes/objects";
import { releasableVolumes } from "../../../harness/kubernetes/volumes";

const l = clusterLayout("/run/lakehouse", "192.0.2.2", "3.10.2");
const p = clusterPaths(l);

describe("the cluster's certificates", () => {
    const specs = Object.fromEntries(certSpecs(l).map((c) => [c.name, c]));

    test("the API server's certificate names every address a client uses: node, loopback, Service IP, in-cluster names", () => {
        expect(specs.apiserver.altNames).toEqual(
            expect.arrayContaining(["IP:192.0.2.2", "IP:127.0.0.1", "IP:10.96.0.1", "DNS:kubernetes.default.svc.cluster.local", "DNS:kubernetes"]),
        );
        expect(certExtensions(specs.apiserver)).toContain("extendedKeyUsage=serverAuth");
    });

    test("each identity is what Kubernetes' authorizers expect: the node, the control plane's users, the admin", () => {
        expect(certSubject(specs.kubelet)).toBe("/O=system:nodes/CN=system:node:lakehouse-node");
        expect(certSubject(specs["controller-manager"])).toBe("/CN=system:kube-controller-manager");
        expect(certSubject(specs.scheduler)).toBe("/CN=system:kube-scheduler");
        expect(certSubject(specs.proxy)).toBe("/CN=system:kube-proxy");
        expect(certSubject(specs.admin)).toBe("/O=system:masters/CN=lakehouse-admin");
        expect(certExtensions(specs.kubelet)).toContain("extendedKeyUsage=serverAuth,clientAuth");
        expect(certExtensions(specs.admin)).not.toContain("subjectAltName");
    });
});

describe("the cluster's configuration files", () => {
    test("a kubeconfig names the API server, the CA and the user's own certificate", () => {
        const kc = JSON.parse(kubeconfig(l, "scheduler"));
        expect(kc.clusters[0].cluster).toEqual({ server: "https://127.0.0.1:6443", "certificate-authority": p.cert("ca") });
        expect(kc.users[0].user).toEqual({ "client-certificate": p.cert("scheduler"), "client-key": p.key("scheduler") });
        expect(kc["current-context"]).toBe("lakehouse");
    });

    test("containerd is the cluster's own (root, state and socket under the run dir), with cgroupfs and the imported pause image", () => {
        const toml = containerdConfig(l, "/usr/lib/cni");
        expect(toml).toContain(`address = "${p.containerdSocket}"`);
        expect(toml).toContain(`root = "/run/lakehouse/kubernetes/containerd/root"`);
        expect(toml).toContain('sandbox_image = "registry.k8s.io/pause:3.10.2"');
        expect(toml).toContain("SystemdCgroup = false");
        expect(toml).toContain(`conf_dir = "${p.cniConfDir}"`);
        expect(toml).not.toMatch(/\/var\/run\/docker|\/run\/containerd\/containerd.sock/);
    });

    test("pods get addresses from the pod CIDR on a bridge, host ports, and a firewall plugin past a FORWARD DROP policy", () => {
        const conf = JSON.parse(cniConflist(l));
        expect(conf.plugins.map((x: { type: string }) => x.type)).toEqual(["bridge", "portmap", "firewall"]);
        expect(conf.plugins[0].ipam.ranges).toEqual([[{ subnet: "10.244.0.0/24" }]]);
        expect(conf.plugins[0].ipam.dataDir).toBe(path.join(l.base, "cni", "networks"));
        expect(conf.plugins[0].ipMasq).toBe(true);
    });

    test("the kubelet runs on cgroup v1 with cgroupfs, does not enforce CPU limits, uses the cluster DNS, and never collects imported images", () => {
        expect(kubeletConfig(l)).toMatchObject({
            cgroupDriver: "cgroupfs",
            failCgroupV1: false,
            clusterDNS: ["10.96.0.10"],
            containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
            imageGCHighThresholdPercent: 100,
            cpuCFSQuota: false,
            authentication: { anonymous: { enabled: false }, x509: { clientCAFile: p.cert("ca") } },
            authorization: { mode: "Webhook" },
        });
    });

    test("CoreDNS serves the cluster domain from the API server on the node address, the rest from the node's resolver", () => {
        const conf = corefile(l);
        expect(conf).toContain("bind 192.0.2.2");
        expect(conf).toContain(`kubernetes cluster.local in-addr.arpa ip6.arpa {`);
        expect(conf).toContain(`kubeconfig ${p.kubeconfig("coredns")} lakehouse`);
        expect(conf).toContain("forward . /etc/resolv.conf");
    });

    test("the kube-dns Service has the cluster DNS address and an EndpointSlice to CoreDNS on the node", () => {
        const items = (clusterObjects(l).items as any[]).map((o) => [`${o.kind}/${o.metadata.name}`, o]);
        const byKey = Object.fromEntries(items);
        expect(byKey["Service/kube-dns"].spec.clusterIP).toBe("10.96.0.10");
        expect(byKey["Service/kube-dns"].spec.selector).toBeUndefined();
        expect(byKey["EndpointSlice/kube-dns-node"].endpoints).toEqual([{ addresses: ["192.0.2.2"], conditions: { ready: true } }]);
        expect(byKey["EndpointSlice/kube-dns-node"].metadata.labels["kubernetes.io/service-name"]).toBe("kube-dns");
        expect(byKey["ClusterRoleBinding/system:coredns"].subjects).toEqual([{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:coredns" }]);
        expect(byKey["StorageClass/lakehouse-local"]).toMatchObject({
            provisioner: "kubernetes.io/no-provisioner",
            reclaimPolicy: "Retain",
            volumeBindingMode: "WaitForFirstConsumer",
        });
        // The node's volumes: local, on their own directories, kept when their claim goes (Retain), pinned to the node.
        const volumes = items.filter(([key]) => key.startsWith("PersistentVolume/")).map(([, o]) => o);
        expect(volumes).toHaveLength(16);
        expect(new Set(volumes.map((v) => v.spec.local.path)).size).toBe(16);
        expect(volumes[3]).toMatchObject({
            metadata: { name: "lakehouse-local-03" },
            spec: {
                persistentVolumeReclaimPolicy: "Retain",
                storageClassName: "lakehouse-local",
                local: { path: p.volume(3) },
                capacity: { storage: "100Gi" },
            },
        });
        expect(volumes[3].spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0]).toEqual({
            key: "kubernetes.io/hostname",
            operator: "In",
            values: ["lakehouse-node"],
        });
    });
});

describe("images on the node", () => {
    test("a pod's image reference matches containerd's normalized Docker Hub names", () => {
        const have = ["docker.io/lakehouse/postgres:15-abc", "registry.k8s.io/pause:3.10.2", "docker.io/library/busybox:1"];
        expect(hasImage(have, "lakehouse/postgres:15-abc")).toBe(true);
        expect(hasImage(have, "registry.k8s.io/pause:3.10.2")).toBe(true);
        expect(hasImage(have, "busybox:1")).toBe(true);
        expect(hasImage(have, "lakehouse/postgres:15-abd")).toBe(false);
    });

    test("the pause image archive is one layer, named as the containerd config says", () => {
        const { config, manifest } = imageArchiveManifest("registry.k8s.io/pause:3.10.2", "ab".repeat(32), ["/pause"]);
        expect(manifest).toEqual([{ Config: "config.json", RepoTags: ["registry.k8s.io/pause:3.10.2"], Layers: ["layer.tar"] }]);
        expect(config.rootfs.diff_ids).toEqual([`sha256:${"ab".repeat(32)}`]);
        expect(config.config.Entrypoint).toEqual(["/pause"]);
    });
});

describe("the cluster among the harness's services", () => {
    const names = definitions.map((d) => d.name);

    test("starts only when asked: a bare `up` leaves every cluster service out", () => {
        expect(definitions.every((d) => d.onDemand)).toBe(true);
        const bare = withDependencies(undefined).map((d) => d.name);
        for (const n of names) expect(bare).not.toContain(n);
        expect(bare).toContain("postgres");
    });

    test("`k8s` names the whole cluster, in start order; a subset pulls in what it needs", () => {
        expect(expandGroups(["k8s"])).toEqual(names);
        const order = withDependencies(["k8s"]).map((d) => d.name);
        expect(order.indexOf("k8s-etcd")).toBeLessThan(order.indexOf("k8s-apiserver"));
        expect(order.indexOf("k8s-apiserver")).toBeLessThan(order.indexOf("k8s-kubelet"));
        expect(order.indexOf("k8s-containerd")).toBeLessThan(order.indexOf("k8s-kubelet"));
        expect(withDependencies(["k8s-kubelet"]).map((d) => d.name)).toEqual(["k8s-containerd", "k8s-etcd", "k8s-apiserver", "k8s-kubelet"]);
        expect(withDependents(["k8s-etcd"]).map((d) => d.name)).toEqual(names.filter((n) => n !== "k8s-containerd"));
        expect(() => withDependencies(["k9s"])).toThrow(/unknown service\(s\): k9s/);
    });

    test("the node's address: $LAKEHOUSE_K8S_NODE_IP, else the first address that is not loopback", () => {
        const ifs = {
            lo: [{ address: "127.0.0.1", family: "IPv4", internal: true }],
            eth0: [{ address: "192.0.2.2", family: "IPv4", internal: false }],
        } as any;
        expect(nodeAddress({}, ifs)).toBe("192.0.2.2");
        expect(nodeAddress({ LAKEHOUSE_K8S_NODE_IP: "10.0.0.5" }, ifs)).toBe("10.0.0.5");
        expect(() => nodeAddress({}, { lo: ifs.lo })).toThrow(/set LAKEHOUSE_K8S_NODE_IP/);
    });
});

describe("releasing the node's volumes after a destroy", () => {
    const volumesDir = "/run/lakehouse/kubernetes/volumes";
    const pv = (i: number, phase: string, extra: Record<string, any> = {}) => {
        const base = localVolumes(l)[i] as any;
        return {
            ...base,
            spec: { ...base.spec, ...(phase === "Available" ? {} : { claimRef: { namespace: "lakehouse-k8s", name: `data-kafka-${i}-0` } }), ...extra },
            status: { phase },
        };
    };

    test("only Released volumes of the harness's class, inside its volumes directory, are wiped and freed", () => {
        const items = [
            pv(0, "Released"),
            pv(1, "Bound"),
            pv(2, "Available"),
            pv(3, "Released", { storageClassName: "someone-elses" }),
            pv(4, "Released", { local: { path: "/var/lib/data" } }),
            pv(5, "Released", { local: { path: `${volumesDir}/../etcd` } }),
            pv(6, "Released"),
        ];
        expect(items[0].spec.local.path).toBe(`${volumesDir}/pv-00`);
        expect(releasableVolumes(items, volumesDir)).toEqual([
            { name: "lakehouse-local-00", path: `${volumesDir}/pv-00`, claim: "lakehouse-k8s/data-kafka-0-0" },
            { name: "lakehouse-local-06", path: `${volumesDir}/pv-06`, claim: "lakehouse-k8s/data-kafka-6-0" },
        ]);
        expect(releasableVolumes([], volumesDir)).toEqual([]);
    });
});
