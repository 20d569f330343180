package dev.incline.jobs.metrics;

import dev.incline.jobs.job.Job;
import dev.incline.jobs.job.JobService;
import dev.incline.jobs.logs.LogStore;
import dev.incline.jobs.logs.Topics;
import dev.incline.jobs.stream.SseStreamer;
import dev.incline.platform.error.InvalidRequestException;
import dev.incline.platform.security.Caller;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

@RestController
class MetricsController {

  /** A chart point on the wire. */
  record Point(double x, double y, String time) {}

  /** {@code {charts: {"loss": [{x, y, time}, ...]}}}. */
  record Charts(Map<String, List<Point>> charts) {}

  private final JobService jobs;
  private final LogStore store;
  private final SseStreamer streamer;

  MetricsController(JobService jobs, LogStore store, SseStreamer streamer) {
    this.jobs = jobs;
    this.store = store;
    this.streamer = streamer;
  }

  @GetMapping("/api/v1/jobs/{id}/metrics")
  Charts charts(Caller caller, @PathVariable String id, @RequestParam(required = false) String chart,
      @RequestParam(required = false) Integer maxPoints) {
    if (maxPoints != null && (maxPoints < 2 || maxPoints > 100_000)) {
      throw new InvalidRequestException("maxPoints", "must be between 2 and 100000");
    }
    UUID jobId = jobs.require(caller.teamId(), id).getId();
    List<String> names = chart != null ? List.of(chart) : store.charts(jobId);
    Map<String, List<Point>> out = new LinkedHashMap<>();
    for (String name : names) {
      List<MetricPoint> points = store.chart(jobId, name);
      if (points.isEmpty()) {
        continue;
      }
      if (maxPoints != null) {
        points = Downsampling.lttb(points, maxPoints);
      }
      out.put(name, points.stream().map(p -> new Point(p.x(), p.y(), p.time().toString())).toList());
    }
    return new Charts(out);
  }

  /** {@code event: metric}, data {@code {chart, x, y, time}}; history first, then live, then {@code end}. */
  @GetMapping(path = "/api/v1/jobs/{id}/metrics/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter stream(Caller caller, @PathVariable String id,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
      @RequestParam(required = false) Long after) {
    Job job = jobs.require(caller.teamId(), id);
    UUID jobId = job.getId();
    return streamer.stream(Topics.metrics(jobId), SseStreamer.resumeAfter(lastEventId, after),
        SseStreamer.Source.of((seq, limit) -> store.metricsAfter(jobId, seq, limit), () -> jobs.isFinished(jobId)),
        "metric", p -> Map.of("chart", p.chart(), "x", p.x(), "y", p.y(), "time", p.time().toString()));
  }
}
