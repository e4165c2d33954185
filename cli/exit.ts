let requested: number | undefined;

/** A command asks to end with this exit code (without throwing), e.g. lint findings -> 1. */
export function requestExit(code: number): void {
  requested = Math.max(requested ?? 0, code);
}

/** Reads and clears the requested exit code. */
export function takeRequestedExit(): number | undefined {
  const code = requested;
  requested = undefined;
  return code;
}
