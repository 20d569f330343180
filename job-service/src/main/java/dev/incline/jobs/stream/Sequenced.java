package dev.incline.jobs.stream;

/** An item of a stream, identified by a sequence number that is its SSE event id. */
public interface Sequenced {
  long seq();
}
