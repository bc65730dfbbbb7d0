import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

const repoRoot = path.resolve(__dirname, "../..");

/** A stack's config as the CLI hands it to the program: namespaced keys, objects as JSON strings. */
export function stackConfig(stack: string): Record<string, string> {
    const file = yaml.load(fs.readFileSync(path.join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
    return Object.fromEntries(Object.entries(file.config ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}
