/**
 * "Gone is an answer": the lookups of the REST providers (Kafka Connect, Nessie, Dremio) where a 404
 * means the thing does not exist, not that the call failed.
 *
 * Serialization-safe (see ./toolkit/README.md).
 */
import { isNotFound } from "./toolkit/http";

/** The request's result, or undefined when the server answered 404; any other error propagates. */
export async function unlessNotFound<T>(request: Promise<T>): Promise<T | undefined> {
    try {
        return await request;
    } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
    }
}
