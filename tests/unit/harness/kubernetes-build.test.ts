/**
 * How the harness builds a Kubernetes cluster's programs and the Pulumi kubernetes provider plugin from
 * Go modules (harness/kubernetes/install.ts, harness/pulumi/kubernetes-plugin.ts): the pinned versions,
 * the repository's build modules agreeing with them, and what each build is given. The builds themselves
 * run where the cluster does.
 */
import * as fs from "fs";
import * as path from "path";
import { loadVersions } from "../../../harness/lib/context";
import { kubernetesLdflags, kubernetesVersions, moduleProblems, programBuilds, requiredVersion } from "../../../harness/kubernetes/install";
import { kubernetesPluginVersion, pluginLdflags, versionedSchema } from "../../../harness/pulumi/kubernetes-plugin";

const versions = loadVersions();
const v = kubernetesVersions({ versions });
const modulesDir = path.join(__dirname, "..", "..", "..", "harness", "kubernetes", "modules");
const read = (m: string, f = "go.mod") => fs.readFileSync(path.join(modulesDir, m, f), "utf8");

describe("the cluster's programs", () => {
    test("the repository's build modules require exactly the versions harness/versions.json pins", () => {
        expect(moduleProblems(v, { kubernetes: read("kubernetes"), etcd: read("etcd") })).toEqual([]);
        expect(requiredVersion(read("kubernetes"), "k8s.io/kubernetes")).toBe(`v${v.version}`);
        // Every staging module is replaced with its published release of the same minor.
        const replaced = [...read("kubernetes").matchAll(/^\s*(k8s\.io\/\S+)\s+=>\s+\S+\s+(v\S+)/gm)];
        expect(replaced.length).toBeGreaterThanOrEqual(30);
        expect(new Set(replaced.map((m) => m[2]))).toEqual(new Set([`v0.${v.version.split(".").slice(1).join(".")}`]));
    });

    test("a module that drifts from versions.json is named, with both versions", () => {
        const bumped = { ...v, version: "1.37.3", etcd: "3.7.4" };
        const problems = moduleProblems(bumped, { kubernetes: read("kubernetes"), etcd: read("etcd") });
        expect(problems).toContain(`harness/kubernetes/modules/kubernetes/go.mod requires k8s.io/kubernetes v${v.version}, versions.json says v1.37.3`);
        expect(problems).toContain(`harness/kubernetes/modules/etcd/go.mod requires go.etcd.io/etcd/server/v3 v${v.etcd}, versions.json says v3.7.4`);
        expect(problems.some((p) => p.includes("replaces k8s.io/api with k8s.io/api v0.37.2, expected v0.37.3"))).toBe(true);
    });

    test("every program is built: the control plane, the node's, etcd, CoreDNS and crictl", () => {
        const builds = programBuilds(v);
        expect(builds.map((b) => b.name)).toEqual([
            "etcd",
            "etcdctl",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "kubelet",
            "kube-proxy",
            "kubectl",
            "coredns",
            "crictl",
        ]);
        const byName = Object.fromEntries(builds.map((b) => [b.name, b]));
        expect(byName.etcd).toMatchObject({ kind: "module", moduleDir: "etcd", package: "go.etcd.io/etcd/server/v3" });
        expect(byName.coredns).toMatchObject({ kind: "install", package: "github.com/coredns/coredns", version: `v${v.coredns}` });
        expect(byName.crictl).toMatchObject({ kind: "install", version: `v${v.crictl}` });
        // The module keeps each Kubernetes command's packages required (tools.go), so go.sum covers them.
        const tools = read("kubernetes", "tools.go");
        for (const b of builds.filter((b) => b.moduleDir === "kubernetes" && b.name !== "kubectl")) {
            expect(b.package).toBe(`k8s.io/kubernetes/cmd/${b.name}`);
            expect(tools).toContain(`"${b.package}/app"`);
        }
        expect(read("etcd", "tools.go")).toContain('"go.etcd.io/etcd/server/v3/etcdmain"');
    });

    test("Kubernetes programs say their release (what the API server's /version and the node report)", () => {
        const flags = kubernetesLdflags({ version: "1.37.2", releaseDate: "2026-10-27T12:01:04Z" });
        for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
            expect(flags).toContain(`-X ${pkg}.gitVersion=v1.37.2`);
            expect(flags).toContain(`-X ${pkg}.gitMajor=1`);
            expect(flags).toContain(`-X ${pkg}.gitMinor=37`);
            expect(flags).toContain(`-X ${pkg}.buildDate=2026-10-27T12:01:04Z`);
        }
    });

    test("a section without a pinned version names the keys", () => {
        expect(() => kubernetesVersions({ versions: { kubernetes: { version: "1.37.2" } } })).toThrow(
            /kubernetes section needs version, releaseDate, etcd, coredns and crictl/,
        );
    });
});

describe("the kubernetes provider plugin", () => {
    test("is pinned to the one commit the proxy serves, with the sdk release of that tag", () => {
        const p = kubernetesPluginVersion({ versions });
        expect(p.version.endsWith(p.commit.slice(0, 12))).toBe(true);
        expect(p.sdkVersion).toBe(p.tag.replace(/^v/, ""));
        expect(() => kubernetesPluginVersion({ versions: { kubernetesPlugin: { ...versions.kubernetesPlugin, commit: "" } } })).toThrow(
            /kubernetesPlugin.commit is missing/,
        );
    });

    test("its embedded schema carries the version, everything else unchanged; its version variable is set", () => {
        const schema = JSON.stringify({ name: "kubernetes", resources: { "kubernetes:core/v1:Pod": { properties: {} } } }, null, 2);
        expect(JSON.parse(versionedSchema(schema, "4.25.0"))).toEqual({ ...JSON.parse(schema), version: "4.25.0" });
        expect(pluginLdflags("4.25.0")).toBe("-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=4.25.0");
    });
});
