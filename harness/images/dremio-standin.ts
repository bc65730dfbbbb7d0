/**
 * The `dremio-standin` image (NOT Dremio): harness/dremio/standin compiled to CommonJS JavaScript
 * (TypeScript's transpileModule, i.e. what ts-node's transpile-only hook runs in the harness) into the
 * harness cache, then staged as artifacts/standin. The stand-in uses Node built-ins only.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ensureInstalled } from "../lib/install";
import { HarnessContext } from "../lib/types";
import { ImageStaging } from "./types";

function standinSources(ctx: HarnessContext): { dir: string; files: Record<string, string> } {
    const dir = path.join(ctx.repoDir, "harness", "dremio", "standin");
    const files: Record<string, string> = {};
    for (const f of fs.readdirSync(dir).sort()) if (f.endsWith(".ts")) files[f] = fs.readFileSync(path.join(dir, f), "utf8");
    if (!files["cli.ts"]) throw new Error(`dremio-standin image: ${dir}/cli.ts is missing`);
    return { dir, files };
}

/** Transpiles each stand-in file to CommonJS ES2022 (the repository's tsconfig target). */
export function transpileStandin(files: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, text] of Object.entries(files)) {
        const r = ts.transpileModule(text, {
            fileName: name,
            reportDiagnostics: true,
            compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true, sourceMap: false },
        });
        const errors = (r.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
        if (errors.length) throw new Error(`dremio-standin image: ${name}: ${ts.flattenDiagnosticMessageText(errors[0].messageText, "\n")}`);
        out[name.replace(/\.ts$/, ".js")] = r.outputText;
    }
    return out;
}

export const image: ImageStaging = {
    name: "dremio-standin",
    installs: [],
    async artifacts(ctx) {
        const { files } = standinSources(ctx);
        const dir = path.join(ctx.cacheDir, "dremio-standin", "js");
        await ensureInstalled(ctx, "Dremio REST stand-in (NOT Dremio) compiled to JavaScript", dir, { files, typescript: ts.version }, async (scratch) => {
            for (const [name, js] of Object.entries(transpileStandin(files))) fs.writeFileSync(path.join(scratch, name), js);
        });
        // The install marker file stays out of the image: stage the .js files one by one.
        return fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".js"))
            .sort()
            .map((f) => ({ from: path.join(dir, f), to: path.join("standin", f) }));
    },
};
