/**
 * The warehouse bucket's whole lifecycle against the harness's real MinIO, on the provider object
 * and on its serialized form (as Pulumi's dynamic provider host loads it).
 */
import { DeleteObjectCommand, GetBucketTaggingCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BUCKET_PROVIDER_VERSION, OWNER_TAG, bucketProvider } from "../../../components/dynamic/bucket";
import { dataGuards } from "../../../components/lakehouse";
import { minioEndpoints } from "../../../harness/minio";
import { bothForms } from "../../support/dynamic";

const minio = () => minioEndpoints();

function inputs(bucket: string, extra: Record<string, unknown> = {}) {
    const m = minio();
    return {
        endpoint: m.endpoint,
        region: m.region,
        bucket,
        accessKeyId: m.accessKeyId,
        secretAccessKey: m.secretAccessKey,
        forceDestroy: false,
        version: BUCKET_PROVIDER_VERSION,
        ...extra,
    };
}

function s3(): S3Client {
    const m = minio();
    return new S3Client({
        endpoint: m.endpoint,
        region: m.region,
        forcePathStyle: true,
        credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
    });
}

async function ownerTagOf(bucket: string): Promise<string | undefined> {
    const client = s3();
    try {
        const tags = await client.send(new GetBucketTaggingCommand({ Bucket: bucket }));
        return tags.TagSet?.find((t) => t.Key === OWNER_TAG)?.Value;
    } finally {
        client.destroy();
    }
}

/** The local stack's config, parsed (for the guards the program hands the resources). */
function localConfig() {
    const { parseLakehouseConfig } = require("../../../components/config") as typeof import("../../../components/config");
    const { stackConfig } = require("../../support/stack-config") as typeof import("../../support/stack-config");
    const values = Object.fromEntries(Object.entries(stackConfig("local")).map(([k, v]) => [k.replace(/^lakehouse:/, ""), v]));
    const secrets = new Set(Object.keys(values).filter((k) => k.endsWith("Password")));
    return parseLakehouseConfig(values, secrets, { project: "cdc-lakehouse", stack: "local" });
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
        expect(created).toEqual({ id: bucket, outs: { ...inputs(bucket), location: `s3://${bucket}/`, ownerToken: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
        expect(await exists(bucket)).toBe(true);
        expect(await ownerTagOf(bucket)).toBe(created.outs.ownerToken);

        // The engine gets the exact property paths (detailedDiff), the replacing ones as -replace.
        expect(await provider.diff!(bucket, created.outs, inputs(bucket))).toEqual({
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: {},
        });
        expect(await provider.diff!(bucket, created.outs, inputs(bucket, { forceDestroy: true }))).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: { forceDestroy: { kind: "update", inputDiff: true } },
        });
        expect(await provider.diff!(bucket, created.outs, inputs(`${bucket}-2`))).toEqual({
            changes: true,
            replaces: ["bucket"],
            deleteBeforeReplace: false,
            detailedDiff: { bucket: { kind: "update-replace", inputDiff: true } },
        });

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

    it("takes another spelling of the endpoint as an update of the same bucket, nothing deleted", async () => {
        const name = `${bucket}-moved`;
        const created = await provider.create!(inputs(name));
        const client = s3();
        await client.send(new PutObjectCommand({ Bucket: name, Key: "cdc/data/kept.parquet", Body: "x" }));
        const moved = inputs(name, { endpoint: minio().endpoint.replace("127.0.0.1", "localhost") });
        expect(moved.endpoint).toMatch(/^http:\/\/localhost:/);
        expect(await provider.diff!(name, created.outs, moved)).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: { endpoint: { kind: "update", inputDiff: true } },
        });
        const updated = await provider.update!(name, created.outs, moved);
        expect(updated.outs).toMatchObject({ endpoint: moved.endpoint, ownerToken: created.outs.ownerToken });
        await expect(client.send(new HeadObjectCommand({ Bucket: name, Key: "cdc/data/kept.parquet" }))).resolves.toBeDefined();
        await provider.delete!(name, { ...updated.outs, forceDestroy: true });
        expect(await exists(name)).toBe(false);
        client.destroy();
    });

    it("never deletes a bucket a replacement adopted: the original's delete leaves it and its data", async () => {
        const name = `${bucket}-adopted`;
        const original = await provider.create!(inputs(name, { forceDestroy: true }));
        const client = s3();
        await client.send(new PutObjectCommand({ Bucket: name, Key: "cdc/metadata/v1.metadata.json", Body: "{}" }));
        // The replacement (create before delete, as Pulumi orders it) adopts the same bucket and stamps it.
        const replacement = await provider.create!(inputs(name, { forceDestroy: true }));
        expect(replacement.id).toBe(name);
        expect(replacement.outs.ownerToken).not.toBe(original.outs.ownerToken);
        expect(await ownerTagOf(name)).toBe(replacement.outs.ownerToken);
        // "deleting original": even with forceDestroy, the bucket and its objects stay.
        await provider.delete!(name, original.outs);
        expect(await exists(name)).toBe(true);
        await expect(client.send(new HeadObjectCommand({ Bucket: name, Key: "cdc/metadata/v1.metadata.json" }))).resolves.toBeDefined();
        // State from before owner stamps (no ownerToken) leaves a stamped bucket alone too.
        const { ownerToken: _dropped, ...legacy } = original.outs;
        await provider.delete!(name, legacy);
        expect(await exists(name)).toBe(true);
        // Its owner deletes it as declared.
        await provider.delete!(name, replacement.outs);
        expect(await exists(name)).toBe(false);
        client.destroy();
    });

    it("refuses at preview a rename of a protected bucket, naming the key, the loss and the opt-in", async () => {
        const guard = dataGuards({ ...localConfig(), allowDataLoss: [] } as any).bucket!;
        const olds = { ...inputs(bucket), dataGuard: guard, location: `s3://${bucket}/`, ownerToken: "t" };
        const error = await provider.diff!(bucket, olds, inputs(`${bucket}-2`, { dataGuard: guard })).catch((e: Error) => e);
        expect(String(error)).toMatch(/WarehouseBucket: this change would replace the warehouse bucket .*lakehouse:storage\.bucket \(".*" -> ".*-2"\)/);
        expect(String(error)).toMatch(/lakehouse:allowDataLoss/);
        // An endpoint change of a protected bucket goes ahead (an update).
        await expect(provider.diff!(bucket, olds, inputs(bucket, { dataGuard: guard, endpoint: "http://localhost:9000" }))).resolves.toMatchObject({
            replaces: [],
        });
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
