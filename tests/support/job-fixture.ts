/**
 * The services a Flink job resource test writes through, on the harness: a bucket of its own for the
 * warehouse and a topic of its own for the change events; removed again afterwards with what the job
 * left (its Iceberg tables and namespace, the bucket's objects, the topic).
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { Kafka, logLevel } from "kafkajs";
import { endpoints } from "../../harness/cli";
import { emptyAndDeleteBucket } from "./s3-bucket";

export interface JobFixture {
    s3: S3Client;
    kafka: Kafka;
    /** Empties and deletes the bucket, deletes the topics; `dropTables` (a batch query) first drops the Iceberg tables and namespace. */
    tearDown: (dropTables?: () => Promise<void>) => Promise<void>;
}

/** Creates `bucket` and `topic` (one partition) on the harness's MinIO and Kafka. */
export async function jobFixture(bucket: string, topic: string, clientId: string): Promise<JobFixture> {
    const ep = endpoints();
    const s3 = new S3Client({
        endpoint: ep.minio.endpoint,
        region: ep.minio.region,
        forcePathStyle: true,
        credentials: { accessKeyId: ep.minio.accessKeyId, secretAccessKey: ep.minio.secretAccessKey },
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const kafka = new Kafka({ clientId, brokers: [ep.kafka.bootstrapServers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    return {
        s3,
        kafka,
        tearDown: async (dropTables) => {
            if (dropTables) await dropTables().catch(() => undefined);
            await emptyAndDeleteBucket(s3, bucket);
            s3.destroy();
            const cleanup = kafka.admin();
            await cleanup.connect();
            await cleanup.deleteTopics({ topics: [topic] }).catch(() => undefined);
            await cleanup.disconnect();
        },
    };
}
