/** Waiting with a bound: the one timeout race the dashboard's readers share. */

/** Waits for `promise` at most `ms`; true when it settled in time (a rejection counts as settled). */
export async function settledWithin(
  promise: Promise<unknown> | null,
  ms: number,
): Promise<boolean> {
  if (!promise) return true;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = promise.then(() => true, () => true);
  try {
    return await Promise.race([
      settled,
      new Promise<false>((r) => timer = setTimeout(() => r(false), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
