import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Endpoint } from "./platform";

/** Names the AWS storage option's credentials have in the platforms' secret registry. */
export const AWS_S3_SECRETS = { accessKeyId: "s3-access-key-id", secretAccessKey: "s3-secret-access-key" } as const;

export interface AwsWarehouseArgs {
    /** Bucket name (S3 bucket names are global: pick one your account can own). */
    bucket: string;
    /** Region of the bucket and of every S3 client. */
    region: string;
    /** Delete the bucket's objects with it on destroy. */
    forceDestroy: boolean;
    /** `<project>-<stack>`: names the IAM user the services use. */
    namePrefix: string;
    /** An AWS provider to use instead of one for `region` with the ambient credentials. */
    provider?: aws.Provider;
    /** Refuse to delete or replace the bucket (Pulumi `protect`): the stack does not allow losing it. Default false. */
    protect?: boolean;
}

/** The regional S3 endpoint, as every service reaches it. */
export function awsS3Endpoint(region: string): Endpoint {
    const host = `s3.${region}.${region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"}`;
    return { internal: host, host, scheme: "https" };
}

/**
 * The least privilege the lakehouse's services need on the warehouse: list the bucket, and read,
 * write and delete objects in it (Iceberg data and metadata, Flink checkpoints and savepoints).
 */
export function warehouseAccessPolicy(bucketArn: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "ListWarehouse", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: [bucketArn] },
            {
                Sid: "ReadWriteWarehouseObjects",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                Resource: [`${bucketArn}/*`],
            },
        ],
    });
}

/**
 * The warehouse on AWS S3 instead of MinIO: a private, encrypted bucket, and an IAM user limited to
 * it whose access key Flink, Nessie and Dremio use. The key's secret is a secret Output.
 */
export class AwsWarehouse extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly api: Endpoint;
    readonly accessKeyId: pulumi.Output<string>;
    readonly secretAccessKey: pulumi.Output<string>;
    /** The key under the names specs reference in `secretEnv`. */
    readonly registry: Record<string, pulumi.Output<string>>;
    /** What must exist before a service writes to the warehouse. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: AwsWarehouseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lakehouse:storage:AwsWarehouse", name, {}, opts);
        const provider = args.provider ?? new aws.Provider(`${name}-provider`, { region: args.region as aws.Region }, { parent: this });
        const child = { parent: this, provider };
        this.bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            { bucket: args.bucket, forceDestroy: args.forceDestroy },
            { ...child, protect: args.protect ?? false },
        );
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            child,
        );
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            { bucket: this.bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            child,
        );
        const user = new aws.iam.User(
            `${name}-user`,
            { name: `${args.namePrefix}-lakehouse`, tags: { "lakehouse:purpose": "warehouse access for Flink, Nessie and Dremio" } },
            child,
        );
        const policy = new aws.iam.UserPolicy(`${name}-policy`, { user: user.name, policy: this.bucket.arn.apply(warehouseAccessPolicy) }, child);
        const key = new aws.iam.AccessKey(`${name}-key`, { user: user.name }, { ...child, dependsOn: [policy] });
        this.api = awsS3Endpoint(args.region);
        this.accessKeyId = key.id;
        this.secretAccessKey = pulumi.secret(key.secret);
        this.registry = { [AWS_S3_SECRETS.accessKeyId]: pulumi.secret(key.id), [AWS_S3_SECRETS.secretAccessKey]: this.secretAccessKey };
        this.ready = [this.bucket, publicAccess, encryption, key];
        this.registerOutputs({ bucket: this.bucket.bucket, api: this.api, accessKeyId: this.accessKeyId });
    }
}
