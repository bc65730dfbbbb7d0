/**
 * The warehouse bucket on MinIO (or any S3-compatible store), as a Pulumi dynamic resource.
 *
 * The provider object is serialized into state and run later by Pulumi's dynamic provider host, so
 * its methods reach only Node built-ins and npm packages (by `require` inside the method), the pure
 * functions of this file, of ./data-guard and ./toolkit, and the shared patterns of ../config/patterns.
 * Credentials arrive as (secret) inputs, never from the closure.
 */
import * as pulumi from "@pulumi/pulumi";
import { LakehouseResource } from "./lakehouse-resource";
import { HTTP_ENDPOINT_URL, S3_BUCKET_NAME } from "../config/patterns";
import { DataGuard, newOwnerToken, ownsObject, refuseDataLoss } from "./data-guard";
import { InputDiff, engineDiff, inputDiff } from "./toolkit/diff";
import { redact } from "./toolkit/redact";
import { isKnown } from "./toolkit/unknown";
import { caCertProblem } from "./toolkit/http";
import { s3TrustOptions } from "./toolkit/s3-trust";

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
    /** Set when the stack does not allow losing the bucket: a replacement is then refused at preview. */
    dataGuard?: DataGuard;
    version: number;
}

export interface BucketOutputs extends BucketInputs {
    /** `s3://<bucket>/` */
    location: string;
    /** This resource's stamp, kept in the bucket's tag `lakehouse-owner`: a delete removes only a bucket that carries it. */
    ownerToken: string;
}

/** The bucket tag that names the resource owning the bucket. */
export const OWNER_TAG = "lakehouse-owner";

/** Validates inputs; each failure names the property. Unknown values (preview) are skipped. */
export function checkBucketInputs(news: Record<string, any>): { property: string; reason: string }[] {
    const failures: { property: string; reason: string }[] = [];
    const known = (k: string) => isKnown(news[k]);
    if (known("bucket") && !S3_BUCKET_NAME.test(String(news.bucket))) {
        failures.push({ property: "bucket", reason: `"${news.bucket}" is not an S3 bucket name: 3-63 lower-case letters, digits, '.' or '-'` });
    }
    if (known("endpoint") && !HTTP_ENDPOINT_URL.test(String(news.endpoint))) {
        failures.push({ property: "endpoint", reason: `"${news.endpoint}" is not an http(s) URL` });
    }
    const ca = caCertProblem(news.caCert, [news.endpoint]);
    if (ca) failures.push({ property: "caCert", reason: ca });
    if (known("region") && !/^[a-z0-9-]+$/.test(String(news.region))) failures.push({ property: "region", reason: `"${news.region}" is not a region name` });
    for (const k of ["accessKeyId", "secretAccessKey"]) if (news[k] === undefined || news[k] === "") failures.push({ property: k, reason: "is required" });
    return failures;
}

/**
 * Which properties changed, and which replace the bucket: only its name. The endpoint is how Pulumi
 * reaches the store, never the bucket's identity (`127.0.0.1` and `localhost` are the same server):
 * a new endpoint is an update that makes sure the bucket exists there.
 */
export function diffBucket(olds: Record<string, any>, news: Record<string, any>): InputDiff {
    const keys = ["endpoint", "caCert", "region", "bucket", "accessKeyId", "secretAccessKey", "forceDestroy", "dataGuard", "version"];
    // State written before `version` or `forceDestroy` existed reads as their defaults.
    const normal = (v: Record<string, any>): Record<string, any> => ({ forceDestroy: false, version: 1, ...v });
    const o = normal(olds);
    const n = normal(news);
    // A new name is a new bucket, made before the old one is deleted.
    return inputDiff(
        keys.filter((k) => JSON.stringify(o[k]) !== JSON.stringify(n[k])),
        ["bucket"],
    );
}

function s3Client(inputs: Record<string, any>) {
    const { S3Client } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    return new S3Client({
        endpoint: inputs.endpoint,
        region: inputs.region,
        forcePathStyle: true,
        credentials: { accessKeyId: inputs.accessKeyId, secretAccessKey: inputs.secretAccessKey },
        maxAttempts: 4,
        ...s3TrustOptions(inputs.caCert),
    });
}

/** The S3 error name or HTTP status of a failed call. */
function s3ErrorKind(err: unknown): { name: string; status?: number } {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name ?? "Error", status: e.$metadata?.httpStatusCode };
}

/** True for the answer S3 gives for a bucket without tags. */
function noTagSet(err: unknown): boolean {
    const kind = s3ErrorKind(err);
    return kind.name === "NoSuchTagSet" || kind.name === "NoSuchTagSetError" || kind.status === 404;
}

/** True for the answers S3 gives for a bucket that does not exist. */
function noSuchBucket(err: unknown): boolean {
    const kind = s3ErrorKind(err);
    return kind.status === 404 || kind.name === "NotFound" || kind.name === "NoSuchBucket";
}

/** A failed S3 call as the user reads it: what was done, where, S3's error name and message, never the secret key. */
function s3Failure(action: string, props: Record<string, any>, err: unknown): Error {
    return new Error(redact(`${action} at ${props.endpoint}: ${s3ErrorKind(err).name}: ${(err as Error).message}`, [props.secretAccessKey]));
}

/** The bucket's `lakehouse-owner` tag; undefined when it has none. */
async function ownerTag(client: any, bucket: string): Promise<string | undefined> {
    const { GetBucketTaggingCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    try {
        const tagging = await client.send(new GetBucketTaggingCommand({ Bucket: bucket }));
        return (tagging.TagSet ?? []).find((t: { Key?: string }) => t.Key === OWNER_TAG)?.Value;
    } catch (err) {
        if (noTagSet(err)) return undefined;
        throw err;
    }
}

/** Writes the owner tag, keeping the bucket's other tags. */
async function stampOwner(client: any, bucket: string, token: string): Promise<void> {
    const { GetBucketTaggingCommand, PutBucketTaggingCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    let others: { Key: string; Value: string }[] = [];
    try {
        const tagging = await client.send(new GetBucketTaggingCommand({ Bucket: bucket }));
        others = (tagging.TagSet ?? []).filter((t: { Key?: string }) => t.Key !== OWNER_TAG) as { Key: string; Value: string }[];
    } catch (err) {
        if (!noTagSet(err)) throw err;
    }
    await client.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: [...others, { Key: OWNER_TAG, Value: token }] } }));
}

/** Creates the bucket unless it exists (an existing bucket of ours is adopted). */
async function ensureBucket(client: any, inputs: Record<string, any>): Promise<void> {
    const { CreateBucketCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    try {
        await client.send(new CreateBucketCommand({ Bucket: inputs.bucket }));
    } catch (err) {
        // Adopting an existing bucket of ours keeps create idempotent after a crash.
        if (s3ErrorKind(err).name !== "BucketAlreadyOwnedByYou") throw s3Failure(`creating bucket ${inputs.bucket}`, inputs, err);
    }
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
        const diff = diffBucket(olds, news);
        refuseDataLoss("WarehouseBucket", diff.replaces, olds, news);
        return engineDiff(diff, olds, news);
    },

    async create(inputs: any) {
        const client = s3Client(inputs);
        const ownerToken = newOwnerToken();
        try {
            await ensureBucket(client, inputs);
            // The newest owner stamps the bucket: an older resource that held it (the original of a
            // replacement) then leaves it alone when it is deleted.
            await stampOwner(client, inputs.bucket, ownerToken);
        } finally {
            client.destroy();
        }
        return { id: inputs.bucket, outs: { ...inputs, location: `s3://${inputs.bucket}/`, ownerToken } };
    },

    async read(id: string, props: any) {
        const { HeadBucketCommand } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
        const client = s3Client(props);
        try {
            await client.send(new HeadBucketCommand({ Bucket: id }));
            return { id, props: { ...props, bucket: id, location: `s3://${id}/` } };
        } catch (err) {
            if (noSuchBucket(err)) return {};
            throw s3Failure(`reading bucket ${id}`, props, err);
        } finally {
            client.destroy();
        }
    },

    async update(_id: string, olds: any, news: any) {
        // Credentials and flags are recorded for later calls. A new endpoint may be another spelling of
        // the same store or a new one: the bucket is made sure of there, and nothing is removed anywhere.
        const ownerToken = olds.ownerToken ?? newOwnerToken();
        if (olds.endpoint !== news.endpoint || !olds.ownerToken) {
            const client = s3Client(news);
            try {
                await ensureBucket(client, news);
                if ((await ownerTag(client, news.bucket)) === undefined) await stampOwner(client, news.bucket, ownerToken);
            } finally {
                client.destroy();
            }
        }
        return { outs: { ...news, location: `s3://${news.bucket}/`, ownerToken } };
    },

    async delete(id: string, props: any) {
        const { DeleteBucketCommand, ListObjectsV2Command } = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
        const client = s3Client(props);
        try {
            const stamp = await ownerTag(client, id);
            if (!ownsObject(stamp, props.ownerToken)) {
                // Adopted by another resource (the replacement of this one, or another stack): it stays, with its data.
                return;
            }
            if (props.forceDestroy) await emptyBucket(client, id);
            await client.send(new DeleteBucketCommand({ Bucket: id }));
        } catch (err) {
            if (noSuchBucket(err)) return;
            if (s3ErrorKind(err).name === "BucketNotEmpty") {
                const page = await client.send(new ListObjectsV2Command({ Bucket: id, MaxKeys: 1000 }));
                throw new Error(
                    `bucket ${id} at ${props.endpoint} still holds ${page.KeyCount ?? "some"}${page.IsTruncated ? "+" : ""} objects: ` +
                        "empty it, or set forceDestroy (config storage.forceDestroy: true) to delete the data with it",
                );
            }
            throw s3Failure(`deleting bucket ${id}`, props, err);
        } finally {
            client.destroy();
        }
    },
};

export interface WarehouseBucketArgs {
    /** S3 endpoint URL reachable from the machine running Pulumi. */
    endpoint: pulumi.Input<string>;
    /** With an https `endpoint`: the CA that signed the store's certificate, PEM (default: the system's CAs). How it is reached: an update. */
    caCert?: pulumi.Input<string>;
    region: pulumi.Input<string>;
    bucket: pulumi.Input<string>;
    accessKeyId: pulumi.Input<string>;
    /** Marked secret here whatever the caller passes. */
    secretAccessKey: pulumi.Input<string>;
    /** Delete the bucket's objects with it on destroy. Default false. */
    forceDestroy?: pulumi.Input<boolean>;
    /** Refuse, at preview, a change that replaces the bucket (default: none, replacements go ahead). */
    dataGuard?: DataGuard;
}

/** The Iceberg warehouse bucket. */
export class WarehouseBucket extends LakehouseResource {
    declare readonly bucket: pulumi.Output<string>;
    declare readonly location: pulumi.Output<string>;

    constructor(name: string, args: WarehouseBucketArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            bucketProvider,
            name,
            {
                endpoint: args.endpoint,
                ...(args.caCert !== undefined ? { caCert: args.caCert } : {}),
                region: args.region,
                bucket: args.bucket,
                accessKeyId: args.accessKeyId,
                secretAccessKey: pulumi.secret(args.secretAccessKey),
                forceDestroy: args.forceDestroy ?? false,
                ...(args.dataGuard ? { dataGuard: args.dataGuard } : {}),
                version: BUCKET_PROVIDER_VERSION,
                location: undefined,
                ownerToken: undefined,
            },
            { ...opts, additionalSecretOutputs: ["secretAccessKey"] },
            "lakehouse",
            "WarehouseBucket",
        );
    }
}
