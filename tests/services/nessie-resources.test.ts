/** Nessie branch and namespace lifecycles against the harness's real Nessie, as object and serialized. */
import { NESSIE_PROVIDER_VERSION, nessieBranchProvider, nessieNamespaceProvider, nessieRequest } from "../../components/dynamic/nessie";
import { bothForms } from "../support/dynamic";

const apiUrl = "http://127.0.0.1:19120/api/v2";

async function branchExists(branch: string): Promise<boolean> {
    return nessieRequest(apiUrl, "GET", `/trees/${branch}`).then(() => true, () => false);
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
        const inputs = { apiUrl, branch, from: "main", version: NESSIE_PROVIDER_VERSION };
        const created = await branchProvider.create(inputs);
        expect(created).toEqual({ id: branch, outs: inputs });
        expect(await branchExists(branch)).toBe(true);
        await expect(branchProvider.create(inputs)).resolves.toEqual(created);
        expect(await branchProvider.read(branch, created.outs)).toEqual({ id: branch, props: inputs });
        expect(await branchProvider.diff(branch, created.outs, inputs)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
        expect(await branchProvider.diff(branch, created.outs, { ...inputs, branch: "other" })).toEqual({ changes: true, replaces: ["branch"], deleteBeforeReplace: true });

        // Namespaces on the branch, while it exists.
        const ns = { apiUrl, branch, namespace: "cdc", version: NESSIE_PROVIDER_VERSION };
        const made = await namespaceProvider.create(ns);
        expect(made.id).toBe(`${branch}/cdc`);
        await expect(namespaceProvider.create(ns)).resolves.toEqual(made);
        const content = await nessieRequest(apiUrl, "GET", `/trees/${branch}/contents/cdc`);
        expect(content.content).toMatchObject({ type: "NAMESPACE", elements: ["cdc"] });
        expect(await namespaceProvider.read(made.id, made.outs)).toEqual({ id: made.id, props: ns });

        // A nested namespace, and another commit moving the branch: deletes still find the fresh hash.
        const nested = { ...ns, namespace: "cdc.raw" };
        await namespaceProvider.create(nested);
        expect((await nessieRequest(apiUrl, "GET", `/trees/${branch}/contents/cdc.raw`)).content.elements).toEqual(["cdc", "raw"]);
        await namespaceProvider.delete(`${branch}/cdc.raw`, nested);
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

    it("reports drift when the namespace is dropped out of band", async () => {
        const ns = { apiUrl, branch: "main", namespace: `drift_${form.startsWith("s") ? "ser" : "obj"}_${Date.now().toString(36)}`, version: NESSIE_PROVIDER_VERSION };
        const made = await namespaceProvider.create(ns);
        const hash = (await nessieRequest(apiUrl, "GET", "/trees/main")).reference.hash;
        await nessieRequest(apiUrl, "POST", `/trees/main@${hash}/history/commit`, { commitMeta: { message: "out of band" }, operations: [{ type: "DELETE", key: { elements: [ns.namespace] } }] });
        expect(await namespaceProvider.read(made.id, made.outs)).toEqual({});
    });

    it("surfaces Nessie's own message when the source branch does not exist", async () => {
        await expect(branchProvider.create({ apiUrl, branch: `${branch}-x`, from: "no-such-branch", version: 1 })).rejects.toThrow('Nessie branch "no-such-branch" (the source of');
        await expect(namespaceProvider.create({ apiUrl, branch: "no-such-branch", namespace: "cdc", version: 1 })).rejects.toThrow('Nessie branch "no-such-branch" does not exist');
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
