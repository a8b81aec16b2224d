/**
 * @module The customer pages' paths, shared by the links and the app's router.
 */

/** Prefix of a job's page; the job id follows. */
export const JOB_PAGE_PREFIX = '/customer/jobs/';

export const jobPagePath = (jobId: string) => `${JOB_PAGE_PREFIX}${encodeURIComponent(jobId)}`;
