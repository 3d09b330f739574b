/**
 * Polls `cond` every 20 ms until it holds or `deadlineMs` have passed; the caller's assertion then reports what is
 * missing. The deadline is generous on purpose: on a loaded 2-core CI machine an asynchronous step (a capture written
 * after the response, a child process starting) can take far longer than on a quiet one.
 */
export async function until(cond: () => boolean | Promise<boolean>, deadlineMs = 15_000): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (!(await cond()) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}
