/**
 * The harness's tests' handle on the Flink JobManager's REST API: the product's one client
 * (components/dynamic/flink/rest.ts) bound to a base URL, with the wait bound as a budget object.
 */
import {
    TERMINAL_JOB_STATES,
    cancelJob,
    clusterOverview,
    jobOverviews,
    jobState,
    stopWithSavepoint,
    waitForCheckpoints,
    waitForJobState,
} from "../../components/dynamic/flink/rest";
import type { CheckpointCounts, ClusterOverview, JobOverview, JobState } from "../../components/dynamic/flink/rest";

export type { CheckpointCounts, ClusterOverview, JobOverview, JobState };
export { TERMINAL_JOB_STATES };

/** Bound of one wait. */
export interface Budget {
    timeoutMs: number;
}

/** The JobManager at `baseUrl` (e.g. http://127.0.0.1:8081). */
export class FlinkRestClient {
    private readonly baseUrl: string;

    constructor(options: { baseUrl: string }) {
        this.baseUrl = options.baseUrl;
    }

    /** The cluster's size and Flink version. */
    overview(): Promise<ClusterOverview> {
        return clusterOverview(this.baseUrl);
    }

    /** Every job the JobManager knows, ended ones included. */
    jobs(): Promise<JobOverview[]> {
        return jobOverviews(this.baseUrl);
    }

    /** The job's state, MISSING when the cluster does not know it. */
    jobState(jobId: string): Promise<JobState> {
        return jobState(this.baseUrl, jobId);
    }

    /** Waits until the job is in one of `states`; fails at once (with its exception) when it ends otherwise. */
    waitForJobState(jobId: string, states: JobState[], budget: Budget): Promise<JobState> {
        return waitForJobState(this.baseUrl, jobId, states, budget.timeoutMs);
    }

    /** Waits until the job has at least `n` completed checkpoints. */
    waitForCheckpoints(jobId: string, n: number, budget: Budget): Promise<CheckpointCounts> {
        return waitForCheckpoints(this.baseUrl, jobId, n, budget.timeoutMs);
    }

    /** Cancels the job and waits until it has ended; returns its last state. */
    cancelAndWait(jobId: string, budget: Budget): Promise<JobState> {
        return cancelJob(this.baseUrl, jobId, budget.timeoutMs);
    }

    /** Stops the job with a savepoint and waits for it and the job's end; returns the savepoint's location. */
    stopWithSavepoint(jobId: string, targetDirectory: string | undefined, budget: Budget): Promise<string> {
        return stopWithSavepoint(this.baseUrl, jobId, targetDirectory, budget.timeoutMs);
    }
}
