/** A bucket's keys, and its removal, as the tests clean up after themselves (any S3 store: the harness's MinIO, minio-tls). */
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";

/** Every key in `bucket` (all pages); the server's NoSuchBucket error when it is not there. */
export async function listAllKeys(s3: S3Client, bucket: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.NextContinuationToken;
    } while (token);
    return keys;
}

/** Empties and deletes `bucket` (1,000 keys per request); how many objects it held. */
export async function emptyAndDeleteBucket(s3: S3Client, bucket: string): Promise<number> {
    const keys = await listAllKeys(s3, bucket);
    for (let i = 0; i < keys.length; i += 1000)
        await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    return keys.length;
}
