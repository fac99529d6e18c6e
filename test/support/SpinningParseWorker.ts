import parseTask, { type ParseReply, type ParseTask } from "../../src/liverc/ParseWorker.ts"

/**
 * A parse-thread entry for PageParser's tests: the real one, except that a page starting with
 * `SPIN` never finishes (a busy loop, as a pathological parse would be), so the deadline and the
 * thread's termination can be seen without depending on how fast any real page parses.
 */
export default function spinningParseTask(task: ParseTask): ParseReply {
  if (!task.html.startsWith("SPIN")) return parseTask(task)
  task.started.postMessage(null)
  task.started.close()
  for (;;) {
    // Busy on purpose: only terminating the thread stops this.
  }
}
