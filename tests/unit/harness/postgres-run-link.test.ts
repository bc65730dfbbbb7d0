/** The harness's PostgreSQL keeps its data under /var/tmp and links it from the run directory (harness/postgres/index.ts). */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { linkRunDir } from "../../../harness/postgres";

function withTemp(run: (root: string) => void): void {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "harness-pg-link-"));
    try {
        run(root);
    } finally {
        fs.rmSync(root, { recursive: true, force: true });
    }
}

test("a link left dangling when /var/tmp was emptied is kept, and the data directory made again is reached through it", () =>
    withTemp((root) => {
        const target = path.join(root, "var-tmp", "postgres");
        const link = path.join(root, "run", "postgres");
        fs.mkdirSync(path.dirname(link), { recursive: true });
        fs.symlinkSync(target, link); // what a run before the emptying left

        linkRunDir(target, link); // threw EEXIST before: existsSync follows the link and said no

        fs.mkdirSync(target, { recursive: true });
        fs.writeFileSync(path.join(target, "PG_VERSION"), "17");
        expect(fs.readFileSync(path.join(link, "PG_VERSION"), "utf8")).toBe("17");
    }));

test("a link naming another directory is replaced; a real directory is left alone; a missing link is made", () =>
    withTemp((root) => {
        const target = path.join(root, "data");
        fs.mkdirSync(target);
        const stale = path.join(root, "stale-link");
        fs.symlinkSync(path.join(root, "old"), stale);
        linkRunDir(target, stale);
        expect(fs.readlinkSync(stale)).toBe(target);

        const real = path.join(root, "real");
        fs.mkdirSync(real);
        linkRunDir(target, real);
        expect(fs.lstatSync(real).isDirectory()).toBe(true);

        const fresh = path.join(root, "fresh");
        linkRunDir(target, fresh);
        expect(fs.readlinkSync(fresh)).toBe(target);
    }));
