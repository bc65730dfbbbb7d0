/**
 * `lakehouse:kubernetes` and the rules that apply on `platform: kubernetes`: every bad value stops
 * the program before any resource is registered, naming the key and the fix.
 */
import { LakehouseConfig } from "../../../components/config";
import { expectProblemAt, parseConfigValues } from "../../support/lakehouse-config";

const base = { platform: "kubernetes", kubernetes: {} as Record<string, unknown> };

const parse = (values: Record<string, unknown>): LakehouseConfig => parseConfigValues(values, { stack: "prod" });

describe("lakehouse:kubernetes defaults", () => {
    it("defaults to the stack's namespace, in-cluster access, the cluster's default storage class and 20 GiB claims", () => {
        const cfg = parse(base);
        expect(cfg.platform).toBe("kubernetes");
        expect(cfg.kubernetes).toEqual({
            namespace: "cdc-lakehouse-prod",
            access: "in-cluster",
            nodePortBase: 30900,
            clusterDomain: "cluster.local",
            volumeSizeGiB: { postgres: 20, kafka: 20, minio: 20, nessie: 20, dremio: 20 },
            nodeSelector: {},
            tolerations: [],
        });
    });

    it("reads every setting", () => {
        // The settings read back as they are written; nodePortBase and volumeSizeGiB are written as strings.
        const readAsWritten = {
            namespace: "lake",
            kubeconfig: "/etc/kube/config",
            context: "arn:aws:eks:eu-west-1:123456789012:cluster/prod",
            renderYamlToDirectory: "manifests/prod",
            access: "node-port",
            nodeAddress: "10.0.0.21",
            clusterDomain: "corp.local",
            storageClass: "ebs.gp3",
            nodeSelector: { "kubernetes.io/os": "linux" },
            tolerations: [{ key: "dedicated", operator: "Equal", value: "data", effect: "NoExecute", tolerationSeconds: 60 }, { operator: "Exists" }],
        };
        const cfg = parse({ ...base, kafka: { brokers: 3 }, kubernetes: { ...readAsWritten, nodePortBase: "31000", volumeSizeGiB: { kafka: "200" } } });
        expect(cfg.kubernetes).toMatchObject({ ...readAsWritten, nodePortBase: 31000 });
        expect(cfg.kubernetes.volumeSizeGiB.kafka).toBe(200);
        expect(cfg.kubernetes.volumeSizeGiB.postgres).toBe(20);
    });

    it("accepts any quorum of an existing Kafka", () => {
        const cfg = parse({
            platform: "kubernetes",
            kafka: { brokers: 2 },
            external: {
                flink: { restUrl: "http://flink.internal:8081", sqlGatewayUrl: "http://flink.internal:8083" },
                kafka: { bootstrapServers: "b-1.kafka.internal:9092" },
            },
        });
        expect(cfg.kafka.brokers).toBe(2);
    });

    it("ignores the kubernetes rules on other platforms", () => {
        expect(parse({ kafka: { brokers: 2 } }).kafka.brokers).toBe(2);
    });
});

describe("lakehouse:kubernetes rejects bad config, naming the key and the fix", () => {
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
        ["an even KRaft quorum", { ...base, kafka: { brokers: 2 } }, "lakehouse:kafka.brokers", /found 2; expected 1, 3 or 5 on Kubernetes/],
        ["a quorum of 4", { ...base, kafka: { brokers: 4 } }, "lakehouse:kafka.brokers", /1, 3 or 5 on Kubernetes: each broker is a KRaft controller/],
        [
            "parallelism beyond the slots",
            { ...base, flink: { taskManagers: 2, slotsPerTaskManager: 1, parallelism: 3 } },
            "lakehouse:flink.parallelism",
            /at most flink.taskManagers x flink.slotsPerTaskManager = 2/,
        ],
        [
            "a storage class with capitals",
            { ...base, kubernetes: { ...base.kubernetes, storageClass: "Fast_SSD" } },
            "lakehouse:kubernetes.storageClass",
            /found "Fast_SSD"; expected the name of a StorageClass .*kubectl get storageclass/,
        ],
        [
            "a storage class with a space",
            { ...base, kubernetes: { ...base.kubernetes, storageClass: "gp 3" } },
            "lakehouse:kubernetes.storageClass",
            /StorageClass/,
        ],
        [
            "the registry key of an earlier version",
            { ...base, kubernetes: { imageRegistry: "registry.example.com/data" } },
            "lakehouse:kubernetes.imageRegistry",
            /set `lakehouse:images.registry` instead/,
        ],
        [
            "node-port without a node",
            { ...base, kubernetes: { ...base.kubernetes, access: "node-port" } },
            "lakehouse:kubernetes.nodeAddress",
            /found nothing; expected a node's address with kubernetes.access "node-port"/,
        ],
        [
            "an unknown access",
            { ...base, kubernetes: { ...base.kubernetes, access: "ingress" } },
            "lakehouse:kubernetes.access",
            /one of in-cluster, node-port, none/,
        ],
        [
            "node ports outside the range",
            { ...base, kubernetes: { ...base.kubernetes, nodePortBase: 8080 } },
            "lakehouse:kubernetes.nodePortBase",
            /an integer from 30000 to 32748/,
        ],
        [
            "a namespace with capitals",
            { ...base, kubernetes: { ...base.kubernetes, namespace: "Lakehouse" } },
            "lakehouse:kubernetes.namespace",
            /a namespace name/,
        ],
        [
            "a claim for a service that keeps no data",
            { ...base, kubernetes: { ...base.kubernetes, volumeSizeGiB: { flink: 10 } } },
            "lakehouse:kubernetes.volumeSizeGiB.flink",
            /no such key: .*only these services keep data/,
        ],
        [
            "a zero-size claim",
            { ...base, kubernetes: { ...base.kubernetes, volumeSizeGiB: { kafka: 0 } } },
            "lakehouse:kubernetes.volumeSizeGiB.kafka",
            /an integer from 1 to 65536/,
        ],
        [
            "a node selector value that is not a string",
            { ...base, kubernetes: { ...base.kubernetes, nodeSelector: { "node.example.com/ssd": true } } },
            "lakehouse:kubernetes.nodeSelector.node.example.com/ssd",
            /quote numbers and booleans/,
        ],
        [
            "a bad node selector key",
            { ...base, kubernetes: { ...base.kubernetes, nodeSelector: { "bad key": "x" } } },
            "lakehouse:kubernetes.nodeSelector.bad key",
            /a label key/,
        ],
        [
            "a toleration with an unknown effect",
            { ...base, kubernetes: { ...base.kubernetes, tolerations: [{ key: "a", operator: "Equal", value: "b", effect: "NoRun" }] } },
            "lakehouse:kubernetes.tolerations[0].effect",
            /one of NoSchedule, PreferNoSchedule, NoExecute/,
        ],
        [
            "a toleration matching a value with Exists",
            { ...base, kubernetes: { ...base.kubernetes, tolerations: [{ key: "a", operator: "Exists", value: "b" }] } },
            "lakehouse:kubernetes.tolerations[0].value",
            /use operator "Equal"/,
        ],
        [
            "a grace time without NoExecute",
            { ...base, kubernetes: { ...base.kubernetes, tolerations: [{ key: "a", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 30 }] } },
            "lakehouse:kubernetes.tolerations[0].tolerationSeconds",
            /only eviction has a grace time/,
        ],
        [
            "tolerations as an object",
            { ...base, kubernetes: { ...base.kubernetes, tolerations: { key: "a" } } },
            "lakehouse:kubernetes.tolerations",
            /a list of/,
        ],
        [
            "a typo in a key",
            { ...base, kubernetes: { ...base.kubernetes, storageClas: "gp3" } },
            "lakehouse:kubernetes.storageClas",
            /did you mean "storageClass"/,
        ],
    ];

    it.each(cases)("%s", (_title, values, key, expected) => expectProblemAt(values, key, expected, { stack: "prod" }));
});
