/**
 * The AWS S3 storage option (`storage.provider: aws`): the warehouse is an @pulumi/aws bucket with a
 * scoped IAM user instead of MinIO, and every service is pointed at it. Checked by the inputs each
 * resource is registered with under mocks, and the policy as a pure function.
 */
import * as path from "path";
import { parseLakehouseConfig } from "../../../components/config";
import { awsS3Endpoint, warehouseAccessPolicy } from "../../../components/aws-storage";
import { Lakehouse } from "../../../components/lakehouse";
import { RecordedResource, dependsOn, plainStrings, resolve, runWithMocks } from "../../support/mocks";

const repoRoot = path.resolve(__dirname, "../../..");

function one(resources: RecordedResource[], type: string, name?: string): RecordedResource {
    const found = resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    if (found.length !== 1) throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
    return found[0];
}

async function renderAws(values: Record<string, unknown> = {}) {
    const raw = Object.fromEntries(
        Object.entries({ storage: { provider: "aws", bucket: "acme-lakehouse-dev" }, awsRegion: "eu-west-1", ...values }).map(([k, v]) => [
            k,
            JSON.stringify(v).replace(/^"(.*)"$/, "$1"),
        ]),
    );
    const config = parseLakehouseConfig(raw, new Set(), { project: "cdc-lakehouse", stack: "dev" });
    let lakehouse!: Lakehouse;
    const run = await runWithMocks(() => {
        lakehouse = new Lakehouse("lakehouse", { config, credentials: {}, repoRoot });
        return { credentials: lakehouse.outputs.credentials, s3Endpoint: lakehouse.outputs.s3Endpoint };
    });
    return { ...run, lakehouse };
}

describe("warehouse access policy", () => {
    it("allows listing the bucket and object reads/writes in it, nothing else", () => {
        const policy = JSON.parse(warehouseAccessPolicy("arn:aws:s3:::acme"));
        expect(policy.Statement).toEqual([
            { Sid: "ListWarehouse", Effect: "Allow", Action: ["s3:ListBucket", "s3:GetBucketLocation"], Resource: ["arn:aws:s3:::acme"] },
            {
                Sid: "ReadWriteWarehouseObjects",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                Resource: ["arn:aws:s3:::acme/*"],
            },
        ]);
        expect(JSON.stringify(policy)).not.toMatch(/"s3:\*"|"\*"/);
    });

    it("names the regional endpoint, including the China partition", () => {
        expect(awsS3Endpoint("eu-west-1")).toEqual({ internal: "s3.eu-west-1.amazonaws.com", host: "s3.eu-west-1.amazonaws.com", scheme: "https" });
        expect(awsS3Endpoint("cn-north-1").internal).toBe("s3.cn-north-1.amazonaws.com.cn");
    });
});

describe("storage.provider aws", () => {
    let run: Awaited<ReturnType<typeof renderAws>>;
    beforeAll(async () => {
        run = await renderAws();
    });

    it("creates a private, encrypted @pulumi/aws bucket in the stack's region and no MinIO", () => {
        const provider = one(run.resources, "pulumi:providers:aws");
        expect(provider.inputs.region).toBe("eu-west-1");
        const bucket = one(run.resources, "aws:s3/bucket:Bucket");
        expect(bucket.inputs).toMatchObject({ bucket: "acme-lakehouse-dev", forceDestroy: false });
        expect(one(run.resources, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).toMatchObject({
            bucket: "lakehouse-s3-bucket-id",
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(one(run.resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules).toEqual([
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ]);
        expect(run.resources.filter((r) => r.type === "docker:index/container:Container" && /minio/.test(r.inputs.name))).toEqual([]);
        expect(run.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/lakehouse:WarehouseBucket")).toEqual([]);
        // No MinIO password is generated when there is no MinIO.
        expect(run.resources.filter((r) => r.name === "lakehouse-credentials-minioRootPassword")).toEqual([]);
    });

    it("gives the services an IAM user limited to the bucket, its key only as secrets", () => {
        const user = one(run.resources, "aws:iam/user:User");
        expect(user.inputs.name).toBe("cdc-lakehouse-dev-lakehouse");
        const policy = one(run.resources, "aws:iam/userPolicy:UserPolicy");
        expect(JSON.parse(policy.inputs.policy)).toEqual(JSON.parse(warehouseAccessPolicy("arn:aws:s3:::acme-lakehouse-dev")));
        const key = one(run.resources, "aws:iam/accessKey:AccessKey");
        expect(dependsOn(key, "lakehouse-s3-policy")).toBe(true);

        const container = (n: string) => one(run.resources, "docker:index/container:Container", `cdc-lakehouse-dev-${n}`);
        for (const n of ["flink-jobmanager", "flink-taskmanager", "flink-sql-gateway"]) {
            const env: string[] = container(n).inputs.envs;
            expect(env).toEqual(
                expect.arrayContaining([
                    "AWS_REGION=eu-west-1",
                    "AWS_ACCESS_KEY_ID=lakehouse-s3-key-id",
                    "AWS_SECRET_ACCESS_KEY=mock-aws-secret-lakehouse-s3-key",
                ]),
            );
            expect(env.find((e) => e.startsWith("FLINK_PROPERTIES="))).toContain(
                "s3.endpoint: https://s3.eu-west-1.amazonaws.com\ns3.path.style.access: false",
            );
            // Both halves of the key travel inside the secret envs only.
            const plain = JSON.stringify(plainStrings(container(n).raw));
            expect(plain).not.toContain("lakehouse-s3-key-id");
            expect(plain).not.toContain("mock-aws-secret");
        }
    });

    it("points the Flink job and the Dremio source at AWS S3, waiting for the bucket", () => {
        const job = one(run.resources, "pulumi-nodejs:dynamic/lakehouse:FlinkSqlJob");
        const sql = (job.inputs.statements as string[]).join("\n");
        expect(sql).toContain("'s3.endpoint' = 'https://s3.eu-west-1.amazonaws.com'");
        expect(sql).toContain("'s3.path-style-access' = 'false'");
        expect(sql).toContain("'s3.access-key-id' = 'lakehouse-s3-key-id'");
        expect(sql).toContain("'warehouse' = 's3://acme-lakehouse-dev/'");
        expect(job.inputs.secrets).toEqual({ s3SecretAccessKey: "mock-aws-secret-lakehouse-s3-key" });
        expect(dependsOn(job, "lakehouse-s3-bucket")).toBe(true);

        const source = one(run.resources, "pulumi-nodejs:dynamic/lakehouse:DremioSource");
        expect(source.inputs.config).toMatchObject({ awsAccessKey: "lakehouse-s3-key-id", awsRootPath: "/acme-lakehouse-dev", secure: true });
        expect(source.inputs.config.propertyList).toEqual(expect.arrayContaining([{ name: "fs.s3a.path.style.access", value: "false" }]));
        expect(source.inputs.secretConfig).toEqual({ awsAccessSecret: "mock-aws-secret-lakehouse-s3-key" });
    });

    it("exports the S3 endpoint and the key as the s3 credentials (secret), without a minio entry", async () => {
        expect(run.outputs.s3Endpoint).toEqual({ internal: "https://s3.eu-west-1.amazonaws.com", host: "https://s3.eu-west-1.amazonaws.com" });
        const credentials = (await resolve(run.lakehouse.outputs.credentials)) as any;
        expect(credentials.s3).toEqual({ accessKeyId: "lakehouse-s3-key-id", secretAccessKey: "mock-aws-secret-lakehouse-s3-key" });
        expect(credentials.minio).toBeUndefined();
        expect(run.lakehouse.outputs.endpoints.minio).toBeUndefined();
    });

    it("refuses an external MinIO next to the AWS provider, naming both keys", () => {
        expect(() =>
            parseLakehouseConfig(
                { storage: JSON.stringify({ provider: "aws" }), external: JSON.stringify({ minio: { endpoint: "http://s3.corp:9000" } }) },
                new Set(),
                { project: "p", stack: "dev" },
            ),
        ).toThrow(/lakehouse:external\.minio: found "http:\/\/s3\.corp:9000"; expected nothing with storage\.provider "aws"/);
        expect(() => parseLakehouseConfig({ storage: JSON.stringify({ provider: "gcs" }) }, new Set(), { project: "p", stack: "dev" })).toThrow(
            /lakehouse:storage\.provider: found "gcs"; expected one of minio, aws/,
        );
    });
});
