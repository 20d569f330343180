package dev.incline.jobs.logs;

import dev.incline.jobs.job.Job;
import dev.incline.jobs.job.JobService;
import dev.incline.jobs.stream.SseStreamer;
import dev.incline.platform.security.Caller;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

@RestController
class LogController {

  private final JobService jobs;
  private final LogStore store;
  private final SseStreamer streamer;

  LogController(JobService jobs, LogStore store, SseStreamer streamer) {
    this.jobs = jobs;
    this.store = store;
    this.streamer = streamer;
  }

  /** The stored log as plain text, one line per line. */
  @GetMapping(path = "/api/v1/jobs/{id}/logs", produces = {MediaType.TEXT_PLAIN_VALUE, MediaType.ALL_VALUE})
  ResponseEntity<StreamingResponseBody> text(Caller caller, @PathVariable String id,
      @RequestParam(required = false) Long after) {
    UUID jobId = jobs.require(caller.teamId(), id).getId();
    StreamingResponseBody body = out -> {
      BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
      long last = after == null ? 0 : after;
      List<LogRecord> page;
      do {
        page = store.logsAfter(jobId, last, 10_000);
        for (LogRecord l : page) {
          w.write(l.line());
          w.write('\n');
          last = l.seq();
        }
      } while (page.size() == 10_000);
      w.flush();
    };
    return ResponseEntity.ok().contentType(new MediaType("text", "plain", StandardCharsets.UTF_8)).body(body);
  }

  /** {@code ?follow=true} is the same stream for clients that cannot set {@code Accept}. */
  @GetMapping(path = "/api/v1/jobs/{id}/logs", params = "follow=true")
  SseEmitter follow(Caller caller, @PathVariable String id,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
      @RequestParam(required = false) Long after) {
    return stream(caller, id, lastEventId, after);
  }

  /** Live log: {@code event: log}, data {@code {seq, line, stream, time}}, then {@code event: end}. */
  @GetMapping(path = "/api/v1/jobs/{id}/logs", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter stream(Caller caller, @PathVariable String id,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
      @RequestParam(required = false) Long after) {
    Job job = jobs.require(caller.teamId(), id);
    UUID jobId = job.getId();
    return streamer.stream(Topics.logs(jobId), SseStreamer.resumeAfter(lastEventId, after),
        SseStreamer.Source.of((seq, limit) -> store.logsAfter(jobId, seq, limit), () -> jobs.isFinished(jobId)),
        "log", l -> Map.of("seq", l.seq(), "line", l.line(), "stream", l.stream(), "time", l.time().toString()));
  }
}
