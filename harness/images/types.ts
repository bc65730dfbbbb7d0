/**
 * The contract between the image builder (harness/images/build.ts) and each image's staging module
 * (harness/images/<name>.ts): which harness installs provide the image's artifacts, and which files
 * of the harness cache go into the build context under `artifacts/`.
 */
import { HarnessContext } from "../lib/types";

/** One file or directory of the harness cache copied into the build context. */
export interface StagedArtifact {
    /** Absolute path (file or directory) in the harness cache. */
    from: string;
    /** Path under the build context's `artifacts/` directory. */
    to: string;
}

export interface ImageStaging {
    /** The image name (its directory under components/images). */
    name: string;
    /** Harness service names whose install() provides the artifacts (e.g. ["kafka"]). */
    installs: string[];
    /** What to stage: absolute path -> path under artifacts/ (files or directories). */
    artifacts(ctx: HarnessContext): Promise<StagedArtifact[]>;
}
