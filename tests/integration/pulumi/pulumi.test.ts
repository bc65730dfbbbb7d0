/**
 * Pulumi CLI smoke test, offline: the harness's CLI (or `pulumi` on PATH) with a file backend in a
 * temp dir, the passphrase secrets provider, no update check and no plugin downloads.
 *
 * A trivial TypeScript stack in a temp dir (its node_modules is a symlink to the repository's, so
 * @pulumi/pulumi resolves from there) goes through stack init, preview, up, stack output, destroy
 * and stack rm. It exports a plain output, a secret, and the output of a dynamic resource, so the
 * Node.js language host and the dynamic provider host (pulumi-resource-pulumi-nodejs) both run.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_DIR, resolvePulumi, runPulumi, RunPulumiResult } from "../../../harness/pulumi/cli";
import { harnessPulumiBinary, pulumiVersion } from "../../../harness/pulumi/install";

const STEP_TIMEOUT_MS = 240_000;
// Explicit per-test ceilings: jest ignores `testTimeout` inside a `projects` entry.
const TEST_TIMEOUT_MS = 15 * 60_000;

const PROGRAM = `import * as pulumi from '@pulumi/pulumi';

// A dynamic provider: its code is serialized into the state and run by pulumi-resource-pulumi-nodejs.
const doubler: pulumi.dynamic.ResourceProvider = {
    async create(inputs: any) {
        return { id: 'doubled-' + inputs.x, outs: { x: inputs.x, doubled: inputs.x * 2 } };
    },
};

class Doubled extends pulumi.dynamic.Resource {
    public readonly doubled!: pulumi.Output<number>;
    constructor(name: string, x: number) {
        super(doubler, name, { x, doubled: undefined }, {});
    }
}

const config = new pulumi.Config();
export const greeting = pulumi.output('hello from ' + pulumi.getStack()).apply((s) => s.toUpperCase());
export const secretValue = pulumi.secret(config.get('word') ?? 'unset');
export const doubled = new Doubled('d', 21).doubled;
`;

function show(r: RunPulumiResult): string {
    return `exit ${r.code}${r.timedOut ? " (timed out)" : ""}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

describe("Pulumi CLI (offline, file backend)", () => {
    let tmp: string;
    let project: string;
    let env: NodeJS.ProcessEnv;

    beforeAll(() => {
        if (!resolvePulumi()) {
            throw new Error(`no pulumi CLI: build it (npx ts-node harness/pulumi/install.ts) or put pulumi on PATH`);
        }
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-pulumi-smoke-"));
        project = path.join(tmp, "project");
        fs.mkdirSync(project);
        fs.mkdirSync(path.join(tmp, "state"));
        fs.mkdirSync(path.join(tmp, "home"));
        fs.writeFileSync(
            path.join(project, "Pulumi.yaml"),
            "name: smoke\nruntime:\n  name: nodejs\n  options:\n    typescript: true\ndescription: harness smoke test\n",
        );
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "smoke", private: true, main: "index.ts" }, null, 2));
        fs.writeFileSync(
            path.join(project, "tsconfig.json"),
            JSON.stringify(
                { compilerOptions: { strict: true, target: "ES2020", module: "commonjs", moduleResolution: "node", skipLibCheck: true }, files: ["index.ts"] },
                null,
                2,
            ),
        );
        fs.writeFileSync(path.join(project, "index.ts"), PROGRAM);
        fs.symlinkSync(path.join(REPO_DIR, "node_modules"), path.join(project, "node_modules"), "dir");
        env = {
            PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
            PULUMI_HOME: path.join(tmp, "home"),
            PULUMI_CONFIG_PASSPHRASE: "smoke-test-passphrase",
        };
    });

    afterAll(() => {
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    const pulumi = (args: string[]) => runPulumi([...args, "--non-interactive"], { cwd: project, env, timeoutMs: STEP_TIMEOUT_MS });

    it("prints its version", async () => {
        const r = await runPulumi(["version"], { env, timeoutMs: 60_000 });
        expect(r.code).toBe(0);
        expect(r.stdout.trim()).toMatch(/^v3\.\d+\.\d+/);
        if (resolvePulumi() === harnessPulumiBinary()) {
            const versions = JSON.parse(fs.readFileSync(path.join(REPO_DIR, "harness", "versions.json"), "utf8"));
            expect(r.stdout.trim()).toBe(`v${pulumiVersion({ versions }).version}`);
        }
    }, 120_000);

    it(
        "inits a stack, previews, updates, reads outputs and destroys with no network",
        async () => {
            let r = await pulumi(["stack", "init", "smoke"]);
            expect({ code: r.code, out: show(r) }).toMatchObject({ code: 0 });

            r = await pulumi(["config", "set", "--secret", "word", "bird"]);
            expect({ code: r.code, out: show(r) }).toMatchObject({ code: 0 });

            r = await pulumi(["preview", "--diff"]);
            expect({ code: r.code, out: show(r) }).toMatchObject({ code: 0 });
            expect(r.stdout).toContain("pulumi:pulumi:Stack");
            expect(r.stdout).toContain("pulumi-nodejs:dynamic:Resource");

            r = await pulumi(["up", "--yes", "--skip-preview"]);
            expect({ code: r.code, out: show(r) }).toMatchObject({ code: 0 });

            r = await pulumi(["stack", "output", "--json", "--show-secrets"]);
            expect({ code: r.code, out: show(r) }).toMatchObject({ code: 0 });
            expect(JSON.parse(r.stdout)).toEqual({ greeting: "HELLO FROM SMOKE", secretValue: "bird", doubled: 42 });

            // The secret is encrypted in the state, not stored in plain text.
            const state = fs.readFileSync(path.join(tmp, "state", ".pulumi", "stacks", "smoke", "smoke.json"), "utf8");
            expect(state).not.toContain("bird");

            r = await pulumi(["preview", "--expect-no-changes"]);
            expect({ code: r.code, out: show(r) }).toMatchObject({ code: 0 });

            r = await pulumi(["destroy", "--yes", "--skip-preview"]);
            expect({ code: r.code, out: show(r) }).toMatchObject({ code: 0 });

            r = await pulumi(["stack", "rm", "--yes", "smoke"]);
            expect({ code: r.code, out: show(r) }).toMatchObject({ code: 0 });
        },
        TEST_TIMEOUT_MS,
    );
});
