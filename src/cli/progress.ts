/**
 * @module cli/progress
 *
 * A spinner with a short status on stderr, for work that takes a while. Only on a terminal: in
 * pipes, CI logs and tests it prints nothing, so that output stays clean and diffable.
 */

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

export interface Progress {
  /** Changes the status text. */
  update(text: string): void
  /** Erases the spinner line (before printing something else), keeping it running. */
  clear(): void
  stop(): void
}

export function createProgress(stderr: NodeJS.WritableStream & { isTTY?: boolean }, text: string): Progress {
  if (stderr.isTTY !== true) return { update: () => undefined, clear: () => undefined, stop: () => undefined }
  let status = text
  let frame = 0
  let isShown = false
  const draw = () => {
    stderr.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${status}`)
    isShown = true
  }
  const clear = () => {
    if (isShown) stderr.write('\r\x1b[2K')
    isShown = false
  }
  const timer = setInterval(draw, 100)
  timer.unref()
  return {
    update: (next) => {
      status = next
    },
    clear,
    stop: () => {
      clearInterval(timer)
      clear()
    },
  }
}
