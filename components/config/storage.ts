/**
 * `lakehouse:storage`: the warehouse bucket, and MinIO or AWS S3 that holds it.
 */
import { DEFAULTS } from "../defaults";
import { S3_BUCKET_NAME } from "./patterns";
import { Reader } from "./reader";
import { STORAGE_PROVIDERS, StorageConfig, StorageProvider } from "./types";

const MINIO_ROOT_USER = /^[A-Za-z0-9_.-]{3,128}$/;

/** Reads `lakehouse:storage`; the warehouse is `s3://<bucket>/`. */
export function parseStorage(r: Reader, values: Record<string, string>): StorageConfig {
    const st = r.object(values, "storage");
    const bucket = r.string(
        st.bucket,
        "storage.bucket",
        DEFAULTS.storage.bucket,
        S3_BUCKET_NAME,
        "an S3 bucket name: 3-63 lower-case letters, digits, '.' or '-'",
    );
    return {
        provider: r.oneOf<StorageProvider>(st.provider, "storage.provider", DEFAULTS.storage.provider, STORAGE_PROVIDERS),
        bucket,
        rootUser: r.string(
            st.rootUser,
            "storage.rootUser",
            DEFAULTS.storage.rootUser,
            MINIO_ROOT_USER,
            "3-128 letters, digits, '.', '_' or '-' (MinIO requires at least 3)",
        ),
        warehouse: `s3://${bucket}/`,
        forceDestroy: r.boolean(st.forceDestroy, "storage.forceDestroy", DEFAULTS.storage.forceDestroy),
    };
}
