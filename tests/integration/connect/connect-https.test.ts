/**
 * Kafka Connect's REST API over HTTPS with a company CA (issue 19): the harness's `connect-tls` also
 * listens on an HTTPS port with the harness's certificate. The connector resource (both provider forms)
 * reads through it with `connectCaCert`; a change of the CA alone is an update that touches nothing on
 * Connect; each wrong client fails at once with the reason and the fix; the checks `pulumi preview`
 * starts with pass with the CA and refuse another one naming the stack key. The secured stack
 * (tests/integration/stack/tls-stack.test.ts) deploys its connector through this listener.
 */
import * as fs from "fs";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { CONNECTOR_PROVIDER_VERSION, connectRequest, connectorProvider } from "../../../components/dynamic/connector";
import { PreflightError, runPreflight } from "../../../components/preflight";
import { bothForms } from "../../support/dynamic";
import { anotherCaCert, timedFailure } from "../../support/tls-failures";

jest.setTimeout(300_000);

const ctx = createContext();
let httpsUrl: string;
let plainUrl: string;
let caCert: string;
let otherCa: string;

beforeAll(async () => {
    await ensureUp(["connect-tls"], { ctx });
    const ep = endpoints({ ctx, onDemand: true })["connect-tls"];
    httpsUrl = ep.httpsUrl;
    plainUrl = ep.url;
    caCert = fs.readFileSync(ep.caFile, "utf8");
    otherCa = anotherCaCert();
});

const failure = timedFailure;

test("the REST API answers over HTTPS to a client that trusts the CA; each wrong client is told why", async () => {
    expect(httpsUrl).toBe("https://127.0.0.1:18443");
    const plugins = (await connectRequest({ url: httpsUrl, caCert }, "GET", "/connector-plugins")) as { class: string }[];
    expect(plugins.map((p) => p.class)).toContain("io.debezium.connector.postgresql.PostgresConnector");

    const untrusted = await failure(connectRequest({ url: httpsUrl, caCert: otherCa }, "GET", "/connector-plugins"));
    expect(untrusted.message).toMatch(
        /^Kafka Connect GET https:\/\/127\.0\.0\.1:18443\/connector-plugins: \w+: the server's certificate is not signed by a CA this client trusts: give the CA's certificate \(PEM\) in the service's caCert$/,
    );
    const tlsToPlain = await failure(connectRequest({ url: plainUrl.replace("http:", "https:"), caCert }, "GET", "/connector-plugins"));
    expect(tlsToPlain.message).toMatch(/the URL says https but the server speaks plain HTTP on that port/);
    const plainToTls = await failure(connectRequest(httpsUrl.replace("https:", "http:"), "GET", "/connector-plugins"));
    // Jetty answers plain HTTP on its TLS port with bytes that are not HTTP.
    expect(plainToTls.message).toMatch(
        /: HPE_INVALID_CONSTANT: the server closed the connection or did not answer HTTP: if it speaks HTTPS on that port, use https:\/\/$/,
    );
    for (const f of [untrusted, tlsToPlain, plainToTls]) expect(f.ms).toBeLessThan(5000);
    console.log([untrusted, tlsToPlain, plainToTls].map((f) => `${f.ms} ms: ${f.message}`).join("\n"));
});

describe.each([["provider object"], ["serialized provider"]])("the connector resource over HTTPS (%s)", (form) => {
    it("reads a connector that is not there as gone, and a new CA is an update", async () => {
        const provider = (await bothForms(connectorProvider)).find(([n]) => n === form)![1];
        const props = {
            connectUrl: httpsUrl,
            connectCaCert: caCert,
            name: `https-it-${form.startsWith("s") ? "ser" : "obj"}-${Date.now().toString(36)}`,
            config: { "connector.class": "io.debezium.connector.postgresql.PostgresConnector" },
            state: "RUNNING",
            version: CONNECTOR_PROVIDER_VERSION,
        };
        expect(await provider.read!(props.name, props)).toEqual({});
        const diff = await provider.diff!(props.name, props, { ...props, connectCaCert: otherCa });
        expect(diff).toMatchObject({ changes: true, replaces: [] });
        const untrusted = await failure(provider.read!(props.name, { ...props, connectCaCert: otherCa }));
        expect(untrusted.message).toMatch(/not signed by a CA this client trusts/);
    });
});

test("the preflight passes with the CA and refuses another one at once, naming the stack key", async () => {
    const check = (ca: string) =>
        runPreflight(
            [
                {
                    service: "connect",
                    kind: "http",
                    url: `${httpsUrl}/connector-plugins`,
                    access: { caCert: ca, caCertKey: "lakehouse:external.connect.caCert" },
                },
            ],
            30_000,
        );
    await expect(check(caCert)).resolves.toBeUndefined();
    const refused = await failure(check(otherCa));
    expect(refused.message).toMatch(
        /existing connect at https:\/\/127\.0\.0\.1:18443\/connector-plugins refused the client or does not answer: \w+: the server's certificate is not signed by a CA this client trusts: give the CA's certificate \(PEM\) in lakehouse:external\.connect\.caCert/,
    );
    expect(await check(otherCa).catch((e) => e)).toBeInstanceOf(PreflightError);
    expect(refused.ms).toBeLessThan(5000);
});
