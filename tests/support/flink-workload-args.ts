/** The Flink workload specs' arguments the unit tests render (components/flink.ts `flinkWorkloads`): project images, one stack's names. */
import { FlinkConfig } from "../../components/config";
import { DEFAULT_RESOURCES } from "../../components/defaults";
import { FlinkWorkloadArgs } from "../../components/flink";

/** `flinkWorkloads` arguments for a stack with `flink` (its parsed `lakehouse:flink`), the rest as given in `overrides`. */
export function flinkWorkloadArgs(flink: FlinkConfig, overrides: Partial<FlinkWorkloadArgs> = {}): FlinkWorkloadArgs {
    return {
        image: { ref: "lakehouse/flink:1.20.3-0123456789ab", pull: false },
        zookeeperImage: { ref: "lakehouse/zookeeper:3.8.4-0123456789ab", pull: false },
        clusterId: "cdc-lakehouse-prod-flink",
        flink,
        awsRegion: "eu-west-1",
        s3Endpoint: "http://minio:9000",
        s3AccessKey: "lakehouse",
        dependsOn: [],
        resources: DEFAULT_RESOURCES.flink,
        ...overrides,
    };
}
