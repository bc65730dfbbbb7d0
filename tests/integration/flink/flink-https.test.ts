/**
 * Flink's REST API and SQL Gateway over HTTPS with a company CA (issue 19), on the harness's `flink-tls`:
 * a real Flink session cluster whose REST endpoints speak HTTPS only (Flink's `security.ssl.rest.*`, the
 * harness's certificate). The SQL job resource (both provider forms) submits through the gateway, waits
 * for the job and stops it with a savepoint, all over HTTPS with `flinkCaCert`; a change of the CA alone
 * is an update that leaves the job running; the jar job resource uploads the maintenance jar (a
 * multipart form) over HTTPS and the periodic-savepoints job it runs reaches the REST API from inside
 * the cluster trusting the CA it is given (`--rest-ca-cert-base64`), and refuses another; each wrong
 * client fails at once with the reason and the fix; the preflight's checks pass with the CA and refuse
 * another naming the stack key. The secured stack (tests/integration/stack/tls-stack.test.ts) runs its
 * jobs on this cluster.
 */
import * as fs from "fs";
import * as path from "path";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { logFile } from "../../../harness/lib/process";
import { diffFlinkJob, flinkJobProvider, needsResubmit } from "../../../components/dynamic/flink-job";
import { flinkJarJobProvider } from "../../../components/dynamic/flink-jar-job";
import { flinkRequest } from "../../../components/dynamic/flink/request";
import { checkpointStats, jobState, liveJobsNamed } from "../../../components/dynamic/flink/rest";
import { gatewayInfo } from "../../../components/dynamic/flink/gateway";
import { versionTable } from "../../../components/images";
import { MaintenanceVersions, maintenanceJarBuild, maintenanceMavenProperties } from "../../../components/maintenance";
import { PERIODIC_SAVEPOINTS_ENTRY_CLASS } from "../../../components/periodic-savepoints";
import { PreflightError, runPreflight } from "../../../components/preflight";
import { bothForms } from "../../support/dynamic";
import { pollFor } from "../../support/iceberg-session";
import { countingJobInputs } from "../../support/counting-job";
import { anotherCaCert, timedFailure } from "../../support/tls-failures";

jest.setTimeout(600_000);

const REPO = path.resolve(__dirname, "../../..");
const ctx = createContext();
const id = Date.now().toString(36);
let restUrl: string;
let gatewayUrl: string;
let caCert: string;
let otherCa: string;
const rest = () => ({ url: restUrl, caCert });

beforeAll(async () => {
    await ensureUp(["flink-tls-jobmanager", "flink-tls-taskmanager", "flink-tls-sql-gateway"], { ctx });
    const ep = endpoints({ ctx, onDemand: true })["flink-tls-jobmanager"];
    restUrl = ep.restUrl;
    gatewayUrl = ep.gatewayUrl;
    caCert = fs.readFileSync(ep.caFile, "utf8");
    otherCa = anotherCaCert();
});

afterAll(async () => {
    // Nothing of this file left running, whatever a failed assertion skipped.
    if (!restUrl) return;
    const jobs: { jid: string; name: string; state: string }[] = (await flinkRequest("Flink REST", rest(), "GET", "/jobs/overview").catch(() => ({ jobs: [] })))
        .jobs;
    for (const j of jobs.filter((j) => j.name.includes(id) && j.state === "RUNNING"))
        await flinkRequest("Flink REST", rest(), "PATCH", `/jobs/${j.jid}?mode=cancel`).catch(() => undefined);
});

const failure = timedFailure;

/** A stateful job on flink-tls, reached over HTTPS with the CA (tests/support/counting-job.ts). */
function countingJob(name: string, suffix: string, options: { deleteMode?: "savepoint" | "cancel" } = {}): Record<string, any> {
    return countingJobInputs({ gatewayUrl, restUrl, flinkCaCert: caCert }, name, suffix, options);
}

test("both REST endpoints answer over HTTPS to a client that trusts the CA; each wrong client is told why", async () => {
    expect(restUrl).toBe("https://127.0.0.1:18081");
    expect(gatewayUrl).toBe("https://127.0.0.1:18084");
    expect((await flinkRequest("Flink REST", rest(), "GET", "/overview"))["flink-version"]).toMatch(/^1\.20\./);
    expect((await gatewayInfo({ url: gatewayUrl, caCert })).productName).toBe("Apache Flink");

    const noCa = await failure(jobState(restUrl, "00000000000000000000000000000000"));
    expect(noCa.message).toMatch(
        /^Flink REST GET https:\/\/127\.0\.0\.1:18081\/jobs\/0+: \w+: the server's certificate is not signed by a CA this client trusts: give the CA's certificate \(PEM\) in the service's caCert$/,
    );
    const untrusted = await failure(gatewayInfo({ url: gatewayUrl, caCert: otherCa }));
    expect(untrusted.message).toMatch(
        /^Flink SQL Gateway GET https:\/\/127\.0\.0\.1:18084\/v1\/info: \w+: the server's certificate is not signed by a CA this client trusts/,
    );
    // The plain cluster's port, asked over HTTPS.
    const tlsToPlain = await failure(gatewayInfo({ url: endpoints({ ctx })["flink-jobmanager"].gatewayUrl.replace("http:", "https:"), caCert }));
    expect(tlsToPlain.message).toMatch(/the URL says https but the server speaks plain HTTP on that port: use http:\/\/, or the server's TLS port$/);
    // This cluster's TLS port, asked over plain HTTP: Flink redirects to https (its RedirectingSslHandler).
    const plainToTls = await failure(flinkRequest("Flink REST", restUrl.replace("https:", "http:"), "GET", "/overview"));
    expect(plainToTls.message).toMatch(
        /^Flink REST GET http:\/\/127\.0\.0\.1:18081\/overview: \w+: the server sent the request on to https: use https:\/\/ in the URL, with the CA that signed its certificate \(PEM\) in the service's caCert$/,
    );
    for (const f of [noCa, untrusted, tlsToPlain, plainToTls]) expect(f.ms).toBeLessThan(5000);
    console.log([noCa, untrusted, tlsToPlain, plainToTls].map((f) => `${f.ms} ms: ${f.message}`).join("\n"));
});

describe.each([["provider object"], ["serialized provider"]])("the SQL job resource over HTTPS (%s)", (form) => {
    it("submits, reads, takes a new CA as an update that leaves the job alone, and stops with a savepoint", async () => {
        const provider = (await bothForms(flinkJobProvider)).find(([n]) => n === form)![1];
        const suffix = `${form.startsWith("s") ? "ser" : "obj"}_${id}`;
        const name = `lakehouse-https-${suffix.replace("_", "-")}`;
        const inputs = countingJob(name, suffix);
        expect((await provider.check!({}, inputs)).failures).toEqual([]);
        expect(
            (await provider.check!({}, { ...inputs, restUrl: restUrl.replace("https:", "http:"), gatewayUrl: gatewayUrl.replace("https:", "http:") })).failures,
        ).toEqual([{ property: "flinkCaCert", reason: "is for an https URL: the URL is plain http (use https://, or remove the CA)" }]);

        const created = await provider.create!(inputs);
        expect(created.outs.jobState).toBe("RUNNING");
        expect(await jobState(rest(), created.outs.jobId)).toBe("RUNNING");
        const read = await provider.read!(name, created.outs);
        expect(read.props?.jobState).toBe("RUNNING");

        // A rotated CA (the same certificate here) is how Pulumi reaches the cluster: an update, no resubmission.
        const rotated = { ...inputs, flinkCaCert: `${caCert}\n` };
        const diff = diffFlinkJob(created.outs, rotated);
        expect(diff.changedKeys).toEqual(["flinkCaCert"]);
        expect(needsResubmit(diff.changedKeys)).toBe(false);
        const updated = await provider.update!(name, created.outs, rotated);
        expect(updated.outs!.jobId).toBe(created.outs.jobId);
        expect(await jobState(rest(), created.outs.jobId)).toBe("RUNNING");

        // Read with another CA fails naming why; delete with the right one stops the job with a savepoint.
        const untrusted = await failure(provider.read!(name, { ...updated.outs, flinkCaCert: otherCa }));
        expect(untrusted.message).toMatch(/not signed by a CA this client trusts/);
        await provider.delete!(name, updated.outs);
        expect(await liveJobsNamed(rest(), name)).toEqual([]);
        expect(["FINISHED", "CANCELED"]).toContain(await jobState(rest(), created.outs.jobId));
        expect((await checkpointStats(rest(), created.outs.jobId)).latest?.savepoint?.external_path ?? "").toMatch(/savepoint-/);
    });
});

test("the jar job uploads over HTTPS; the periodic-savepoints job inside the cluster trusts the CA it is given, and no other", async () => {
    const target = `lakehouse-https-psp-${id}`;
    const job = (await flinkJobProvider.create!(countingJob(target, `psp_${id}`, { deleteMode: "cancel" }))).outs;
    const jar = maintenanceJarBuild(REPO, maintenanceMavenProperties(versionTable(REPO) as MaintenanceVersions));
    const periodic = (name: string, ca: string) => ({
        restUrl,
        flinkCaCert: caCert,
        name,
        jar,
        entryClass: PERIODIC_SAVEPOINTS_ENTRY_CLASS,
        programArgs: [
            `--job-name=${name}`,
            `--rest-url=${restUrl}`,
            `--rest-ca-cert-base64=${Buffer.from(ca).toString("base64")}`,
            `--job=${target}`,
            "--interval-seconds=3",
            "--kept=2",
            "--timeout-seconds=60",
            "--checkpoint-interval-seconds=2",
        ],
        state: "RUNNING",
        deleteMode: "cancel",
        allowNonRestoredState: true,
        waitTimeoutSeconds: 180,
        version: 1,
    });

    // Given another CA, its calls are refused by the TLS handshake: no savepoint, and the TaskManager's log says why.
    const log = logFile(ctx, "flink-tls-taskmanager");
    const logStart = fs.statSync(log).size;
    const wrong = (await flinkJarJobProvider.create!(periodic(`lakehouse-https-psp-wrong-${id}`, otherCa))).outs;
    expect(wrong.jobState).toBe("RUNNING");
    const refusals = await pollFor(
        "the periodic-savepoints job's refused calls in the TaskManager's log",
        60_000,
        async () => fs.readFileSync(log, "utf8").slice(logStart),
        (text) => /periodic savepoints: the JobManager's REST API did not answer.*(PKIX|certificat)/i.test(text),
    );
    expect(refusals).not.toMatch(/periodic savepoint of/i);
    await flinkJarJobProvider.delete!(wrong.name, wrong);

    // Given the CA: savepoints of the running job every few seconds, over HTTPS from inside the cluster.
    expect((await checkpointStats(rest(), job.jobId)).latest?.savepoint ?? null).toBeNull();
    const right = (await flinkJarJobProvider.create!(periodic(`lakehouse-https-psp-${id}-savepoints`, caCert))).outs;
    expect(right.jobState).toBe("RUNNING");
    const latestSavepoint = async () => (await checkpointStats(rest(), job.jobId)).latest?.savepoint;
    const first = await pollFor("a periodic savepoint of the job", 120_000, latestSavepoint, (s) => Boolean(s?.external_path));
    const second = await pollFor("a second periodic savepoint of the job", 60_000, latestSavepoint, (s) => Boolean(s?.external_path && s.id !== first.id));
    expect(second.external_path).toMatch(/savepoint-/);
    // The job logs a savepoint once its own poll (up to 5 s apart) sees it done, which can follow the REST API's listing.
    const logged = await pollFor(
        "the periodic-savepoints job's log line",
        30_000,
        async () => fs.readFileSync(log, "utf8").slice(logStart),
        (text) => text.includes(`periodic savepoint of Flink job ${target} (${job.jobId}): `),
    );
    expect(logged).toContain(`periodic savepoint of Flink job ${target} (${job.jobId}): `);
    await flinkJarJobProvider.delete!(right.name, right);
    await flinkJobProvider.delete!(target, job);
});

test("the preflight passes with the CA and refuses another one at once, naming the stack key", async () => {
    const check = (ca: string) =>
        runPreflight(
            [
                { service: "flink", kind: "http", url: `${restUrl}/overview`, access: { caCert: ca, caCertKey: "lakehouse:external.flink.caCert" } },
                {
                    service: "flink-sql-gateway",
                    kind: "http",
                    url: `${gatewayUrl}/v1/info`,
                    access: { caCert: ca, caCertKey: "lakehouse:external.flink.caCert" },
                },
            ],
            30_000,
        );
    await expect(check(caCert)).resolves.toBeUndefined();
    const refused = await failure(check(otherCa));
    expect(refused.message).toMatch(
        /existing flink at https:\/\/127\.0\.0\.1:18081\/overview refused the client or does not answer: \w+: the server's certificate is not signed by a CA this client trusts: give the CA's certificate \(PEM\) in lakehouse:external\.flink\.caCert/,
    );
    expect(await check(otherCa).catch((e) => e)).toBeInstanceOf(PreflightError);
    expect(refused.ms).toBeLessThan(5000);
});
