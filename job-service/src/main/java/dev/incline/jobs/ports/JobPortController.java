package dev.incline.jobs.ports;

import dev.incline.jobs.job.JobService;
import dev.incline.jobs.job.JobStatus;
import dev.incline.jobs.job.JobView;
import dev.incline.platform.error.ConflictException;
import dev.incline.platform.security.Caller;
import dev.incline.platform.security.Role;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

/**
 * A running job's exposed ports, proxied for its team: {@code /api/v1/jobs/{id}/ports/{port}/<path>}
 * reaches {@code <path>} on the port. The job's {@code endpoints} say where each port is for the
 * job's runtime (the host for processes, a published port for Docker, a Service on Kubernetes), so
 * this works the same for every runtime, and a workload never needs its own credentials.
 */
@RestController
@RequestMapping("/api/v1/jobs/{id}/ports/{port}")
class JobPortController {

  private final JobService jobs;
  private final PortProxy proxy;

  JobPortController(JobService jobs, PortProxy proxy) {
    this.jobs = jobs;
    this.proxy = proxy;
  }

  @RequestMapping(path = {"", "/**"}, method = {RequestMethod.GET, RequestMethod.HEAD, RequestMethod.POST,
      RequestMethod.PUT, RequestMethod.PATCH, RequestMethod.DELETE})
  void forward(Caller caller, @PathVariable String id, @PathVariable int port, HttpServletRequest request,
      HttpServletResponse response) throws IOException {
    if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
      caller.require(Role.MEMBER); // what changes a workload's state takes what changing a job takes
    }
    proxy.forward(endpoint(caller, id, port), prefix(request.getRequestURI()), request, response);
  }

  /** Where the port is now; 404 for another team's job or a port it does not expose. */
  private URI endpoint(Caller caller, String id, int port) {
    JobView job = jobs.view(jobs.require(caller.teamId(), id));
    if (!job.ports().contains(port)) {
      throw new PortNotFoundException("job '" + id + "' does not expose port " + port);
    }
    if (job.status() != JobStatus.RUNNING) {
      throw new ConflictException("job-not-running",
          "job '" + id + "' is " + job.status().wire() + "; its ports are reachable only while it is Running");
    }
    String endpoint = job.endpoints().get(Integer.toString(port));
    if (endpoint == null) {
      throw new PortNotFoundException("the runtime reports no endpoint for port " + port + " of job '" + id + "' yet");
    }
    return URI.create(endpoint);
  }

  /**
   * The raw (still encoded) {@code /api/v1/jobs/{id}/ports/{port}} part of the request path. Taken
   * from the raw URI rather than rebuilt from the variables so that the rest goes on byte for byte.
   */
  static String prefix(String rawPath) {
    int slashes = 0;
    for (int i = 0; i < rawPath.length(); i++) {
      if (rawPath.charAt(i) == '/' && ++slashes == 7) {
        return rawPath.substring(0, i);
      }
    }
    return rawPath;
  }
}
