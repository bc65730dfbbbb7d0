/**
 * What every request handler of one stand-in instance shares: the loaded store and how to persist it,
 * the write lock, the log and the instance's settings.
 */
import * as fs from "fs";
import * as path from "path";
import { loadStore, saveStore, StoreContents } from "./store";

/** One running stand-in's state, passed to every operation. */
export interface StandinContext {
    /** The store as loaded; change it in place, then persist(). */
    readonly store: StoreContents;
    /** Writes the store to the data file. */
    persist(): void;
    /** Runs fn once every earlier serialised write has settled: Dremio's source lock. */
    serial<T>(fn: () => Promise<T>): Promise<T>;
    log(line: string): void;
    /** Session token lifetime. */
    readonly tokenTtlMs: number;
    /** Bound on each request to Nessie while validating a source. */
    readonly nessieTimeoutMs: number;
}

/** Loads (or creates) the data file, writes it back at once (so it exists from the start), and builds the context. */
export function createStandinContext(settings: { dataFile: string; tokenTtlMs: number; nessieTimeoutMs: number; log: (line: string) => void }): StandinContext {
    fs.mkdirSync(path.dirname(settings.dataFile), { recursive: true });
    const store = loadStore(settings.dataFile);
    const persist = () => saveStore(settings.dataFile, store);
    persist();

    /* Writes that validate against Nessie are async: serialise every mutation, as Dremio's source lock does. */
    let queue: Promise<unknown> = Promise.resolve();
    const serial = <T>(fn: () => Promise<T>): Promise<T> => {
        const run = queue.then(fn, fn);
        queue = run.catch(() => undefined);
        return run;
    };

    return { store, persist, serial, log: settings.log, tokenTtlMs: settings.tokenTtlMs, nessieTimeoutMs: settings.nessieTimeoutMs };
}
