/**
 * Server-Sent Events, parsed from text as it arrives: the run's event stream
 * is read with fetch (so the token travels in a header, which EventSource
 * cannot send), so the page splits the events itself.
 */

export class EventSplitter {
  private buffer = "";

  /** Adds received text; returns the `data` of each event it completed. */
  push(text: string): string[] {
    this.buffer += text;
    const events: string[] = [];
    let at: number;
    while ((at = this.buffer.indexOf("\n\n")) >= 0) {
      const block = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + 2);
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
        .join("\n");
      if (data) events.push(data);
    }
    return events;
  }
}
