/**
 * The warehouse bucket on MinIO (or any S3-compatible store), as a Pulumi dynamic resource.
 *
 * The provider object is serialized into state and run later by Pulumi's dynamic provider host, so
 * its methods reach only Node built-ins and npm packages (by `require` inside the method) and the
 * pure functions of this file. Credentials arrive as (secret) inputs, never from the closure.
 */
import * as pulumi from "@pulumi/pulumi";

/** Bumped when the provider's behaviour changes in a way existing resources must pick up. */
export const BUCKET_PROVIDER_VERSION = 1;

export interface BucketInputs {
    /** S3 endpoint URL as the machine running Pulumi reaches it. */
    endpoint: string;
    region: string;
    bucket: string;
    accessKeyId: string;
    secretAccessKey: string;
    /** Delete a non-empty bucket with its objects on destroy (default: refuse, naming the object count). */
    forceDestroy: boolean;
    version: number;
}

export interface BucketOutputs extends BucketInputs {
    /** `s3://<bucket>/` */
    location: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Pulumi's placeholder for a value unknown during preview (never validated). */
function isUnknown(value: unknown): boolean {
    return value === "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
}

/** Validates inputs; each failure names the property. Unknown values (preview) are skipped. */
export function checkBucketInputs(news: Record<string, any>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    const known = (k: string) => news[k] !== undefined && !isUnknown(news[k]);
    if (known("bucket") && !BUCKET_NAME.test(String(news.bucket))) {
        failures.push({ property: "bucket", reason: `"${news.bucket}" is not an S3 bucket name: 3-63 lower-case letters, digits, '.' or '-'` });
    }
    if (known("endpoint") && !/^https?:\/\/[^\s/]+(\/.*)?$/.test(String(news.endpoint))) {
        failures.push({ property: "endpoint", reason: `"${news.endpoint}" is not an http(s) URL` });
    }
    if (known("region") && !/^[a-z0-9-]+$/.test(String(news.region))) failures.push({ property: "region", reason: `"${news.region}" is not a region name` });
    for (const k of ["accessKeyId", "secretAccessKey"]) if (news[k] === undefined || news[k] === "") failures.push({ property: k, reason: "is required" });
    return failures;
}

/** Which properties changed, and which of them replace the bucket (a new name or another store). */
export function diffBucket(olds: Record<string, any>, news: Record<string, any>): { changes: boolean; replaces: string[] } {
    const keys = ["endpoint", "region", "bucket", "accessKeyId", "secretAccessKey", "forceDestroy", "version"];
    // State written before `version` or `forceDestroy` existed reads as their defaults.
    const normal = (v: Record<string, any>): Record<string, any> => ({ forceDestroy: false, version: 1, ...v });
    const o = normal(olds);
    const n = normal(news);
    const changed = keys.filter((k) => JSON.stringify(o[k]) !== JSON.stringify(n[k]));
    return { changes: changed.length > 0, replaces: changed.filter((k) => k === "bucket" || k === "endpoint") };
}

function s3Client(inputs: Record<string, any>) {
    const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    return new S3Client({
        endpoint: inputs.endpoint,
        region: inputs.region,
        forcePathStyle: true,
        credentials: { accessKeyId: inputs.accessKeyId, secretAccessKey: inputs.secretAccessKey },
        maxAttempts: 4,
    });
}

/** The S3 error name or HTTP status of a failed call. */
function s3ErrorKind(err: unknown): { name: string; status?: number } {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name ?? "Error", status: e.$metadata?.httpStatusCode };
}

/** Drops every object version of a bucket (for forceDestroy), page by page. */
async function emptyBucket(client: any, bucket: string): Promise<void> {
    const { ListObjectsV2Command, DeleteObjectsCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    let token: string | undefined;
    do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        const keys = (page.Contents ?? []).map((o: { Key?: string }) => ({ Key: o.Key! }));
        if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
}

export const bucketProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: any, news: any) {
        return { inputs: news, failures: checkBucketInputs(news) };
    },

    async diff(_id: string, olds: any, news: any) {
        return diffBucket(olds, news);
    },

    async create(inputs: any) {
        const { CreateBucketCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
        const client = s3Client(inputs);
        try {
            await client.send(new CreateBucketCommand({ Bucket: inputs.bucket }));
        } catch (err) {
            // Adopting an existing bucket of ours keeps create idempotent after a crash.
            if (s3ErrorKind(err).name !== "BucketAlreadyOwnedByYou") {
                throw new Error(`creating bucket ${inputs.bucket} at ${inputs.endpoint}: ${s3ErrorKind(err).name}: ${(err as Error).message}`);
            }
        } finally {
            client.destroy();
        }
        return { id: inputs.bucket, outs: { ...inputs, location: `s3://${inputs.bucket}/` } };
    },

    async read(id: string, props: any) {
        const { HeadBucketCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
        const client = s3Client(props);
        try {
            await client.send(new HeadBucketCommand({ Bucket: id }));
            return { id, props: { ...props, bucket: id, location: `s3://${id}/` } };
        } catch (err) {
            const kind = s3ErrorKind(err);
            if (kind.status === 404 || kind.name === "NotFound" || kind.name === "NoSuchBucket") return {};
            throw new Error(`reading bucket ${id} at ${props.endpoint}: ${kind.name}: ${(err as Error).message}`);
        } finally {
            client.destroy();
        }
    },

    async update(_id: string, _olds: any, news: any) {
        // Nothing on the server changes in place: the new credentials and flags are recorded for later calls.
        return { outs: { ...news, location: `s3://${news.bucket}/` } };
    },

    async delete(id: string, props: any) {
        const { DeleteBucketCommand, ListObjectsV2Command } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
        const client = s3Client(props);
        try {
            if (props.forceDestroy) await emptyBucket(client, id);
            await client.send(new DeleteBucketCommand({ Bucket: id }));
        } catch (err) {
            const kind = s3ErrorKind(err);
            if (kind.status === 404 || kind.name === "NoSuchBucket") return;
            if (kind.name === "BucketNotEmpty") {
                const page = await client.send(new ListObjectsV2Command({ Bucket: id, MaxKeys: 1000 }));
                throw new Error(
                    `bucket ${id} at ${props.endpoint} still holds ${page.KeyCount ?? "some"}${page.IsTruncated ? "+" : ""} objects: ` +
                        "empty it, or set forceDestroy (config storage.forceDestroy: true) to delete the data with it",
                );
            }
            throw new Error(`deleting bucket ${id} at ${props.endpoint}: ${kind.name}: ${(err as Error).message}`);
        } finally {
            client.destroy();
        }
    },
};

export interface WarehouseBucketArgs {
    /** S3 endpoint URL reachable from the machine running Pulumi. */
    endpoint: pulumi.Input<string>;
    region: pulumi.Input<string>;
    bucket: pulumi.Input<string>;
    accessKeyId: pulumi.Input<string>;
    /** Marked secret here whatever the caller passes. */
    secretAccessKey: pulumi.Input<string>;
    /** Delete the bucket's objects with it on destroy. Default false. */
    forceDestroy?: pulumi.Input<boolean>;
}

/** The Iceberg warehouse bucket. */
export class WarehouseBucket extends pulumi.dynamic.Resource {
    declare readonly bucket: pulumi.Output<string>;
    declare readonly location: pulumi.Output<string>;

    constructor(name: string, args: WarehouseBucketArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            bucketProvider,
            name,
            {
                endpoint: args.endpoint,
                region: args.region,
                bucket: args.bucket,
                accessKeyId: args.accessKeyId,
                secretAccessKey: pulumi.secret(args.secretAccessKey),
                forceDestroy: args.forceDestroy ?? false,
                version: BUCKET_PROVIDER_VERSION,
                location: undefined,
            },
            { ...opts, additionalSecretOutputs: ["secretAccessKey"] },
            "lakehouse",
            "WarehouseBucket",
        );
    }
}
