/**
 * MinIO smoke test against the harness's real MinIO (started by the shared setup, or by
 * `npm run harness -- up`): a fresh bucket, put/get/delete of an object, bytes compared.
 */
import { randomBytes } from "crypto";
import {
    CreateBucketCommand,
    DeleteBucketCommand,
    DeleteObjectCommand,
    GetObjectCommand,
    HeadBucketCommand,
    HeadObjectCommand,
    PutObjectCommand,
    S3Client,
} from "@aws-sdk/client-s3";
import { minio, minioEndpoints } from "../../../harness/minio";

/** Bounded, backed-off wait for the health check; says what it waits for. */
async function waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 100;
    for (;;) {
        const ok = await minio.health.check({} as never).catch(() => false);
        if (ok) return;
        if (Date.now() + delay > deadline) {
            throw new Error(`timed out after ${timeoutMs} ms waiting for: ${minio.health.describe} (is the harness up? npm run harness -- up)`);
        }
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 2000);
    }
}

describe("MinIO (real server)", () => {
    const ep = minioEndpoints();
    const s3 = new S3Client({
        endpoint: ep.endpoint,
        region: ep.region,
        forcePathStyle: true,
        credentials: { accessKeyId: ep.accessKeyId, secretAccessKey: ep.secretAccessKey },
        maxAttempts: 2,
    });
    const bucket = `smoke-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

    // Explicit ceilings: jest ignores `testTimeout` inside a `projects` entry.
    beforeAll(() => waitHealthy(30_000), 60_000);
    afterAll(() => s3.destroy());

    it("puts, gets and deletes an object in a fresh bucket", async () => {
        const key = "dir/object.bin";
        const body = randomBytes(64 * 1024 + 7);
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        try {
            const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/octet-stream" }));
            expect(put.ETag).toBeTruthy();

            const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
            const bytes = Buffer.from(await got.Body!.transformToByteArray());
            expect(bytes.length).toBe(body.length);
            expect(bytes.equals(body)).toBe(true);

            await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
            await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({
                $metadata: { httpStatusCode: 404 },
            });
        } finally {
            await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
            await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
        }
    }, 60_000);

    it("enforces its configured region (us-east-1) on signed bucket requests", async () => {
        const other = new S3Client({
            endpoint: ep.endpoint,
            region: "eu-west-1",
            forcePathStyle: true,
            credentials: { accessKeyId: ep.accessKeyId, secretAccessKey: ep.secretAccessKey },
            maxAttempts: 1,
        });
        const probe = `${bucket}-region`;
        await s3.send(new CreateBucketCommand({ Bucket: probe }));
        try {
            await expect(other.send(new HeadBucketCommand({ Bucket: probe }))).rejects.toMatchObject({
                $metadata: { httpStatusCode: 400 },
            });
            await expect(s3.send(new HeadBucketCommand({ Bucket: probe }))).resolves.toBeDefined();
        } finally {
            other.destroy();
            await s3.send(new DeleteBucketCommand({ Bucket: probe }));
        }
    }, 60_000);

    it("rejects wrong credentials (it is the real server, not an open stand-in)", async () => {
        const bad = new S3Client({
            endpoint: ep.endpoint,
            region: ep.region,
            forcePathStyle: true,
            credentials: { accessKeyId: ep.accessKeyId, secretAccessKey: "not-the-secret" },
            maxAttempts: 1,
        });
        try {
            await expect(bad.send(new CreateBucketCommand({ Bucket: `${bucket}-x` }))).rejects.toMatchObject({
                $metadata: { httpStatusCode: 403 },
            });
        } finally {
            bad.destroy();
        }
    }, 60_000);
});
