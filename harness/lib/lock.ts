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
    opts: { waitingFor: string; timeoutMs: number; log: (message: string) => void; maxDelayMs?: number },
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
            let holder: number;
            let ageMs: number;
            try {
                holder = Number(fs.readFileSync(lockFile, "utf8").trim());
                ageMs = Date.now() - fs.statSync(lockFile).mtimeMs;
            } catch {
                return false; // released in between: try again
            }
            // No pid yet: the holder created the file and is writing its pid (or died in between: then
            // the file is taken over once a few seconds old).
            if (!(holder > 0) && ageMs < 5_000) return false;
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
        let holder = "";
        try {
            holder = fs.readFileSync(lockFile, "utf8").trim();
        } catch {
            // released in between
        }
        await waitFor(`${opts.waitingFor} (lock ${lockFile}, held by pid ${holder || "?"})`, tryTake, {
            timeoutMs: opts.timeoutMs,
            log: opts.log,
            maxDelayMs: opts.maxDelayMs,
        });
    }
    try {
        return await fn();
    } finally {
        fs.rmSync(lockFile, { force: true });
    }
}
