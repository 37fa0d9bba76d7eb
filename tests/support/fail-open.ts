/** What a gateway prints when its shared rate-limit check fails open (gateway/http/shared-rate-limit.ts). */
export const FAIL_OPEN_WARNING = 'rate limits: Redis does not answer';

/**
 * Runs `burst` for the first of `departments` during which no process (`outputs`: each one's output so
 * far) printed FAIL_OPEN_WARNING; undefined when every one met it. A check Redis does not answer within
 * 200 ms FAILS OPEN to the process's own bucket, with that warning (tested in rate-limit.test.ts); on a
 * loaded machine a fresh process can be that slow, and then a one-bucket claim is not what a burst
 * measures. Between tries it waits out SHARED_LIMIT_RETRY_MS, so the next burst asks Redis again.
 */
export async function burstWithoutFailOpen<T>(
  outputs: ReadonlyArray<() => string>, departments: readonly string[], burst: (department: string) => Promise<T>, label: string,
): Promise<{ department: string; result: T } | undefined> {
  for (const department of departments) {
    const before = outputs.map((output) => output().length);
    const result = await burst(department);
    if (!outputs.some((output, i) => output().slice(before[i]).includes(FAIL_OPEN_WARNING))) return { department, result };
    console.log(`[${label}] a process failed open during the ${department} burst; measuring again`);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
  }
  return undefined;
}
