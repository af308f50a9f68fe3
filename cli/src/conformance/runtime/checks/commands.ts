// The commands the checks run in containers. Only the shell subset busybox has (sh -c
// with echo, >&2, sleep, exit, true, false, trap "" TERM, cat, while loops), so real
// runtimes pass with a busybox image and the mock runtime can interpret them.

/** Runs until stopped. */
export const LONG_RUNNING = ["sh", "-c", "sleep 3600"] as const;

/** Ignores SIGTERM (and says so once it does), so only SIGKILL ends it. */
export const IGNORES_SIGTERM = ["sh", "-c", 'trap "" TERM; echo ready; sleep 3600'] as const;

/** Exits with code 3. */
export const EXIT_3 = ["sh", "-c", "exit 3"] as const;

/** Exits with code 0. */
export const TRUE = ["true"] as const;

/** One line on each stream. */
export const OUT_AND_ERR = ["sh", "-c", "echo out; echo err >&2"] as const;

/** Four numbered lines on stdout. */
export const FOUR_LINES = ["sh", "-c", "echo 1; echo 2; echo 3; echo 4"] as const;

/** A line, a pause, another line: a follower sees the second one arrive later. */
export const LINE_PAUSE_LINE = ["sh", "-c", "echo first; sleep 2; echo second"] as const;
