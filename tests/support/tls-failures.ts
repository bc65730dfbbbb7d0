/**
 * What the tests of the secured services share: a CA that signed nothing the harness serves (the
 * harness's own certificate maker, run in a scratch directory), and a failure with how long it took.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createContext } from "../../harness/lib/context";
import { ensureCertificates } from "../../harness/lib/tls";

/** The PEM of a fresh CA no harness service's certificate is signed by. */
export function anotherCaCert(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "other-ca-"));
    try {
        return fs.readFileSync(ensureCertificates(createContext({ runDir: dir, log: () => undefined })).caCert, "utf8");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The error `work` rejects with, and the milliseconds it took; an Error "it succeeded" when it did not fail. */
export async function timedFailure(work: Promise<unknown>): Promise<{ message: string; ms: number }> {
    const started = Date.now();
    const err = await work.then(
        () => new Error("it succeeded"),
        (e: Error) => e,
    );
    return { message: err.message, ms: Date.now() - started };
}
