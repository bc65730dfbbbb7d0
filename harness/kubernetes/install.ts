/**
 * Builds a single-node Kubernetes cluster's programs from Go modules, into <cache>/kubernetes/bin:
 * etcd and etcdctl, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy,
 * kubectl, CoreDNS and crictl, at the versions of harness/versions.json (`kubernetes` section).
 *
 * `k8s.io/kubernetes` and etcd's server cannot be built with `go install module@version`: their
 * go.mod files replace sibling modules with relative paths. Each is built from a module of the
 * repository's own (`harness/kubernetes/modules/<name>/`: go.mod, go.sum, and a tools.go that keeps
 * the commands' packages required) whose `replace` lines point the staging modules at their published
 * versions. CoreDNS and crictl have no such lines: `go install` builds them.
 *
 * Idempotent: each program has a marker recording what it was built from (versions and the module
 * files' hash); a second run builds only what is missing or changed. Programs are built one at a
 * time (two cores; they share Go's build cache). Build log: <cache>/kubernetes/build.log.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { createContext } from "../lib/context";
import type { HarnessContext } from "../lib/types";
import { withFileLock } from "../lib/lock";
import { goEnv, goExecutable, isInstalled, placeBinary, run, tail, writeMarker } from "../pulumi/gobuild";

/** The `kubernetes` section of harness/versions.json. */
export interface KubernetesVersions {
    /** Kubernetes release, e.g. "1.37.2" (its staging modules are at v0.37.2). */
    version: string;
    /** The release's date, stamped as the build date (so a rebuild is byte-for-byte the same). */
    releaseDate: string;
    etcd: string;
    coredns: string;
    crictl: string;
}

/** How one program is built. */
export interface ProgramBuild {
    /** The executable's name in <cache>/kubernetes/bin. */
    name: string;
    /** `module`: `go build -o <name> <package>` in the repository's module `moduleDir`; `install`: `go install <package>@<version>`. */
    kind: "module" | "install";
    package: string;
    /** For `module`: harness/kubernetes/modules/<moduleDir>. */
    moduleDir?: string;
    /** For `install`: the module version. */
    version?: string;
    ldflags: string;
}

export function kubernetesVersions(ctx: Pick<HarnessContext, "versions">): KubernetesVersions {
    const v = ctx.versions?.kubernetes;
    if (!v?.version || !v?.etcd || !v?.coredns || !v?.crictl || !v?.releaseDate) {
        throw new Error("harness/versions.json: the kubernetes section needs version, releaseDate, etcd, coredns and crictl");
    }
    return { version: v.version, releaseDate: v.releaseDate, etcd: v.etcd, coredns: v.coredns, crictl: v.crictl };
}

/** The version variables Kubernetes' own build sets (hack/lib/version.sh), so `--version` and the API server's /version say the release. */
export function kubernetesLdflags(v: Pick<KubernetesVersions, "version" | "releaseDate">): string {
    const [major, minor] = v.version.split(".");
    const vars = { gitVersion: `v${v.version}`, gitMajor: major, gitMinor: minor, gitTreeState: "clean", buildDate: v.releaseDate };
    const sets = ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].flatMap((pkg) =>
        Object.entries(vars).map(([k, value]) => `-X ${pkg}.${k}=${value}`),
    );
    return ["-s", "-w", ...sets].join(" ");
}

/** Every program of the cluster, in build order (the API server first: the one every test needs). */
export function programBuilds(v: KubernetesVersions): ProgramBuild[] {
    const k8s = kubernetesLdflags(v);
    const kube = (name: string, pkg = `k8s.io/kubernetes/cmd/${name}`): ProgramBuild => ({
        name,
        kind: "module",
        package: pkg,
        moduleDir: "kubernetes",
        ldflags: k8s,
    });
    return [
        { name: "etcd", kind: "module", package: "go.etcd.io/etcd/server/v3", moduleDir: "etcd", ldflags: "-s -w" },
        { name: "etcdctl", kind: "module", package: "go.etcd.io/etcd/etcdctl/v3", moduleDir: "etcd", ldflags: "-s -w" },
        kube("kube-apiserver"),
        kube("kube-controller-manager"),
        kube("kube-scheduler"),
        kube("kubelet"),
        kube("kube-proxy"),
        kube("kubectl"),
        { name: "coredns", kind: "install", package: "github.com/coredns/coredns", version: `v${v.coredns}`, ldflags: "-s -w" },
        { name: "crictl", kind: "install", package: "sigs.k8s.io/cri-tools/cmd/crictl", version: `v${v.crictl}`, ldflags: "-s -w" },
    ];
}

/** The version a module file requires of `module`, or undefined. */
export function requiredVersion(goMod: string, module: string): string | undefined {
    const escaped = module.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    return new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(goMod)?.[1];
}

/**
 * What is inconsistent between versions.json and the repository's modules: each module must require
 * the pinned release, and the Kubernetes module replace every staging module with the same v0 version.
 */
export function moduleProblems(v: KubernetesVersions, modules: { kubernetes: string; etcd: string }): string[] {
    const problems: string[] = [];
    const want = `v${v.version}`;
    const got = requiredVersion(modules.kubernetes, "k8s.io/kubernetes");
    if (got !== want) problems.push(`harness/kubernetes/modules/kubernetes/go.mod requires k8s.io/kubernetes ${got ?? "(none)"}, versions.json says ${want}`);
    const staging = `v0.${v.version.split(".").slice(1).join(".")}`;
    for (const m of modules.kubernetes.matchAll(/^\s*(k8s\.io\/\S+)\s+=>\s+(\S+)\s+(v\S+)/gm)) {
        if (m[3] !== staging) problems.push(`harness/kubernetes/modules/kubernetes/go.mod replaces ${m[1]} with ${m[2]} ${m[3]}, expected ${staging}`);
    }
    const etcd = requiredVersion(modules.etcd, "go.etcd.io/etcd/server/v3");
    if (etcd !== `v${v.etcd}`)
        problems.push(`harness/kubernetes/modules/etcd/go.mod requires go.etcd.io/etcd/server/v3 ${etcd ?? "(none)"}, versions.json says v${v.etcd}`);
    return problems;
}

export function kubernetesBinDir(cacheDir: string): string {
    return path.join(cacheDir, "kubernetes", "bin");
}

function moduleHash(repoDir: string, moduleDir: string): string {
    const dir = path.join(repoDir, "harness", "kubernetes", "modules", moduleDir);
    const h = crypto.createHash("sha256");
    for (const f of ["go.mod", "go.sum", "tools.go"]) h.update(f).update(fs.readFileSync(path.join(dir, f)));
    return h.digest("hex").slice(0, 16);
}

/** Idempotent build of every program into <cache>/kubernetes/bin. Returns the programs built this time. */
export function installKubernetes(ctx: Pick<HarnessContext, "cacheDir" | "versions" | "log" | "repoDir">): Promise<string[]> {
    return withBuildLock(ctx, "the build of the cluster's programs by another process", () => buildPrograms(ctx));
}

/**
 * The lock every build of the cluster's toolchain (its programs, the kubernetes provider plugin) holds
 * in the cache: CI builds them in the background while other tests run, and the test that needs them
 * waits for that build instead of starting a second one. Bounded at 90 min (a niced build beside a test run).
 */
export function withBuildLock<T>(ctx: Pick<HarnessContext, "cacheDir" | "log">, waitingFor: string, fn: () => Promise<T>): Promise<T> {
    return withFileLock(path.join(ctx.cacheDir, "kubernetes", "build.lock"), { waitingFor, timeoutMs: 90 * 60 * 1000, log: ctx.log }, fn);
}

async function buildPrograms(ctx: Pick<HarnessContext, "cacheDir" | "versions" | "log" | "repoDir">): Promise<string[]> {
    const v = kubernetesVersions(ctx);
    const modulesDir = path.join(ctx.repoDir, "harness", "kubernetes", "modules");
    const read = (m: string) => fs.readFileSync(path.join(modulesDir, m, "go.mod"), "utf8");
    const problems = moduleProblems(v, { kubernetes: read("kubernetes"), etcd: read("etcd") });
    if (problems.length) throw new Error(`kubernetes: the build modules do not match harness/versions.json:\n  - ${problems.join("\n  - ")}`);

    const work = path.join(ctx.cacheDir, "kubernetes");
    const bin = kubernetesBinDir(ctx.cacheDir);
    const scratch = path.join(work, "build");
    fs.mkdirSync(bin, { recursive: true });
    fs.mkdirSync(scratch, { recursive: true });
    const logFile = path.join(work, "build.log");
    const built: string[] = [];
    for (const p of programBuilds(v)) {
        const dest = path.join(bin, p.name);
        const marker = path.join(work, "markers", `${p.name}.json`);
        const want = { ...p, from: p.moduleDir ? moduleHash(ctx.repoDir, p.moduleDir) : `${p.package}@${p.version}` };
        if (isInstalled(marker, want, [dest])) continue;
        const started = Date.now();
        ctx.log(
            `kubernetes: building ${p.name} (${p.kind === "module" ? `${p.package} in modules/${p.moduleDir}` : `${p.package}@${p.version}`}); log: ${logFile}`,
        );
        const out = path.join(scratch, p.name);
        fs.rmSync(out, { force: true });
        const r =
            p.kind === "module"
                ? await run(goExecutable(), ["build", "-trimpath", "-ldflags", p.ldflags, "-o", out, p.package], {
                      cwd: path.join(modulesDir, p.moduleDir!),
                      env: goEnv(),
                      logFile,
                  })
                : await run(goExecutable(), ["install", "-trimpath", "-ldflags", p.ldflags, `${p.package}@${p.version}`], {
                      cwd: scratch,
                      env: goEnv({ GOBIN: scratch }),
                      logFile,
                  });
        if (r.code !== 0 || !fs.existsSync(out))
            throw new Error(`kubernetes: building ${p.name} failed (exit ${r.code}); tail of ${logFile}:\n${tail(logFile)}`);
        placeBinary(out, dest);
        writeMarker(marker, { ...want, seconds: Math.round((Date.now() - started) / 1000), bytes: fs.statSync(dest).size });
        ctx.log(`kubernetes: ${p.name} built in ${Math.round((Date.now() - started) / 1000)} s`);
        built.push(p.name);
    }
    return built;
}

if (require.main === module) {
    installKubernetes(createContext({ log: (m: string) => console.log(`[kubernetes ${new Date().toISOString().slice(11, 19)}] ${m}`) })).then(
        (built) => console.log(built.length ? `built: ${built.join(", ")}` : "every program already built"),
        (e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(1);
        },
    );
}
