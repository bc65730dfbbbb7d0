/**
 * The Dremio resources' whole lifecycle against the local STAND-IN of Dremio's REST API
 * (harness/dremio: Dremio itself is not obtainable here), on the provider object and on its
 * serialized form. Each form gets a private stand-in (the first admin can be created only once per
 * Dremio); the Nessie source is validated by the stand-in against the harness's real Nessie.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DREMIO_REDACTED, dremioAdminProvider, dremioLogin, dremioRequest, dremioSourceProvider } from "../../../components/dynamic/dremio";
import { createDremioStandin, DremioStandin } from "../../../harness/dremio/standin";
import { endpoints } from "../../../harness/cli";
import { bothForms } from "../../support/dynamic";
import { DOCKER_NESSIE_SOURCE_SETTINGS, dremioAdminInputs } from "../../support/dremio";

const ADMIN_PASSWORD = "first-admin-pass1";
const S3_SECRET = "minio-secret-value-9";

describe.each([["provider object"], ["serialized provider"]])("Dremio admin and Nessie source on the Dremio stand-in (%s)", (form) => {
    let admin: Awaited<ReturnType<typeof bothForms>>[number][1];
    let source: Awaited<ReturnType<typeof bothForms>>[number][1];
    let standin: DremioStandin;
    let dir: string;

    beforeAll(async () => {
        admin = (await bothForms(dremioAdminProvider)).find(([name]) => name === form)![1];
        source = (await bothForms(dremioSourceProvider)).find(([name]) => name === form)![1];
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dremio-standin-"));
        standin = await createDremioStandin({ port: 0, dataFile: path.join(dir, "store.json") });
    });
    afterAll(async () => {
        await standin.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const adminInputs = (extra: Record<string, unknown> = {}) => dremioAdminInputs(standin.url, ADMIN_PASSWORD, extra);
    const nessieApi = () => endpoints().nessie.apiV2 as string;
    const sourceInputs = (extra: Record<string, unknown> = {}) => ({
        url: standin.url,
        userName: "admin",
        password: ADMIN_PASSWORD,
        name: "lakehouse",
        type: "NESSIE",
        config: {
            ...DOCKER_NESSIE_SOURCE_SETTINGS,
            nessieEndpoint: nessieApi(),
            propertyList: [
                { name: "fs.s3a.path.style.access", value: "true" },
                { name: "dremio.s3.compat", value: "true" },
                { name: "fs.s3a.endpoint", value: "127.0.0.1:9000" },
            ],
        },
        secretConfig: { awsAccessSecret: S3_SECRET },
        version: 1,
        ...extra,
    });

    it("bootstraps the first admin once, adopts it on a rerun, and refuses a wrong password naming the setting", async () => {
        const created = await admin.create!(adminInputs());
        expect(created).toEqual({ id: "admin", outs: adminInputs() });
        await expect(dremioLogin(standin.url, "admin", ADMIN_PASSWORD)).resolves.toMatch(/\w+/);

        // A rerun after a crash: Dremio refuses a second first user; the resource logs in and adopts it.
        await expect(admin.create!(adminInputs())).resolves.toEqual(created);

        const wrong = await admin.create!(adminInputs({ password: "not-the-pass-2" })).catch((e: Error) => e);
        expect(String(wrong)).toContain("First user can only be created when no user is already registered");
        expect(String(wrong)).toContain("lakehouse:dremioAdminPassword");
        expect(String(wrong)).not.toContain("not-the-pass-2");

        expect(await admin.diff!("admin", created.outs, adminInputs())).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false, detailedDiff: {} });
        expect(await admin.read!("admin", created.outs)).toEqual({ id: "admin", props: created.outs });
    });

    it("changes the admin's password through the user API, and reads an out-of-band change as drift", async () => {
        const olds = adminInputs();
        const news = adminInputs({ password: "rotated-pass-3" });
        // The engine is told which input changed, never its value.
        const passwordChanged = { changes: true, replaces: [], deleteBeforeReplace: false, detailedDiff: { password: { kind: "update", inputDiff: true } } };
        expect(await admin.diff!("admin", olds, news)).toEqual(passwordChanged);
        await admin.update!("admin", olds, news);
        await expect(dremioLogin(standin.url, "admin", "rotated-pass-3")).resolves.toMatch(/\w+/);
        await expect(dremioLogin(standin.url, "admin", ADMIN_PASSWORD)).rejects.toMatchObject({ status: 401 });

        // Someone changes it out of band (Dremio's user API, as its UI does): refresh shows the stack's password no longer works.
        let token = await dremioLogin(standin.url, "admin", "rotated-pass-3");
        const user = await dremioRequest(standin.url, "GET", "/api/v3/user/by-name/admin", { token });
        expect(user).toMatchObject({ name: "admin", firstName: "Lakehouse", email: "admin@lakehouse.local", tag: expect.any(String) });
        await dremioRequest(standin.url, "PUT", `/api/v3/user/${user.id}`, { token, body: { ...user, password: "changed-by-hand-4" } });
        const drift = await admin.read!("admin", news);
        expect(drift.props!.password).toBe("(rejected by Dremio)");
        expect(await admin.diff!("admin", drift.props!, news)).toEqual(passwordChanged);
        // Neither the declared nor the recorded password logs in: up says which setting to fix, without either password.
        const stuck = await admin.update!("admin", drift.props!, news).catch((e: Error) => e);
        expect(String(stuck)).toContain("Set the secret lakehouse:dremioAdminPassword to the user's current password");
        expect(String(stuck)).not.toMatch(/rotated-pass-3|changed-by-hand-4/);
        // The stack is told the current password: up records it; then the stack moves it back, through the API.
        const repaired = await admin.update!("admin", drift.props!, adminInputs({ password: "changed-by-hand-4" }));
        expect(repaired.outs!.password).toBe("changed-by-hand-4");
        await admin.update!("admin", repaired.outs!, adminInputs());
        token = await dremioLogin(standin.url, "admin", ADMIN_PASSWORD);
        expect(token).toMatch(/\w+/);
    });

    it("creates the Nessie source, adopts it on a rerun, and shows no drift from Dremio's defaults or redacted secrets", async () => {
        const created = await source.create!(sourceInputs());
        expect(created.outs).toMatchObject({ name: "lakehouse", type: "NESSIE", sourceId: created.id });
        const token = await dremioLogin(standin.url, "admin", ADMIN_PASSWORD);
        const stored = await dremioRequest(standin.url, "GET", `/api/v3/catalog/by-path/lakehouse`, { token });
        expect(stored.id).toBe(created.id);
        // Dremio redacts the secret and adds settings of its own...
        expect(stored.config.awsAccessSecret).toBe(DREMIO_REDACTED);
        expect(JSON.stringify(stored)).not.toContain(S3_SECRET);
        // ...neither of which is drift.
        const read = await source.read!(created.id, created.outs);
        expect(read).toEqual({ id: created.id, props: created.outs });
        expect(await source.diff!(created.id, read.props!, sourceInputs())).toEqual({
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: {},
        });

        // A rerun after a crash adopts the same source instead of creating a second one.
        const again = await source.create!(sourceInputs());
        expect(again.id).toBe(created.id);
        const all = await dremioRequest(standin.url, "GET", "/api/v3/catalog", { token });
        expect(all.data.filter((e: any) => e.path?.[0] === "lakehouse")).toHaveLength(1);
    });

    it("reads a setting edited out of band as exactly that drift, and update puts it back keeping the secret", async () => {
        const token = await dremioLogin(standin.url, "admin", ADMIN_PASSWORD);
        const stored = await dremioRequest(standin.url, "GET", `/api/v3/catalog/by-path/lakehouse`, { token });
        // Someone edits the source in Dremio's UI (secrets come back redacted; sending that keeps them).
        await dremioRequest(standin.url, "PUT", `/api/v3/catalog/${stored.id}`, {
            token,
            body: { ...stored, config: { ...stored.config, awsRootPath: "/elsewhere" } },
        });
        const outs = { ...sourceInputs(), sourceId: stored.id, status: "good" };
        const read = await source.read!(stored.id, outs);
        expect((read.props as any).config.awsRootPath).toBe("/elsewhere");
        expect(await source.diff!(stored.id, read.props!, sourceInputs())).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: { 'config["awsRootPath"]': { kind: "update", inputDiff: true } },
        });

        const updated = await source.update!(stored.id, read.props!, sourceInputs());
        expect(updated.outs).toMatchObject({ sourceId: stored.id });
        const after = await source.read!(stored.id, outs);
        expect((after.props as any).config.awsRootPath).toBe("/warehouse");
        expect(await source.diff!(stored.id, after.props!, sourceInputs())).toMatchObject({ changes: false });
    });

    it("surfaces Dremio's own message for a source it refuses, without the secret", async () => {
        const bad = sourceInputs({ name: "broken", config: { ...sourceInputs().config, nessieEndpoint: "http://127.0.0.1:1/api/v2" } });
        const error = await source.create!(bad).catch((e: Error) => e);
        expect(String(error)).toMatch(/Dremio source "broken": Dremio POST \/api\/v3\/catalog: 4\d\d: .+/);
        expect(String(error)).not.toContain(S3_SECRET);
        expect(String(error)).not.toContain(ADMIN_PASSWORD);
    });

    it("takes a new URL as an update, and a replacement that adopted the source keeps it when the original is deleted", async () => {
        const original = await source.create!(sourceInputs());
        expect(original.outs.savedTag).toEqual(expect.any(String));
        const moved = sourceInputs({ url: standin.url.replace("127.0.0.1", "localhost") });
        const urlChanged = { changes: true, replaces: [], deleteBeforeReplace: false, detailedDiff: { url: { kind: "update", inputDiff: true } } };
        expect(await source.diff!(original.id, original.outs, moved)).toEqual(urlChanged);
        expect(await admin.diff!("admin", adminInputs(), adminInputs({ url: moved.url }))).toEqual(urlChanged);
        // The replacement adopts the same source (same id) and saves it: the original's delete leaves it.
        const replacement = await source.create!(sourceInputs());
        expect(replacement.id).toBe(original.id);
        expect(replacement.outs.savedTag).not.toBe(original.outs.savedTag);
        await source.delete!(original.id, original.outs);
        const token = await dremioLogin(standin.url, "admin", ADMIN_PASSWORD);
        expect((await dremioRequest(standin.url, "GET", `/api/v3/catalog/${original.id}`, { token })).name).toBe("lakehouse");
    });

    it("replaces on a new name, deletes, reads a deleted source as gone, and deletes again as a no-op", async () => {
        const token = await dremioLogin(standin.url, "admin", ADMIN_PASSWORD);
        const stored = await dremioRequest(standin.url, "GET", `/api/v3/catalog/by-path/lakehouse`, { token });
        const outs = { ...sourceInputs(), sourceId: stored.id, status: "good" };
        expect(await source.diff!(stored.id, outs, sourceInputs({ name: "lake2" }))).toEqual({
            changes: true,
            replaces: ["name"],
            deleteBeforeReplace: true,
            detailedDiff: { name: { kind: "update-replace", inputDiff: true } },
        });

        await source.delete!(stored.id, outs);
        await expect(dremioRequest(standin.url, "GET", `/api/v3/catalog/by-path/lakehouse`, { token })).rejects.toMatchObject({ status: 404 });
        expect(await source.read!(stored.id, outs)).toEqual({});
        await expect(source.delete!(stored.id, outs)).resolves.toBeUndefined();
        // The admin stays: deleting it is a no-op by design.
        await expect(admin.delete!("admin", adminInputs())).resolves.toBeUndefined();
        await expect(dremioLogin(standin.url, "admin", ADMIN_PASSWORD)).resolves.toMatch(/\w+/);
    });
});
