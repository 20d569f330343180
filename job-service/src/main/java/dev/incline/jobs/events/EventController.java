package dev.incline.jobs.events;

import dev.incline.jobs.job.JobService;
import dev.incline.jobs.logs.Topics;
import dev.incline.jobs.stream.SseStreamer;
import dev.incline.platform.security.Caller;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

@RestController
class EventController {

  private final WorkloadEvents events;
  private final SseStreamer streamer;

  EventController(WorkloadEvents events, SseStreamer streamer) {
    this.events = events;
    this.streamer = streamer;
  }

  /**
   * Status changes of the team's workloads ({@code event: status}). Without {@code Last-Event-ID}
   * or {@code after} it starts from now; {@code ?after=0} replays the whole history.
   */
  @GetMapping(path = "/api/v1/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter stream(Caller caller, @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
      @RequestParam(required = false) Long after) {
    String team = caller.teamId();
    long start = lastEventId != null || after != null ? SseStreamer.resumeAfter(lastEventId, after) : events.latest(team);
    return streamer.stream(Topics.events(team), start, new SseStreamer.Source<WorkloadEvent>() {
      @Override
      public List<WorkloadEvent> after(long seq, int limit) {
        return events.after(team, seq, limit, JobService::publicId);
      }

      @Override
      public boolean dense() {
        return false;
      }
    }, "status", e -> e);
  }
}
