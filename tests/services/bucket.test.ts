/**
 * The warehouse bucket's whole lifecycle against the harness's real MinIO, on the provider object
 * and on its serialized form (as Pulumi's dynamic provider host loads it).
 */
import { DeleteObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BUCKET_PROVIDER_VERSION, bucketProvider } from "../../components/dynamic/bucket";
import { minioEndpoints } from "../../services/minio";
import { bothForms } from "../support/dynamic";

const minio = () => minioEndpoints();

function inputs(bucket: string, extra: Record<string, unknown> = {}) {
    const m = minio();
    return { endpoint: m.endpoint, region: m.region, bucket, accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey, forceDestroy: false, version: BUCKET_PROVIDER_VERSION, ...extra };
}

function s3(): S3Client {
    const m = minio();
    return new S3Client({ endpoint: m.endpoint, region: m.region, forcePathStyle: true, credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey } });
}

async function exists(bucket: string): Promise<boolean> {
    const client = s3();
    try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return true;
    } catch {
        return false;
    } finally {
        client.destroy();
    }
}

describe.each([["provider object"], ["serialized provider"]])("warehouse bucket on real MinIO (%s)", (form) => {
    let provider: Awaited<ReturnType<typeof bothForms>>[number][1];
    const bucket = `test-${form.startsWith("s") ? "ser" : "obj"}-${Date.now().toString(36)}`;

    beforeAll(async () => {
        provider = (await bothForms(bucketProvider)).find(([name]) => name === form)![1];
    });

    it("creates, adopts on rerun, shows no diff, reads, records an update, and deletes idempotently", async () => {
        const created = await provider.create!(inputs(bucket));
        expect(created).toEqual({ id: bucket, outs: { ...inputs(bucket), location: `s3://${bucket}/` } });
        expect(await exists(bucket)).toBe(true);

        // A rerun after a crash adopts the bucket instead of failing.
        await expect(provider.create!(inputs(bucket))).resolves.toMatchObject({ id: bucket });

        expect(await provider.diff!(bucket, created.outs, inputs(bucket))).toEqual({ changes: false, replaces: [] });
        expect(await provider.diff!(bucket, created.outs, inputs(bucket, { forceDestroy: true }))).toEqual({ changes: true, replaces: [] });
        expect(await provider.diff!(bucket, created.outs, inputs(`${bucket}-2`))).toEqual({ changes: true, replaces: ["bucket"] });

        const read = await provider.read!(bucket, created.outs);
        expect(read).toEqual({ id: bucket, props: created.outs });

        const updated = await provider.update!(bucket, created.outs, inputs(bucket, { forceDestroy: true }));
        expect(updated.outs.forceDestroy).toBe(true);

        await provider.delete!(bucket, created.outs);
        expect(await exists(bucket)).toBe(false);
        // Gone: read reports it missing, delete again is a no-op.
        expect(await provider.read!(bucket, created.outs)).toEqual({});
        await expect(provider.delete!(bucket, created.outs)).resolves.toBeUndefined();
    });

    it("refuses to delete a bucket holding data unless forceDestroy, naming the way out", async () => {
        const name = `${bucket}-data`;
        const created = await provider.create!(inputs(name));
        const client = s3();
        await client.send(new PutObjectCommand({ Bucket: name, Key: "cdc/data/part-0.parquet", Body: "x" }));
        await expect(provider.delete!(name, created.outs)).rejects.toThrow(/still holds 1 objects: empty it, or set forceDestroy/);
        expect(await exists(name)).toBe(true);
        await provider.delete!(name, { ...created.outs, forceDestroy: true });
        expect(await exists(name)).toBe(false);
        await client.send(new DeleteObjectCommand({ Bucket: name, Key: "nothing" })).catch(() => undefined);
        client.destroy();
    });

    it("surfaces the server's own error for credentials it rejects, without the secret", async () => {
        const bad = inputs(`${bucket}-bad`, { secretAccessKey: "not-the-key-123" });
        const error = await provider.create!(bad).catch((e: Error) => e);
        expect(String(error)).toMatch(/creating bucket .* at http:\/\/127\.0\.0\.1:9000: SignatureDoesNotMatch/);
        expect(String(error)).not.toContain("not-the-key-123");
    });
});

describe("warehouse bucket check", () => {
    it("names each bad property and leaves unknown preview values alone", async () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const result = await bucketProvider.check!({}, { ...inputs("Bad_Bucket"), endpoint: "s3.local", accessKeyId: "" });
        expect(result.failures).toEqual([
            { property: "bucket", reason: expect.stringContaining('"Bad_Bucket" is not an S3 bucket name') },
            { property: "endpoint", reason: '"s3.local" is not an http(s) URL' },
            { property: "accessKeyId", reason: "is required" },
        ]);
        expect((await bucketProvider.check!({}, { ...inputs("ok-bucket"), bucket: unknown, endpoint: unknown })).failures).toEqual([]);
    });
});
