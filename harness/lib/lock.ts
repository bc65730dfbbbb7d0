/**
 * A lock file held by one process at a time, so that two runs do not race: `up`/`down` of the same run
 * directory (a test run's setup and a person), or two builds into the same cache (CI's background
 * build of the cluster's programs and the test that needs them). The file holds the holder's pid; a
 * lock whose holder is gone is taken over. Waiting is bounded and says what it waits for.
 */
import * as fs from "fs";
import * as path from "path";
import { waitFor } from "./wait";

/** Runs `fn` holding `lockFile`; waits (bounded by `timeoutMs`) while another live process holds it. */
export async function withFileLock<T>(
    lockFile: string,
    opts: { waitingFor: string; timeoutMs: number; log: (message: string) => void },
    fn: () => Promise<T>,
): Promise<T> {
    fs.mkdirSync(path.dirname(lockFile), { recursive: true });
    const tryTake = (): boolean => {
        try {
            const fd = fs.openSync(lockFile, "wx");
            fs.writeSync(fd, `${process.pid}\n`);
            fs.closeSync(fd);
            return true;
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
            const holder = Number(fs.readFileSync(lockFile, "utf8").trim());
            let alive = false;
            try {
                if (holder > 0) {
                    process.kill(holder, 0);
                    alive = true;
                }
            } catch {
                alive = false;
            }
            if (!alive) fs.rmSync(lockFile, { force: true });
            return false;
        }
    };
    if (!tryTake()) {
        const holder = fs.existsSync(lockFile) ? fs.readFileSync(lockFile, "utf8").trim() : "";
        await waitFor(`${opts.waitingFor} (lock ${lockFile}, held by pid ${holder || "?"})`, tryTake, {
            timeoutMs: opts.timeoutMs,
            log: opts.log,
        });
    }
    try {
        return await fn();
    } finally {
        fs.rmSync(lockFile, { force: true });
    }
}
