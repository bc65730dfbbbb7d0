/**
 * The harness's secured Nessie (`nessie-tls`, issue 19): the real Nessie server serving HTTPS only with
 * the harness's CA, and requiring a bearer token (a JWT it verifies with the harness's key). The Nessie
 * resources, in both provider forms, reach it with `caCert` and `credentials.token`; each wrong client
 * fails within a bounded time with the words that name why and the fix: no token, a token it did not
 * issue, a CA that did not sign its certificate, HTTPS to a plain-HTTP port and HTTP to its TLS port.
 * The checks `pulumi preview` starts with (components/preflight.ts) pass with the stack's settings and
 * refuse each bad one at once; `npm run health`'s Nessie probe reads it with the outputs' CA and token.
 */
import * as crypto from "crypto";
import { endpoints, ensureUp } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { nessieTlsAccess } from "../../../harness/nessie";
import { NESSIE_PROVIDER_VERSION, nessieBranchProvider, nessieNamespaceProvider, nessieRequest } from "../../../components/dynamic/nessie";
import { PreflightError, runPreflight } from "../../../components/preflight";
import { nessieServer } from "../../../ops/probes";
import { StackOutputs, useStackAccess } from "../../../ops/outputs";
import { bothForms } from "../../support/dynamic";
import { anotherCaCert } from "../../support/tls-failures";

jest.setTimeout(300_000);

const ctx = createContext();
const RUN = crypto.randomBytes(4).toString("hex");
let apiUrl: string;
let caCert: string;
let token: string;
let otherCa: string;

beforeAll(async () => {
    await ensureUp(["nessie-tls", "nessie"], { ctx });
    apiUrl = endpoints({ ctx, onDemand: true })["nessie-tls"].apiV2;
    ({ caCert, token } = nessieTlsAccess(ctx));
    otherCa = anotherCaCert();
});

/** How a request ends: "ok" or the error's message, and how long it took. */
async function outcome(work: Promise<unknown>): Promise<{ message: string; ms: number }> {
    const started = Date.now();
    try {
        await work;
        return { message: "ok", ms: Date.now() - started };
    } catch (err) {
        return { message: (err as Error).message, ms: Date.now() - started };
    }
}

test("the endpoint is HTTPS only: TLS with the CA and a token answers, nothing listens for plain HTTP", async () => {
    expect(apiUrl).toBe("https://127.0.0.1:19443/api/v2");
    const config = await nessieRequest({ apiUrl, caCert, token }, "GET", "/config");
    expect(config.defaultBranch).toBe("main");
    const plain = await outcome(nessieRequest(apiUrl.replace("https:", "http:"), "GET", "/config"));
    expect(plain.message).toMatch(
        /^Nessie GET http:\/\/127\.0\.0\.1:19443\/api\/v2\/config: UND_ERR_SOCKET: the server closed the connection or did not answer HTTP: if it speaks HTTPS on that port, use https:\/\//,
    );
    expect(plain.ms).toBeLessThan(5000);
});

test("each wrong client fails at once, with the reason and the fix", async () => {
    const noToken = await outcome(nessieRequest({ apiUrl, caCert }, "GET", "/trees/main"));
    expect(noToken.message).toBe(
        "Nessie GET /trees/main: 401: (no message); Nessie wants a login: give its bearer token (credentials.token; the stack's lakehouse:nessieToken)",
    );
    const forged = await outcome(nessieRequest({ apiUrl, caCert, token: `${token.split(".").slice(0, 2).join(".")}.Zm9yZ2Vk` }, "GET", "/trees/main"));
    expect(forged.message).toMatch(/: 401: .*Nessie refused the bearer token .*lakehouse:nessieToken\): it is not valid there, or has expired$/);
    const untrusted = await outcome(nessieRequest({ apiUrl, caCert: otherCa, token }, "GET", "/trees/main"));
    expect(untrusted.message).toMatch(
        /^Nessie GET https:\/\/127\.0\.0\.1:19443\/api\/v2\/trees\/main: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY): the server's certificate is not signed by a CA this client trusts: give the CA's certificate \(PEM\) in the service's caCert$/,
    );
    const systemTrust = await outcome(nessieRequest({ apiUrl, token }, "GET", "/trees/main"));
    expect(systemTrust.message).toMatch(/not signed by a CA this client trusts/);
    const tlsToPlain = await outcome(nessieRequest({ apiUrl: "https://127.0.0.1:19120/api/v2", caCert, token }, "GET", "/config"));
    expect(tlsToPlain.message).toMatch(
        // OpenSSL names the plain answer by its first bytes: either code, the same fix.
        /: ERR_SSL_(PACKET_LENGTH_TOO_LONG|WRONG_VERSION_NUMBER): the URL says https but the server speaks plain HTTP on that port: use http:\/\/, or the server's TLS port$/,
    );
    // The token is never in a message.
    for (const o of [noToken, forged, untrusted, systemTrust, tlsToPlain]) {
        expect(o.message).not.toContain(token);
        expect(o.ms).toBeLessThan(5000);
    }
});

describe.each([["provider object"], ["serialized provider"]])("Nessie resources on the secured Nessie (%s)", (form) => {
    let branchProvider: any;
    let namespaceProvider: any;

    beforeAll(async () => {
        branchProvider = (await bothForms(nessieBranchProvider)).find(([n]) => n === form)![1];
        namespaceProvider = (await bothForms(nessieNamespaceProvider)).find(([n]) => n === form)![1];
    });

    it("creates, reads and deletes a branch and a namespace with the CA and the token; refuses without the token", async () => {
        const branch = `tls-${form.startsWith("s") ? "ser" : "obj"}-${RUN}`;
        const security = { caCert, credentials: { token } };
        const inputs = { apiUrl, ...security, branch, from: "main", dropContentsOnDelete: true, version: NESSIE_PROVIDER_VERSION };
        expect((await branchProvider.check({}, inputs)).failures).toEqual([]);
        const created = await branchProvider.create(inputs);
        expect(created).toEqual({ id: branch, outs: inputs });
        expect(await branchProvider.read(branch, created.outs)).toEqual({ id: branch, props: inputs });

        const ns = { apiUrl, ...security, branch, namespace: `cdc_${RUN}`, version: NESSIE_PROVIDER_VERSION };
        const made = await namespaceProvider.create(ns);
        expect(await namespaceProvider.read(made.id, made.outs)).toEqual({ id: made.id, props: made.outs });
        const content = await nessieRequest({ apiUrl, caCert, token }, "GET", `/trees/${branch}/contents/cdc_${RUN}`);
        expect(content.content.type).toBe("NAMESPACE");

        // A rotated token is an update, nothing else: the diff names credentials, never its value.
        const rotated = { ...ns, credentials: { token: `${token}x` } };
        const diff = await namespaceProvider.diff(made.id, made.outs, rotated);
        expect(diff).toMatchObject({ changes: true, replaces: [] });
        expect(JSON.stringify(diff)).not.toContain(token);

        const withoutToken = await outcome(namespaceProvider.create({ ...ns, namespace: `other_${RUN}`, credentials: undefined }));
        expect(withoutToken.message).toMatch(/: 401: .*Nessie wants a login: give its bearer token/);

        await namespaceProvider.delete(made.id, made.outs);
        expect(await namespaceProvider.read(made.id, made.outs)).toEqual({});
        await branchProvider.delete(branch, created.outs);
        expect(await branchProvider.read(branch, created.outs)).toEqual({});
        await expect(branchProvider.delete(branch, created.outs)).resolves.toBeUndefined();
    });
});

test("the preflight passes with the CA and the token, and refuses each bad one at once naming the stack's key", async () => {
    const url = `${apiUrl}/config`;
    const keys = { caCertKey: "lakehouse:external.nessie.caCert", tokenKey: "lakehouse:nessieToken" };
    const check = (access: object) => runPreflight([{ service: "nessie", kind: "http", url, access: { ...keys, ...access } }], 30_000);
    await expect(check({ caCert, token })).resolves.toBeUndefined();

    const refused = async (access: object) => {
        const started = Date.now();
        const err = await check(access).then(
            () => undefined,
            (e) => e,
        );
        expect(err).toBeInstanceOf(PreflightError);
        return { message: (err as Error).message, ms: Date.now() - started };
    };
    const noToken = await refused({ caCert });
    expect(noToken.message).toContain(
        "existing nessie at https://127.0.0.1:19443/api/v2/config refused the client or does not answer: HTTP 401; the server wants a login: give its bearer token with `pulumi config set --secret lakehouse:nessieToken <token>`",
    );
    const badToken = await refused({ caCert, token: "not-a-token" });
    expect(badToken.message).toContain(
        "HTTP 401; the server refused the token: set a valid one with `pulumi config set --secret lakehouse:nessieToken <token>`",
    );
    const untrusted = await refused({ caCert: otherCa, token });
    expect(untrusted.message).toMatch(/not signed by a CA this client trusts: give the CA's certificate \(PEM\) in lakehouse:external\.nessie\.caCert/);
    for (const r of [noToken, badToken, untrusted]) {
        expect(r.message).not.toContain(token);
        // Fatal answers are not retried: well within the 30 s bound.
        expect(r.ms).toBeLessThan(5000);
    }
    console.log(
        `preflight refusals: ${[noToken, badToken, untrusted].map((r) => `${(r.ms / 1000).toFixed(1)} s`).join(", ")}\n${[noToken, badToken, untrusted].map((r) => r.message).join("\n")}`,
    );
});

test("npm run health's Nessie probe reads the secured Nessie with the outputs' CA and token", async () => {
    const outputs = {
        nessieApiUri: { internal: apiUrl, host: apiUrl },
        connectionSecurity: { kafka: { protocol: "PLAINTEXT" }, postgres: { sslmode: "disable" }, nessie: { auth: "bearer", caCert } },
        credentials: { nessieToken: token },
    } as unknown as StackOutputs;
    useStackAccess(outputs);
    const server = await nessieServer(apiUrl, "main", 10_000);
    expect(server.hash).toMatch(/^[0-9a-f]{16,}$/);
});
