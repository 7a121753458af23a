/** Resolves once `check` holds (polled every 500 ms); throws after `seconds`, even while a check hangs. */
export async function until(what: string, seconds: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), seconds * 1000);
  });
  try {
    while (!(await Promise.race([check(), late]))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await Promise.race([new Promise((r) => setTimeout(r, 500)), late]);
    }
  } finally {
    clearTimeout(timer);
  }
}
