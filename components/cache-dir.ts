/**
 * Where the project keeps what it builds or downloads outside the repository, shared by the program (the
 * maintenance job's jar, the dynamic providers' serialized text) and the harness (services, the Pulumi
 * CLI, images): `LAKEHOUSE_CACHE`, else `~/.cache/cdc-lakehouse`.
 */
import * as os from "os";
import * as path from "path";

export function lakehouseCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    return env.LAKEHOUSE_CACHE || path.join(os.homedir(), ".cache", "cdc-lakehouse");
}
