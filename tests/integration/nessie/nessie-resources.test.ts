/** Nessie branch and namespace lifecycles against the harness's real Nessie, as object and serialized. */
import { NESSIE_PROVIDER_VERSION, OWNER_PROPERTY, nessieBranchProvider, nessieNamespaceProvider, nessieRequest } from "../../../components/dynamic/nessie";
import { bothForms } from "../../support/dynamic";

const apiUrl = "http://127.0.0.1:19120/api/v2";

async function branchExists(branch: string): Promise<boolean> {
    return nessieRequest(apiUrl, "GET", `/trees/${branch}`).then(
        () => true,
        () => false,
    );
}

describe.each([["provider object"], ["serialized provider"]])("Nessie resources on real Nessie (%s)", (form) => {
    let branchProvider: any;
    let namespaceProvider: any;
    const branch = `test-${form.startsWith("s") ? "ser" : "obj"}-${Date.now().toString(36)}`;

    beforeAll(async () => {
        branchProvider = (await bothForms(nessieBranchProvider)).find(([n]) => n === form)![1];
        namespaceProvider = (await bothForms(nessieNamespaceProvider)).find(([n]) => n === form)![1];
    });

    it("branch: creates, adopts on rerun, reads, diffs, deletes idempotently", async () => {
        const inputs = { apiUrl, branch, from: "main", dropContentsOnDelete: true, version: NESSIE_PROVIDER_VERSION };
        const created = await branchProvider.create(inputs);
        expect(created).toEqual({ id: branch, outs: inputs });
        expect(await branchExists(branch)).toBe(true);
        await expect(branchProvider.create(inputs)).resolves.toEqual(created);
        expect(await branchProvider.read(branch, created.outs)).toEqual({ id: branch, props: inputs });
        expect(await branchProvider.diff(branch, created.outs, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false, detailedDiff: {} });
        expect(await branchProvider.diff(branch, created.outs, { ...inputs, branch: "other" })).toEqual({
            changes: true,
            replaces: ["branch"],
            deleteBeforeReplace: false,
            detailedDiff: { branch: { kind: "update-replace", inputDiff: true } },
        });
        // The URL is how Pulumi reaches Nessie, and `from` only matters when the branch is made: updates.
        const moved = { ...inputs, apiUrl: apiUrl.replace("127.0.0.1", "localhost"), from: "elsewhere" };
        expect(await branchProvider.diff(branch, created.outs, moved)).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: { apiUrl: { kind: "update", inputDiff: true }, from: { kind: "update", inputDiff: true } },
        });
        await expect(branchProvider.update(branch, created.outs, moved)).resolves.toEqual({ outs: moved });
        expect(await branchExists(branch)).toBe(true);

        // Namespaces on the branch, while it exists. A name of its own: the branch starts from main, where a
        // deployed stack may hold a namespace (e.g. the local stack's "cdc", with tables).
        const name = `cdc_${branch.replace(/[^a-z0-9]/g, "_")}`;
        const ns = { apiUrl, branch, namespace: name, version: NESSIE_PROVIDER_VERSION };
        const made = await namespaceProvider.create(ns);
        expect(made).toEqual({ id: `${branch}/${name}`, outs: { ...ns, ownerToken: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
        const content = await nessieRequest(apiUrl, "GET", `/trees/${branch}/contents/${name}`);
        expect(content.content).toMatchObject({ type: "NAMESPACE", elements: [name], properties: { [OWNER_PROPERTY]: made.outs.ownerToken } });
        expect(await namespaceProvider.read(made.id, made.outs)).toEqual({ id: made.id, props: made.outs });

        // A nested namespace, and another commit moving the branch: deletes still find the fresh hash.
        const nested = { ...ns, namespace: `${name}.raw` };
        const nestedMade = await namespaceProvider.create(nested);
        expect((await nessieRequest(apiUrl, "GET", `/trees/${branch}/contents/${name}.raw`)).content.elements).toEqual([name, "raw"]);
        await namespaceProvider.delete(`${branch}/${name}.raw`, nestedMade.outs);
        await namespaceProvider.delete(made.id, made.outs);
        expect(await namespaceProvider.read(made.id, made.outs)).toEqual({});
        await expect(namespaceProvider.delete(made.id, made.outs)).resolves.toBeUndefined();

        await branchProvider.delete(branch, created.outs);
        expect(await branchExists(branch)).toBe(false);
        expect(await branchProvider.read(branch, created.outs)).toEqual({});
        await expect(branchProvider.delete(branch, created.outs)).resolves.toBeUndefined();
        // The namespace of a branch that is gone is gone too.
        await expect(namespaceProvider.delete(made.id, made.outs)).resolves.toBeUndefined();
    });

    it("namespace: a new URL is an update, and a replacement that adopted it keeps it with its tables", async () => {
        const name = `adopt_${form.startsWith("s") ? "ser" : "obj"}_${Date.now().toString(36)}`;
        const ns = { apiUrl, branch: "main", namespace: name, dropContentsOnDelete: true, version: NESSIE_PROVIDER_VERSION };
        const original = await namespaceProvider.create(ns);
        // A table in it, as the Flink jobs' Iceberg catalog would put there.
        const hash = (await nessieRequest(apiUrl, "GET", "/trees/main")).reference.hash;
        await nessieRequest(apiUrl, "POST", `/trees/main@${hash}/history/commit`, {
            commitMeta: { message: "a table" },
            operations: [
                {
                    type: "PUT",
                    key: { elements: [name, "t"] },
                    content: {
                        type: "ICEBERG_TABLE",
                        metadataLocation: "s3://w/t/metadata/v1.metadata.json",
                        snapshotId: 1,
                        schemaId: 0,
                        specId: 0,
                        sortOrderId: 0,
                    },
                },
            ],
        });
        const moved = { ...ns, apiUrl: apiUrl.replace("127.0.0.1", "localhost") };
        expect(await namespaceProvider.diff(original.id, original.outs, moved)).toEqual({
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
            detailedDiff: { apiUrl: { kind: "update", inputDiff: true } },
        });
        const updated = await namespaceProvider.update(original.id, original.outs, moved);
        expect(updated.outs.ownerToken).toBe(original.outs.ownerToken);

        const replacement = await namespaceProvider.create(ns);
        expect(replacement.id).toBe(original.id);
        expect(replacement.outs.ownerToken).not.toBe(original.outs.ownerToken);
        // "deleting original", even with dropContentsOnDelete: the namespace and its table stay.
        await namespaceProvider.delete(original.id, updated.outs);
        expect((await nessieRequest(apiUrl, "GET", `/trees/main/contents/${name}.t`)).content.type).toBe("ICEBERG_TABLE");
        expect((await nessieRequest(apiUrl, "GET", `/trees/main/contents/${name}`)).content.properties[OWNER_PROPERTY]).toBe(replacement.outs.ownerToken);
        // Its owner drops it (with its table) as declared.
        await namespaceProvider.delete(replacement.id, replacement.outs);
        expect(await namespaceProvider.read(replacement.id, replacement.outs)).toEqual({});
    });

    it("branch: kept on delete unless the stack drops contents", async () => {
        const kept = `${branch}-kept`;
        const inputs = { apiUrl, branch: kept, from: "main", dropContentsOnDelete: false, version: NESSIE_PROVIDER_VERSION };
        const created = await branchProvider.create(inputs);
        await branchProvider.delete(kept, created.outs);
        expect(await branchExists(kept)).toBe(true);
        await branchProvider.delete(kept, { ...created.outs, dropContentsOnDelete: true });
        expect(await branchExists(kept)).toBe(false);
    });

    it("reports drift when the namespace is dropped out of band", async () => {
        const ns = {
            apiUrl,
            branch: "main",
            namespace: `drift_${form.startsWith("s") ? "ser" : "obj"}_${Date.now().toString(36)}`,
            version: NESSIE_PROVIDER_VERSION,
        };
        const made = await namespaceProvider.create(ns);
        const hash = (await nessieRequest(apiUrl, "GET", "/trees/main")).reference.hash;
        await nessieRequest(apiUrl, "POST", `/trees/main@${hash}/history/commit`, {
            commitMeta: { message: "out of band" },
            operations: [{ type: "DELETE", key: { elements: [ns.namespace] } }],
        });
        expect(await namespaceProvider.read(made.id, made.outs)).toEqual({});
    });

    it("surfaces Nessie's own message when the source branch does not exist", async () => {
        await expect(branchProvider.create({ apiUrl, branch: `${branch}-x`, from: "no-such-branch", version: 1 })).rejects.toThrow(
            'Nessie branch "no-such-branch" (the source of',
        );
        await expect(namespaceProvider.create({ apiUrl, branch: "no-such-branch", namespace: "cdc", version: 1 })).rejects.toThrow(
            'Nessie branch "no-such-branch" does not exist',
        );
    });
});

describe("Nessie resource check", () => {
    it("names each bad property and skips unknown preview values", async () => {
        expect((await nessieNamespaceProvider.check!({}, { apiUrl: "http://n:19120", branch: "..", namespace: "1bad" })).failures).toEqual([
            { property: "apiUrl", reason: '"http://n:19120" must be an http(s) URL ending in /api/v2' },
            { property: "branch", reason: '".." is not a Nessie reference name' },
            { property: "namespace", reason: '"1bad" must be dot-separated identifiers, e.g. cdc or cdc.raw' },
        ]);
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        expect((await nessieBranchProvider.check!({}, { apiUrl: unknown, branch: unknown, from: "main" })).failures).toEqual([]);
    });
});
