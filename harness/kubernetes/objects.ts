/**
 * The objects a bare cluster needs before workloads: CoreDNS's read access (it runs as the user
 * `system:coredns`), the `kube-dns` Service at the cluster DNS address with an EndpointSlice to
 * CoreDNS on the node, and a StorageClass for the node's local volumes. Applied by the harness
 * with `kubectl apply --server-side` (idempotent). The node's volumes are local PersistentVolumes on
 * directories under the run dir, reclaim policy Retain: a claim deleted (a `pulumi destroy`) leaves
 * its volume and the data in it, Released, until someone deletes it.
 */
import { ClusterLayout, clusterPaths } from "./config";

export const LOCAL_STORAGE_CLASS = "lakehouse-local";

export function clusterObjects(l: ClusterLayout): Record<string, unknown> {
    const ports = [
        { name: "dns", port: 53, protocol: "UDP" },
        { name: "dns-tcp", port: 53, protocol: "TCP" },
    ];
    return {
        apiVersion: "v1",
        kind: "List",
        items: [
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRole",
                metadata: { name: "system:coredns" },
                rules: [
                    { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
                    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
                ],
            },
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRoleBinding",
                metadata: { name: "system:coredns" },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
                subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:coredns" }],
            },
            {
                apiVersion: "v1",
                kind: "Service",
                metadata: { name: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } },
                spec: { clusterIP: l.dnsServiceIP, ports: ports.map((p) => ({ ...p, targetPort: 53 })) },
            },
            {
                apiVersion: "discovery.k8s.io/v1",
                kind: "EndpointSlice",
                metadata: {
                    name: "kube-dns-node",
                    namespace: "kube-system",
                    labels: { "kubernetes.io/service-name": "kube-dns", "endpointslice.kubernetes.io/managed-by": "lakehouse-harness" },
                },
                addressType: "IPv4",
                endpoints: [{ addresses: [l.nodeIP], conditions: { ready: true } }],
                ports,
            },
            ...localVolumes(l),
            {
                apiVersion: "storage.k8s.io/v1",
                kind: "StorageClass",
                metadata: { name: LOCAL_STORAGE_CLASS },
                provisioner: "kubernetes.io/no-provisioner",
                volumeBindingMode: "WaitForFirstConsumer",
                reclaimPolicy: "Retain",
            },
        ],
    };
}

/** The node's local PersistentVolumes (`lakehouse-local-00`, ...), each on its own directory, pinned to the node. */
export function localVolumes(l: ClusterLayout): Record<string, unknown>[] {
    return Array.from({ length: l.localVolumes.count }, (_, i) => ({
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: `${LOCAL_STORAGE_CLASS}-${String(i).padStart(2, "0")}`, labels: { "lakehouse.local/volume": "node-local" } },
        spec: {
            capacity: { storage: `${l.localVolumes.capacityGiB}Gi` },
            accessModes: ["ReadWriteOnce"],
            persistentVolumeReclaimPolicy: "Retain",
            storageClassName: LOCAL_STORAGE_CLASS,
            local: { path: clusterPaths(l).volume(i) },
            nodeAffinity: {
                required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [l.nodeName] }] }] },
            },
        },
    }));
}
