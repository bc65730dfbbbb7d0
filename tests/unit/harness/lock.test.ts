/** The harness's lock file (harness/lib/lock.ts): one holder at a time, waiters wait, a dead holder's lock is taken over. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { withFileLock } from "../../../harness/lib/lock";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "harness-lock-"));

test("a second holder waits until the first is done, and says what it waits for", async () => {
    const dir = tmp();
    const lock = path.join(dir, "sub", "build.lock");
    const order: string[] = [];
    const said: string[] = [];
    let release!: () => void;
    const firstHolds = new Promise<void>((r) => (release = r));
    const first = withFileLock(lock, { waitingFor: "first", timeoutMs: 10_000, log: () => undefined }, async () => {
        order.push("first in");
        await firstHolds;
        order.push("first out");
    });
    const second = withFileLock(lock, { waitingFor: "the build by another process", timeoutMs: 10_000, log: (m) => said.push(m) }, async () => {
        order.push("second in");
        expect(fs.readFileSync(lock, "utf8").trim()).toBe(String(process.pid));
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(order).toEqual(["first in"]);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["first in", "first out", "second in"]);
    expect(said[0]).toContain(`waiting for the build by another process (lock ${lock}, held by pid ${process.pid})`);
    expect(fs.existsSync(lock)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
});

test("a lock whose holder is gone is taken over at once; a live holder makes the wait fail at its bound", async () => {
    const dir = tmp();
    const lock = path.join(dir, "build.lock");
    fs.writeFileSync(lock, "2147483646\n"); // no such process
    expect(await withFileLock(lock, { waitingFor: "x", timeoutMs: 1000, log: () => undefined }, async () => "ran")).toBe("ran");
    fs.writeFileSync(lock, `${process.pid}\n`); // a live holder that never lets go
    await expect(withFileLock(lock, { waitingFor: "the stuck build", timeoutMs: 800, log: () => undefined }, async () => "ran")).rejects.toThrow(
        /the stuck build/,
    );
    fs.rmSync(dir, { recursive: true, force: true });
});

test("a lock file without a pid yet (its holder is writing it) is not taken over until it is a few seconds old", async () => {
    const dir = tmp();
    const lock = path.join(dir, "build.lock");
    fs.writeFileSync(lock, ""); // created, pid not written yet
    await expect(
        withFileLock(lock, { waitingFor: "the new holder", timeoutMs: 800, log: () => undefined, maxDelayMs: 100 }, async () => "ran"),
    ).rejects.toThrow(/the new holder/);
    const old = new Date(Date.now() - 10_000);
    fs.utimesSync(lock, old, old); // its holder died before writing its pid
    expect(await withFileLock(lock, { waitingFor: "x", timeoutMs: 1000, log: () => undefined }, async () => "ran")).toBe("ran");
    fs.rmSync(dir, { recursive: true, force: true });
});
