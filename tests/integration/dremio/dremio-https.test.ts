/**
 * The Dremio resources over HTTPS with a company CA (issue 19), against the local STAND-IN of Dremio's
 * REST API (harness/dremio: Dremio itself is not obtainable here) serving HTTPS with the harness's
 * certificate, on the provider object and its serialized form (each a private stand-in: the first
 * admin is created once per Dremio). The admin and the Nessie source are made, read and deleted with
 * `caCert`; a CA that did not sign the certificate, and HTTPS to the plain port, fail at once naming why.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dremioAdminProvider, dremioSourceProvider } from "../../../components/dynamic/dremio";
import { createDremioStandin, DremioStandin } from "../../../harness/dremio/standin";
import { endpoints } from "../../../harness/cli";
import { createContext } from "../../../harness/lib/context";
import { ensureCertificates } from "../../../harness/lib/tls";
import { bothForms } from "../../support/dynamic";
import { DOCKER_NESSIE_SOURCE_SETTINGS, dremioAdminInputs } from "../../support/dremio";

const ADMIN_PASSWORD = "first-admin-pass1";
const ctx = createContext();

describe.each([["provider object"], ["serialized provider"]])("Dremio admin and source over HTTPS on the stand-in (%s)", (form) => {
    let admin: Awaited<ReturnType<typeof bothForms>>[number][1];
    let source: Awaited<ReturnType<typeof bothForms>>[number][1];
    let standin: DremioStandin;
    let dir: string;
    let caCert: string;
    let otherCa: string;

    beforeAll(async () => {
        admin = (await bothForms(dremioAdminProvider)).find(([name]) => name === form)![1];
        source = (await bothForms(dremioSourceProvider)).find(([name]) => name === form)![1];
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dremio-https-"));
        const certs = ensureCertificates(ctx);
        caCert = fs.readFileSync(certs.caCert, "utf8");
        otherCa = fs.readFileSync(ensureCertificates(createContext({ runDir: path.join(dir, "other"), log: () => undefined })).caCert, "utf8");
        standin = await createDremioStandin({
            port: 0,
            dataFile: path.join(dir, "store.json"),
            https: { port: 0, cert: fs.readFileSync(certs.serverCert, "utf8"), key: fs.readFileSync(certs.serverKey, "utf8") },
        });
    });
    afterAll(async () => {
        await standin.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const adminInputs = (extra: Record<string, unknown> = {}) => dremioAdminInputs(standin.httpsUrl!, ADMIN_PASSWORD, { caCert, ...extra });

    it("makes the admin and the source through HTTPS with the CA, reads them, deletes the source", async () => {
        expect((await admin.check!({}, adminInputs())).failures).toEqual([]);
        const created = await admin.create!(adminInputs());
        expect(await admin.read!("admin", created.outs)).toEqual({ id: "admin", props: created.outs });
        const inputs = {
            url: standin.httpsUrl,
            caCert,
            userName: "admin",
            password: ADMIN_PASSWORD,
            name: "lakehouse",
            type: "NESSIE",
            config: { ...DOCKER_NESSIE_SOURCE_SETTINGS, nessieEndpoint: endpoints().nessie.apiV2 },
            secretConfig: { awsAccessSecret: "minio-secret-value-9" },
            version: 1,
        };
        const made = await source.create!(inputs);
        expect(await source.read!(made.id, made.outs)).toEqual({ id: made.id, props: made.outs });
        // A new CA is an update, never a replacement of the source.
        expect(await source.diff!(made.id, made.outs, { ...inputs, caCert: otherCa })).toMatchObject({ changes: true, replaces: [] });
        await source.delete!(made.id, made.outs);
        expect(await source.read!(made.id, made.outs)).toEqual({});
    });

    it("a CA that did not sign the certificate, and HTTPS to the plain port, are refused at once naming why", async () => {
        const started = Date.now();
        const untrusted = await admin.read!("admin", adminInputs({ caCert: otherCa })).catch((e: Error) => e);
        expect(String(untrusted)).toMatch(/logging in to Dremio at https:\/\/127\.0\.0\.1:\d+ as "admin": .*not signed by a CA this client trusts/);
        const tlsToPlain = await admin.read!("admin", adminInputs({ url: standin.url.replace("http:", "https:") })).catch((e: Error) => e);
        expect(String(tlsToPlain)).toMatch(/the URL says https but the server speaks plain HTTP on that port/);
        expect(String(untrusted)).not.toContain(ADMIN_PASSWORD);
        expect(Date.now() - started).toBeLessThan(10_000);
    });
});
