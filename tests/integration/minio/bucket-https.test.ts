/**
 * S3 over HTTPS with a company CA (issue 19): the harness's `minio-tls`, a real MinIO serving HTTPS only
 * with the harness's certificate. The warehouse bucket resource (both provider forms) creates, reads and
 * deletes a bucket there with `caCert`; a new CA is an update; the checks `pulumi preview` starts with pass
 * with the CA and refuse another one at once naming the stack key.
 */
import * as fs from "fs";
import { BUCKET_PROVIDER_VERSION, bucketProvider } from "../../../components/dynamic/bucket";
import { PreflightError, runPreflight } from "../../../components/preflight";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { bothForms } from "../../support/dynamic";
import { anotherCaCert } from "../../support/tls-failures";

jest.setTimeout(300_000);

const ctx = createContext();
let m: Record<string, string>;
let caCert: string;
let otherCa: string;

beforeAll(async () => {
    await ensureUp(["minio-tls"], { ctx });
    m = endpoints({ ctx, onDemand: true })["minio-tls"];
    caCert = fs.readFileSync(m.caFile, "utf8");
    otherCa = anotherCaCert();
});

describe.each([["provider object"], ["serialized provider"]])("the warehouse bucket on S3 over HTTPS (%s)", (form) => {
    it("creates, reads and deletes the bucket with the CA; a new CA is an update", async () => {
        const provider = (await bothForms(bucketProvider)).find(([n]) => n === form)![1];
        const bucket = `https-it-${form.startsWith("s") ? "ser" : "obj"}-${Date.now().toString(36)}`;
        const inputs = {
            endpoint: m.endpoint,
            caCert,
            region: m.region,
            bucket,
            accessKeyId: m.accessKeyId,
            secretAccessKey: m.secretAccessKey,
            forceDestroy: true,
            version: BUCKET_PROVIDER_VERSION,
        };
        expect(m.endpoint).toBe("https://127.0.0.1:19000");
        expect((await provider.check!({}, inputs)).failures).toEqual([]);
        const created = await provider.create!(inputs);
        expect(created.id).toBe(bucket);
        expect(await provider.read!(bucket, created.outs)).toMatchObject({ id: bucket });
        expect(await provider.diff!(bucket, created.outs, { ...inputs, caCert: otherCa })).toMatchObject({ changes: true, replaces: [] });
        await provider.delete!(bucket, created.outs);
        expect(await provider.read!(bucket, created.outs)).toEqual({});
    });
});

test("the preflight passes with the CA and refuses another one at once, naming the stack key", async () => {
    const check = (ca: string) =>
        runPreflight(
            [
                {
                    service: "minio",
                    kind: "s3",
                    endpoint: m.endpoint,
                    region: m.region,
                    accessKeyId: m.accessKeyId,
                    secretAccessKey: m.secretAccessKey,
                    caCert: ca,
                },
            ],
            30_000,
        );
    await expect(check(caCert)).resolves.toBeUndefined();
    const started = Date.now();
    const err = await check(otherCa).catch((e: Error) => e);
    expect(err).toBeInstanceOf(PreflightError);
    expect((err as Error).message).toMatch(
        /existing minio at https:\/\/127\.0\.0\.1:19000 refused the access key "[^"]+" or is unreachable: unable to verify the first certificate: the server's certificate is not signed by a CA this client trusts: give the CA's certificate \(PEM\) in lakehouse:external\.minio\.caCert/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    console.log(`${Date.now() - started} ms: ${(err as Error).message}`);
});
